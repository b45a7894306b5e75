"""Tests of trends.scoring: closed forms against sums and samples, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
import scoringrules as sr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special, stats

from trends.errors import DataError, OptionError
from trends.scoring import (
    absolute_error_median,
    central_interval,
    crps_negbinom,
    crps_sample,
    interval_coverage,
    log_score_negbinom,
    log_score_sample,
    pit_negbinom,
    pit_sample,
    score_sample,
)


def direct_crps(y: int, mean: float, size: float) -> float:
    """CRPS = sum_k (F(k) - 1{y <= k})^2 for an integer-valued forecast."""
    dist = stats.poisson(mean) if np.isinf(size) else stats.nbinom(size, size / (size + mean))
    k = np.arange(0, int(max(dist.isf(1e-17), y)) + 2)
    return float(np.sum((dist.cdf(k) - (y <= k)) ** 2))


GRID = [
    (y, mean, size)
    for size in (0.05, 0.3, 1.0, 4.0, 30.0)
    for mean in (0.2, 3.0, 40.0, 800.0)
    for y in (0, round(mean), round(3 * mean) + 1)
]


@pytest.mark.parametrize(("y", "mean", "size"), GRID)
def test_crps_negbinom_matches_direct_sum_over_the_cdf(y, mean, size):
    assert crps_negbinom(y, mean, size)[0] == pytest.approx(direct_crps(y, mean, size), rel=1e-8)


@pytest.mark.parametrize(("y", "mean", "size"), [(0, 500.0, 300.0), (5000, 5000.0, 1000.0)])
def test_crps_negbinom_is_finite_where_the_hypergeometric_form_fails(y, mean, size):
    with np.errstate(all="ignore"):
        closed = sr.crps_negbinom(y, size, mu=mean)
    assert not np.isfinite(closed)  # scoringrules 0.10 returns NaN here
    assert crps_negbinom(y, mean, size)[0] == pytest.approx(direct_crps(y, mean, size), rel=1e-8)


def test_crps_negbinom_infinite_size_is_the_poisson_crps():
    y, mean = np.array([0, 3, 9]), 3.5
    assert crps_negbinom(y, mean, np.inf) == pytest.approx(sr.crps_poisson(y, mean), rel=1e-9)


def test_crps_negbinom_matches_a_large_sample_estimate():
    rng = np.random.default_rng(20240101)
    mean, size, y = 12.0, 0.8, 7
    draws = rng.negative_binomial(size, size / (size + mean), size=(40, 10_000))
    # unbiased estimate per batch (probability weighted moments, equal to the "fair"
    # estimator); the spread of the batch estimates gives the Monte Carlo error
    batches = sr.crps_ensemble(np.full(40, y), draws, estimator="pwm")
    standard_error = batches.std(ddof=1) / np.sqrt(batches.size)
    assert abs(batches.mean() - crps_negbinom(y, mean, size)[0]) < 4 * standard_error


def test_crps_sample_equals_the_energy_form():
    rng = np.random.default_rng(7)
    draws = rng.poisson(4.0, size=(50, 3))
    obs = np.array([0.0, 4.0, 11.0])
    pairwise = np.abs(draws[:, None, :] - draws[None, :, :]).mean(axis=(0, 1))
    expected = np.abs(draws - obs).mean(axis=0) - 0.5 * pairwise
    assert crps_sample(obs, draws) == pytest.approx(expected, rel=1e-12)


def test_log_score_negbinom_matches_the_gamma_function_formula():
    y, mean, size = np.array([0, 2, 17, 250]), 9.0, 0.4
    p = size / (size + mean)
    logpmf = (
        special.gammaln(y + size)
        - special.gammaln(size)
        - special.gammaln(y + 1)
        + size * np.log(p)
        + y * np.log1p(-p)
    )
    assert log_score_negbinom(y, mean, size) == pytest.approx(-logpmf, rel=1e-10)


def test_log_score_negbinom_is_finite_for_size_below_one():
    with np.errstate(all="ignore"):
        assert np.isinf(sr.logs_negbinom(0, 0.5, mu=3.0))  # the reason scipy is used
    assert np.isfinite(log_score_negbinom(0, 3.0, 0.5)[0])


def test_log_score_negbinom_approaches_poisson_for_large_size():
    y = np.array([0, 4, 10])
    expected = -stats.poisson.logpmf(y, 4.0)
    assert log_score_negbinom(y, 4.0, 1e6) == pytest.approx(expected, abs=1e-4)


def test_log_score_sample_is_the_empirical_probability_and_floors_misses():
    draws = np.array([1, 1, 1, 2, 5])[:, None]
    assert log_score_sample([1], draws)[0] == pytest.approx(-np.log(3 / 5))
    assert log_score_sample([3], draws)[0] == pytest.approx(np.log(6))


def test_absolute_error_uses_the_sample_median():
    draws = np.array([[0, 10], [2, 10], [9, 10], [100, 14]])
    assert absolute_error_median([1, 10], draws) == pytest.approx([4.5, 0.0])


def test_central_interval_bounds_are_draws_and_inclusive():
    draws = np.arange(101)[:, None]
    lower, upper = central_interval(draws, 0.5)
    assert (lower[0], upper[0]) == (25, 75)
    assert interval_coverage([25, 75, 24, 76], np.tile(draws, (1, 4)), 0.5).tolist() == [
        True,
        True,
        False,
        False,
    ]


@pytest.mark.slow
def test_coverage_of_a_calibrated_count_forecast_is_the_interval_probability():
    rng = np.random.default_rng(11)
    dist = stats.nbinom(2.0, 2.0 / (2.0 + 6.0))
    draws = dist.rvs(size=(4000, 1), random_state=rng)
    obs = dist.rvs(size=3000, random_state=rng)
    for level in (0.5, 0.8, 0.95):
        lower, upper = central_interval(draws, level)
        # an inclusive interval of counts holds at least `level` of the distribution
        held = dist.cdf(upper[0]) - dist.cdf(lower[0] - 1)
        assert held >= level - 0.02
        rate = interval_coverage(obs, np.tile(draws, (1, obs.size)), level).mean()
        assert abs(rate - held) < 4 * np.sqrt(held * (1 - held) / obs.size)


def test_randomised_pit_is_uniform_for_calibrated_forecasts():
    rng = np.random.default_rng(3)
    mean, size = 5.0, 1.5
    obs = rng.negative_binomial(size, size / (size + mean), size=2000)
    assert stats.kstest(pit_negbinom(obs, mean, size, rng), "uniform").pvalue > 0.01
    draws = rng.negative_binomial(size, size / (size + mean), size=(5000, 1))
    pit = pit_sample(obs, np.tile(draws, (1, obs.size)), rng)
    assert stats.kstest(pit, "uniform").pvalue > 0.01


counts = arrays(
    np.int64, st.tuples(st.integers(1, 60), st.integers(1, 4)), elements=st.integers(0, 500)
)


@settings(max_examples=60, deadline=None)
@given(sample=counts, data=st.data())
def test_sample_scores_are_finite_and_bounded(sample, data):
    obs = np.array(
        data.draw(st.lists(st.integers(0, 600), min_size=sample.shape[1], max_size=sample.shape[1]))
    )
    scores = score_sample(obs, sample, rng=np.random.default_rng(0))
    for key in ("crps", "log_score", "absolute_error"):
        assert np.all(np.isfinite(scores[key])) and np.all(scores[key] >= 0)
    for level in (50, 80, 95):
        assert set(np.unique(scores[f"covered_{level}"])) <= {False, True}
    assert np.all(scores["covered_50"] <= scores["covered_80"])
    assert np.all(scores["covered_80"] <= scores["covered_95"])
    assert np.all((scores["pit"] >= 0) & (scores["pit"] <= 1))


@settings(max_examples=30, deadline=None)
@given(value=st.integers(0, 10_000), n_draws=st.integers(1, 50))
def test_a_perfect_point_forecast_scores_zero(value, n_draws):
    scores = score_sample([value], np.full((n_draws, 1), value))
    assert scores["crps"][0] == 0
    assert scores["log_score"][0] == 0
    assert scores["absolute_error"][0] == 0
    assert scores["covered_50"][0]


def test_errors_name_the_problem():
    with pytest.raises(DataError, match="one observed value per column"):
        crps_sample([1, 2], np.zeros((5, 3)))
    with pytest.raises(DataError, match="finite"):
        crps_sample([1], [[np.nan]])
    with pytest.raises(OptionError, match="size must be > 0"):
        crps_negbinom(1, 2.0, 0.0)
    with pytest.raises(OptionError, match="strictly between 0 and 1"):
        central_interval(np.zeros((3, 1)), 1.0)
