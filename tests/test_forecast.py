"""Forecasts: ordered non-negative quantiles, calibrated intervals, reproducible draws."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.errors import DataError, OptionError
from trends.forecast import BASELINES, count_model_forecaster, forecast, rolling_origin
from trends.forecast.ensemble import MIXED, SPREAD


def series(values, start="2016-01", name="incidents"):
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values), index=index, name=name)


def _ordered(table: pd.DataFrame, horizon: int) -> None:
    columns = ["lo95", "lo80", "lo50", "median", "hi50", "hi80", "hi95"]
    ordered = np.diff(table[columns].to_numpy(), axis=1) >= 0
    assert ordered.all()
    assert (table["lo95"] >= 0).all()
    assert table["prob_exceed"].between(0, 1).all()
    assert len(table) == horizon


@st.composite
def count_model_histories(draw: st.DrawFn) -> list[int]:
    """30-60 months whose last 12 (the months the count model is fitted to) hold at least
    6 non-zero counts, as forecast() requires: built that way rather than filtered, so that
    no run is rejected for filtering too much."""
    early = draw(st.lists(st.integers(0, 200), min_size=18, max_size=48))
    active = draw(st.lists(st.integers(1, 200), min_size=6, max_size=12))
    last = draw(st.permutations(active + [0] * (12 - len(active))))
    return early + list(last)


@settings(max_examples=25, deadline=None)
@given(values=count_model_histories(), horizon=st.integers(1, 12))
def test_count_model_quantiles_are_ordered_and_non_negative(values, horizon):
    result = forecast(series(values), horizon, method="count_model", draws=500, threshold=10)
    _ordered(result.tidy(), horizon)


@settings(max_examples=10, deadline=None)
@given(
    values=st.lists(st.integers(0, 5000), min_size=12, max_size=50),
    horizon=st.integers(1, 8),
)
def test_default_quantiles_are_ordered_and_non_negative(values, horizon):
    # no filter: the default method takes any 12 or more months, zeros and spikes included
    result = forecast(series(values), horizon, draws=300, threshold=10)
    _ordered(result.tidy(), horizon)
    assert result.method == "auto"
    assert sum(w for _, w in result.weights) == pytest.approx(1.0)


def test_months_follow_the_history():
    result = forecast(series(np.full(36, 5)), 3, trend=False, harmonics=0, family="poisson")
    assert result.method == "count_model"
    assert result.tidy()["month"].tolist() == ["2019-01", "2019-02", "2019-03"]


def test_same_seed_same_draws():
    y = series(np.random.default_rng(1).poisson(12, 48))
    a = forecast(y, 6, seed=4)
    b = forecast(y, 6, seed=4)
    assert np.array_equal(a.draws, b.draws)
    assert json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)
    assert not np.array_equal(a.draws, forecast(y, 6, seed=5).draws)
    c = forecast(y, 6, seed=4, method="count_model")
    assert np.array_equal(c.draws, forecast(y, 6, seed=4, method="count_model").draws)


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
            series(y[:48]), 1, family="poisson", draws=1000, seed=int(rng.integers(1e9))
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
        forecast(series([0] * 10 + [3, 4]), 3, method="count_model")
    with pytest.raises(DataError, match="at least 12 months of history; got 11"):
        forecast(series(np.ones(11)), 3)
    with pytest.raises(OptionError, match="horizon must be between 1 and 24"):
        forecast(series(np.ones(40)), 30)


def test_count_model_forecaster_runs_in_a_backtest():
    y = series(np.random.default_rng(3).negative_binomial(5, 5 / 25, 48))
    result = rolling_origin(
        y,
        {"count_model": count_model_forecaster(), **BASELINES},
        horizon=3,
        min_train_months=36,
        draws=400,
        baselines=list(BASELINES),
    )
    table = result.tidy()
    assert set(table["method"]) == {"count_model", *BASELINES}
    assert np.isfinite(table.loc[table["method"] == "count_model", "crps"]).all()


def test_method_is_chosen_by_the_options_given():
    y = series(np.random.default_rng(8).poisson(9, 40))
    assert forecast(y, 2).method == "auto"
    assert forecast(y, 2, trend=True).method == "count_model"
    assert forecast(y, 2, train_months=24).method == "count_model"
    with pytest.raises(OptionError, match="trend set the count model"):
        forecast(y, 2, method="auto", trend=True)
    with pytest.raises(OptionError, match="method must be one of auto, count_model"):
        forecast(y, 2, method="neural")  # type: ignore[arg-type]


def test_result_states_forecaster_skill_and_coverage():
    y = series(np.random.default_rng(9).negative_binomial(3, 3 / 33, 60))
    result = forecast(y, 3, draws=1000)
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert payload["method"] == "auto"
    assert set(SPREAD) <= set(payload["weights"]) <= set(MIXED)
    backtest = payload["backtest"]
    assert backtest["n_origins"] == 60 - 24
    assert backtest["best_baseline"] in BASELINES
    assert backtest["crps_ratio"] == pytest.approx(
        backtest["crps"] / backtest["baseline_crps"][backtest["best_baseline"]]
    )
    assert set(backtest["coverage"]) == {"50", "80", "95"}
    # iid counts: the 12-month empirical baseline is nearly the true distribution, and the
    # result must say so when the mixture did worse than it
    worse = backtest["crps_ratio"] > 1
    assert (payload["warning"] is not None and "did worse than" in payload["warning"]) == worse
    text = result.summary()
    for words in ("Forecaster:", "Weights:", "best baseline", "coverage"):
        assert words in text
    assert list(result.tidy().columns) == [
        "month", "horizon", "mean", "median", "lo50", "hi50", "lo80", "hi80", "lo95", "hi95",
    ]
    hostile = forecast(y.rename("<script>x</script>"), 1, draws=200)._repr_html_()
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_short_history_is_forecast_with_a_warning_and_no_backtest():
    y = series(np.random.default_rng(10).poisson(15, 30))
    result = forecast(y, 3, draws=500)
    payload = result.to_dict()
    assert payload["backtest"] is None and result.skill is None
    assert "too short to check" in payload["warning"]
    assert "too short to check" in result.summary()
    tiny = forecast(series(np.random.default_rng(11).poisson(15, 12)), 2, draws=200)
    assert "same weight" in tiny.warning and "too short to check" in tiny.warning
    assert {name for name, _ in tiny.weights} == set(SPREAD)
    assert len({w for _, w in tiny.weights}) == 1


def test_count_model_result_says_it_was_not_backtested():
    payload = forecast(series(np.random.default_rng(12).poisson(15, 40)), 2, trend=True).to_dict()
    assert payload["method"] == "count_model" and payload["backtest"] is None
    assert "not backtested" in payload["warning"]


def test_sparse_series_get_a_default_forecast():
    values = np.zeros(48, dtype=int)
    values[[5, 20, 41]] = [3, 1, 2]
    table = forecast(series(values), 3, draws=500).tidy()
    assert (table["median"] == 0).all()
    assert (table["hi95"] <= 3).all()


def _syria(start: str) -> pd.Series:
    from trends.monthly import read_monthly, to_series

    frame = read_monthly(DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv")
    y = to_series(frame, "syria_killed_best")
    return y[y.index >= pd.Period(start, "M")]


@pytest.mark.slow
def test_one_extreme_month_does_not_drag_the_syria_median():
    y = _syria("2012-01")
    recent = y.iloc[-6:]
    assert recent.max() <= 125 and y.iloc[-12:].max() == 2521
    default = forecast(y, 1).tidy().iloc[0]
    old = forecast(y, 1, method="count_model").tidy().iloc[0]
    assert recent.min() <= default["median"] <= 1.2 * recent.max()
    assert old["median"] > 2 * recent.max()


def test_intervals_that_held_too_few_months_in_the_backtest_say_so():
    """Syria's 95% intervals held 87% of the backtest's months, shown beside the nominal 0.95
    with nothing to say the intervals are too narrow."""
    result = forecast(_syria("1989-01"), 6)
    coverage = result.skill.coverage
    assert coverage["95"] < 0.90 and coverage["50"] >= 0.45
    caution = [line for line in result.method_lines() if line.startswith("Caution:")]
    assert caution == [f"Caution: in that backtest the 95% intervals held {coverage['95']:.0%} "
                       "of the months forecast: these intervals are narrower than their labels "
                       "say."]
    assert caution[0] in result.summary()
    steady = forecast(_syria("2019-01"), 6)
    assert all(steady.skill.coverage[k] >= int(k) / 100 - 0.05 for k in steady.skill.coverage)
    assert "Caution:" not in steady.summary()


def test_syria_intervals_do_not_reach_zero():
    """Syria has had no month below 70 deaths since 2011: no bound may say 0 deaths."""
    y = _syria("2019-01")
    assert y.min() >= 70
    result = forecast(y, 6)
    table = result.tidy()
    assert "zero" not in dict(result.weights)
    assert (table["lo80"] >= 20).all() and (table["lo95"] > 0).all()
    assert (table["median"].between(0.7 * y.iloc[-6:].min(), 1.3 * y.iloc[-6:].max())).all()


def test_a_permanent_level_shift_six_months_before_the_end_is_followed():
    rng = np.random.default_rng(12)
    values = np.r_[rng.negative_binomial(10, 10 / 110, 54), rng.negative_binomial(10, 10 / 410, 6)]
    table = forecast(series(values), 3, draws=2000).tidy()
    assert (table["median"] > 250).all() and (table["hi80"] > 400).all()


def test_a_month_of_a_million_moves_neither_median_nor_upper_bounds():
    rng = np.random.default_rng(13)
    values = rng.negative_binomial(5, 5 / 105, 60)
    values[50] = 1_000_000
    table = forecast(series(values), 3, draws=2000).tidy()
    assert table["median"].between(60, 140).all()
    # the month counts as a one-off spike capped at 5 times the next largest recent month
    assert (table["hi95"] <= 5 * np.sort(values[-12:])[-2]).all()
    assert (table["hi80"] < 2 * np.sort(values)[-2]).all()


def test_zeros_but_one_month_forecast_zero_and_say_the_baseline_won():
    values = np.zeros(60, dtype=int)
    values[30] = 17
    result = forecast(series(values), 3, draws=1000)
    table = result.tidy()
    assert (table["hi95"] == 0).all()
    assert result.skill is not None and result.skill.best_baseline == "zero"
    said = result.warning is not None and "did worse than the zero baseline" in result.warning
    assert said == (result.skill.ratio > 1)


def test_a_mean_above_the_95_upper_bound_is_explained_where_it_is_printed():
    idx = pd.period_range("2018-01", periods=72, freq="M")
    counts = [2, 2, 5, 1, 1, 3, 3, 4, 4, 5, 1, 6, 1, 1, 1, 1, 3, 2, 1, 3, 2, 1, 2, 3, 5, 2, 2, 2,
              8, 0, 2, 4, 2, 1, 5, 3, 2, 1, 5, 3, 7, 3, 0, 2, 3, 1_000_000, 4, 4, 2, 3, 4, 3, 5,
              9, 2, 4, 4, 2, 4, 5, 1, 3, 8, 4, 1, 8, 2, 6, 5, 2, 1, 2]
    y = pd.Series(counts, index=idx, name="killed")
    spiky = forecast(y, 3)
    table = spiky.tidy()
    above = table[table["mean"] > table["hi95"]]
    assert not above.empty  # the heavy tail itself, from the draws
    assert f"Mean above the 95% upper bound in {above['month'].iloc[0]}" in spiky.summary()
    plain = forecast(y.where(y < 100, 3), 3)
    assert "Mean above the 95% upper bound" not in plain.summary()
