"""The spread forecasters: a robust centre plus its own past errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.forecast.levels import (
    TOP_FACTOR,
    TOP_WINDOW,
    despike,
    error_draws,
    fast_robust_level_forecast,
    past_errors,
    random_walk_forecast,
    robust_level_forecast,
)
from trends.forecast.scoring import interval_coverage

SPREAD = {
    "robust_level": robust_level_forecast,
    "robust_level_fast": fast_robust_level_forecast,
    "random_walk": random_walk_forecast,
}


def series(values, start="2015-01"):
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values), index=index, name="deaths")


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.integers(0, 5000), min_size=2, max_size=70),
    horizon=st.integers(1, 7),
)
def test_draws_are_counts_of_the_right_shape_and_capped(values, horizon):
    y = series(values)
    ceiling = TOP_FACTOR * max(float(despike(y).iloc[-TOP_WINDOW:].max()), 10.0)
    for name, forecaster in SPREAD.items():
        draws = forecaster(y, horizon, 300, np.random.default_rng(0))
        assert draws.shape == (300, horizon), name
        assert np.issubdtype(draws.dtype, np.integer), name
        assert draws.min() >= 0 and draws.max() <= np.ceil(ceiling), name


def test_errors_are_measured_against_the_months_as_observed_from_earlier_months_only():
    y = series([10, 20, 40, 80, 160])
    level, errors = past_errors(y, lambda z: float(z[-1]), 2)
    assert np.expm1(level) == pytest.approx(160)
    one, age = errors[0]
    # origin s forecasts month s from months < s: log1p(y[s]) - log1p(y[s - 1])
    expected = np.log1p([20, 40, 80, 160]) - np.log1p([10, 20, 40, 80])
    assert np.allclose(one, expected) and age.tolist() == [4.0, 3.0, 2.0, 1.0]
    two, _ = errors[1]
    assert np.allclose(two, np.log1p([40, 80, 160]) - np.log1p([10, 20, 40]))


def test_the_centre_ignores_a_one_off_spike_but_its_error_is_kept():
    values = np.r_[np.full(40, 100), 40_000, np.full(5, 100)]
    _, errors = past_errors(series(values), lambda z: float(np.median(z[-12:])), 1)
    # the spike month is an error of log(40001/101) ...
    assert errors[0][0].max() == pytest.approx(np.log(40_001 / 101))
    draws = robust_level_forecast(series(values), 1, 4000, np.random.default_rng(1))
    # ... but the median stays at the level and no draw goes past 3 x the capped spike
    assert 90 <= np.median(draws) <= 110
    assert draws.max() <= 3 * 500


def test_spread_grows_with_the_horizon_when_past_changes_did():
    rng = np.random.default_rng(4)
    y = series(np.rint(np.exp(np.log(200) + np.cumsum(rng.normal(0, 0.25, 90)))))
    draws = random_walk_forecast(y, 6, 8000, rng)
    width = np.subtract(*np.quantile(draws, [0.9, 0.1], axis=0))
    assert width[5] > 1.8 * width[0]


def test_error_draws_widen_the_lower_half_and_keep_heavy_tails():
    rng = np.random.default_rng(5)
    error = rng.normal(0.0, 0.4, 60)
    draws = error_draws(error, np.arange(60.0)[::-1], 40_000, rng)
    median = np.median(draws)
    assert abs(median - np.median(error)) < 0.05
    lower, upper = median - np.quantile(draws, 0.1), np.quantile(draws, 0.9) - median
    assert 1.15 < lower / upper < 1.45
    # the Student t half gives tails past the largest past error
    assert np.quantile(draws, 0.999) > error.max()


@pytest.mark.parametrize("name", list(SPREAD))
def test_intervals_cover_at_least_their_level_on_a_heavy_tailed_local_level(name):
    """Counts around a log-scale random walk with Student t (3 df) noise, 300 series.

    Each forecaster alone is deliberately wide (its lower half is widened and half of
    its draws come from a t), so on data like these it covers more than the nominal
    level; docs/forecast.md gives the figures. The bands are that measurement plus
    binomial error: no under-coverage, and no interval so wide it always covers.
    """
    rng = np.random.default_rng(2024)
    hits = {0.8: 0, 0.95: 0}
    runs = 300
    for _ in range(runs):
        log_mean = np.log(50) + np.cumsum(rng.normal(0, 0.1, 81)) + 0.3 * rng.standard_t(3, 81)
        y = rng.poisson(np.exp(log_mean))
        draws = SPREAD[name](series(y[:80]), 1, 2000, rng)
        for level in hits:
            hits[level] += interval_coverage([y[80]], draws, level)[0]
    assert 0.76 <= hits[0.8] / runs <= 0.94
    assert 0.92 <= hits[0.95] / runs <= 0.995
