"""By-region analyses in processes and in blocks give the one-region-at-a-time results."""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import GED
from hypothesis import given
from hypothesis import strategies as st

from trends.cli import main
from trends.errors import ModelWarning
from trends.models.blockglm import fit_blocks
from trends.models.design import build_design
from trends.models.glm import fit_glm
from trends.parallel import chunks, map_regions, region_seed
from trends.resurgence.known import its_test
from trends.resurgence.pooled import pooled_model
from trends.resurgence.regions import regions_test
from trends.validate import month_position


@given(st.integers(0, 500), st.integers(1, 40))
def test_chunks_cover_the_items_in_order_and_near_equal(n_items, n_chunks):
    bounds = chunks(n_items, n_chunks)
    flat = [i for a, b in bounds for i in range(a, b)]
    assert flat == list(range(n_items))
    assert len(bounds) <= n_chunks
    if bounds:
        sizes = [b - a for a, b in bounds]
        assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def _draws(job):
    """A seeded, region-specific computation, as a by-region analysis is."""
    name, seed = job
    if name == "warn":
        warnings.warn(f"region {name}: a note from a worker", ModelWarning, stacklevel=1)
    return name, np.random.default_rng(seed).normal(size=3).tolist()


def test_map_regions_in_two_processes_equals_one_process_and_relays_warnings():
    jobs = [(f"r{i}", region_seed(7, i)) for i in range(23)] + [("warn", 99)]
    expected = [_draws(job) for job in jobs[:-1]]
    with pytest.warns(ModelWarning, match="region warn: a note from a worker"):
        two = map_regions(_draws, jobs, workers=2)
    one = map_regions(_draws, jobs[:-1], workers=1)
    assert two[:-1] == one == expected
    assert region_seed(7, 3) == 10


def _hostile_panel() -> dict[str, pd.Series]:
    """Ordinary regions, an all-zero one, one with a huge month, and months that do not align."""
    rng = np.random.default_rng(11)
    idx = pd.period_range("2018-01", periods=60, freq="M")
    t = np.arange(60)
    panel = {}
    for k in range(4):
        mu = (5 + 4 * k) * np.exp(0.4 * (t >= 36) + 0.2 * np.sin(2 * np.pi * t / 12))
        panel[f"plain {k}"] = pd.Series(rng.negative_binomial(4, 4 / (4 + mu)), index=idx)
    panel["all zeros"] = pd.Series(np.zeros(60, dtype=int), index=idx)
    huge = rng.poisson(12, 60)
    huge[40] = 250_000
    panel["one huge month"] = pd.Series(huge, index=idx)
    panel["starts late"] = pd.Series(rng.poisson(9, 50), index=idx[10:])
    panel["ends early"] = pd.Series(rng.poisson(20, 52), index=idx[:52])
    return panel


@pytest.mark.slow
def test_regions_in_processes_equal_each_region_alone_on_hostile_panel():
    panel = _hostile_panel()
    options = {"family": "negbin", "bootstrap": 49, "seed": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = regions_test(panel, "2021-01", workers=1, **options)
        two = regions_test(panel, "2021-01", workers=2, **options)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert one.pooled == two.pooled
    table = one.table.set_index("region")
    assert "all counts are zero" in table.loc["all zeros", "note"]
    assert math.isnan(table.loc["all zeros", "p_value"])
    for number, (name, y) in enumerate(panel.items()):
        if name == "all zeros":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alone = its_test(y, "2021-01", family="negbin", bootstrap=49, seed=5 + number,
                             draws=200)
        row = table.loc[name]
        assert row["p_value"] == alone.p_value
        assert row["level_ratio"] == pytest.approx(alone.level_ratio, rel=1e-8)
        assert row["ci_low"] == pytest.approx(alone.level_ratio_ci[0], rel=1e-8)


def _dense_pooled(panel, break_month, family, change="both"):
    """The pooled model written out with a dense block design, fitted by fit_glm."""
    blocks, ys = [], []
    for y in panel.values():
        pos = month_position(y.index, break_month)
        blocks.append(build_design(y.index, break_position=pos, change=change))
        ys.append(y.to_numpy(dtype=float))
    changed = [c for c in ("post", "tpost") if c in blocks[0].columns]
    nuisance = [c for c in blocks[0].columns if c not in changed]
    n_rows, n_reg = sum(len(b) for b in blocks), len(blocks)

    def stack(cols):
        out = np.zeros((n_rows, n_reg * len(cols)))
        row = 0
        for j, block in enumerate(blocks):
            out[row:row + len(block), j * len(cols):(j + 1) * len(cols)] = block[cols]
            row += len(block)
        return out

    X0 = stack(nuisance)
    X1 = np.column_stack([X0, np.concatenate([b[changed].to_numpy() for b in blocks])])
    X2 = np.column_stack([X0, stack(changed)])
    y = np.concatenate(ys)
    fits = [fit_glm(y, X, family=family) for X in (X0, X1, X2)]
    return fits, X0.shape[1]


@pytest.mark.parametrize("family", ["negbin", "poisson"])
def test_block_fitter_equals_dense_design_on_hostile_panel(family):
    panel = {k: v for k, v in _hostile_panel().items() if k != "all zeros"}
    fits, j = _dense_pooled(panel, "2021-01", family)
    result = pooled_model(panel, "2021-01", family, 2, True)
    b, se = fits[1].beta[j], fits[1].se[j]
    # The dense fit stops at a relative log-likelihood change of 1e-11; where theta is small
    # (the huge month) the likelihood is so flat there that its coefficients can still be
    # 1e-6 from the maximum, which the block fit (stopping at 1e-13) reaches.
    assert result["common_level_ratio"] == pytest.approx(math.exp(b), rel=2e-6)
    low = result["common_level_ratio_ci"][0]
    assert low == pytest.approx(math.exp(b - 1.959963984540054 * se), rel=2e-6)
    lr_common = 2 * (fits[1].loglik - fits[0].loglik)
    lr_het = 2 * (fits[2].loglik - fits[1].loglik)
    assert result["common_statistic"] == pytest.approx(lr_common, rel=1e-6, abs=1e-6)
    assert result["heterogeneity_statistic"] == pytest.approx(lr_het, rel=1e-6, abs=1e-6)
    if family == "negbin":
        assert result["theta"] == pytest.approx(fits[1].theta, rel=1e-6)


@given(st.integers(0, 2**31), st.sampled_from(["poisson", "negbin"]))
def test_block_fitter_equals_dense_fit_on_random_panels(seed, family):
    rng = np.random.default_rng(seed)
    n_reg, n = int(rng.integers(2, 5)), 30
    X = np.stack([np.column_stack([np.ones(n), np.arange(n) / n]) for _ in range(n_reg)])
    C = np.tile((np.arange(n) >= 15).astype(float)[None, :, None], (n_reg, 1, 1))
    mask = np.ones((n_reg, n), dtype=bool)
    cut = int(rng.integers(0, 8))
    mask[0, :cut] = False  # the first region starts later: months do not align
    Y = rng.negative_binomial(3, 3 / (3 + rng.uniform(1, 40, size=(n_reg, 1))), (n_reg, n))
    Y = np.where(mask, Y, 0).astype(float)
    block = fit_blocks(X, C, Y, mask, family=family)
    dense = np.zeros((mask.sum(), 2 * n_reg + 1))
    rows = 0
    for r in range(n_reg):
        keep = mask[r]
        dense[rows:rows + keep.sum(), 2 * r:2 * r + 2] = X[r][keep]
        dense[rows:rows + keep.sum(), -1] = C[r][keep, 0]
        rows += keep.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fit_glm(Y[mask], dense, family=family)
    # both reach the maximum (the block fit stops later, so never lower), and the common
    # coefficient agrees far inside its standard error
    assert block.loglik >= ref.loglik - 1e-10 * abs(ref.loglik)
    assert block.loglik == pytest.approx(ref.loglik, rel=1e-9)
    assert abs(block.common[0] - ref.beta[-1]) <= 1e-4 * ref.se[-1]
    assert math.sqrt(block.common_cov[0, 0]) == pytest.approx(ref.se[-1], rel=1e-5)


def test_pooled_model_runs_at_three_thousand_regions_without_a_dense_design():
    rng = np.random.default_rng(3)
    idx = pd.period_range("2019-01", periods=84, freq="M")
    rates = rng.uniform(2, 40, size=(3000, 1)) * np.exp(0.25 * (np.arange(84) >= 60))
    counts = rng.poisson(rates)
    panel = {f"r{i}": pd.Series(counts[i], index=idx) for i in range(3000)}
    result = pooled_model(panel, "2024-01", "poisson", 2, True)
    assert result["regions"] == 3000 and result["heterogeneity_df"] == 2 * 2999
    low, high = result["common_level_ratio_ci"]
    assert low < math.exp(0.25) < high


def test_scheduler_without_dask_is_one_line_and_status_two(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    status = main(["alerts", str(GED), "--actor", "IS", "--by", "region", "--years-back", "2",
                   "--window", "2", "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    named = [line for line in err.splitlines() if "--scheduler" in line]
    assert status == 2 and "Traceback" not in err
    assert len(named) == 1 and "pip install trends[dask]" in named[0]


@pytest.mark.parametrize("address", ["localhost", "not an address", "tcp://127.0.0.1:notaport",
                                     "http://127.0.0.1:8786"])
def test_a_malformed_scheduler_address_is_one_line_at_once(capsys, address):
    pytest.importorskip("distributed")
    status = main(["aggregate", str(GED), "--scheduler", address])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert f"--scheduler {address!r}: not a scheduler address" in err
    assert "tcp://HOST:PORT" in err


@pytest.mark.slow
def test_regions_on_a_dask_cluster_equal_the_local_run(cluster):
    address, client = cluster
    panel = _hostile_panel()
    options = {"family": "negbin", "bootstrap": 29, "seed": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = regions_test(panel, "2021-01", workers=1, **options)
        by_address = regions_test(panel, "2021-01", scheduler=address, **options)
        by_client = regions_test(panel, "2021-01", client=client, **options)
    pd.testing.assert_frame_equal(local.table, by_address.table)
    pd.testing.assert_frame_equal(local.table, by_client.table)
    assert client.status == "running"  # a client the caller gave is left open


@pytest.mark.slow
def test_cli_by_region_on_a_dask_cluster_prints_the_local_output(cluster, capsys):
    address, _ = cluster
    args = ["alerts", str(GED), "--actor", "IS", "--by", "region", "--years-back", "2",
            "--window", "2", "--month", "2019-06", "--json"]
    assert main([*args, "--workers", "1"]) == 0
    local = capsys.readouterr().out
    assert main([*args, "--scheduler", address]) == 0
    remote = capsys.readouterr().out
    assert remote == local and local.count('"region"') == 15


@pytest.mark.parametrize("command", [
    ["test", "--since", "2017-11", "--inference", "model"],
    ["alerts", "--years-back", "2", "--window", "2", "--month", "2019-06"],
])
def test_cli_by_region_prints_the_same_with_two_processes_as_with_one(command, capsys):
    args = [command[0], str(GED), "--actor", "IS", "--by", "region", *command[1:], "--json"]
    assert main([*args, "--workers", "1"]) == 0
    one = capsys.readouterr().out
    assert main([*args, "--workers", "2"]) == 0
    two = capsys.readouterr().out
    assert two == one and one.count('"region"') == 15


def test_workers_below_one_is_an_option_error(capsys):
    status = main(["alerts", str(GED), "--actor", "IS", "--by", "region", "--workers", "0"])
    assert status == 2 and "--workers 0: give at least 1 process" in capsys.readouterr().err


def test_the_regions_summary_says_what_its_p_value_tests_and_why_a_region_was_not_tested():
    panel = _hostile_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both = regions_test(panel, "2021-01", family="negbin", bootstrap=19, workers=1)
        level = regions_test(panel, "2021-01", family="negbin", bootstrap=19, workers=1,
                             change="level")
    text = both.summary()
    assert "p_value tests a change in level or in trend (jointly, 2 degrees of freedom)" in text
    assert "slope_ratio_per_year" in text
    assert "all zeros: not tested (" in text
    assert "p_value tests a change in level" in level.summary().splitlines()


def test_a_warning_from_one_region_names_that_region():
    idx = pd.period_range("2018-01", periods=48, freq="M")
    rng = np.random.default_rng(5)
    zeros = np.where(rng.random(48) < 0.5, 0, rng.poisson(20.0, 48))  # zero-inflated counts
    panel = {"Homs": pd.Series(rng.poisson(20.0, 48), index=idx, name="killed"),
             "Aleppo": pd.Series(zeros, index=idx, name="killed")}
    with pytest.warns(ModelWarning, match="series 'Aleppo': chosen automatically"):
        regions_test(panel, "2020-01", family="auto", bootstrap=19, pooled=False, workers=1)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_every_region_once_whatever_runs_them(workers):
    from trends.parallel import progress

    counted: list[int] = []
    with progress(counted.append):
        assert map_regions(abs, list(range(-9, 9)), workers=workers) == [abs(i) for i in
                                                                          range(-9, 9)]
    assert sum(counted) == 18 and min(counted) > 0
    assert map_regions(abs, [-1], workers=1) == [1]   # no bar outside the block
    assert sum(counted) == 18
