"""NB GLR / CUSUM charts: closed forms, R's glm.nb, simulation.

The in-control fit is checked against MASS::glm.nb values in tests/results/ref_*.json
(R 4.2.2, MASS 7.3-58): glm.nb(y ~ t + post + tpost + s1 + c1 + s2 + c2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trends.alerts import alerts, glrnb
from trends.alerts.glrnb import _glr_at, _run_glr, fit_negbin
from trends.errors import DataError, OptionError

RESULTS = Path(__file__).parent / "results"


def _nb_term(kappa, x, mu, alpha):
    return kappa * x + (x + 1 / alpha) * np.log((1 + alpha * mu) / (1 + alpha * mu * np.exp(kappa)))


def _idx(n, start="2010-01"):
    return pd.period_range(start, periods=n, freq="M")


def test_single_month_statistic_closed_form():
    # one observation: kappa_hat = log(x / mu)
    x, mu, alpha = 30.0, 10.0, 0.2
    expected = _nb_term(np.log(x / mu), x, mu, alpha)
    assert _glr_at(np.array([x]), np.array([mu]), alpha, None) == pytest.approx(expected, 1e-9)
    assert _glr_at(np.array([5.0]), np.array([mu]), alpha, None) == 0.0  # below mean: kappa 0


def test_glr_is_max_over_change_points_closed_form():
    # constant mu: kappa_hat(k) = log(mean(x[k:]) / mu)
    x, mu, alpha = np.array([8.0, 20.0, 25.0, 14.0]), 10.0, 0.1
    best = max(
        sum(_nb_term(np.log(max(x[k:].mean(), mu) / mu), xi, mu, alpha) for xi in x[k:])
        for k in range(4)
    )
    got = _glr_at(x, np.full(4, mu), alpha, None)
    assert got == pytest.approx(best, rel=1e-9)
    # window of 1 month: only k = n-1, n considered
    best_w = max(
        sum(_nb_term(np.log(max(x[k:].mean(), mu) / mu), xi, mu, alpha) for xi in x[k:])
        for k in (2, 3)
    )
    assert _glr_at(x, np.full(4, mu), alpha, 1) == pytest.approx(best_w, rel=1e-9)


def test_cusum_recursion_and_reset_by_hand():
    idx = _idx(6)
    y = pd.Series([10, 30, 30, 10, 10, 40], index=idx, name="incidents")
    mu, alpha, kappa, c = 10.0, 0.1, np.log(2.0), 5.0
    res = glrnb(y, months=idx, method="cusum", shift_ratio=2.0, c_arl=c,
                in_control_mean=np.full(6, mu), dispersion=alpha)
    s, stats_, alarms = 0.0, [], []
    for xi in y.to_numpy(float):
        s = max(0.0, s + _nb_term(kappa, xi, mu, alpha))
        stats_.append(s)
        alarms.append(s > c)
        if s > c:
            s = 0.0
    t = res.tidy()
    np.testing.assert_allclose(t["statistic"], stats_, rtol=1e-12)
    assert t["alarm"].tolist() == alarms and any(alarms)
    alarmed = t[t["alarm"]]
    assert np.all(alarmed["observed"] > alarmed["upper_bound"])


def test_glr_restarts_after_alarm():
    idx = _idx(5)
    y = pd.Series([10, 60, 12, 9, 30], index=idx)
    t = glrnb(y, months=idx, in_control_mean=np.full(5, 10.0), dispersion=0.1).tidy()
    assert t["alarm"].tolist()[:2] == [False, True]
    # the month after an alarm is assessed on its own, as R's restart does
    assert t["statistic"].iloc[2] == pytest.approx(
        _glr_at(np.array([12.0]), np.array([10.0]), 0.1, None), rel=1e-12)


def test_upper_bound_is_where_the_statistic_reaches_the_threshold():
    idx = _idx(4)
    y = pd.Series([14, 16, 13, 12], index=idx)
    t = glrnb(y, months=idx, in_control_mean=np.full(4, 10.0), dispersion=0.05).tidy()
    x = y.to_numpy(float)
    for n in range(4):
        trial = x[: n + 1].copy()
        trial[-1] = t["upper_bound"].iloc[n]
        assert _glr_at(trial, np.full(n + 1, 10.0), 0.05, None) == pytest.approx(5.0, abs=1e-5)


@pytest.mark.parametrize("ref", ["ref_deir_incidents.json", "ref_deir_killed.json",
                                 "ref_homs_incidents.json"])
def test_negbin_fit_matches_r_glm_nb(ref):
    r = json.loads((RESULTS / ref).read_text())
    csv = "ged_is_homs_monthly.csv" if "homs" in ref else "ged_is_deir_ez_zor_monthly.csv"
    d = pd.read_csv(RESULTS / csv)
    y = d[r["column"]].to_numpy(float)
    n = len(y)
    t = np.arange(n)
    m = d["month"].str[5:7].astype(int).to_numpy()
    t0 = int(np.flatnonzero(d["month"] == r["break_month"])[0])
    post = (t >= t0).astype(float)
    x = np.column_stack([np.ones(n), t, post, (t - t0) * post, np.sin(2 * np.pi * m / 12),
                         np.cos(2 * np.pi * m / 12), np.sin(4 * np.pi * m / 12),
                         np.cos(4 * np.pi * m / 12)])
    coef, theta = fit_negbin(x, y)
    np.testing.assert_allclose(coef, list(r["negbin"]["coef"].values()), rtol=1e-4, atol=1e-5)
    assert theta == pytest.approx(r["negbin"]["theta"], rel=1e-5)


def _nb_series(rng, mean, size=5.0):
    return rng.negative_binomial(size, size / (size + mean))


def test_big_step_is_caught_within_three_months():
    rng = np.random.default_rng(20240601)
    n = 60
    season = 20 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(n) / 12))
    mean = season * np.where(np.arange(n) >= 48, 3.0, 1.0)
    y = pd.Series(_nb_series(rng, mean), index=_idx(n), name="incidents")
    res = alerts(y, _idx(n)[36:], method="glrnb")
    first = res.tidy().query("alarm")["month"].iloc[0]
    assert pd.Period("2014-01", "M") <= first <= pd.Period("2014-03", "M")


def test_errors():
    y = pd.Series(np.arange(20), index=_idx(20))
    with pytest.raises(DataError, match="needs at least 12 baseline months"):
        glrnb(y, months=_idx(20)[5:])
    with pytest.raises(OptionError, match="shift_ratio > 1"):
        glrnb(y, months=_idx(20)[12:], method="cusum")
    with pytest.raises(DataError, match="all zero"):
        glrnb(pd.Series(np.r_[np.zeros(15), [3, 4]], index=_idx(17)), months=_idx(17)[15:])


@settings(max_examples=30, deadline=None)
@given(obs=st.lists(st.integers(0, 80), min_size=1, max_size=8), mu=st.floats(1, 40),
       alpha=st.floats(0.01, 1.0))
def test_bounds_non_negative_and_alarm_iff_above_bound(obs, mu, alpha):
    idx = _idx(len(obs))
    t = glrnb(pd.Series(obs, index=idx), months=idx, in_control_mean=np.full(len(obs), mu),
              dispersion=alpha).tidy()
    assert np.all(t["upper_bound"] >= 0) and np.all(t["statistic"] >= 0)
    # GLR alarms at statistic >= c_arl, i.e. at counts reaching the bound (bisection tol 1e-7)
    above = t["observed"] >= t["upper_bound"] * (1 - 1e-6)
    assert (t["alarm"] == above).all()


@pytest.mark.slow
def test_in_control_false_alarm_rate():
    """Stationary NB (mean 20, size 5, mu0 and alpha known), c_arl = 5, seed fixed.

    Measured: 300 runs of 60 months, 8.3% raise an alarm within 5 years; with a
    60-month window (R's M) half of 60 runs of 400 months had no alarm at all.
    """
    rng = np.random.default_rng(7)
    runs, months, mean, size = 300, 60, 20.0, 5.0
    mu = np.full(months, mean)
    hits = sum(
        _run_glr(_nb_series(rng, mu, size).astype(float), mu, 1 / size, 5.0, None,
                 bounds=False)[2].any()
        for _ in range(runs)
    )
    assert hits / runs < 0.15
