"""Tests of trends.baselines: forecaster protocol, backtest alignment and determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.baselines import (
    BASELINES,
    empirical_forecast,
    last_value_forecast,
    poisson_mean_forecast,
    rolling_origin,
    zero_forecast,
)
from trends.errors import DataError, OptionError

RESULTS = Path(__file__).parent / "results"


def monthly(values, start="2016-01", name="incidents") -> pd.Series:
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values), index=index, name=name)


def homs() -> pd.Series:
    df = pd.read_csv(RESULTS / "ged_is_homs_monthly.csv")
    index = pd.PeriodIndex(df["month"], freq="M")
    return pd.Series(df["incidents"].to_numpy(), index=index, name="incidents")


@settings(max_examples=40, deadline=None)
@given(
    history=st.lists(st.integers(0, 10_000), min_size=1, max_size=40),
    horizon=st.integers(1, 8),
    n_draws=st.integers(1, 30),
)
def test_baseline_draws_are_non_negative_integers_of_the_right_shape(history, horizon, n_draws):
    y = monthly(history)
    for name, forecaster in BASELINES.items():
        draws = forecaster(y, horizon, n_draws, np.random.default_rng(0))
        assert draws.shape == (n_draws, horizon), name
        assert np.issubdtype(draws.dtype, np.integer), name
        assert np.all(draws >= 0), name


def test_each_baseline_does_what_it_says():
    y = monthly([100] * 20 + list(range(12)))
    rng = np.random.default_rng(5)
    assert np.all(zero_forecast(y, 3, 10, rng) == 0)
    assert np.all(last_value_forecast(y, 3, 10, rng) == 11)
    draws = poisson_mean_forecast(y, 3, 40_000, rng)
    assert abs(draws.mean() - 5.5) < 4 * np.sqrt(5.5 / draws.size)
    assert abs(draws.var() - 5.5) < 0.15  # Poisson: variance equals mean
    draws = empirical_forecast(y, 3, 24_000, rng)
    values, freq = np.unique(draws, return_counts=True)
    assert values.tolist() == list(range(12))
    assert np.all(
        np.abs(freq / draws.size - 1 / 12) < 4 * np.sqrt((1 / 12) * (11 / 12) / draws.size)
    )


def test_backtest_forecasts_the_months_after_each_origin():
    y = homs()

    def oracle(history, horizon, n_draws, rng):
        future = y.to_numpy()[len(history) : len(history) + horizon]
        future = np.pad(future, (0, horizon - future.size))
        return np.tile(future, (n_draws, 1))

    result = rolling_origin(
        y, {"oracle": oracle, **BASELINES}, horizon=4, min_train_months=30, draws=50
    )
    table = result.forecasts
    mine = table[table["method"] == "oracle"]
    assert np.all(mine["crps"] == 0) and np.all(mine["absolute_error"] == 0)
    assert np.all(mine["covered_50"])
    expected_rows = sum(min(4, len(y) - t) for t in range(30, len(y)))
    assert len(mine) == expected_rows
    first = mine.iloc[0]
    assert (first["origin"], first["target_month"]) == (str(y.index[29]), str(y.index[30]))
    months = pd.PeriodIndex(mine["target_month"], freq="M") - pd.PeriodIndex(
        mine["origin"], freq="M"
    )
    assert [m.n for m in months] == mine["horizon"].tolist()
    skill = result.tidy().set_index(["method", "horizon"]).loc["oracle", "skill"]
    assert np.allclose(skill, 1.0)


def test_tidy_means_and_skill_follow_from_the_long_table():
    y = homs()
    copy_of_empirical = empirical_forecast
    result = rolling_origin(
        y, {**BASELINES, "model": copy_of_empirical}, horizon=3, min_train_months=36, draws=300,
        seed=4,
    )
    tidy = result.tidy()
    long = result.forecasts
    for (method, horizon), rows in long.groupby(["method", "horizon"]):
        row = tidy[(tidy["method"] == method) & (tidy["horizon"] == horizon)].iloc[0]
        assert row["crps"] == pytest.approx(rows["crps"].mean())
        assert row["coverage_80"] == pytest.approx(rows["covered_80"].mean())
        assert 0 <= row["coverage_95"] <= 1
    for horizon in (1, 2, 3):
        at_h = tidy[tidy["horizon"] == horizon].set_index("method")
        best = at_h.loc[list(BASELINES), "crps"].min()
        assert at_h.loc["model", "skill"] == pytest.approx(1 - at_h.loc["model", "crps"] / best)
        assert np.isnan(at_h.loc[list(BASELINES), "skill"]).all()
    json.dumps(result.to_dict())
    assert "Skill vs the best baseline" in result.summary()


def test_backtest_is_deterministic_and_independent_of_other_methods():
    y = homs()
    one = rolling_origin(y, BASELINES, horizon=2, draws=200, seed=9)
    two = rolling_origin(y, BASELINES, horizon=2, draws=200, seed=9)
    alone = rolling_origin(y, {"empirical_12": empirical_forecast}, horizon=2, draws=200, seed=9)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    mine = one.forecasts[one.forecasts["method"] == "empirical_12"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone.forecasts)
    other = rolling_origin(y, BASELINES, horizon=2, draws=200, seed=10)
    assert not one.forecasts["crps"].equals(other.forecasts["crps"])


@settings(max_examples=15, deadline=None)
@given(level=st.integers(0, 500), extra=st.integers(1, 6))
def test_last_value_of_a_constant_series_has_zero_crps(level, extra):
    y = monthly([level] * (12 + extra))
    result = rolling_origin(
        y, {"last_value": last_value_forecast}, horizon=3, min_train_months=12, draws=5
    )
    assert np.all(result.forecasts["crps"] == 0)
    assert np.all(np.isfinite(result.tidy()["log_score"]))


def test_backtest_rejects_bad_input_with_clear_messages():
    with pytest.raises(DataError, match="needs more than min_train_months = 36"):
        rolling_origin(monthly([1] * 30), BASELINES)
    gappy = monthly([1] * 40).drop(pd.Period("2017-03", freq="M"))
    with pytest.raises(DataError, match="every month"):
        rolling_origin(gappy, BASELINES)

    def bad(history, horizon, n_draws, rng):
        return np.full((n_draws, horizon), 0.5)

    with pytest.raises(OptionError, match="'bad' must return non-negative integer draws"):
        rolling_origin(monthly([1] * 40), {"bad": bad})
    with pytest.raises(OptionError, match="not among the forecasters"):
        rolling_origin(monthly([1] * 40), BASELINES, baselines=["naive"])


def test_origins_a_method_cannot_forecast_from_are_left_out_for_every_method():
    """Iraq's deaths had months without any count around 2000, where the count model needs
    6 months with a count: the backtest stopped there. It now leaves those origins out for
    every method, says so, and scores the rest."""
    from trends.forecast import count_model_forecaster

    values = np.r_[[0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0],
                   np.random.default_rng(4).poisson(20.0, 30)].astype(float)
    y = pd.Series(values, index=pd.period_range("2016-01", periods=len(values), freq="M"),
                  name="killed")
    methods = {"count_model": count_model_forecaster(), **BASELINES}
    result = rolling_origin(y, methods, horizon=2, min_train_months=12, draws=100)
    left = {origin for origin, _, _ in result.left_out}
    assert left and {method for _, method, _ in result.left_out} == {"count_model"}
    assert all("months with a non-zero count" in reason for _, _, reason in result.left_out)
    scored = result.forecasts.groupby("method")["origin"].apply(frozenset)
    assert len(set(scored)) == 1 and not left & next(iter(scored))   # the same origins for all
    assert len(left) + len(next(iter(scored))) == len(y) - 12
    assert f"Left out {len(left)} origins (" in result.summary()
    d = json.loads(json.dumps(result.to_dict()))
    assert d["n_draws"] == 100 and d["min_train"] == 12
    assert [row["origin"] for row in d["left_out"]] == sorted(left)
    with pytest.raises(DataError, match=r"non-zero count.*\(from every origin, so count_model "
                                        r"cannot be backtested\)"):
        rolling_origin(y.iloc[:20], methods, horizon=2, min_train_months=12, draws=100)
