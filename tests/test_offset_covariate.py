"""Exposure offsets, covariates and level-only change models, against R's glm.nb and glm.

Reference: tests/results/ref_offset_covariate.json, made by offset_covariate_reference.R
(car drivers killed in Britain with the distance driven as exposure and the petrol price as
a covariate, Harvey & Durbin's covariates; the seat belt law of February 1983 as the break).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import RESULTS

from trends.cli import main
from trends.errors import OptionError
from trends.models import CountModel
from trends.resurgence import detect_break, its_test

REF = json.loads((RESULTS / "ref_offset_covariate.json").read_text())
FRAME = pd.read_csv(RESULTS / "seatbelts_monthly.csv")
INDEX = pd.PeriodIndex(FRAME["month"], freq="M")
Y = pd.Series(FRAME["DriversKilled"].to_numpy(float), index=INDEX, name="DriversKilled")
KMS = pd.Series(FRAME["kms"].to_numpy(float), index=INDEX)
PRICE = pd.DataFrame({"PetrolPrice": FRAME["PetrolPrice"].to_numpy()}, index=INDEX)


@pytest.mark.parametrize("change", ["both", "level"])
@pytest.mark.parametrize("family", ["negbin", "quasipoisson"])
def test_coefficients_match_r(change, family):
    fit = CountModel(family=family, offset=KMS, covariates=PRICE, break_month="1983-02",
                     change=change).fit(Y)
    ref = REF[change][family]
    mine = fit.tidy().set_index("term")
    assert list(mine.index) == list(ref["coef"])
    for term, value in ref["coef"].items():
        assert mine.at[term, "estimate"] == pytest.approx(value, rel=1e-6, abs=1e-9)
        assert mine.at[term, "std_error"] == pytest.approx(ref["se"][term], rel=1e-5)
    if family == "negbin":
        assert fit.theta == pytest.approx(ref["theta"], rel=1e-7)
        assert fit.loglik == pytest.approx(ref["loglik"], rel=1e-10)


@pytest.mark.parametrize("change", ["both", "level"])
def test_likelihood_ratio_test_matches_r(change):
    res = its_test(Y, "1983-02", family="negbin", inference="model", offset=KMS,
                   covariates=PRICE, change=change, max_before_months=None)
    assert res.df == REF[f"lr_{change}"]["df"]
    assert res.lr_statistic == pytest.approx(REF[f"lr_{change}"]["stat"], rel=1e-7)
    assert ("slope_ratio_per_year" in set(res.tidy()["term"])) == (change == "both")


def test_offsets_given_one_value_a_month_follow_the_cut_series():
    """A plain array of exposures lines up with the months even when the test cuts the series."""
    cut = its_test(Y, "1983-02", family="negbin", inference="model",
                   offset=pd.Series(KMS.to_numpy()), covariates=PRICE.reset_index(drop=True))
    by_month = its_test(Y, "1983-02", family="negbin", inference="model", offset=KMS,
                        covariates=PRICE)
    assert cut.level_ratio == pytest.approx(by_month.level_ratio, rel=1e-12)


def test_slope_only_change_and_its_limits():
    res = its_test(Y, "1983-02", family="negbin", inference="model", change="slope")
    assert list(res.tidy()["term"]) == ["slope_ratio_per_year"]
    assert math.isnan(res.level_ratio) and res.df == 1
    assert "trend changed" in res.hypothesis
    with pytest.raises(OptionError, match="change='slope'"):
        its_test(Y, "1983-02", alternative="increase", change="slope")


def test_scan_with_offset_and_covariate_finds_the_law():
    res = detect_break(Y.loc["1977-01":], bootstrap=49, offset=KMS, covariates=PRICE, seed=1)
    assert "1983-02" in res.confidence_set or res.break_month[:4] == "1983"


def test_a_missing_covariate_value_names_its_month():
    bad = PRICE.copy()
    bad.iloc[5, 0] = np.nan
    with pytest.raises(Exception, match="1969-06"):
        CountModel(covariates=bad).fit(Y)


def test_cli_offset_covariate_and_change_match_r(capsys):
    status = main(["test", str(RESULTS / "seatbelts_monthly.csv"), "--measure", "DriversKilled",
                   "--since", "1983-02", "--offset", "kms", "--covariate", "PetrolPrice",
                   "--change", "level", "--inference", "model", "--max-before", "0", "--json"])
    out = capsys.readouterr()
    assert status == 0, out.err
    d = json.loads(out.out)
    assert d["lr_statistic"] == pytest.approx(REF["lr_level"]["stat"], rel=1e-7)
    assert d["change"] == ["post"]


def test_cli_names_a_missing_column(capsys):
    status = main(["assess", str(RESULTS / "seatbelts_monthly.csv"), "--measure", "rear",
                   "--since", "1983-02", "--offset", "population"])
    err = capsys.readouterr().err
    assert status == 2 and "population" in err and len(err.strip().splitlines()) == 1
