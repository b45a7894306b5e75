"""Several breaks by binary segmentation: exact recovery, false breaks, statsmodels and R."""

from __future__ import annotations

import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import RESULTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trends.errors import DataError, InputError, OptionError
from trends.models.design import build_design
from trends.resurgence import detect_breaks
from trends.resurgence.segmentation import admissible, segment_design

IDX96 = pd.period_range("2012-01", periods=96, freq="M")
STEPS = np.where(np.arange(96) < 30, 1000.0, np.where(np.arange(96) < 65, 3000.0, 1500.0))


def monthly(values: np.ndarray, start: str = "2012-01") -> pd.Series:
    idx = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(np.asarray(values, dtype=float), index=idx, name="incidents")


def reference_series(name: str, column: str = "incidents") -> pd.Series:
    df = pd.read_csv(RESULTS / f"ged_is_{name}_monthly.csv")
    return pd.Series(df[column].to_numpy(), index=pd.PeriodIndex(df["month"], freq="M"),
                     name=column)


def statsmodels_nb(y: np.ndarray, X: np.ndarray):
    """NB2 by statsmodels' discrete NegativeBinomial: BFGS from the Poisson fit, then Newton."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = sm.GLM(y, X, family=sm.families.Poisson()).fit().params
        model = sm.NegativeBinomial(y, X, loglike_method="nb2")
        rough = model.fit(start_params=np.append(start, 0.5), method="bfgs", maxiter=5000,
                          gtol=1e-9, disp=False)
        fine = model.fit(start_params=rough.params, method="newton", maxiter=100, tol=1e-12,
                         disp=False)
    return fine if np.isfinite(fine.llf) and fine.llf >= rough.llf else rough


def statsmodels_nb_llf(y: np.ndarray, X: np.ndarray) -> float:
    return float(statsmodels_nb(y, X).llf)


def test_noiseless_steps_give_back_both_months_exactly():
    res = detect_breaks(monthly(STEPS))
    assert res.breaks == (str(IDX96[30]), str(IDX96[65]))
    assert res.stop_reason == "bic"
    assert res.level_ratios == pytest.approx((3.0, 0.5), rel=1e-6)
    assert res.slope_ratios_per_year == pytest.approx((1.0, 1.0), abs=1e-6)


def test_poisson_steps_with_large_means_give_back_both_months():
    y = np.random.default_rng(3).poisson(STEPS)
    for family in ("negbin", "poisson"):
        res = detect_breaks(monthly(y), family=family)
        assert res.breaks == ("2014-07", "2017-06")
        assert res.level_ratios == pytest.approx((3.0, 0.5), rel=0.03)


def test_stationary_negbin_series_mostly_give_no_break():
    rng = np.random.default_rng(7)
    theta, mean = 4.0, 10.0
    sims = rng.negative_binomial(theta, theta / (theta + mean), size=(50, 72))
    counts = [detect_breaks(monthly(y)).n_breaks for y in sims]
    assert np.mean(np.equal(counts, 0)) >= 0.8


def small_series() -> pd.Series:
    rng = np.random.default_rng(12)
    t = np.arange(40)
    mu = np.where(t < 22, 10.0, 40.0) * np.exp(0.2 * np.sin(2 * np.pi * (t % 12) / 12))
    return monthly(rng.negative_binomial(5.0, 5.0 / (5.0 + mu)), start="2015-01")


def test_two_steps_agree_with_statsmodels_negative_binomial_fits():
    y = small_series()
    values = y.to_numpy()
    res = detect_breaks(y, max_breaks=2, min_segment_months=10, harmonics=1)
    base = build_design(y.index, harmonics=1).to_numpy()
    n_base = base.shape[1]
    ll0 = statsmodels_nb_llf(values, base)
    assert res.loglik[0] == pytest.approx(ll0, abs=1e-6)
    assert res.bic[0] == pytest.approx(-2 * ll0 + math.log(40) * (n_base + 1), abs=1e-5)
    assert len(res.scans) == 2
    found: list[int] = []
    for step, scan in enumerate(res.scans):
        candidates = admissible(40, found, 10, values > 0)
        assert list(scan["month"]) == [str(y.index[c]) for c in candidates]
        ref = [statsmodels_nb_llf(values, segment_design(base, [*found, c])) for c in candidates]
        np.testing.assert_allclose(scan["loglik"], ref, rtol=0, atol=1e-6)
        best = candidates[int(np.argmax(ref))]
        k = len(found) + 1
        bic = -2 * max(ref) + math.log(40) * (n_base + 3 * k + 1)
        assert res.bic[step + 1] == pytest.approx(bic, abs=1e-5)
        if bic >= res.bic[step]:
            assert res.rejected_month == str(y.index[best])
            break
        found.append(best)
    assert res.breaks == tuple(str(y.index[b]) for b in sorted(found))


def test_level_ratios_come_from_the_final_joint_fit():
    y = reference_series("deir_ez_zor", "killed_best")
    res = detect_breaks(y)
    positions = [y.index.get_loc(pd.Period(m, freq="M")) for m in res.breaks]
    X = segment_design(build_design(y.index).to_numpy(), positions)
    ref = statsmodels_nb(y.to_numpy(), X)
    assert res.loglik[res.n_breaks] == pytest.approx(ref.llf, abs=1e-6)
    post = [6 + 2 * k for k in range(len(positions))]
    np.testing.assert_allclose(res.level_ratios, np.exp(ref.params[post]), rtol=1e-5)
    np.testing.assert_allclose(res.slope_ratios_per_year, np.exp(12 * ref.params[post[0] + 1::2][
        : len(post)]), rtol=1e-5)
    assert res.coefficients.index[6:].tolist() == ["post_1", "tpost_1", "post_2", "tpost_2"]


def test_poisson_step_agrees_with_statsmodels_glm():
    y = small_series()
    res = detect_breaks(y, max_breaks=1, min_segment_months=10, family="poisson")
    base = build_design(y.index).to_numpy()
    ref = [
        sm.GLM(y.to_numpy(), segment_design(base, [c]), family=sm.families.Poisson())
        .fit(tol=1e-12).llf
        for c in admissible(40, [], 10, y.to_numpy() > 0)
    ]
    np.testing.assert_allclose(res.scans[0]["loglik"], ref, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["deir_ez_zor", "homs"])
def test_first_step_is_the_r_profile_scan(name):
    """R: MASS::glm.nb LR of post + tpost at every month (tests/results/its_reference.R)."""
    ref = json.loads((RESULTS / f"ref_{name.split('_')[0]}_incidents.json").read_text())["scan"]
    res = detect_breaks(reference_series(name))
    scan = res.scans[0]
    assert list(scan["month"]) == ref["months"]
    np.testing.assert_allclose(scan["lr_gain"], ref["lr"], rtol=1e-4, atol=1e-6)
    first = res.breaks[res.order_found.index(1)]
    assert first == ref["argmax"]
    assert res.lr_gains[res.order_found.index(1)] == pytest.approx(ref["sup_lr"], rel=1e-4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(30, 90),
    min_segment=st.integers(3, 15),
)
def test_minimum_segment_length_is_respected(seed, n, min_segment):
    rng = np.random.default_rng(seed)
    levels = rng.choice([0.0, 0.3, 3.0, 10.0, 40.0], size=4)
    mu = levels[np.minimum(np.arange(n) * 4 // n, 3)]
    y = monthly(rng.poisson(mu))
    if n < max(2 * min_segment, 11) or not y.any():
        return
    res = detect_breaks(y, min_segment_months=min_segment, max_breaks=4, harmonics=1)
    positions = [y.index.get_loc(pd.Period(m, freq="M")) for m in res.breaks]
    assert positions == sorted(positions)
    edges = [0, *positions, n]
    assert np.all(np.diff(edges) >= min_segment)
    active = [int((y.iloc[a:b] > 0).sum()) for a, b in itertools.pairwise(edges)]
    # the rule is for segments a break creates; a series left whole may have any activity
    assert res.n_breaks == 0 or all(a == 0 or a >= 5 for a in active)
    assert sorted(res.order_found) == list(range(1, res.n_breaks + 1))
    assert all(b < 0 for b in res.bic_changes)
    assert res.n_breaks <= 4


def test_activity_starting_from_zero_is_found_at_its_first_month():
    y = np.r_[np.zeros(20), np.random.default_rng(1).poisson(5.0, 40)]
    y[20:22] = 0.0  # activity starts in month 22 (2013-11)
    res = detect_breaks(monthly(y))
    assert res.breaks == ("2013-11",)
    assert res.level_ratios == (math.inf,) and math.isnan(res.slope_ratios_per_year[0])
    assert res.n_not_converged == 0 and "has no counts" in res.summary()
    row = res.to_dict()["breaks"][0]  # type: ignore[index]
    assert row["level_ratio"] is None and row["slope_ratio_per_year"] is None
    json.dumps(res.to_dict(), allow_nan=False)
    # 1-4 active months on one side are never left: 12..22 (no counts before) and 27.. only
    candidates = admissible(60, [], 12, y > 0)
    assert candidates == [*range(12, 23), *range(27, 49)]


def test_deterministic_and_json_safe():
    y = reference_series("deir_ez_zor", "killed_best")
    first, second = detect_breaks(y).to_dict(), detect_breaks(y).to_dict()
    assert first == second
    text = json.dumps(first, allow_nan=False)
    assert "p_value" not in text
    assert first["n_breaks"] == len(first["breaks"])  # type: ignore[arg-type]
    assert len(first["bic"]) >= first["n_breaks"] + 1  # type: ignore[operator]


def test_summary_says_the_number_is_chosen_not_tested():
    res = detect_breaks(monthly(STEPS))
    text = res.summary()
    assert "not tested" in text and "p =" not in text
    assert list(res.tidy().columns) == [
        "month", "order_found", "level_ratio", "slope_ratio_per_year", "lr_gain", "bic_change",
    ]


def test_max_breaks_and_no_room_stop_the_search():
    res = detect_breaks(monthly(STEPS), max_breaks=1)
    assert res.n_breaks == 1 and res.stop_reason == "max_breaks"
    res = detect_breaks(monthly(STEPS), min_segment_months=30)
    assert res.stop_reason == "no_candidate" and res.n_breaks == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_breaks": 0}, OptionError, "max_breaks must be a whole number >= 1; got 0"),
        ({"min_segment_months": 2}, OptionError, "min_segment_months must be a whole number"),
        ({"family": "poison"}, OptionError, "family must be one of negbin, poisson"),
        ({"penalty": "aic"}, OptionError, "penalty must be one of bic"),
        ({"min_segment_months": 50}, DataError, "series has 96 months; .* needs at least 100"),
    ],
)
def test_bad_options_and_short_series(kwargs, error, match):
    with pytest.raises(error, match=match):
        detect_breaks(monthly(STEPS), **kwargs)


def test_all_zero_and_non_monthly_input():
    with pytest.raises(DataError, match="all counts are zero"):
        detect_breaks(monthly(np.zeros(40)))
    with pytest.raises(InputError, match="expected a pandas Series"):
        detect_breaks(np.ones(40))  # type: ignore[arg-type]


def run_cli(capsys, *args):
    from trends.cli import main

    status = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, out.err


def test_cli_adds_the_breaks_to_the_single_break_test(capsys):
    deir = RESULTS / "ged_is_deir_ez_zor_monthly.csv"
    status, out, _ = run_cli(capsys, "detect", deir, "--bootstrap", "19", "--json")
    single = json.loads(out)
    assert status == 0 and "breaks" not in single
    status, out, _ = run_cli(capsys, "detect", deir, "--bootstrap", "19", "--json",
                             "--max-breaks", "3")
    both = json.loads(out)
    assert status == 0
    assert {k: v for k, v in both.items() if k != "breaks"} == single
    assert both["breaks"] == detect_breaks(reference_series("deir_ez_zor")).to_dict()
    status, out, _ = run_cli(capsys, "detect", deir, "--bootstrap", "19", "--max-breaks", "2")
    assert status == 0 and "sup LR" in out and "Breaks chosen by BIC: 2" in out


def test_cli_rejects_max_breaks_below_one(capsys):
    deir = RESULTS / "ged_is_deir_ez_zor_monthly.csv"
    status, _, err = run_cli(capsys, "detect", deir, "--max-breaks", "0")
    assert status == 2
    assert "trends detect: error: --max-breaks must be 1 or more; got 0" in err
