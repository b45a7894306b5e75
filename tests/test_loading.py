"""One loader: the command line, report pages and trends.aggregate make the same panel."""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest
from conftest import DATA, GED, SEEDS

import trends
from trends.cli import main
from trends.csvout import to_csv_text
from trends.errors import OptionError
from trends.loading import load_panel
from trends.report.data import load
from trends.report.definition import Analysis, Filters, ReportDefinition

MONTHLY = DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
THREE = ("Deir ez-Zor", "Homs", "Ar-Raqqah")


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*map(str, args)])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def is_panel():
    return load_panel([GED], actors=["IS"], regions=list(THREE), start="2016-01", end="2019-11")


def test_command_line_aggregate_writes_the_loaded_panel(is_panel):
    status, out, _ = cli("aggregate", GED, "--actor", "IS", "--start", "2016-01",
                         "--end", "2019-11", *[a for r in THREE for a in ("--region", r)])
    assert status == 0
    assert out == to_csv_text(is_panel.panel)
    # the published IS events in the three governorates over the period, summed by hand
    assert is_panel.panel["incidents"].sum() == len(is_panel.kept)


def test_report_and_python_api_load_the_same_panel(is_panel):
    definition = ReportDefinition(
        title="t", slug="t", inputs=(str(GED),),
        filters=Filters(actors=("IS",), regions=THREE, start="2016-01", end="2019-11"),
        analysis=Analysis(measure="incidents"),
    )  # fmt: skip
    data = load(definition)
    pd.testing.assert_frame_equal(data.panel, is_panel.panel)
    assert data.rows_read == is_panel.rows_read
    via_aggregate = trends.aggregate(
        GED, actors=["IS"], regions=list(THREE), start="2016-01", end="2019-11"
    )
    pd.testing.assert_frame_equal(via_aggregate, is_panel.panel)


def test_a_monthly_table_is_read_as_it_is_within_the_window():
    loaded = load_panel([MONTHLY], measure="syria_killed_best", start="2020-01", end="2020-12")
    assert loaded.monthly and loaded.kept is None
    assert loaded.panel["month"].tolist() == [f"2020-{m:02d}" for m in range(1, 13)]
    raw = pd.read_csv(MONTHLY)
    expected = raw[raw["month"].between("2020-01", "2020-12")]["syria_killed_best"].tolist()
    assert loaded.panel["syria_killed_best"].tolist() == expected


def test_the_months_of_a_monthly_table_outside_the_window_are_counted_and_listed():
    """They were dropped silently: a page said "Rows read: 86; filtered: 0" of 446."""
    loaded = load_panel([MONTHLY], measure="syria_killed_best", start="2020-01", end="2020-12")
    raw = pd.read_csv(MONTHLY)
    assert loaded.rows_read == len(raw) == 446
    log = loaded.log.to_frame()
    assert loaded.log.counts()["filtered"] == len(raw) - 12 == len(log)
    outside = raw.index[~raw["month"].between("2020-01", "2020-12")]
    assert log["line"].tolist() == (outside + 2).tolist()     # the header is line 1
    assert log["incident_id"].tolist() == raw.loc[outside, "month"].tolist()
    assert set(log["reason"]) == {"month before the start 2020-01", "month after the end 2020-12"}
    status, _, err = cli("detect", str(MONTHLY), "--measure", "syria_killed_best",
                         "--start", "2020-01", "--bootstrap", "19")
    assert status == 0 and "446 rows read; 0 dropped, 372 filtered" in err   # before 2020-01


def test_loader_errors_name_what_is_wrong():
    with pytest.raises(OptionError, match=r"no month of .* lies in 2030-01"):
        load_panel([MONTHLY], measure="syria_killed_best", start="2030-01")
    with pytest.raises(OptionError, match="monthly table, which is read alone; 2 inputs"):
        load_panel([MONTHLY, SEEDS])
    with pytest.raises(TypeError, match="'regon'; did you mean 'regions'"):
        load_panel([SEEDS], regon=["Homs"])
    with pytest.raises(TypeError, match="'actor'; did you mean 'actors'"):
        trends.aggregate(SEEDS, actor=["IS"])
    with pytest.raises(OptionError, match=r"start must be a month written YYYY-MM, the month from "
                                          r"01 to 12; got .2024-13."):
        load_panel([SEEDS], start="2024-13")


def test_aggregate_refuses_a_monthly_table():
    status, out, err = cli("aggregate", MONTHLY)
    assert status == 2 and out == ""
    assert "already a monthly table; aggregate reads incident files" in err


def test_a_monthly_table_may_head_its_month_and_region_columns_in_any_case(tmp_path):
    """A spreadsheet's 'Month' and 'Region ' columns were 'cannot tell the layout'."""
    months = pd.period_range("2020-01", periods=30, freq="M").astype(str)
    lower = pd.DataFrame({"month": list(months) * 2, "region": ["A"] * 30 + ["B"] * 30,
                          "Killed": [(7 * i) % 11 for i in range(60)]})
    lower.to_csv(tmp_path / "lower.csv", index=False)
    lower.rename(columns={"month": "MONTH", "region": " Region"}).to_csv(
        tmp_path / "upper.csv", index=False)
    runs = [cli("forecast", tmp_path / f"{name}.csv", "--measure", "Killed", "--by", "region",
                "--json") for name in ("lower", "upper")]
    assert runs[0][0] == 0 and runs[0][1] == runs[1][1]
    assert [r["region"] for r in json.loads(runs[1][1])] == ["A", "B"]
    status, _, err = cli("forecast", tmp_path / "upper.csv", "--measure", "killed")
    assert status == 2 and "measures: Killed)" in err
