"""The count-table sums of the NB2 fitter against scipy.special, month by month."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from trends.models.gammasums import GammaSums


def _direct(
    Y: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sums month by month, and the rounding error of the log-gamma one.

    The direct log-gamma sum subtracts terms as large as lgamma(theta), so it
    is only good to a few units of machine epsilon times their size.
    """
    th = theta[..., None]
    big, small, linear = special.gammaln(Y + th), special.gammaln(th), Y * np.log(th)
    lg = np.sum(big - small - linear, axis=-1)
    lg_error = 4 * np.finfo(float).eps * np.sum(np.abs(big) + np.abs(small) + linear, axis=-1)
    dig = np.sum(special.digamma(Y + th) - special.digamma(th), axis=-1)
    tri = np.sum(special.polygamma(1, Y + th) - special.polygamma(1, th), axis=-1)
    return lg, lg_error, dig, tri


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: np.ndarray | float) -> None:
    gap = np.abs(got - want)
    assert np.all(gap <= rtol * np.abs(want) + atol), np.max(gap / (np.abs(want) + atol))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    mean=st.sampled_from([0.3, 4.0, 60.0, 900.0]),
    spike=st.sampled_from([0.0, 1e4, 1e6]),
    shared=st.booleans(),
    integer=st.booleans(),
)
def test_sums_match_the_special_functions(
    seed: int, mean: float, spike: float, shared: bool, integer: bool
) -> None:
    rng = np.random.default_rng(seed)
    shape = (6, 40) if shared else (2, 6, 40)
    Y = rng.negative_binomial(2.0, 2.0 / (2.0 + mean), size=shape).astype(float)
    if spike:
        Y[..., 7] = spike
    if not integer:
        Y = Y + rng.uniform(0.0, 1.0, size=shape)
    theta = np.exp(rng.uniform(np.log(0.05), np.log(1e6), size=(2, 6)))
    sums = GammaSums(Y, (2, 6))
    lg, lg_error, dig, tri = _direct(np.broadcast_to(Y, (2, 6, 40)), theta)
    first, second = sums.digammas(theta)
    scale = 1e-9 * (np.sum(np.broadcast_to(Y, (2, 6, 40)), axis=-1) + 1.0) + lg_error
    _close(sums.loggamma(theta), lg, 1e-10, scale)
    # digamma_trigamma's series are accurate to about 1e-11 of digamma's size, log(theta)
    series = 1e-10 * Y.shape[-1] * (1.0 + np.abs(np.log(theta)))
    _close(first, dig, 1e-8, series)
    _close(second, tri, 1e-8, series)
    which = (np.array([0, 1, 1]), np.array([4, 0, 5]))
    _close(sums.loggamma(theta[which], which), lg[which], 1e-10, scale[which])
    keep = np.array([True, False, True, True, False, True])
    _close(sums.take(keep).loggamma(theta[:, keep]), lg[:, keep], 1e-10, scale[:, keep])
    # picked problems (repeats allowed) give the very bits of the same problems in the batch
    picked = sums.take(keep).pick(np.array([5, 0, 5, 3, 7, 0]))
    np.testing.assert_array_equal(
        picked.loggamma(theta[:, keep].reshape(-1)[[5, 0, 5, 3, 7, 0]][None])[0],
        sums.take(keep).loggamma(theta[:, keep]).reshape(-1)[[5, 0, 5, 3, 7, 0]])
    log_fact = np.sum(special.gammaln(Y + 1.0), axis=-1)
    np.testing.assert_allclose(sums.log_factorials(), log_fact, rtol=1e-12)


def test_table_is_used_for_small_counts_and_not_for_fractions() -> None:
    y = np.tile(np.arange(10.0), (50, 3))
    assert GammaSums(y, (1, 50)).size > 0
    assert GammaSums(y + 0.5, (1, 50)).size == 0


def test_loggamma_sum_stays_exact_where_the_direct_sum_cancels() -> None:
    # Fractional counts near 0.3 and theta near 8e5: lgamma(y + theta) and
    # lgamma(theta) are about 1e7 and the sum about 5e-7. The expected value
    # was computed with mpmath at 50 digits; scipy's direct sum gives 5.38e-7.
    rng = np.random.default_rng(364)
    Y = rng.negative_binomial(2.0, 2.0 / 2.3, size=(2, 6, 40)) + rng.uniform(size=(2, 6, 40))
    theta = np.exp(rng.uniform(np.log(0.05), np.log(1e6), size=(2, 6)))
    got = GammaSums(Y, (2, 6)).loggamma(theta)
    assert got[0, 2] == pytest.approx(4.80818529304368e-07, rel=1e-7)
    assert got[0, 0] == pytest.approx(1.2963350209491684e-05, rel=1e-7)
