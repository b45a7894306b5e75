"""trends.models.distributions gives scipy.stats' values bit for bit (it calls what that calls)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from trends.models import distributions as d

VALUES = st.floats(allow_nan=True, allow_infinity=True) | st.floats(-5, 100)
DF = st.integers(1, 60_000) | st.floats(0.5, 500)
PROB = st.floats(0, 1)


def same(ours, theirs) -> bool:
    return bool(np.all((ours == theirs) | (np.isnan(ours) & np.isnan(theirs))))


@given(VALUES, DF, DF)
def test_tails_are_scipy_stats_bit_for_bit(x, df, df2):
    assert same(d.chi2_sf(x, df), stats.chi2.sf(x, df))
    assert same(d.t_sf(x, df), stats.t.sf(x, df))
    assert same(d.f_sf(x, df, df2), stats.f.sf(x, df, df2))
    assert same(d.norm_sf(x), stats.norm.sf(x))


@given(PROB, DF)
def test_quantiles_are_scipy_stats_bit_for_bit(q, df):
    assert same(d.chi2_ppf(q, df), stats.chi2.ppf(q, df))
    assert same(d.norm_ppf(q), stats.norm.ppf(q))


def test_arrays_of_statistics_match_too():
    x = np.r_[np.random.default_rng(0).uniform(-1, 60, 5000), 0.0, np.inf, -np.inf, np.nan]
    assert same(d.chi2_sf(x, 2), stats.chi2.sf(x, 2))
    assert same(d.f_sf(x, 2, 5998), stats.f.sf(x, 2, 5998))
    assert same(d.norm_sf(np.abs(x)), stats.norm.sf(np.abs(x)))
