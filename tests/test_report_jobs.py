"""A report's analyses in worker processes: the same results as one after another."""

from __future__ import annotations

import dataclasses
import json
from functools import partial

import pandas as pd
import pytest
from conftest import GED

from trends.report.analysis import analyse
from trends.report.data import prepare
from trends.report.definition import Analysis, Filters, ReportDefinition
from trends.report.jobs import Jobs, default_workers
from trends.validate import parse_month


def _month_or_fail(text: str) -> str:
    return str(parse_month(text, "month"))


@pytest.mark.parametrize("workers", [1, 2])
def test_jobs_return_results_and_reasons_by_name(workers):
    with Jobs(workers=workers) as jobs:
        assert jobs.parallel == (workers > 1)
        jobs.submit("bad", partial(_month_or_fail, "2019-13"))
        jobs.submit("good", partial(_month_or_fail, "2019-11"))
        assert jobs.result("good") == ("2019-11", None)
        result, why = jobs.result("bad")
    assert result is None and "2019-13" in why


def test_a_job_that_fails_otherwise_raises_here():
    with Jobs(workers=2) as jobs:
        jobs.submit("boom", partial(int, "not a number"))
        with pytest.raises(ValueError, match="not a number"):
            jobs.result("boom")


def test_trends_workers_sets_the_number_of_workers(monkeypatch):
    monkeypatch.setenv("TRENDS_WORKERS", "1")
    assert default_workers() == 1
    monkeypatch.setenv("TRENDS_WORKERS", "none")
    assert 1 <= default_workers() <= 2


def _as_json(findings) -> str:
    out = {}
    for field in dataclasses.fields(findings):
        value = getattr(findings, field.name)
        if isinstance(value, pd.Series | pd.DataFrame):
            value = value.to_json()
        elif hasattr(value, "to_dict"):
            value = value.to_dict()
        elif isinstance(value, tuple):
            value = [v.to_dict() for v in value]
        out[field.name] = value
    return json.dumps(out, sort_keys=True, default=str)


@pytest.mark.slow
def test_analyses_in_workers_match_those_run_one_after_another():
    definition = ReportDefinition(
        title="IS incidents in three governorates", slug="three", inputs=(str(GED),),
        filters=Filters(actors=("IS",), regions=("Deir ez-Zor", "Homs", "Ar-Raqqah")),
        analysis=Analysis(measure="killed_best", break_month="2017-11", bootstrap=99,
                          alert_years_back=2, alert_window=2),
    )
    data, when = prepare(definition)
    alone = analyse(data, when, definition.analysis)
    with Jobs(workers=2) as jobs:
        assert jobs.parallel
        side_by_side = analyse(data, when, definition.analysis, workers=jobs)
    assert alone.region_verdicts and alone.sensitivity is not None and alone.tail is not None
    assert _as_json(side_by_side) == _as_json(alone)
