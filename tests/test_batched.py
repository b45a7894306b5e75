"""The batched fitter against statsmodels and against itself one problem at a time."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.models.batched import fit_batch
from trends.models.design import build_design, scan_designs
from trends.models.glm import fit_glm

IDX = pd.period_range("2013-01", periods=60, freq="M")


def simulate(seed: int, size: int, theta: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(len(IDX))
    mu = np.exp(2.5 + 0.01 * t + 0.4 * np.sin(2 * np.pi * IDX.month / 12))
    return rng.negative_binomial(theta, theta / (theta + mu), size=(size, len(IDX))).astype(float)


def statsmodels_nb(y: np.ndarray, X: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.NegativeBinomial(y, X, loglike_method="nb2")
        return model.fit(method="newton", maxiter=200, tol=1e-12, disp=False)


def test_negbin_matches_statsmodels_across_a_stack():
    Y = simulate(1, 6)
    X = scan_designs(IDX, [15, 30, 45])
    fit = fit_batch(X, Y, family="negbin")
    assert fit.converged.all()
    for k in range(X.shape[0]):
        for b in range(Y.shape[0]):
            ref = statsmodels_nb(Y[b], X[k])
            assert abs(fit.loglik[k, b] - ref.llf) < 1e-6
            np.testing.assert_allclose(fit.beta[k, b], ref.params[:-1], rtol=1e-5, atol=1e-6)
            assert abs(1 / fit.theta[k, b] - ref.params[-1]) < 1e-5


def test_poisson_matches_statsmodels_glm():
    Y = simulate(2, 5, theta=50.0)
    X = scan_designs(IDX, [20, 40])
    fit = fit_batch(X, Y, family="poisson")
    for k in range(2):
        for b in range(5):
            ref = sm.GLM(Y[b], X[k], family=sm.families.Poisson()).fit(tol=1e-12)
            assert abs(fit.loglik[k, b] - ref.llf) < 1e-6
            np.testing.assert_allclose(fit.beta[k, b], ref.params, rtol=1e-6, atol=1e-8)


def test_standard_errors_match_statsmodels_at_fixed_theta():
    y = simulate(3, 1)[0]
    X = build_design(IDX, break_position=30).to_numpy()
    fit = fit_glm(y, X, family="negbin")
    ref = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=1 / fit.theta)).fit(tol=1e-12)
    np.testing.assert_allclose(fit.se, ref.bse, rtol=1e-6)
    assert abs(fit.deviance - ref.deviance) < 1e-6


def test_batch_equals_single_fits_with_warm_starts():
    Y = simulate(4, 8)
    X_null = build_design(IDX).to_numpy()
    X = scan_designs(IDX, range(12, 49, 6))
    null = fit_batch(X_null, Y, family="negbin")
    start = np.zeros((X.shape[0], Y.shape[0], X.shape[2]))
    start[:, :, [0, 1, 4, 5, 6, 7]] = null.beta[0][None]
    warm = fit_batch(X, Y, family="negbin", start_beta=start,
                     start_theta=np.broadcast_to(null.theta[0], (X.shape[0], Y.shape[0])))
    for k in range(X.shape[0]):
        for b in range(Y.shape[0]):
            single = fit_glm(Y[b], X[k], family="negbin")
            assert abs(warm.loglik[k, b] - single.loglik) < 1e-6


def test_threads_do_not_change_results():
    Y = simulate(5, 40)
    X = scan_designs(IDX, [20, 30, 40])
    one = fit_batch(X, Y, family="negbin", workers=1)
    two = fit_batch(X, Y, family="negbin", workers=2)
    np.testing.assert_array_equal(one.loglik, two.loglik)


def test_detect_and_test_give_the_same_numbers_on_one_thread_as_on_two(monkeypatch):
    """The break scan's bootstrap chunks (in threads or in processes) and the known-break
    test's refits run side by side."""
    from trends.models import batched
    from trends.resurgence import detect_break, its_test, scan

    y = pd.Series(simulate(1, 1)[0], index=IDX)
    y.iloc[36:] += 15

    def run(side_by_side: str = "threads") -> list[np.ndarray]:
        found = detect_break(y, bootstrap=399, seed=3, side_by_side=side_by_side)
        known = its_test(y, "2016-01", family="negbin", bootstrap=99, seed=3)
        return [found.bootstrap_statistics, known.bootstrap_statistics,
                np.array([known.p_value, *known.level_ratio_ci, *known.slope_ratio_per_year_ci])]

    two = run()
    two_processes = run("processes")
    monkeypatch.setattr(scan, "_SLOW_CALIBRATION", 0.0)
    assert [np.array_equal(a, b) for a, b in zip(run("auto"), two_processes, strict=True)] == [
        True] * 3
    monkeypatch.setattr(batched, "_THREADS", 1)
    for alone, threads, processes in zip(run(), two, two_processes, strict=True):
        np.testing.assert_array_equal(alone, threads)
        np.testing.assert_array_equal(alone, processes)


def test_halvings_side_by_side_end_where_halving_one_at_a_time_ends(monkeypatch):
    """A series of four huge spikes, whose fits creep towards infinite coefficients."""
    from trends.models import newton

    y = np.zeros(len(IDX))
    y[[11, 14, 40, 55]] = [642_037.0, 679_761.0, 375_743.0, 986_401.0]
    Y = np.vstack([y, np.roll(y, 5), simulate(2, 1)[0]])
    X = scan_designs(IDX, list(range(12, 49, 4)))

    def fits() -> list[np.ndarray]:
        out = []
        for family in ("negbin", "poisson"):
            fit = fit_batch(X, Y, family=family, workers=1)
            out += [fit.beta, fit.loglik, fit.theta]
        return out

    side_by_side = fits()
    assert all(sum(newton._rounds(first)) == newton._MAX_HALVINGS for first in range(40))
    monkeypatch.setattr(newton, "_rounds", lambda first: [1] * newton._MAX_HALVINGS)
    for alone, together in zip(fits(), side_by_side, strict=True):
        np.testing.assert_array_equal(alone, together)


def test_underdispersed_counts_give_the_poisson_limit():
    X = build_design(IDX).to_numpy()
    mu = np.exp(X @ np.array([3.0, 0.005, 0.3, 0.1, 0.0, 0.0]))
    y = np.round(mu)  # variance far below the Poisson's
    nb = fit_batch(X, y, family="negbin")
    pois = fit_batch(X, y, family="poisson")
    assert np.isinf(nb.theta[0, 0])
    assert nb.loglik[0, 0] == pois.loglik[0, 0]


def test_all_zero_segment_is_handled():
    y = simulate(6, 1)[0]
    y[40:] = 0.0
    X = build_design(IDX, break_position=40).to_numpy()
    fit = fit_batch(X, y, family="negbin")
    assert np.isfinite(fit.loglik).all()
    assert fit.beta[0, 0, 2] < -10  # level after the break pushed towards zero


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), theta=st.floats(0.5, 50.0))
def test_negbin_likelihood_never_below_poisson(seed, theta):
    Y = simulate(seed, 3, theta)
    X = build_design(IDX).to_numpy()
    nb = fit_batch(X, Y, family="negbin")
    pois = fit_batch(X, Y, family="poisson")
    assert np.all(nb.loglik >= pois.loglik - 1e-8)
    assert np.all(nb.theta > 0)



def test_break_scores_solve_a_singular_stack_by_least_squares():
    """One singular information matrix in a batch must not stop the scores of the others."""
    from trends.models.breakscore import _solve

    a = np.stack([np.eye(2), np.array([[1.0, 1.0], [1.0, 1.0]])])
    b = np.array([[[2.0], [4.0]], [[2.0], [2.0]]])
    out = _solve(a, b)
    assert np.allclose(out[0, :, 0], [2.0, 4.0])
    assert np.allclose(a[1] @ out[1], b[1])


def test_a_start_for_the_poisson_fits_leaves_every_fit_where_it_was():
    # replicates with little overdispersion too, so some end at the Poisson limit
    Y = np.vstack([simulate(5, 40), simulate(6, 40, theta=1e4)])
    X = build_design(IDX, break_position=30).to_numpy()
    cold = fit_batch(X, Y, family="negbin")
    start = fit_batch(X, Y[:1], family="negbin").beta
    warm = fit_batch(X, Y, family="negbin", start_beta=start)
    assert np.isinf(cold.theta).any() and np.isfinite(cold.theta).any()
    np.testing.assert_array_equal(np.isinf(warm.theta), np.isinf(cold.theta))
    np.testing.assert_allclose(warm.loglik, cold.loglik, rtol=1e-11)
    np.testing.assert_allclose(warm.beta, cold.beta, rtol=1e-6, atol=1e-7)
    finite = np.isfinite(cold.theta)
    np.testing.assert_allclose(warm.theta[finite], cold.theta[finite], rtol=1e-5)


def test_converged_fits_leave_the_batch_without_moving_the_others():
    Y = simulate(7, 30)
    X = build_design(IDX, break_position=30).to_numpy()
    batch = fit_batch(X, Y, family="negbin")
    for b in (0, 11, 29):
        alone = fit_batch(X, Y[b:b + 1], family="negbin")
        np.testing.assert_allclose(batch.loglik[0, b], alone.loglik[0, 0], rtol=1e-12)
        np.testing.assert_allclose(batch.beta[0, b], alone.beta[0, 0], rtol=1e-9, atol=1e-10)


def _per_design(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One copy of ``y`` per design, (K, 1, n): the shape a break scan's bootstrap fits."""
    return np.broadcast_to(y, (X.shape[0], 1, len(y))).copy()


def test_fits_at_millions_a_month_converge_long_before_the_iteration_limit():
    # a break scan's bootstrap of a step from 5 to 50,000 a month: series drawn from the
    # no-break fit run from 2 to millions, and the log-likelihood's terms (1e8) dwarf the
    # sum (a few hundred). Below their rounding the fits halved every step and took 47
    # iterations (23 for the null); the tolerance now allows for it.
    idx = pd.period_range("2018-01", periods=84, freq="M")
    rng = np.random.default_rng(8)
    X0, X = build_design(idx).to_numpy(), scan_designs(idx, range(12, 73))
    y = rng.poisson(np.where(np.arange(84) < 40, 5.0, 50_000.0)).astype(float)
    null = fit_batch(X0, y[None], family="negbin")
    theta = null.theta[0, 0]
    mu = np.exp(X0 @ null.beta[0, 0])
    sims = rng.negative_binomial(theta, theta / (theta + mu), size=(4, 84)).astype(float)
    refit = fit_batch(X0, sims, family="negbin")
    assert refit.converged.all() and refit.iterations <= 15
    start = np.zeros((X.shape[0], 1, X.shape[2]))
    start[:, 0, [0, 1, 4, 5, 6, 7]] = refit.beta[0, 0]
    Y = _per_design(X, sims[0])
    alt = fit_batch(X, Y, family="negbin", start_beta=start,
                    start_theta=np.full((X.shape[0], 1), refit.theta[0, 0]))
    assert alt.converged.all() and alt.iterations <= 15
    for k in (0, 30, 60):
        # equal up to the rounding of the log-likelihood itself (about 1e-6 here)
        alone = fit_batch(X[k], sims[0], family="negbin")
        assert alt.loglik[k, 0] == pytest.approx(alone.loglik[0, 0], rel=1e-8)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0.03, 0.5), family=st.sampled_from(
    ["poisson", "negbin"]))
def test_slow_problems_fitted_alone_end_where_each_fit_alone_ends(seed, rate, family):
    # sparse series make some candidate breaks slow (a level heading to zero): once most
    # have converged the rest are restarted on their own; each must end where it would alone
    idx = pd.period_range("2018-01", periods=60, freq="M")
    rng = np.random.default_rng(seed)
    y = (rng.poisson(rate, 60) + (np.arange(60) == 7)).astype(float)
    X = scan_designs(idx, range(12, 49))
    batch = fit_batch(X, _per_design(X, y), family=family)
    for k in range(0, X.shape[0], 4):
        alone = fit_batch(X[k], y, family=family)
        assert batch.loglik[k, 0] == pytest.approx(alone.loglik[0, 0], rel=1e-9, abs=1e-8)
        assert np.isinf(batch.theta[k, 0]) == np.isinf(alone.theta[0, 0])


def test_one_huge_month_does_not_hide_the_negative_binomial_fit():
    # A month of 1,000,000 among months of about 3: the Poisson fit chases it, and there
    # sum((y - mu)^2 - y) < 0 says theta = infinity is a local maximum; the NB2 fit that
    # does not chase it is far better. Reference: scipy's BFGS on the NB2 log-likelihood.
    from scipy import optimize, special

    idx = pd.period_range("2018-01", periods=72, freq="M")
    y = np.random.default_rng(5).poisson(3.0, 72).astype(float)
    y[45] = 1_000_000
    X = build_design(idx, break_position=40).to_numpy()
    fit = fit_batch(X, y, family="negbin")
    pois = fit_batch(X, y, family="poisson")

    def nll(params):
        beta, theta = params[:-1], np.exp(params[-1])
        mu = np.exp(np.clip(X @ beta, -30, 30))
        return -np.sum(special.gammaln(y + theta) - special.gammaln(theta)
                       - special.gammaln(y + 1) + theta * np.log(theta / (theta + mu))
                       + y * np.log(mu / (theta + mu)))

    start = np.append(np.r_[np.log(3.0), np.zeros(X.shape[1] - 1)], 0.0)
    ref = optimize.minimize(nll, start, method="BFGS", options={"maxiter": 5000, "gtol": 1e-8})
    assert np.isfinite(fit.theta[0, 0]) and fit.theta[0, 0] < 5
    assert fit.loglik[0, 0] > pois.loglik[0, 0] + 1000
    assert fit.loglik[0, 0] >= -ref.fun - 1e-6
    assert fit.loglik[0, 0] == pytest.approx(-ref.fun, abs=1e-3)
