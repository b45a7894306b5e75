"""Count models and break tests against R 4.2.2 / MASS 7.3-58 (tests/results/its_reference.R).

R call: Rscript its_reference.R SERIES COLUMN 2017-11 OUT.json 2, formula
y ~ t + post + tpost + s1 + c1 + s2 + c2 with glm(poisson), glm(quasipoisson), glm.nb.
Tolerance: relative 1e-4 (R's glm.nb stops at a looser tolerance than ours; absolute
floor 1e-4 standard errors for coefficients near zero).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trends.errors import ModelWarning
from trends.models import CountModel
from trends.resurgence import detect_break, its_test

RESULTS = Path(__file__).parent / "results"
CASES = [
    ("ged_is_deir_ez_zor_monthly.csv", "incidents", "ref_deir_incidents.json"),
    ("ged_is_deir_ez_zor_monthly.csv", "killed_best", "ref_deir_killed.json"),
    ("ged_is_homs_monthly.csv", "incidents", "ref_homs_incidents.json"),
]
REL = 1e-4


def load(csv: str, column: str) -> pd.Series:
    frame = pd.read_csv(RESULTS / csv)
    return pd.Series(frame[column].to_numpy(), index=pd.PeriodIndex(frame["month"], freq="M"),
                     name=column)


def close(actual: float, expected: float, rel: float = REL) -> bool:
    return abs(actual - expected) <= rel * abs(expected)


@pytest.fixture(scope="module", params=CASES, ids=[c[2] for c in CASES])
def case(request):
    csv, column, ref = request.param
    return load(csv, column), json.loads((RESULTS / ref).read_text())


@pytest.mark.parametrize("family", ["poisson", "quasipoisson", "negbin"])
def test_coefficients_and_standard_errors(case, family):
    y, ref = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        fit = CountModel(family=family, break_month=ref["break_month"]).fit(y)
    table = fit.tidy().set_index("term")
    r = ref[family]
    assert list(table.index) == list(r["coef"])
    for term, value in r["coef"].items():
        se = r["se"][term]
        assert abs(table.at[term, "estimate"] - value) <= REL * max(abs(value), se), term
        assert close(table.at[term, "std_error"], se), term
    if family != "quasipoisson":
        assert close(fit.loglik, r["loglik"], 1e-8)
    else:
        assert close(fit.glm.dispersion, r["dispersion"], 1e-6)
    if family == "negbin":
        assert close(fit.theta, r["theta"])
        assert close(1.0 / fit.theta, r["alpha"])


@pytest.mark.parametrize("family", ["poisson", "quasipoisson", "negbin"])
def test_level_and_slope_ratios(case, family):
    y, ref = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        res = its_test(y, ref["break_month"], family=family, draws=50, inference="model")
    r = ref[family]
    assert close(res.level_ratio, r["level_ratio"])
    assert close(res.slope_ratio_per_year, r["slope_ratio_per_year"])
    for got, want in zip(res.level_ratio_ci, r["level_ratio_ci"], strict=True):
        assert close(got, want)
    for got, want in zip(res.slope_ratio_per_year_ci, r["slope_ratio_per_year_ci"], strict=True):
        assert close(got, want)
    d = res.to_dict()
    assert close(d["level_ratio_ci"][0], r["level_ratio_ci"][0])


def test_negbin_likelihood_ratio_test(case):
    y, ref = case
    res = its_test(y, ref["break_month"], family="negbin", draws=50, inference="model")
    assert res.statistic_kind == "lr" and res.df == 2
    assert close(res.lr_statistic, ref["negbin"]["lr_stat"])
    assert close(res.p_value, ref["negbin"]["lr_p"])


def test_bootstrap_result_keeps_r_numbers_in_model_based(case):
    y, ref = case
    res = its_test(y, ref["break_month"], family="negbin", draws=50, bootstrap=49)
    r = ref["negbin"]
    assert res.inference == "bootstrap"
    assert close(res.lr_statistic, r["lr_stat"])
    assert close(res.model_based["p_value"], r["lr_p"])  # type: ignore[arg-type]
    for got, want in zip(res.model_based["level_ratio_ci"], r["level_ratio_ci"],  # type: ignore[call-overload]
                         strict=True):
        assert close(got, want)
    assert close(res.level_ratio, r["level_ratio"])


def test_scan_matches_r_profile(case):
    y, ref = case
    res = detect_break(y, bootstrap=0, min_segment_months=12)
    scan = ref["scan"]
    assert list(res.scan["month"]) == scan["months"]
    np.testing.assert_allclose(res.scan["lr"].to_numpy(), scan["lr"], rtol=REL, atol=1e-6)
    assert res.break_month == scan["argmax"]
    assert close(res.statistic, scan["sup_lr"])


def test_deir_ez_zor_headline_numbers():
    """Poisson level ratio 0.79 (0.67-0.93) and NB 0.88 (0.49-1.58) at 2017-11."""
    y = load("ged_is_deir_ez_zor_monthly.csv", "incidents")
    with pytest.warns(ModelWarning, match="Poisson is inadequate"):
        pois = its_test(y, "2017-11", family="poisson", draws=50, inference="model")
    nb = its_test(y, "2017-11", family="negbin", draws=50, inference="model")
    assert [round(v, 2) for v in (pois.level_ratio, *pois.level_ratio_ci)] == [0.79, 0.67, 0.93]
    assert [round(v, 2) for v in (nb.level_ratio, *nb.level_ratio_ci)] == [0.88, 0.49, 1.58]
    auto = its_test(y, "2017-11", draws=50, inference="model")
    assert auto.family == "negbin"
