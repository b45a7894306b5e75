"""NB GLR / CUSUM charts in both directions: closed forms, R, simulation.

The in-control fit is checked against MASS::glm.nb values in tests/results/ref_*.json
(R 4.2.2, MASS 7.3-58): glm.nb(y ~ t + post + tpost + s1 + c1 + s2 + c2). The charts
are checked against surveillance::glrnb(dir = "inc" / "dec") in
tests/results/ref_glrnb.json, made by tests/results/glrnb_reference.R.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trends.alerts import alerts, glrnb
from trends.alerts.glrnb import _glr_at, _run_cusum, _run_glr, fit_negbin
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
    # the fall chart mirrors it: kappa_hat = log(x / mu) <= 0, and 0 above the mean
    low = _nb_term(np.log(3.0 / mu), 3.0, mu, alpha)
    assert _glr_at(np.array([3.0]), np.array([mu]), alpha, None, -1) == pytest.approx(low, 1e-9)
    assert _glr_at(np.array([x]), np.array([mu]), alpha, None, -1) == 0.0


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


def test_lower_bound_is_where_the_fall_statistic_reaches_the_threshold():
    idx = _idx(4)
    y = pd.Series([25, 21, 24, 23], index=idx)
    mu = np.full(4, 40.0)
    t = glrnb(y, months=idx, in_control_mean=mu, dispersion=0.05, side="low").tidy()
    assert t["alarm_low"].tolist() == [False, False, False, True] and (t["lower_bound"] > 0).all()
    x = y.to_numpy(float)
    for n in range(4):
        trial = x[: n + 1].copy()
        trial[-1] = t["lower_bound"].iloc[n]
        assert _glr_at(trial, mu[: n + 1], 0.05, None, -1) == pytest.approx(5.0, abs=1e-5)
    # a count of 0 against a mean of 1.5 cannot reach the threshold: the bound is 0
    one = glrnb(pd.Series([0], index=_idx(1)), months=_idx(1), in_control_mean=np.array([1.5]),
                dispersion=0.05, side="low").tidy().iloc[0]
    assert one["lower_bound"] == 0 and not one["alarm"]
    assert "no count can be unusually low" in one["verdict"]


def test_fall_cusum_recursion_and_bound_by_hand():
    x, mu, alpha, kappa, c = np.array([20.0, 9, 8, 12, 6, 20]), 20.0, 0.1, np.log(0.5), 5.0
    stat, bound, alarm = _run_cusum(x, np.full(6, mu), alpha, c, kappa)
    s = 0.0
    for i, xi in enumerate(x):
        log_a = np.log((1 + alpha * mu) / (1 + alpha * mu * np.exp(kappa)))
        cut = (c - s - log_a / alpha) / (kappa + log_a)  # S_n = c at this count
        s = max(0.0, s + _nb_term(kappa, xi, mu, alpha))
        assert stat[i] == pytest.approx(s, rel=1e-12)
        assert bound[i] == pytest.approx(max(cut, 0.0), rel=1e-12)
        assert alarm[i] == (s > c) == (xi < bound[i])
        if s > c:
            s = 0.0
    assert alarm.any()


def _r_glr_nb_window(x, mu, alpha, window, c, sign):
    """surveillance's C routine glr_nb_window, step by step (Mtilde = 1).

    Per change point k: plain Newton-Raphson for kappa from the previous k's
    (clamped) estimate, stopping when the step is below 1e-6 or kappa <= -18.
    Returns the statistics up to the first alarm, that alarm's position (or
    len(x)) and, per month, whether a Newton run stopped without converging (below
    -18 or overflowed) although its window holds counts: its kappa is then not the
    maximum, and the statistic can be too small.
    """
    vals, escaped = np.zeros(len(x)), np.zeros(len(x), dtype=bool)
    for n in range(len(x)):
        best, kappa_ml = -1e99, 0.5
        for k in range(0 if window is None else max(0, n - window), n + 1):
            old, new, it = 0.4, kappa_ml, 0
            xs, ms = x[k : n + 1], mu[k : n + 1]
            with np.errstate(over="ignore", invalid="ignore"):
                while new > -18 and abs(new - old) > 1e-6 and it < 1000:
                    it, old = it + 1, new
                    e = np.exp(old)
                    score = np.sum((xs - e * ms) / (1 + alpha * e * ms))
                    step = score / (e * np.sum(ms * (alpha * xs + 1) / (1 + alpha * e * ms) ** 2))
                    new = old + step
            escaped[n] |= bool(not abs(new - old) <= 1e-6 and xs.sum() > 0)
            kappa_ml = sign * max(0.0, sign * new)  # C's fmax: a NaN gives 0
            best = max(best, float(np.sum(_nb_term(kappa_ml, xs, ms, alpha))))
        vals[n] = best
        if best >= c:
            return vals, n, escaped
    return vals, len(x), escaped


def _r_glrnb(x, mu, alpha, window, c, sign):
    """R's glrnb loop around the C routine: restart after each alarm, negatives set to 0."""
    out, alarm, escaped, done = np.zeros(len(x)), np.zeros(len(x), dtype=bool), [], 0
    while done < len(x):
        vals, n, esc = _r_glr_nb_window(x[done:], mu[done:], alpha, window, c, sign)
        last = min(n + 1, len(x) - done)
        out[done : done + last] = vals[:last]
        escaped += list(esc[:last])
        if n < len(x) - done:
            alarm[done + n] = True
        done += n + 1
    return np.maximum(out, 0.0), alarm, np.array(escaped)


def _ref_cases():
    return json.loads((RESULTS / "ref_glrnb.json").read_text())["cases"]


@pytest.mark.parametrize("case", _ref_cases(), ids=lambda c: c["name"])
def test_charts_match_r_glrnb(case):
    """Both directions against surveillance::glrnb, with R's mu0 and alpha.

    R runs plain Newton steps; where one falls below -18 (or overflows) although the
    window holds counts, R keeps that kappa for the rest of the month and can report
    a value below the maximum. A step-by-step copy of R's routine reproduces every R
    value; this package's charts equal R's in every month where R's steps converged
    and are at least R's value (the true maximum) where they did not, until the first
    month whose alarm differs (after it the charts restart at different months).
    """
    ctl = case["control"]
    x, mu = np.array(case["observed"], float), np.array(case["mu0"], float)
    alpha, r_val, r_alarm = case["alpha"], np.array(case["upperbound"]), case["alarm"]
    if "theta" in ctl:  # fixed-size fall: R's CUSUM, value or cases
        stat, bound, alarm = _run_cusum(x, mu, alpha, ctl["c.ARL"], ctl["theta"])
        np.testing.assert_allclose(bound if ctl["ret"] == "cases" else stat, r_val, rtol=1e-9,
                                   atol=1e-9)
        assert alarm.tolist() == r_alarm
        return
    sign, window = (1 if ctl["dir"] == "inc" else -1), ctl.get("M")
    copy, copy_alarm, escaped = _r_glrnb(x, mu, alpha, window, ctl["c.ARL"], sign)
    np.testing.assert_allclose(copy, r_val, rtol=1e-9, atol=1e-9)
    assert copy_alarm.tolist() == r_alarm
    stat, _, alarm = _run_glr(x, mu, alpha, ctl["c.ARL"], window, bounds=False, sign=sign)
    differ = np.flatnonzero(alarm != np.array(r_alarm))
    end = int(differ[0]) + 1 if len(differ) else len(x)
    assert all(escaped[:end][alarm[:end] != np.array(r_alarm[:end])])
    same = ~escaped[:end]
    np.testing.assert_allclose(stat[:end][same], r_val[:end][same], rtol=1e-6, atol=1e-6)
    assert np.all(stat[:end][~same] >= r_val[:end][~same] - 1e-9)


def test_r_fall_chart_misses_a_deir_ez_zor_alarm():
    """Deir ez-Zor IS incidents, 2019-10: R's Newton run escapes, the true maximum alarms."""
    case = next(c for c in _ref_cases() if c["name"] == "deir incidents glr dec")
    x, mu = np.array(case["observed"], float), np.array(case["mu0"], float)
    stat, _, alarm = _run_glr(x, mu, case["alpha"], 5.0, None, bounds=False, sign=-1)
    assert case["upperbound"][21] == pytest.approx(3.864, abs=1e-3) and not case["alarm"][21]
    assert stat[21] == pytest.approx(5.262, abs=1e-3) and alarm[21]


def test_fitted_in_control_model_matches_r():
    d = pd.read_csv(RESULTS / "ged_is_homs_monthly.csv")
    y = pd.Series(d["incidents"].to_numpy(), index=pd.PeriodIndex(d["month"], freq="M"),
                  name="incidents")
    case = next(c for c in _ref_cases() if c["name"] == "homs incidents glr dec")
    res = glrnb(y, months=y.index[case["first"] - 1 :], side="low")
    t = res.tidy()
    np.testing.assert_allclose(t["expected"], case["mu0"], rtol=1e-5)
    assert res.settings["dispersion"] == pytest.approx(case["alpha"], rel=1e-5)
    np.testing.assert_allclose(t["statistic_low"], case["upperbound"], rtol=1e-4)
    assert t["alarm"].tolist() == case["alarm"] and set(t["direction"]) == {"low"}
    assert t["statistic"].isna().all() and t["upper_bound"].isna().all()


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
    first = res.tidy().query("alarm_high")["month"].iloc[0]
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
       alpha=st.floats(0.01, 1.0), method=st.sampled_from(["glr", "cusum"]))
@example(obs=[30], mu=30.0, alpha=1.0, method="glr")  # the fall chart's statistic was -1.6e-16
def test_bounds_ordered_and_alarms_consistent_with_them(obs, mu, alpha, method):
    idx = _idx(len(obs))
    t = glrnb(pd.Series(obs, index=idx), months=idx, in_control_mean=np.full(len(obs), mu),
              dispersion=alpha, method=method, shift_ratio=2.0).tidy()
    lb, ub = t["lower_bound"], t["upper_bound"]
    assert np.all(lb >= 0) and np.all(t["statistic"] >= 0) and np.all(t["statistic_low"] >= 0)
    assert np.all(lb <= t["expected"] * (1 + 1e-6)) and np.all(t["expected"] <= ub * (1 + 1e-6))
    if method == "glr":
        # GLR alarms at statistic >= c_arl, i.e. at counts reaching the bound (bisection 1e-7)
        assert (t["alarm_high"] == (t["observed"] >= ub * (1 - 1e-6))).all()
    else:
        assert (t["alarm_high"] == (t["observed"] > ub)).all()
    assert (t["alarm_low"] == (t["observed"] < lb * (1 + 1e-6))).all()
    assert (t["alarm"] == (t["alarm_low"] | t["alarm_high"])).all()
    assert not (t["alarm_low"] & t["alarm_high"]).any()


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


@pytest.mark.slow
def test_in_control_false_alarm_rate_of_the_fall_chart():
    """The fall chart on the same in-control series as above (mean 20, size 5, c_arl 5).

    Measured: 300 runs of 60 months, 17.3% raise a fall alarm within 5 years, against
    8.3% for the rise chart: with overdispersed counts the fall chart's statistic is
    larger in control (near-Poisson counts, size 100: 12.7% both ways, 150 runs each);
    benchmarks/alerts_calibration.py repeats both with another seed (23.3% and 7.0%).
    """
    rng = np.random.default_rng(7)
    runs, months, mean, size = 300, 60, 20.0, 5.0
    mu = np.full(months, mean)
    hits = sum(
        _run_glr(_nb_series(rng, mu, size).astype(float), mu, 1 / size, 5.0, None,
                 bounds=False, sign=-1)[2].any()
        for _ in range(runs)
    )
    assert 0.12 < hits / runs < 0.3


def test_an_in_control_model_of_no_single_regime_is_said_to_be_unable_to_alarm():
    """Syria's deaths from 1989: alpha 16.7, and 2,521 deaths in July 2025 sat 'within the usual
    range of 0 to 67,745' with no caveat. From 2019 the same month alarms."""
    from conftest import DATA

    from trends.errors import ModelWarning

    table = pd.read_csv(DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv")
    y = pd.Series(table["syria_killed_best"].to_numpy(),
                  index=pd.PeriodIndex(table["month"], freq="M"))
    with pytest.warns(ModelWarning, match="is extremely overdispersed"):
        wild = glrnb(y, months=["2025-07"])
    assert not wild.tidy()["alarm"].iloc[0] and "extremely overdispersed" in wild.notes[0]
    recent = glrnb(y["2019-01":], months=["2025-07"])
    assert recent.tidy()["alarm"].iloc[0]
    assert not any("extremely overdispersed" in n for n in recent.notes)
