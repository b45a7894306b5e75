"""Farrington-flexible against R's surveillance::farringtonFlexible and statsmodels.

R references (tests/results/its_reference.R, surveillance 1.20.3):
    farringtonFlexible(st, control = list(range = (b*12 + 3):n, b = 2, w = 2,
        noPeriods = 1, alpha = 0.05, trend = TRUE, populationOffset = FALSE))
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from trends.alerts import alerts, farrington
from trends.alerts.farrington import _glm_quasipoisson, _reference_mask
from trends.errors import DataError, InputError, OptionError

RESULTS = Path(__file__).parent / "results"
CASES = [
    ("ref_deir_incidents.json", "ged_is_deir_ez_zor_monthly.csv", "incidents"),
    ("ref_deir_killed.json", "ged_is_deir_ez_zor_monthly.csv", "killed_best"),
    ("ref_homs_incidents.json", "ged_is_homs_monthly.csv", "incidents"),
]


def _series(csv: str, col: str) -> pd.Series:
    d = pd.read_csv(RESULTS / csv)
    return pd.Series(d[col].to_numpy(), index=pd.PeriodIndex(d["month"], freq="M"), name=col)


@pytest.mark.parametrize(("ref", "csv", "col"), CASES)
def test_matches_r_farringtonflexible(ref, csv, col):
    r = json.loads((RESULTS / ref).read_text())["farrington"]
    res = farrington(_series(csv, col), years_back=2, window_half_width=2, no_periods=1)
    t = res.tidy()
    assert [str(m) for m in t["month"]] == r["months"]
    np.testing.assert_array_equal(t["observed"], r["observed"])
    np.testing.assert_allclose(t["upper_bound"], r["upperbound"], rtol=1e-6)
    assert t["alarm"].tolist() == r["alarm"]
    assert not t["trend_used"].any()  # R never keeps a trend with b < 3


def test_deir_killed_alarms_are_r_alarms():
    res = alerts(_series(*CASES[1][1:]), method="farrington", years_back=2, window_half_width=2)
    assert res.alarm_months == ["2018-12", "2019-03"]


def test_irls_matches_statsmodels_glm():
    rng = np.random.default_rng(11)
    t = np.arange(1.0, 31.0)
    y = rng.poisson(np.exp(2 + 0.03 * t)).astype(float)
    x = np.column_stack([np.ones_like(t), t])
    w = rng.uniform(0.2, 2.0, size=t.size)
    fit = _glm_quasipoisson(x, y, w)
    ref = sm.GLM(y, x, family=sm.families.Poisson(), var_weights=w).fit(scale="X2")
    assert fit.converged
    np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(fit.dispersion, ref.scale, rtol=1e-6)


def _trend_series() -> pd.Series:
    rng = np.random.default_rng(5)
    t = np.arange(60)
    mean = 60 * np.exp(-0.025 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
    idx = pd.period_range("2014-01", periods=60, freq="M")
    return pd.Series(rng.poisson(mean), index=idx, name="incidents")


def test_trend_path_matches_statsmodels_without_reweighting():
    y = _trend_series()
    k = 59
    res = farrington(y, months=y.index[k], years_back=3, window_half_width=2, reweight=False)
    row = res.tidy().iloc[0]
    idx = np.flatnonzero(_reference_mask(60, k, 3, 2, 1, 2))
    yy = y.to_numpy(float)[idx]
    x = np.column_stack([np.ones(idx.size), idx + 1.0])
    ref = sm.GLM(yy, x, family=sm.families.Poisson()).fit(scale="X2", use_t=True)
    pred = ref.get_prediction(np.array([[1.0, k + 1.0]]))
    mu0 = float(pred.predicted_mean[0])
    assert ref.pvalues[1] < 0.05 and mu0 <= yy.max()  # R's rules for keeping the trend
    assert bool(row["trend_used"])
    se_fit = float(pred.se_mean[0])
    phi = max(ref.scale, 1.0)
    tau = phi + se_fit**2 / mu0
    upper = (mu0 ** (2 / 3) + stats.norm.ppf(0.95) * np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)) ** 1.5
    np.testing.assert_allclose(row["expected"], mu0, rtol=1e-7)
    np.testing.assert_allclose(row["dispersion"], phi, rtol=1e-6)
    np.testing.assert_allclose(row["upper_bound"], upper, rtol=1e-6)


def test_trend_dropped_when_prediction_exceeds_reference_max():
    idx = pd.period_range("2014-01", periods=60, freq="M")
    y = pd.Series(np.round(10 * np.exp(0.05 * np.arange(60))), index=idx)
    row = farrington(y, months=idx[-1], years_back=3, window_half_width=2).tidy().iloc[0]
    ref_idx = np.flatnonzero(_reference_mask(60, 59, 3, 2, 1, 2))
    yy = y.to_numpy(float)[ref_idx]
    x = np.column_stack([np.ones(ref_idx.size), ref_idx + 1.0])
    assert sm.GLM(yy, x, family=sm.families.Poisson()).fit(scale="X2").pvalues[1] < 1e-6
    assert not row["trend_used"]
    assert row["expected"] <= yy.max()


def test_factor_levels_give_cell_mean_without_trend_or_reweighting():
    y = _trend_series()
    k = 59
    res = farrington(y, months=y.index[k], years_back=3, window_half_width=2, reweight=False,
                     trend=False, no_periods=3)
    levels = _reference_mask(60, k, 3, 2, 3, 2)
    assert set(np.unique(levels)) == {0, 1, 2, 3}
    window_mean = y.to_numpy(float)[levels == 3].mean()
    np.testing.assert_allclose(res.tidy()["expected"].iloc[0], window_mean, rtol=1e-8)


def test_reference_windows_are_same_calendar_months():
    levels = _reference_mask(40, 30, 2, 1, 1, 1)
    assert np.flatnonzero(levels).tolist() == [5, 6, 7, 17, 18, 19]


def test_short_history_is_a_data_error():
    y = _series(*CASES[0][1:])
    with pytest.raises(DataError, match=r"needs 63 months of history.*has 47 months"):
        farrington(y)  # defaults b=5, w=3 need 63 earlier months; the series has 47 in all


def test_month_too_early_is_a_data_error():
    y = _series(*CASES[0][1:])
    with pytest.raises(DataError, match=r"has 20 months before 2017-09"):
        farrington(y, months="2017-09", years_back=2, window_half_width=2)


def test_bad_options_are_rejected():
    y = _series(*CASES[0][1:])
    with pytest.raises(OptionError, match="power_transform must be one of"):
        farrington(y, years_back=2, power_transform="3/4")
    with pytest.raises(OptionError, match="alpha"):
        farrington(y, years_back=2, alpha=1.5)
    with pytest.raises(InputError, match="monthly PeriodIndex"):
        farrington(pd.Series([1.0, 2.0]))


def test_min_count_rule_blanks_the_bound():
    idx = pd.period_range("2015-01", periods=40, freq="M")
    y = pd.Series(np.r_[np.full(36, 3), [0, 0, 1, 2]], index=idx, name="incidents")
    row = farrington(y, months="2018-04", years_back=2, window_half_width=2).tidy().iloc[0]
    assert not row["min_count_met"] and np.isnan(row["upper_bound"]) and not row["alarm"]


@settings(max_examples=40, deadline=None)
@given(last=st.integers(0, 12), prev=st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_all_zero_history_alarms_only_at_the_minimum_count(last, prev):
    idx = pd.period_range("2015-01", periods=30, freq="M")
    values = np.zeros(30)
    values[-4:] = [*prev, last]
    res = farrington(pd.Series(values, index=idx), months=idx[-1], years_back=2,
                     window_half_width=1)
    row = res.tidy().iloc[0]
    enough = values[-4:].sum() >= 5
    if row["alarm"]:
        assert enough and last > 0
    # R: with an all-zero reference the bound is tiny, so any count meeting the rule alarms
    assert bool(row["alarm"]) == bool(enough and last > 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.floats(0.5, 20), level=st.floats(0.5, 80))
def test_bounds_non_negative_and_alarms_above_bound(seed, size, level):
    rng = np.random.default_rng(seed)
    idx = pd.period_range("2015-01", periods=40, freq="M")
    y = pd.Series(rng.negative_binomial(size, size / (size + level), 40), index=idx)
    t = farrington(y, years_back=2, window_half_width=2).tidy()
    ub = t["upper_bound"].to_numpy()
    assert np.all(ub[np.isfinite(ub)] >= 0)
    alarmed = t[t["alarm"]]
    assert np.all(alarmed["observed"] > alarmed["upper_bound"])


def test_to_dict_is_json_safe_and_tidy_is_a_copy():
    res = farrington(_series(*CASES[1][1:]), years_back=2, window_half_width=2)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["alarm_months"] == ["2018-12", "2019-03"] and d["rows"]["month"][0] == "2018-03"
    t = res.tidy()
    t.loc[0, "upper_bound"] = -1
    assert res.tidy().loc[0, "upper_bound"] > 0
    assert "farrington" in res.summary() and "2018-12" in res.summary()
