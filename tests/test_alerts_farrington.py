"""Farrington-flexible against R's surveillance::farringtonFlexible, statsmodels and simulation.

R references (tests/results/its_reference.R, surveillance 1.20.3):
    farringtonFlexible(st, control = list(range = (b*12 + 3):n, b = 2, w = 2,
        noPeriods = 1, alpha = 0.05, trend = TRUE, populationOffset = FALSE))
R computes the upper bound only; the lower bound is the alpha quantile of the same
normal predictive distribution on the 2/3-power scale, i.e. the reflection of R's
upper bound about mu0 on that scale: L^(2/3) = 2 mu0^(2/3) - U^(2/3) (0 if negative).
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
from trends.alerts.farrington import _reference_mask
from trends.errors import DataError, InputError, OptionError
from trends.models.surveillance_fits import fit_quasipoisson

RESULTS = Path(__file__).parent / "results"
DATA = Path(__file__).parents[1] / "data"
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
    assert t["alarm_high"].tolist() == r["alarm"]
    assert not t["trend_used"].any()  # R never keeps a trend with b < 3
    high = farrington(_series(csv, col), years_back=2, window_half_width=2, side="high").tidy()
    np.testing.assert_array_equal(high["upper_bound"], t["upper_bound"])
    assert high["alarm"].tolist() == r["alarm"] and not high["alarm_low"].any()
    assert high["lower_bound"].isna().all()
    # the lower bound mirrors R's upper bound about the expected count on the 2/3 scale
    mirror = 2 * t["expected"] ** (2 / 3) - np.asarray(r["upperbound"]) ** (2 / 3)
    np.testing.assert_allclose(t["lower_bound"], np.clip(mirror, 0, None) ** 1.5, rtol=1e-6,
                               atol=1e-9)
    assert (t["alarm_low"] == ((t["observed"] < t["lower_bound"]) & (t["lower_bound"] > 0))).all()


@pytest.mark.parametrize("col", ["syria_killed_best", "iraq_killed_best"])
def test_matches_r_on_long_series_with_zeros_and_extremes(col):
    """Hostile real case: 37 years, years of zeros, months of thousands (R's defaults)."""
    r = json.loads((RESULTS / "ref_farrington_long.json").read_text())
    d = pd.read_csv(DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv")
    y = pd.Series(d[col].to_numpy(), index=pd.PeriodIndex(d["month"], freq="M"), name=col)
    t = farrington(y).tidy()
    assert [str(m) for m in t["month"]] == r["months"]
    ref = np.array([np.nan if v is None else v for v in r[col]["upperbound"]])
    np.testing.assert_array_equal(np.isnan(t["upper_bound"]), np.isnan(ref))
    np.testing.assert_allclose(t["upper_bound"], ref, rtol=1e-9)
    assert t["alarm_high"].tolist() == [bool(v) for v in r[col]["alarm"]]
    lb, mu = t["lower_bound"].to_numpy(), t["expected"].to_numpy()
    assert np.all(lb >= 0) and np.all(lb <= mu) and np.all(np.isfinite(lb))


def test_deir_killed_alarms_are_r_alarms():
    y = _series(*CASES[1][1:])
    res = alerts(y, method="farrington", years_back=2, window_half_width=2, side="high")
    assert res.alarm_months == ["2018-12", "2019-03"]
    both = alerts(y, method="farrington", years_back=2, window_half_width=2)
    assert [a["month"] for a in both.alarms if a["direction"] == "high"] == ["2018-12", "2019-03"]
    assert {a["direction"] for a in both.alarms} == {"high", "low"}


def _is_syria() -> pd.Series:
    return _series("ged_is_syria_monthly.csv", "incidents")


def test_15_against_134_is_unusually_low():
    res = farrington(_is_syria(), months="2019-11", years_back=2, window_half_width=2)
    row = res.tidy().iloc[0]
    assert row["observed"] == 15 and row["expected"] == pytest.approx(134.2, abs=0.05)
    assert row["alarm"] and row["alarm_low"] and not row["alarm_high"]
    assert row["direction"] == "low" and 15 < row["lower_bound"] < row["expected"]
    assert row["verdict"] == f"unusually low (below the lower bound of {row['lower_bound']:.1f})"
    assert res.verdict() == row["verdict"] and "within the usual range" not in res.summary()
    assert res.alarms == [{"month": "2019-11", "direction": "low"}]
    high = farrington(_is_syria(), months="2019-11", years_back=2, window_half_width=2,
                      side="high")
    assert not high.tidy()["alarm"].iloc[0]
    assert high.verdict() == "not unusually high (only highs were checked)"
    low = alerts(_is_syria(), "2019-11", side="low", years_back=2, window_half_width=2)
    assert low.alarms == [{"month": "2019-11", "direction": "low"}]
    assert np.isnan(low.tidy()["upper_bound"].iloc[0])


def test_within_range_only_when_both_sides_were_checked():
    y = _is_syria()
    month = "2019-02"  # 172 incidents against about 166 expected
    both = farrington(y, months=month, years_back=2, window_half_width=2)
    row = both.tidy().iloc[0]
    assert not row["alarm"]
    assert row["verdict"] == (
        f"within the usual range of {row['lower_bound']:.1f} to {row['upper_bound']:.1f} "
        "(both sides checked)"
    )
    low = farrington(y, months=month, years_back=2, window_half_width=2, side="low")
    assert low.verdict() == "not unusually low (only lows were checked)"


def test_small_expected_counts_make_a_low_alarm_impossible():
    idx = pd.period_range("2015-01", periods=40, freq="M")
    y = pd.Series(np.r_[np.tile([1, 0, 2, 1, 0, 1], 6), [3, 2, 1, 0]], index=idx, name="x")
    res = farrington(y, months=idx[-1], years_back=2, window_half_width=2)
    row = res.tidy().iloc[0]
    assert row["observed"] == 0 and row["expected"] > 0.5
    assert row["lower_bound"] == 0 and not row["alarm_low"]
    assert "no count can be unusually low" in row["verdict"]
    assert any("it is 0 in 1 of 1 months" in n for n in res.notes)


def test_irls_matches_statsmodels_glm():
    rng = np.random.default_rng(11)
    t = np.arange(1.0, 31.0)
    y = rng.poisson(np.exp(2 + 0.03 * t)).astype(float)
    x = np.column_stack([np.ones_like(t), t])
    w = rng.uniform(0.2, 2.0, size=t.size)
    fit = fit_quasipoisson(x, y, w)
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
    half = stats.norm.ppf(0.95) * np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)
    upper = (mu0 ** (2 / 3) + half) ** 1.5
    lower = (mu0 ** (2 / 3) - half) ** 1.5
    np.testing.assert_allclose(row["expected"], mu0, rtol=1e-7)
    np.testing.assert_allclose(row["dispersion"], phi, rtol=1e-6)
    np.testing.assert_allclose(row["upper_bound"], upper, rtol=1e-6)
    np.testing.assert_allclose(row["lower_bound"], lower, rtol=1e-6)


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
    with pytest.raises(OptionError, match="side must be one of high, low, both; got 'up'"):
        farrington(y, years_back=2, side="up")
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
    assert row["lower_bound"] == 0 and not row["alarm_low"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.floats(0.5, 20), level=st.floats(0.5, 80),
       side=st.sampled_from(["high", "low", "both"]), alpha=st.floats(0.001, 0.2))
def test_bounds_ordered_and_alarms_consistent_with_them(seed, size, level, side, alpha):
    rng = np.random.default_rng(seed)
    idx = pd.period_range("2015-01", periods=40, freq="M")
    y = pd.Series(rng.negative_binomial(size, size / (size + level), 40), index=idx)
    t = farrington(y, years_back=2, window_half_width=2, side=side, alpha=alpha).tidy()
    lb, mu, ub, obs = (t[c].to_numpy() for c in ("lower_bound", "expected", "upper_bound",
                                                 "observed"))
    assert np.all(lb[np.isfinite(lb)] >= 0) and np.all(ub[np.isfinite(ub)] >= 0)
    assert np.all((lb <= mu)[np.isfinite(lb)]) and np.all((mu <= ub)[np.isfinite(ub)])
    assert np.isnan(lb).all() == (side == "high") and not (side == "high" and t["alarm_low"].any())
    assert not (side == "low" and (t["alarm_high"].any() or np.isfinite(ub).any()))
    assert (t["alarm"] == (t["alarm_low"] | t["alarm_high"])).all()
    assert not (t["alarm_low"] & t["alarm_high"]).any()
    assert (t["alarm_high"] <= (obs > ub)).all()
    if side != "high":
        assert (t["alarm_low"] == ((obs < lb) & (lb >= 1))).all()
    direction = np.where(t["alarm_low"], "low", np.where(t["alarm_high"], "high", None))
    assert t["direction"].tolist() == direction.tolist()
    unusual = t["verdict"].str.startswith("unusually")
    assert (unusual == t["alarm"]).all()


def test_to_dict_is_json_safe_and_tidy_is_a_copy():
    res = farrington(_series(*CASES[1][1:]), years_back=2, window_half_width=2)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["side"] == "both" and d["rows"]["month"][0] == "2018-03"
    assert d["alarm_months"][:3] == ["2018-12", "2019-03", "2019-05"]
    assert d["alarms"][:3] == [{"month": "2018-12", "direction": "high"},
                               {"month": "2019-03", "direction": "high"},
                               {"month": "2019-05", "direction": "low"}]
    assert d["rows"]["direction"][0] is None and d["rows"]["alarm_low"][0] is False
    t = res.tidy()
    t.loc[0, "upper_bound"] = -1
    assert res.tidy().loc[0, "upper_bound"] > 0
    text = res.summary()
    assert "farrington" in text and "2018-12 high" in text and "2019-05 low" in text
    assert "Sides checked: both sides" in text


def _in_control_low_rate(rng, mean, size, reps, months=12):
    """Share of in-control months below the lower bound, and share with a zero lower bound."""
    n = 63 + months
    season = np.full(n, mean)
    idx = pd.period_range("2010-01", periods=n, freq="M")
    below = zero = total = 0
    for _ in range(reps):
        counts = (rng.poisson(season) if size is None
                  else rng.negative_binomial(size, size / (size + season)))
        t = farrington(pd.Series(counts, index=idx), months=idx[-months:], side="low").tidy()
        below += int(t["alarm_low"].sum())
        zero += int((t["lower_bound"] == 0).sum())
        total += len(t)
    return below / total, zero / total


@pytest.mark.slow
def test_low_side_false_alarm_rate_near_alpha():
    """In-control flat series, R's defaults (b=5, w=3, alpha=0.05), seed fixed.

    Measured here (150 series x 12 months, one Monte Carlo standard error about 0.005,
    more with the months of a series correlated): Poisson mean 134, 0.056; negative
    binomial mean 40, size 5 (phi about 9), 0.068. R's own upper bound is as liberal:
    benchmarks/alerts_calibration.py gives 0.058 and 0.076 above it on the same designs.
    """
    rng = np.random.default_rng(20240607)
    rate, zero = _in_control_low_rate(rng, 134.0, None, 150)
    assert zero == 0 and 0.035 <= rate <= 0.075
    rate, zero = _in_control_low_rate(rng, 40.0, 5.0, 150)
    assert zero == 0 and 0.035 <= rate <= 0.09
    # too few counts for a lower bound above 0: no low alarm can happen
    rate, zero = _in_control_low_rate(rng, 0.3, None, 20)
    assert rate == 0 and zero == 1
