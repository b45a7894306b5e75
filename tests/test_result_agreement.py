"""Every result of the tests says the same numbers in tidy(), summary() and to_dict()."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from trends.resurgence import assess, detect_break, its_test, regions_test

IDX = pd.period_range("2014-01", periods=60, freq="M")


def series(seed, ratio=1.6):
    rng = np.random.default_rng(seed)
    t = np.arange(60)
    mu = np.exp(2.8 + 0.004 * t + 0.3 * np.sin(2 * np.pi * IDX.month / 12))
    mu = mu * np.where(t >= 36, ratio, 1.0)
    return pd.Series(rng.negative_binomial(8, 8 / (8 + mu)).astype(float), index=IDX, name="y")


def roundtrip(result):
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.mark.parametrize("alternative", ["two-sided", "increase"])
@pytest.mark.parametrize("inference", ["bootstrap", "model"])
def test_its_result(alternative, inference):
    """The p-value and intervals of tidy() are the result's own (they once disagreed: 0.119
    in tidy() against 0.061 in the result for alternative="increase")."""
    res = its_test(series(1), "2017-01", family="negbin", alternative=alternative,
                   inference=inference, bootstrap=99, draws=100)
    table = res.tidy().set_index("term")
    d = roundtrip(res)
    level = table.loc["level_ratio"]
    assert level["p_value"] == pytest.approx(res.p_value) == pytest.approx(d["p_value"])
    assert (level["ci_low"], level["ci_high"]) == pytest.approx(res.level_ratio_ci)
    assert d["level_ratio_ci"] == pytest.approx(list(res.level_ratio_ci))
    assert level["rate_ratio"] == pytest.approx(res.level_ratio) == pytest.approx(
        d["level_ratio"])
    slope = table.loc["slope_ratio_per_year"]
    assert (slope["ci_low"], slope["ci_high"]) == pytest.approx(res.slope_ratio_per_year_ci)
    assert np.isnan(slope["p_value"]) == (alternative == "increase")
    text = res.summary()
    assert f"p = {res.p_value:.3g}" in text
    assert f"Level ratio: {res.level_ratio:.3f}" in text
    assert d["hypothesis"] == res.hypothesis and res.hypothesis in text
    assert ("rose" in res.hypothesis) == (alternative == "increase")


def test_scan_result():
    res = detect_break(series(2), bootstrap=49, seed=1)
    table = res.tidy()
    d = roundtrip(res)
    assert d["statistic"] == pytest.approx(table["lr"].max())
    assert d["break_month"] == table.loc[table["lr"].idxmax(), "month"]
    assert set(table.loc[table["in_confidence_set"], "month"]) == set(d["confidence_set"])
    assert f"p = {res.p_value:.4g}" in res.summary()
    assert f"sup LR = {d['statistic']:.3f}" in res.summary()


def test_region_result():
    res = regions_test({"a": series(3), "b": series(4, ratio=1.0)}, "2017-01",
                       family="negbin", bootstrap=49, seed=2)
    table = res.tidy().set_index("region")
    d = roundtrip(res)
    for row in d["regions"]:
        assert row["p_value"] == pytest.approx(table.at[row["region"], "p_value"])
        assert row["p_value_holm"] == pytest.approx(table.at[row["region"], "p_value_holm"])
        assert row["level_ratio_ci"] == pytest.approx(
            list(table.loc[row["region"], ["ci_low", "ci_high"]]))
    for region in table.index:
        assert region in res.summary()


@pytest.mark.parametrize("direction", ["rise", "fall", "either"])
def test_assessment(direction):
    res = assess(series(5), "2017-01", direction=direction, bootstrap=199, scan_bootstrap=99)
    table = res.tidy().set_index("quantity")
    d = roundtrip(res)
    assert d["direction"] == direction and d["verdict"] == res.verdict
    if "level_ratio" in table.index:
        assert d["p_value"] == pytest.approx(table.at["level_ratio", "p_value"])
        assert d["level_ratio"] == pytest.approx(table.at["level_ratio", "estimate"])
        assert f"{d['level_ratio']:.2f} times" in res.summary()
        assert d["level_ratio_ci"] == pytest.approx(list(res.level_ratio_ci))
        low, high = res.level_ratio_ci
        assert f"95% CI {low:.2f} to {high:.2f}" in res.sentence
    assert d["sentence"] == res.sentence and res.sentence in res.summary()


@pytest.mark.slow
def test_its_summary_says_why_the_excess_and_the_level_ratio_disagree():
    """Syria's deaths at 2023-11: the excess's interval excludes zero (the trend changed too)
    while the level ratio's includes 1; the summary must not leave the two side by side."""
    from conftest import DATA

    table = pd.read_csv(DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv")
    y = pd.Series(table["syria_killed_best"].to_numpy(float),
                  index=pd.PeriodIndex(table["month"], freq="M"), name="deaths")
    result = its_test(y, "2023-11", bootstrap=99, max_before_months=60)
    low, high = result.level_ratio_ci
    assert low <= 1 <= high and result.excess_total_ci[0] > 0
    assert "quote the level ratio" in result.summary()
