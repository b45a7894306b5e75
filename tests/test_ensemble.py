"""The default forecaster: honest weights, exact stacking algebra, credible point masses."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.errors import OptionError
from trends.forecast import (
    BASELINES,
    auto_backtest_forecaster,
    auto_forecaster,
    fit_ensemble,
    rolling_origin,
)
from trends.forecast.ensemble import LOW_COUNT, SPREAD
from trends.forecast.scoring import crps_sample
from trends.forecast.skill import FIRST_ORIGIN, LEARN_MONTHS
from trends.forecast.stacking import (
    energy_terms,
    mean_abs_difference,
    mixture_crps,
    mixture_quantiles,
    quantile_points,
    stack_weights,
)


def series(values, start="2015-01", name="incidents"):
    index = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values), index=index, name=name)


def test_weights_at_an_origin_do_not_depend_on_later_months():
    rng = np.random.default_rng(3)
    y = series(rng.negative_binomial(4, 4 / 44, 70))
    cut = 45
    spoiled = y.copy()
    spoiled.iloc[cut:] = rng.integers(5000, 9000, len(y) - cut)
    full, other = fit_ensemble(y, 4, seed=2), fit_ensemble(spoiled, 4, seed=2)
    months = [str(m) for m in y.index[FIRST_ORIGIN - 1 : cut]]
    pd.testing.assert_frame_equal(full.weight_history.loc[months], other.weight_history.loc[months])
    # the weights the full run used at the origin are the final weights of a run that ends there
    truncated = fit_ensemble(y.iloc[:cut], 4, seed=2)
    assert np.array_equal(truncated.weights, full.weights_at(y.index[cut - 1]))
    # and the spoiled months do change the later weights, so the comparison can fail
    later = [str(m) for m in y.index[cut + 6 :]]
    assert not np.allclose(full.weight_history.loc[later], other.weight_history.loc[later])


def test_backtest_scores_only_origins_after_the_learning_months():
    y = series(np.random.default_rng(4).poisson(20, 50))
    fit = fit_ensemble(y, 3)
    assert fit.skill is not None
    assert fit.skill.first_origin == str(y.index[FIRST_ORIGIN + LEARN_MONTHS - 1])
    assert fit.skill.last_origin == str(y.index[-2])
    assert fit.skill.n_forecasts == sum(min(3, 50 - t) for t in range(24, 50))
    checked = fit.online[fit.online["origin"] >= fit.skill.first_origin]
    for name in BASELINES:
        assert fit.skill.baseline_crps[name] == pytest.approx(checked[f"crps_{name}"].mean())
    covered = ~(checked["below_80"] | checked["above_80"])
    assert fit.skill.coverage["80"] == pytest.approx(covered.mean())


def test_zero_is_offered_only_to_series_that_came_near_zero():
    rng = np.random.default_rng(6)
    high = series(rng.negative_binomial(3, 3 / 203, 60) + LOW_COUNT + 1)
    fit = fit_ensemble(high, 3)
    assert (fit.weight_history["zero"] == 0).all()
    # the four forecasters with a spread keep at least their share of the shrinkage
    assert (fit.weight_history[list(SPREAD)] >= 0.5 / len(SPREAD) - 1e-12).all().all()
    sparse = series(rng.poisson(0.4, 60))
    assert fit_ensemble(sparse, 3).weight_history["zero"].max() > 0.1


def test_the_replayed_backtest_gives_the_draws_of_a_rerun_at_every_origin():
    y = series(np.random.default_rng(7).negative_binomial(5, 5 / 45, 40))
    fast, slow = auto_backtest_forecaster(y, 3, seed=1), auto_forecaster(seed=1)
    rng = np.random.default_rng(0)
    for origin in (12, 25, 39):
        history = y.iloc[:origin]
        assert np.array_equal(fast(history, 3, 300, rng), slow(history, 3, 300, rng))
    with pytest.raises(OptionError, match="not a prefix"):
        fast(y.iloc[:20] + 1, 3, 10, rng)
    with pytest.raises(OptionError, match="horizon 2"):
        fast(y.iloc[:20], 2, 10, rng)
    result = rolling_origin(
        y, {"auto": fast, **BASELINES}, horizon=3, min_train_months=30, draws=300
    )
    assert set(result.tidy()["method"]) == {"auto", *BASELINES}


@settings(max_examples=30, deadline=None)
@given(
    x=st.lists(st.integers(0, 50), min_size=1, max_size=12),
    y=st.lists(st.integers(0, 50), min_size=1, max_size=12),
)
def test_mean_abs_difference_matches_brute_force(x, y):
    a = np.array(x, dtype=float)[:, None]
    b = np.array(y, dtype=float)[:, None]
    brute = np.abs(a[:, 0][:, None] - b[:, 0][None, :]).mean()
    assert mean_abs_difference(a, b)[0] == pytest.approx(brute)


def test_mixture_crps_is_the_crps_of_the_pooled_sample():
    rng = np.random.default_rng(5)
    first, second = rng.poisson(5, (100, 3)), rng.negative_binomial(2, 0.05, (100, 3))
    observed = np.array([4.0, 30.0, 0.0])
    points = np.stack([quantile_points(first), quantile_points(second)])
    a, b, _, _ = energy_terms(points, observed)
    weights = np.array([0.3, 0.7])
    pooled = np.concatenate([np.repeat(points[0], 3, axis=0), np.repeat(points[1], 7, axis=0)])
    assert np.allclose(mixture_crps(weights, a, b), crps_sample(observed, pooled))
    median = mixture_quantiles(points, weights, np.array([0.5]))[0]
    assert np.array_equal(median, np.quantile(pooled, 0.5, axis=0, method="inverted_cdf"))


def test_stacking_finds_the_better_forecaster_and_a_useful_mixture():
    rng = np.random.default_rng(6)
    observed = rng.poisson(10, 400).astype(float)
    good = np.tile(quantile_points(rng.poisson(10, (400, 1))), (1, 400))
    low = np.zeros_like(good)
    points = np.stack([good, low])
    a, b, _, _ = energy_terms(points, observed)
    weights = stack_weights(a.mean(axis=0), b.mean(axis=0))
    assert weights[0] > 0.95
    # two point forecasts either side of the truth: the mixture beats either alone
    points = np.stack([np.full((100, 400), 7.0), np.full((100, 400), 13.0)])
    a, b, _, _ = energy_terms(points, observed)
    weights = stack_weights(a.mean(axis=0), b.mean(axis=0))
    assert 0.3 < weights[0] < 0.7
    assert mixture_crps(weights, a, b).mean() < a.mean(axis=0).min()


def _bundled() -> dict[str, pd.Series]:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "forecast_backtest.py"
    spec = importlib.util.spec_from_file_location("forecast_backtest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bundled_series()


@pytest.mark.slow
def test_default_beats_the_best_baseline_on_every_bundled_series_and_covers():
    """The nested backtest of benchmarks/forecast_backtest.py, checked.

    Every series: CRPS no worse than the best baseline chosen after the fact, and no
    badly under-covering interval. Syria and Iraq deaths (62 and 146 scored origins,
    coverage uncertain by about +-0.03 to +-0.05): 80% coverage within 0.06 of 0.80 and
    95% coverage within 0.90-0.97 (measured: 0.78-0.85 and 0.91-0.97; Iraq from 2012
    covers 0.854 at 80%, Syria from 2019 0.91 at 95%, see docs/forecast.md). Pooled
    over all series: 0.75-0.90 and 0.92-0.97 (the short IS series over-cover after
    2017's collapse).
    """
    pooled = []
    for name, y in _bundled().items():
        fit = fit_ensemble(y, 6)
        skill = fit.skill
        assert skill is not None, name
        assert skill.ratio <= 1.0, (name, skill.ratio, skill.best_baseline)
        # the hostile series' quiet origins in its zero runs, all covered, are left out: its
        # 163 others cover 0.896 at 95%
        floor = 0.88 if name.startswith("hostile") else 0.90
        assert skill.coverage["80"] >= 0.75 and skill.coverage["95"] >= floor, name
        if name.startswith(("syria", "iraq")):
            assert abs(skill.coverage["80"] - 0.80) <= 0.06, (name, skill.coverage)
            assert 0.90 <= skill.coverage["95"] <= 0.97, (name, skill.coverage)
        pooled.append(fit.online[fit.online["origin"] >= skill.first_origin])
    every = pd.concat(pooled)
    assert 0.75 <= every["covered_80"].mean() <= 0.90
    assert 0.92 <= every["covered_95"].mean() <= 0.97
