"""Known-date, unknown-date and regional tests: cross-checks with statsmodels and simulation."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from trends.errors import DataError, ModelWarning, OptionError
from trends.models.design import build_design
from trends.models.latent import LatentAR1, latent_from_autocovariances, residual_autocovariances
from trends.resurgence import detect_break, its_test, regions_test, sensitivity

IDX = pd.period_range("2014-01", periods=60, freq="M")


def series(seed: int, ratio: float = 1.0, at: int = 30, theta: float = 8.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(len(IDX))
    mu = np.exp(2.8 + 0.005 * t + 0.3 * np.sin(2 * np.pi * IDX.month / 12))
    mu = mu * np.where(t >= at, ratio, 1.0)
    return pd.Series(rng.negative_binomial(theta, theta / (theta + mu)), index=IDX, name="y")


def test_tidy_says_which_hypothesis_each_rows_p_value_tests():
    """The joint p-value sat in both rows with no word, beside a slope interval excluding 1."""
    y = series(0, ratio=1.5)
    joint = its_test(y, "2016-07", inference="model").tidy()
    assert joint["p_value_tests"].tolist() == ["level and trend jointly (2 df)"] * 2
    assert joint["p_value"].nunique() == 1
    rise = its_test(y, "2016-07", inference="model", alternative="increase").tidy()
    assert rise["p_value_tests"].tolist() == ["a rise in level (one-sided)", ""]
    assert math.isnan(rise["p_value"].iloc[1])


def test_errors_name_the_problem():
    y = series(0)
    with pytest.raises(DataError, match="outside the data"):
        its_test(y, "2030-01")
    with pytest.raises(DataError, match="at least 6 on each side"):
        its_test(y, "2014-03")
    with pytest.raises(DataError, match="all counts are zero"):
        its_test(y * 0, "2016-01")
    with pytest.raises(DataError, match="needs at least"):
        its_test(y.iloc[:13], "2014-07")
    with pytest.raises(OptionError, match="alternative must be one of"):
        its_test(y, "2016-01", alternative="decrease")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="inference must be one of bootstrap, model"):
        its_test(y, "2016-01", inference="chi2")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="cannot be combined with inference='bootstrap'"):
        its_test(y, "2016-01", autocorrelation="hac")
    with pytest.raises(OptionError, match="at least 19 replicates"):
        its_test(y, "2016-01", bootstrap=5)


def test_one_sided_test_is_the_signed_root_of_the_level_lr():
    y = series(1, ratio=1.6, theta=1e4)
    res = its_test(y, "2016-07", family="poisson", alternative="increase", draws=50,
                   inference="model")
    X = build_design(IDX, break_position=30)
    full = sm.GLM(y.to_numpy(float), X, family=sm.families.Poisson()).fit()
    restricted = sm.GLM(y.to_numpy(float), X.drop(columns="post"),
                        family=sm.families.Poisson()).fit()
    lr = 2 * (full.llf - restricted.llf)
    root = np.sign(full.params["post"]) * np.sqrt(lr)
    assert res.lr_statistic == pytest.approx(lr, rel=1e-6)
    assert res.p_value == pytest.approx(stats.norm.sf(root), rel=1e-6)


def test_quasipoisson_uses_the_scaled_deviance_f_test():
    y = series(2)
    res = its_test(y, "2016-07", family="quasipoisson", draws=50, inference="model")
    X = build_design(IDX, break_position=30)
    full = sm.GLM(y.to_numpy(float), X, family=sm.families.Poisson()).fit(scale="X2")
    null = sm.GLM(y.to_numpy(float), X.drop(columns=["post", "tpost"]),
                  family=sm.families.Poisson()).fit()
    scaled = (null.deviance - full.deviance) / full.scale
    assert res.lr_statistic == pytest.approx(scaled, rel=1e-6)
    assert res.p_value == pytest.approx(stats.f.sf(scaled / 2, 2, full.df_resid), rel=1e-6)


def test_hac_wald_matches_statsmodels():
    y = series(3, theta=1e4)
    res = its_test(y, "2016-07", family="poisson", autocorrelation="hac", draws=50,
                   inference="model")
    X = build_design(IDX, break_position=30)
    fit = sm.GLM(y.to_numpy(float), X, family=sm.families.Poisson()).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3})
    wald = fit.wald_test("post = 0, tpost = 0", scalar=True)
    assert res.statistic_kind == "wald_hac"
    assert res.lr_statistic == pytest.approx(float(wald.statistic), rel=1e-6)


def test_counterfactual_is_the_pre_break_continuation():
    y = series(4, ratio=2.0)
    res = its_test(y, "2016-07", family="negbin", draws=400, seed=1, bootstrap=99)
    X = build_design(IDX, break_position=30)
    fit = sm.GLM(y.to_numpy(float), X,
                 family=sm.families.NegativeBinomial(alpha=1 / res.fit.theta)).fit(tol=1e-12)
    Xcf = X.assign(post=0.0, tpost=0.0).iloc[30:]
    np.testing.assert_allclose(res.counterfactual["counterfactual"], fit.predict(Xcf), rtol=1e-5)
    observed = y.iloc[30:].sum()
    assert res.excess_total == pytest.approx(observed - fit.predict(Xcf).sum(), rel=1e-5)
    low, high = res.excess_total_ci
    assert low < res.excess_total < high
    assert json.loads(json.dumps(res.to_dict()))["break_month"] == "2016-07"


def test_to_dict_has_the_cli_keys():
    res = its_test(series(5), "2016-07", draws=50, bootstrap=99, seed=4)
    d = json.loads(json.dumps(res.to_dict()))
    for key in ("break_month", "family", "n_months", "level_ratio", "level_ratio_ci",
                "slope_ratio_per_year", "slope_ratio_per_year_ci", "lr_statistic", "p_value",
                "inference", "bootstrap", "seed", "model_based"):
        assert key in d
    assert len(d["level_ratio_ci"]) == 2
    assert (d["inference"], d["bootstrap"], d["seed"]) == ("bootstrap", 99, 4)
    model = its_test(series(5), "2016-07", draws=50, inference="model")
    assert d["model_based"]["p_value"] == pytest.approx(model.p_value, rel=1e-12)
    assert d["model_based"]["level_ratio_ci"] == pytest.approx(list(model.level_ratio_ci))
    # p = (1 + #{T* >= T}) / (B + 1) on the stored replicate statistics
    hits = np.sum(res.bootstrap_statistics >= res.lr_statistic - 1e-9)
    assert res.p_value == pytest.approx((1 + hits) / 100)
    assert "parametric bootstrap" in res.summary() and "Model-based" in res.summary()
    assert "model-based" in model.summary()


def test_noiseless_step_gives_back_its_break():
    y = pd.Series(np.where(np.arange(60) >= 37, 40, 10), index=IDX, name="y")
    res = detect_break(y, bootstrap=0, family="poisson", harmonics=0)
    assert res.break_month == "2017-02"


def test_detect_break_finds_a_strong_break_and_is_reproducible():
    y = series(6, ratio=4.0, at=35)
    first = detect_break(y, bootstrap=99, seed=3)
    second = detect_break(y, bootstrap=99, seed=3)
    assert first.to_dict() == second.to_dict()
    assert first.p_value == pytest.approx((1 + np.sum(first.bootstrap_statistics >=
                                                      first.statistic)) / 100)
    assert first.p_value <= 0.02
    assert first.break_month in first.confidence_set
    scan = first.scan.set_index("month")["lr"]
    assert set(first.confidence_set) == set(scan[scan >= first.statistic - 3.841458820694124].index)
    assert abs(IDX.get_loc(pd.Period(first.break_month, "M")) - 35) <= 4
    d = first.to_dict()
    assert {"break_month", "statistic", "p_value", "confidence_set", "bootstrap"} <= set(d)
    assert d["inference"] == "bootstrap" and "latent AR(1)" in first.summary()
    model = detect_break(y, bootstrap=99, seed=3, inference="model")
    assert model.statistic == first.statistic and "independent" in model.summary()


def test_a_large_scan_p_value_under_wandering_noise_is_not_read_as_no_break():
    """The seat-belt law (February 1983) scans at p = 0.33 with the noise's autocorrelation at
    its bound, 0.95; the summary printed that p-value with only "it depends on the noise"."""
    from conftest import RESULTS

    table = pd.read_csv(RESULTS / "seatbelts_monthly.csv")
    front = pd.Series(table["front"].to_numpy(float), name="front",
                      index=pd.PeriodIndex(table["month"], freq="M"))
    result = detect_break(front, bootstrap=99)
    assert result.break_month == "1983-02" and result.p_value > 0.05
    assert "rho_at_bound" in result.latent.flags
    assert result.p_value_caveat.startswith("This p-value is no evidence against a break")
    assert result.p_value_caveat in result.summary()
    assert result.to_dict()["p_value_caveat"] == result.p_value_caveat
    clear = detect_break(series(6, ratio=4.0, at=35), bootstrap=99, seed=3)
    assert clear.p_value_caveat == "" and "no evidence against" not in clear.summary()


def test_detect_break_rejects_too_short_series():
    with pytest.raises(DataError, match="needs at least"):
        detect_break(series(7).iloc[:20], bootstrap=0)


@pytest.mark.slow
def test_regions_adjust_p_values_and_pool():
    a, b = series(8, ratio=2.0), series(9, ratio=2.0)
    res = regions_test({"a": a, "b": b, "c": series(10)}, "2016-07", family="negbin",
                       bootstrap=99, seed=5)
    table = res.tidy()
    single = its_test(a, "2016-07", family="negbin", draws=50, bootstrap=99, seed=5)
    second = its_test(b, "2016-07", family="negbin", draws=50, bootstrap=99, seed=6)
    assert table.loc[1, "p_value"] == pytest.approx(second.p_value, rel=1e-12)
    assert table.loc[0, "p_value"] == pytest.approx(single.p_value, rel=1e-9)
    np.testing.assert_allclose(table["p_value_holm"],
                               multipletests(table["p_value"], method="holm")[1])
    np.testing.assert_allclose(table["p_value_bh"],
                               multipletests(table["p_value"], method="fdr_bh")[1])
    same = regions_test({"a": a, "b": a.copy()}, "2016-07", family="negbin", inference="model")
    assert same.pooled["heterogeneity_statistic"] < 1e-6
    assert same.pooled["common_level_ratio"] == pytest.approx(single.level_ratio, rel=1e-5)
    d = json.loads(json.dumps(res.to_dict()))
    assert {"region", "p_value", "p_value_holm", "p_value_bh"} <= set(d["regions"][0])


def test_sensitivity_is_side_by_side_its_tests():
    frame = pd.DataFrame({"low": series(11), "high": series(12) * 2}, index=IDX)
    table = sensitivity(frame, "2016-07", ("low", "high"), family="negbin", draws=50,
                        bootstrap=49)
    single = its_test(frame["high"].rename("high"), "2016-07", family="negbin", draws=50,
                      bootstrap=49)
    assert table.loc[1, "p_value"] == pytest.approx(single.p_value, rel=1e-12)
    assert table.loc[1, "level_ratio"] == pytest.approx(single.level_ratio, rel=1e-12)


@pytest.mark.slow
@settings(max_examples=10, deadline=None)
@given(scale=st.floats(0.01, 1000.0))
def test_constant_exposure_does_not_change_ratios(scale):
    y = series(13)
    base = its_test(y, "2016-07", family="negbin", draws=20, bootstrap=19)
    exposure = pd.Series(scale, index=IDX)
    scaled = its_test(y, "2016-07", family="negbin", offset=exposure, draws=20, bootstrap=19)
    assert scaled.level_ratio == pytest.approx(base.level_ratio, rel=1e-6)
    assert scaled.lr_statistic == pytest.approx(base.lr_statistic, rel=1e-5, abs=1e-7)
    assert scaled.level_ratio_ci == pytest.approx(base.level_ratio_ci, rel=1e-3)


def test_forced_poisson_on_overdispersed_data_warns():
    with pytest.warns(ModelWarning, match="Poisson is inadequate"):
        its_test(series(14, theta=1.0), "2016-07", family="poisson", draws=20,
                 inference="model")


def test_latent_noise_has_the_stated_moments():
    noise = LatentAR1(rho=0.6, variance=0.09, theta=5.0)
    mu = np.full(40, 20.0)
    y = noise.simulate(np.random.default_rng(11), mu, 20000)
    alpha = (1 + 1 / 5.0) * np.exp(0.09) - 1  # total overdispersion
    assert y.mean() == pytest.approx(20.0, rel=0.01)
    assert y.var(axis=0).mean() == pytest.approx(20 + alpha * 400, rel=0.03)
    lag1 = np.mean((y[:, :-1] - 20) * (y[:, 1:] - 20))
    assert lag1 == pytest.approx(400 * (np.exp(0.09 * 0.6) - 1), rel=0.08)
    c = residual_autocovariances(y, np.broadcast_to(mu, y.shape), np.full(len(y), 1 / alpha))
    fitted = latent_from_autocovariances(c.mean(axis=0), 1 / alpha)
    assert fitted.rho == pytest.approx(0.6, abs=0.03)
    assert fitted.theta == pytest.approx(5.0, rel=0.1)


def test_no_latent_autocorrelation_gives_the_plain_negbin_bootstrap():
    c = np.array([-0.01, 0.002, -0.004])
    assert latent_from_autocovariances(c, 8.0) == LatentAR1(rho=0.0, variance=0.0, theta=8.0)


def null_rejections(seeds: np.ndarray, make, break_month: str, **options) -> float:
    hits = 0
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            res = its_test(make(int(seed)), break_month, draws=10, seed=int(seed), **options)
        hits += res.p_value <= 0.05
    return hits / len(seeds)


@pytest.mark.slow
def test_bootstrap_false_positive_rate_without_autocorrelation():
    """The chi-square LR rejects 0.115 of these 200 NB2 null series (0.08 in 1000)."""
    seeds = np.random.default_rng(2024).integers(1 << 30, size=200)
    chi2 = null_rejections(seeds, series, "2016-07", family="negbin", inference="model")
    assert chi2 > 0.09  # the defect the bootstrap removes
    # B = 79: P(p <= 0.05) = 4/80 exactly; 200 series, binomial 0.05 +- 3 sd = [0.004, 0.096]
    rate = null_rejections(seeds, series, "2016-07", family="negbin", bootstrap=79)
    assert 0.004 <= rate <= 0.096


def latent_series(seed: int, n: int = 72) -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.period_range("2015-01", periods=n, freq="M")
    u = np.empty(n)
    u[0] = rng.normal(0, 0.25)
    for i in range(1, n):
        u[i] = 0.5 * u[i - 1] + rng.normal(0, 0.25 * np.sqrt(0.75))
    mu = np.exp(3.0 + 0.004 * np.arange(n) + 0.3 * np.sin(2 * np.pi * idx.month / 12) + u)
    return pd.Series(rng.negative_binomial(10, 10 / (10 + mu)), index=idx, name="y")


@pytest.mark.slow
def test_default_false_positive_rate_under_latent_autocorrelation():
    """200 null series with AR(1) latent noise (rho 0.5), the study's model at 72 months."""
    seeds = np.random.default_rng(7).integers(1 << 30, size=200)
    rate = null_rejections(seeds, latent_series, "2018-01", family="negbin", harmonics=1,
                           bootstrap=79)
    # binomial acceptance band 0.05 +- 3 sd (sd 0.0154 for 200 series)
    assert 0.004 <= rate <= 0.096


def test_detect_gives_no_level_ratio_when_one_side_of_the_break_has_almost_no_counts():
    # zeros, then about a million a month: the fitted level before the break runs off to
    # zero, and a ratio such as 3e-11 or 1e12 would be an artefact of where the fit stopped
    idx = pd.period_range("2018-01", periods=84, freq="M")
    rng = np.random.default_rng(3)
    y = pd.Series(np.where(np.arange(84) < 70, 0, rng.poisson(1e6, 84)), index=idx)
    result = detect_break(y, bootstrap=19)
    assert math.isnan(result.level_ratio)
    assert "with a count before the break" in result.level_note
    assert "level ratio not estimated" in result.summary()
    assert result.to_dict()["level_ratio"] is None
    assert result.p_value == pytest.approx(0.05) and "2023-11" in result.confidence_set


def test_too_few_months_with_a_count_is_said_in_words_with_singular_months():
    idx = pd.period_range("2018-01", periods=60, freq="M")
    y = pd.Series(np.zeros(60, dtype=int), index=idx)
    y.iloc[[3, 41, 50]] = [2, 1, 4]
    with pytest.raises(DataError, match="has 1 month with a non-zero count before 2021-01 and 2"):
        its_test(y, "2021-01", bootstrap=19)
