"""Forecasts: ordered non-negative quantiles, calibrated intervals, reproducible draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.baselines import BASELINES, rolling_origin
from trends.errors import DataError, OptionError
from trends.forecast import count_model_forecaster, forecast


def series(values, start="2016-01", name="incidents"):
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values), index=index, name=name)


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.integers(0, 200), min_size=30, max_size=60).filter(
        lambda v: sum(x > 0 for x in v) >= 6
    ),
    horizon=st.integers(1, 12),
)
def test_quantiles_are_ordered_and_non_negative(values, horizon):
    table = forecast(series(values), horizon, n_draws=500, threshold=10).tidy()
    columns = ["lo95", "lo80", "lo50", "median", "hi50", "hi80", "hi95"]
    ordered = np.diff(table[columns].to_numpy(), axis=1) >= 0
    assert ordered.all()
    assert (table["lo95"] >= 0).all()
    assert table["prob_exceed"].between(0, 1).all()
    assert len(table) == horizon


def test_months_follow_the_history():
    result = forecast(series(np.full(36, 5)), 3, trend=False, harmonics=0, family="poisson")
    assert result.tidy()["month"].tolist() == ["2019-01", "2019-02", "2019-03"]


def test_same_seed_same_draws():
    y = series(np.random.default_rng(1).poisson(12, 48))
    a = forecast(y, 6, seed=4).draws
    b = forecast(y, 6, seed=4).draws
    assert np.array_equal(a, b)


def test_intervals_cover_at_their_level_on_model_data():
    """Poisson series with a seasonal mean: the 80% one-step interval covers about 80%."""
    rng = np.random.default_rng(2024)
    months = np.arange(49)
    mean = 15 * np.exp(0.3 * np.sin(2 * np.pi * months / 12))
    hits50 = hits80 = 0
    runs = 150
    for _ in range(runs):
        y = rng.poisson(mean)
        table = forecast(
            series(y[:48]), 1, family="poisson", n_draws=1000, seed=int(rng.integers(1e9))
        ).tidy()
        hits80 += table["lo80"][0] <= y[48] <= table["hi80"][0]
        hits50 += table["lo50"][0] <= y[48] <= table["hi50"][0]
    # counts are discrete, so inclusive intervals cover at least their level; binomial band
    assert 0.72 <= hits80 / runs <= 0.95
    assert 0.42 <= hits50 / runs <= 0.72


def test_parameter_uncertainty_widens_long_horizons():
    y = series(np.random.default_rng(5).poisson(np.linspace(5, 30, 48)))
    table = forecast(y, 12, family="poisson", trend=True, train_months=None).tidy()
    width = table["hi95"] - table["lo95"]
    assert width.iloc[-1] > width.iloc[0]


def test_short_history_and_bad_horizon_are_refused():
    with pytest.raises(DataError, match="at least 12 months of history; got 8"):
        forecast(series(np.ones(8)), 3)
    with pytest.raises(DataError, match="at least 24 months of history; got 20"):
        forecast(series(np.ones(20)), 3, train_months=None)
    with pytest.raises(DataError, match="at least 6 months with a non-zero count; incidents has 2"):
        forecast(series([0] * 10 + [3, 4]), 3)
    with pytest.raises(OptionError, match="horizon must be between 1 and 24"):
        forecast(series(np.ones(40)), 30)


def test_count_model_forecaster_runs_in_a_backtest():
    y = series(np.random.default_rng(3).negative_binomial(5, 5 / 25, 48))
    result = rolling_origin(
        y,
        {"count_model": count_model_forecaster(), **BASELINES},
        horizon=3,
        min_train=36,
        n_draws=400,
        baselines=list(BASELINES),
    )
    table = result.tidy()
    assert set(table["method"]) == {"count_model", *BASELINES}
    assert np.isfinite(table.loc[table["method"] == "count_model", "crps"]).all()
