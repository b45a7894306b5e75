"""Tests of trends.severity: power-law tail fits and the frequency-severity split."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from trends.decompose import decompose_change
from trends.errors import DataError, OptionError
from trends.severity import fit_power_law, sample_discrete_power_law

RESULTS = Path(__file__).parent / "results"
NO_BOOTSTRAP = {"bootstrap_replicates": 0, "gof_replicates": 0}


# ---------------------------------------------------------------- power law


def test_sampler_matches_the_discrete_power_law_pmf():
    alpha, xmin, n = 2.4, 3, 50_000
    x = sample_discrete_power_law(alpha, xmin, n, np.random.default_rng(1))
    edges = [3, 4, 5, 6, 8, 11, 16, 30, 100, 1000]
    survival = special.zeta(alpha, np.array(edges, dtype=float)) / special.zeta(alpha, xmin)
    expected = n * np.append(survival[:-1] - survival[1:], survival[-1])
    observed = np.array([np.sum((x >= lo) & (x < hi)) for lo, hi in itertools.pairwise(edges)])
    observed = np.append(observed, np.sum(x >= edges[-1]))
    assert x.min() >= xmin
    assert stats.chisquare(observed, expected).pvalue > 0.001


@pytest.mark.parametrize(("alpha", "xmin"), [(2.4, 1), (1.9, 2), (3.2, 5)])
def test_alpha_is_recovered_within_monte_carlo_error(alpha, xmin):
    n = 4000
    x = sample_discrete_power_law(alpha, xmin, n, np.random.default_rng(42))
    fit = fit_power_law(x, xmin=xmin, **NO_BOOTSTRAP)
    assert abs(fit.alpha - alpha) < 4 * (alpha - 1) / np.sqrt(n)
    assert fit.n_tail == n and fit.xmin == xmin


@pytest.mark.parametrize(("alpha", "xmin", "seed"), [(2.4, 1, 0), (1.7, 4, 1), (3.5, 2, 2)])
def test_alpha_mle_equals_brute_force_grid_maximum(alpha, xmin, seed):
    x = sample_discrete_power_law(alpha, xmin, 2000, np.random.default_rng(seed)).astype(float)
    grid = np.arange(1.2, 6.0, 1e-5)
    loglik = -x.size * np.log(special.zeta(grid, xmin)) - grid * np.log(x).sum()
    fit = fit_power_law(x, xmin=xmin, **NO_BOOTSTRAP)
    assert fit.alpha == pytest.approx(grid[np.argmax(loglik)], abs=2e-5)


def test_alpha_mle_approaches_the_continuous_approximation_for_large_xmin():
    xmin = 100
    x = sample_discrete_power_law(2.4, xmin, 20_000, np.random.default_rng(3)).astype(float)
    continuous = 1 + x.size / np.sum(np.log(x / (xmin - 0.5)))
    assert fit_power_law(x, xmin=xmin, **NO_BOOTSTRAP).alpha == pytest.approx(continuous, abs=1e-3)


def test_fit_matches_the_powerlaw_package():
    """Reference from the Python package powerlaw 2.0.0 (Alstott et al.), on the same data:

    powerlaw.Fit(x, discrete=True, estimate_discrete=False) -> xmin 8.0,
    alpha 2.312626186628523, power_law.D 0.018574942672228367 (its optimiser
    stops about 1e-5 from the maximum, hence the tolerances).
    """
    rng = np.random.default_rng(2009)
    x = np.concatenate([rng.integers(1, 8, 1500), np.floor(8 * (1 + rng.pareto(1.4, 600)))])
    assert x.sum() == 27179  # same data as the reference run
    fit = fit_power_law(x.astype(int), **NO_BOOTSTRAP)
    assert (fit.xmin, fit.n_tail) == (8, 600)
    assert fit.alpha == pytest.approx(2.312626186628523, abs=1e-4)
    assert fit.ks_distance == pytest.approx(0.018574942672228367, abs=1e-5)


@pytest.mark.parametrize("gappy", [False, True])
def test_ks_distance_is_the_supremum_over_all_integers(gappy):
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.integers(1, 6, 500), sample_discrete_power_law(2.2, 6, 300, rng)])
    if gappy:  # no incident with 1 to 3 deaths: the largest gap sits just below the data
        x = x[x > 3]
    fit = fit_power_law(x, xmin=1 if gappy else None, **NO_BOOTSTRAP)
    tail = np.sort(x[x >= fit.xmin])
    k = np.arange(fit.xmin, tail.max() + 1, dtype=float)
    empirical = np.searchsorted(tail, k, side="right") / tail.size
    model = 1 - special.zeta(fit.alpha, k + 1) / special.zeta(fit.alpha, fit.xmin)
    assert fit.ks_distance == pytest.approx(np.max(np.abs(empirical - model)), abs=1e-12)


def _fit_one_candidate_at_a_time(positive, min_tail_size=10):
    """xmin, alpha and KS distance chosen the plain way: a bisection and a KS loop per candidate."""
    values, counts = np.unique(positive, return_counts=True)
    best = (np.inf, None, None)
    for j, xmin in enumerate(values):
        tail = positive[positive >= xmin]
        if tail.size < min_tail_size:
            break
        mean_log = np.log(tail).mean()
        lo, hi = 1.0001, 50.0

        def mean_log_model(a, xmin=xmin, step=1e-5):
            upper = np.log(special.zeta(a + step, xmin))
            lower = np.log(special.zeta(a - step, xmin))
            return -(upper - lower) / (2 * step)

        if not mean_log > mean_log_model(hi):
            continue
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mean_log_model(mid) > mean_log else (lo, mid)
        alpha = (lo + hi) / 2
        cum = np.cumsum(counts[j:]) / counts[j:].sum()
        norm = special.zeta(alpha, xmin)
        at = 1 - special.zeta(alpha, values[j:] + 1) / norm
        before = 1 - special.zeta(alpha, values[j:]) / norm
        ks = max(np.max(np.abs(cum - at)), np.max(np.abs(np.r_[0.0, cum[:-1]] - before)))
        if ks < best[0]:
            best = (ks, alpha, xmin)
    return best


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(1.5, 3.5), st.integers(1, 6), st.booleans())
def test_xmin_and_alpha_match_a_fit_one_candidate_at_a_time(seed, alpha, xmin, gappy):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.integers(1, xmin + 1, 200), sample_discrete_power_law(alpha, xmin,
                                                                                  150, rng)])
    if gappy:
        x = x[(x < 3) | (x > 6)]
    ks, alpha_hat, xmin_hat = _fit_one_candidate_at_a_time(np.sort(x.astype(float)))
    fit = fit_power_law(x, **NO_BOOTSTRAP)
    assert (fit.xmin, fit.alpha) == (xmin_hat, pytest.approx(alpha_hat, rel=1e-12))
    assert fit.ks_distance == pytest.approx(ks, rel=1e-12, abs=1e-15)


def test_bootstrap_replicates_are_those_of_fitting_each_sample_alone():
    """The replicates are fitted together; each must equal the fit of its own sample."""
    x = np.concatenate([np.arange(1, 40), sample_discrete_power_law(2.1, 5, 300,
                                                                    np.random.default_rng(3))])
    fit = fit_power_law(x, bootstrap=25, gof_bootstrap=0, seed=7)
    rng = np.random.default_rng(7)
    positive = np.sort(x[x > 0].astype(float))
    alphas = []
    for _ in range(25):
        sample = np.sort(rng.choice(positive, size=positive.size, replace=True))
        alphas.append(_fit_one_candidate_at_a_time(sample)[1])
    low, high = np.quantile(alphas, [0.025, 0.975])
    assert fit.alpha_ci == (pytest.approx(low, rel=1e-12), pytest.approx(high, rel=1e-12))


def test_xmin_is_found_above_a_non_power_law_body():
    rng = np.random.default_rng(5)
    body = rng.integers(0, 6, 3000)
    tail = sample_discrete_power_law(2.4, 6, 1000, rng)
    fit = fit_power_law(np.concatenate([body, tail]), **NO_BOOTSTRAP)
    assert 6 <= fit.xmin <= 10
    assert abs(fit.alpha - 2.4) < 4 * 1.4 / np.sqrt(fit.n_tail)
    assert fit.n_zero == int(np.sum(body == 0))


def test_zero_and_missing_deaths_are_counted_and_excluded():
    x = sample_discrete_power_law(2.5, 1, 500, np.random.default_rng(6))
    with_extra = pd.Series(np.concatenate([x, [0] * 70]), dtype="Int64")
    with_extra = pd.concat([with_extra, pd.Series([pd.NA] * 4, dtype="Int64")])
    plain = fit_power_law(x, xmin=1, **NO_BOOTSTRAP)
    padded = fit_power_law(with_extra, xmin=1, **NO_BOOTSTRAP)
    assert padded.alpha == plain.alpha
    assert (padded.n, padded.n_zero, padded.n_missing, padded.n_tail) == (570, 70, 4, 500)


def test_bootstrap_interval_agrees_with_the_asymptotic_standard_error():
    alpha = 2.4
    x = sample_discrete_power_law(alpha, 1, 1500, np.random.default_rng(9))
    fit = fit_power_law(x, xmin=1, bootstrap=300, gof_bootstrap=0, seed=1)
    low, high = fit.alpha_ci
    assert low < fit.alpha < high
    assert (high - low) / (2 * 1.96 * fit.alpha_se) == pytest.approx(1.0, abs=0.25)
    assert fit.alpha_se == pytest.approx((fit.alpha - 1) / np.sqrt(1500))


def test_goodness_of_fit_accepts_a_power_law_and_rejects_a_geometric_tail():
    rng = np.random.default_rng(2)
    power = fit_power_law(
        sample_discrete_power_law(2.5, 1, 800, rng), bootstrap=0, gof_bootstrap=100
    )
    assert power.gof_p_value > 0.1
    geometric = fit_power_law(
        rng.geometric(1 / 15, 800), xmin=1, bootstrap=0, gof_bootstrap=100
    )
    assert geometric.gof_p_value < 0.02


def test_power_law_fit_is_deterministic_and_reports():
    x = sample_discrete_power_law(2.4, 2, 400, np.random.default_rng(12))
    one = fit_power_law(x, bootstrap=30, gof_bootstrap=30, seed=4)
    two = fit_power_law(x, bootstrap=30, gof_bootstrap=30, seed=4)
    assert one == two
    assert json.loads(json.dumps(one.to_dict()))["xmin"] == one.xmin
    assert one.tidy()["term"].tolist() == ["alpha", "xmin"]
    assert "alpha = " in one.summary() and "goodness-of-fit p" in one.summary()


def test_power_law_errors_name_the_problem():
    with pytest.raises(DataError, match="3 incidents have one or more deaths"):
        fit_power_law([0, 0, 1, 5, 9], **NO_BOOTSTRAP)
    with pytest.raises(DataError, match="whole numbers"):
        fit_power_law([1.5] * 20, **NO_BOOTSTRAP)
    with pytest.raises(DataError, match="only 2 incidents have 50 or more deaths"):
        fit_power_law([*range(1, 20), 60, 70], xmin=50, **NO_BOOTSTRAP)
    with pytest.raises(OptionError, match="xmin must be a whole number"):
        fit_power_law(list(range(1, 30)), xmin=0)


# ------------------------------------------------------------ decomposition


def panel(incidents, killed, start="2020-01") -> pd.DataFrame:
    months = pd.period_range(start, periods=len(incidents), freq="M").astype(str)
    return pd.DataFrame({"month": months, "incidents": incidents, "killed_best": killed})


def test_doubling_incidents_at_constant_severity_is_all_frequency():
    data = panel([10, 12, 8, 20, 24, 16], [30, 36, 24, 60, 72, 48])
    result = decompose_change(data, before=("2020-01", "2020-03"), after=("2020-04", "2020-06"))
    assert result.ratio_frequency == pytest.approx(2.0)
    assert result.ratio_severity == pytest.approx(1.0)
    assert result.share_frequency == pytest.approx(1.0)
    assert "mainly from more incidents" in result.interpretation


def test_constant_frequency_with_deadlier_incidents_is_all_severity():
    data = panel([10, 12, 8, 10, 12, 8], [30, 36, 24, 90, 108, 72])
    result = decompose_change(data, before=("2020-01", "2020-03"), after=("2020-04", "2020-06"))
    assert result.ratio_frequency == pytest.approx(1.0)
    assert result.ratio_severity == pytest.approx(3.0)
    assert result.share_severity == pytest.approx(1.0)
    assert "mainly from more deaths per incident" in result.interpretation


def test_opposite_movements_are_described_as_an_offset():
    data = panel([20, 20, 10, 10], [40, 40, 80, 80])
    result = decompose_change(data, before=("2020-01", "2020-02"), after=("2020-03", "2020-04"))
    assert result.ratio_total == pytest.approx(2.0)
    assert result.share_frequency == pytest.approx(np.log(0.5) / np.log(2.0))
    assert "came from more deaths per incident" in result.interpretation
    assert "offset 50% of it" in result.interpretation


@settings(max_examples=40, deadline=None)
@given(
    incidents=st.lists(st.integers(1, 200), min_size=8, max_size=8),
    killed=st.lists(st.integers(1, 2000), min_size=8, max_size=8),
)
def test_decomposition_identity_holds_exactly(incidents, killed):
    data = panel(incidents, killed)
    result = decompose_change(
        data, before=("2020-01", "2020-04"), after=("2020-05", "2020-08"), bootstrap=50
    )
    assert result.ratio_total == pytest.approx(
        result.ratio_frequency * result.ratio_severity, rel=1e-12
    )
    rate_before, rate_after = sum(killed[:4]) / 4, sum(killed[4:]) / 4
    assert result.ratio_total == pytest.approx(rate_after / rate_before, rel=1e-12)
    if not np.isnan(result.share_frequency):
        assert result.share_frequency + result.share_severity == pytest.approx(1.0)
    for name in ("ratio_total", "ratio_frequency", "ratio_severity"):
        low, high = getattr(result, f"{name}_ci")
        assert 0 < low <= high


def test_decomposition_of_the_real_deir_ez_zor_series_matches_hand_sums():
    df = pd.read_csv(RESULTS / "ged_is_deir_ez_zor_monthly.csv")
    result = decompose_change(df, before=("2016-01", "2016-12"), after=("2017-01", "2017-12"))
    first, second = df[df["month"] < "2017-01"], df[df["month"].between("2017-01", "2017-12")]
    assert result.ratio_frequency == pytest.approx(
        second["incidents"].sum() / first["incidents"].sum()
    )
    per_incident = [d["killed_best"].sum() / d["incidents"].sum() for d in (first, second)]
    assert result.ratio_severity == pytest.approx(per_incident[1] / per_incident[0])
    tidy = result.tidy().set_index("component")
    assert tidy.loc["deaths_per_month", "before"] == pytest.approx(first["killed_best"].mean())
    json.dumps(result.to_dict())


def test_frequency_interval_is_close_to_the_exact_poisson_interval_for_poisson_months():
    rng = np.random.default_rng(17)
    incidents = np.concatenate([rng.poisson(40, 36), rng.poisson(60, 36)])
    data = panel(incidents, incidents * 3, start="2015-01")
    result = decompose_change(
        data,
        before=("2015-01", "2017-12"),
        after=("2018-01", "2020-12"),
        bootstrap=4000,
        block_months=1,
    )
    # independent months: single-month resampling is right here
    # exact conditional interval: N_after | N_total ~ Binomial(N_total, r / (1 + r))
    n_a, n = incidents[36:].sum(), incidents.sum()
    p_low, p_high = stats.beta.ppf([0.025, 0.975], [n_a, n_a + 1], [n - n_a + 1, n - n_a])
    exact = p_low / (1 - p_low), p_high / (1 - p_high)
    assert np.log(result.ratio_frequency_ci) == pytest.approx(np.log(exact), abs=0.02)


def test_series_pair_and_panel_give_the_same_result():
    data = panel([5, 7, 9, 11, 13, 15], [10, 7, 30, 11, 40, 45])
    index = pd.PeriodIndex(data["month"], freq="M")
    pair = (
        pd.Series(data["incidents"].to_numpy(), index=index, name="incidents"),
        pd.Series(data["killed_best"].to_numpy(), index=index, name="killed_best"),
    )
    kwargs = {"before": ("2020-01", "2020-03"), "after": ("2020-04", "2020-06"), "seed": 3}
    assert decompose_change(pair, **kwargs) == decompose_change(data, **kwargs)


def test_decomposition_errors_name_the_problem():
    data = panel([5, 7, 0, 0], [10, 7, 0, 0])
    periods = {"before": ("2020-01", "2020-02"), "after": ("2020-03", "2020-04")}
    with pytest.raises(DataError, match=r"after period \(2020-03 to 2020-04\) has 0 incidents"):
        decompose_change(data, **periods)
    with pytest.raises(OptionError, match="overlap"):
        decompose_change(data, before=("2020-01", "2020-03"), after=("2020-03", "2020-04"))
    with pytest.raises(DataError, match=r"needs months the data do not have "
                                        r"\(2020-01 to 2020-04\): 2019-11, 2019-12$"):
        decompose_change(data, before=("2019-11", "2020-01"), after=("2020-03", "2020-04"))
    two_regions = pd.concat([data.assign(region="a"), data.assign(region="b")])
    with pytest.raises(OptionError, match="holds 2 regions; pass region="):
        decompose_change(two_regions, **periods)
    with pytest.raises(OptionError, match="measure must be one of"):
        decompose_change(data, measure="killed", **periods)


@pytest.mark.parametrize(("after_months", "share"),
                         [(1, "all"), (3, "all"), (5, "most"), (6, None)])
def test_a_period_under_two_bootstrap_blocks_is_warned_of(after_months, share):
    rng = np.random.default_rng(4)
    incidents = rng.poisson(10, 12 + after_months) + 1
    data = panel(list(incidents), list(3 * incidents))
    after = (str(pd.Period("2021-01", freq="M")),
             str(pd.Period("2021-01", freq="M") + after_months - 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = decompose_change(data, before=("2020-01", "2020-12"), after=after, bootstrap=50)
    said = [str(w.message) for w in caught if "bootstrap blocks" in str(w.message)]
    # the warning, the summary and the JSON say the same (a -q run still reads it)
    assert result.to_dict()["caveats"] == said
    assert [line for line in result.summary().splitlines() if line.startswith("Caveat")] == [
        f"Caveat: {note}." for note in said]
    if share is None:
        assert said == []
    else:
        assert said == [
            f"the after period has {after_months} month{'s' if after_months > 1 else ''}, "
            f"under two bootstrap blocks of 3: the intervals leave out {share} of its "
            "month-to-month variation and are too narrow; compare periods of 6 months or more"]
