"""Every result class follows one protocol: frozen, tidy(), summary(), to_dict(), escaped
_repr_html_, plot() returning a new altair chart (trends/results.py)."""

from __future__ import annotations

import dataclasses
import json
import pickle

import altair as alt
import numpy as np
import pandas as pd
import pytest

from trends.alerts import alerts
from trends.baselines import BASELINES, rolling_origin
from trends.decompose import decompose_change
from trends.forecast import forecast
from trends.models import CountModel
from trends.results import Result
from trends.resurgence import (
    assess,
    detect_break,
    detect_breaks,
    its_test,
    regions_detect,
    regions_test,
)
from trends.severity import fit_power_law

HOSTILE = "<img src=x onerror=alert(1)>\u202e"
IDX = pd.period_range("2014-01", periods=72, freq="M")


def series(seed=0, ratio=2.0, name=HOSTILE):
    rng = np.random.default_rng(seed)
    t = np.arange(len(IDX))
    mu = np.exp(2.8 + 0.3 * np.sin(2 * np.pi * IDX.month / 12)) * np.where(t >= 48, ratio, 1.0)
    return pd.Series(rng.negative_binomial(8, 8 / (8 + mu)).astype(float), index=IDX, name=name)


def _panel():
    y = series(1)
    return pd.DataFrame({"month": IDX.astype(str), "incidents": y.to_numpy(),
                         "killed_best": (3 * y).to_numpy()})


FACTORIES = {
    "CountFit": lambda: CountModel(family="negbin").fit(series()),
    "ITSResult": lambda: its_test(series(), "2018-01", bootstrap=49, draws=50),
    "BreakScanResult": lambda: detect_break(series(), bootstrap=19),
    "MultiBreakResult": lambda: detect_breaks(series()),
    "RegionTestResult": lambda: regions_test({"a": series(2), "b": series(3, ratio=1.0)},
                                             "2018-01", bootstrap=49),
    "RegionDetectResult": lambda: regions_detect(
        {HOSTILE: series(2), "zeros": series(3, ratio=1.0) * 0}, bootstrap=19, workers=1),
    "Assessment": lambda: assess(series(), "2018-01", bootstrap=99, scan_bootstrap=99),
    "Assessment (cannot tell)": lambda: assess(series().iloc[:50], "2014-08", bootstrap=99),
    "AlertResult": lambda: alerts(series(), None, method="farrington", years_back=2,
                                  window_half_width=2),
    "ForecastResult": lambda: forecast(series(), 3, seed=1),
    "BacktestResult": lambda: rolling_origin(series(), BASELINES, horizon=2, min_train_months=60,
                                             draws=200),
    "PowerLawResult": lambda: fit_power_law(
        np.random.default_rng(4).zipf(2.5, 400), bootstrap=20, gof_bootstrap=0),
    "DecompositionResult": lambda: decompose_change(_panel(), before=("2014-01", "2017-12"),
                                                    after=("2018-01", "2019-12"), seed=1),
}


@pytest.fixture(scope="module", params=list(FACTORIES), ids=list(FACTORIES))
def result(request):
    return FACTORIES[request.param]()


def test_is_a_frozen_result(result):
    assert isinstance(result, Result)
    assert dataclasses.is_dataclass(result)
    field = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)


def test_tidy_is_a_copy(result):
    table = result.tidy()
    assert isinstance(table, pd.DataFrame)
    if len(table):
        table.iloc[0, 0] = None
    assert not result.tidy().equals(table) or len(table) == 0


def test_summary_and_strict_json(result):
    assert isinstance(result.summary(), str) and result.summary()
    json.dumps(result.to_dict(), allow_nan=False)


def test_notebook_view_escapes_everything(result):
    html = result._repr_html_()
    assert "<img" not in html and "\u202e" not in html
    assert html.startswith("<pre>")


def test_plot_returns_a_new_chart(result):
    chart = result.plot()
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()
    assert "$schema" in spec
    assert result.plot() is not chart


def test_pickles_whole(result):
    """Reports compute results in worker processes, which send them back pickled."""
    again = pickle.loads(pickle.dumps(result))
    assert type(again) is type(result)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(result.to_dict(),
                                                                      sort_keys=True)
    pd.testing.assert_frame_equal(again.tidy(), result.tidy())
