"""Break scans and backtests by region: each row is that region run alone, wherever it runs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import GED
from test_parallel import _hostile_panel

from trends import by_region, forecast
from trends.cli import main
from trends.errors import DataError
from trends.resurgence.multiplicity import holm
from trends.resurgence.regions_detect import regions_detect
from trends.resurgence.scan import detect_break

IS = [str(GED), "--actor", "IS"]


def test_each_region_row_is_that_region_scanned_alone_and_holm_is_over_the_scanned():
    panel = {k: v for k, v in _hostile_panel().items() if k in
             ("plain 0", "plain 3", "all zeros", "one huge month", "starts late")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = regions_detect(panel, bootstrap=39, seed=4, workers=1)
    table = result.table.set_index("region")
    assert list(table.index) == list(panel)
    assert "all counts are zero" in table.loc["all zeros", "note"]
    assert np.isnan(table.loc["all zeros", "p_value_holm"])
    for number, (name, y) in enumerate(panel.items()):
        if name == "all zeros":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alone = detect_break(y, bootstrap=39, seed=4 + number)
        row = table.loc[name]
        assert (row["break_month"], row["p_value"]) == (alone.break_month, alone.p_value)
        assert row["statistic"] == alone.statistic
        assert row["confidence_set"] == tuple(alone.confidence_set)
    scanned = table[table["note"] == ""]
    assert scanned["p_value_holm"].tolist() == pytest.approx(holm(scanned["p_value"].tolist()))
    assert (scanned["p_value_bh"] <= scanned["p_value_holm"] + 1e-12).all()
    text = result.summary()
    assert "all zeros: not scanned (" in text
    assert "the smallest Holm-adjusted p-value is 0.1" in text  # 4 regions, 39 replicates


def test_cli_detect_by_region_prints_the_same_with_two_processes_and_names_every_region(capsys):
    args = ["detect", *IS, "--by", "region", "--bootstrap", "19", "--json"]
    assert main([*args, "--workers", "1"]) == 0
    one = capsys.readouterr().out
    assert main([*args, "--workers", "2"]) == 0
    assert capsys.readouterr().out == one
    rows = json.loads(one)
    assert len(rows) == 15 and all({"p_value_holm", "confidence_set"} <= set(r) for r in rows)
    # region i of the panel uses seed 0 + i: its row is `detect --region NAME --seed i`
    position = [r["region"] for r in rows].index("Homs")
    assert main(["detect", *IS, "--region", "Homs", "--bootstrap", "19", "--seed",
                 str(position), "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    homs = rows[position]
    assert (homs["break_month"], homs["p_value"]) == (alone["break_month"], alone["p_value"])


def test_detect_by_region_refuses_several_breaks_and_offsets_in_one_line(capsys):
    status = main(["detect", *IS, "--by", "region", "--max-breaks", "3"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and "--max-breaks with --by region" in err[-1]
    assert "Traceback" not in "\n".join(err)


def test_cli_backtest_by_region_notes_the_regions_it_cannot_backtest(capsys):
    args = ["backtest", *IS, "--by", "region", "--horizon", "2", "--draws", "200", "--json"]
    assert main([*args, "--workers", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 15
    noted = {r["region"]: r["note"] for r in rows if "note" in r}
    assert noted["Latakia"].startswith("not backtested: a forecast needs at least 6 months")
    homs = next(r for r in rows if r["region"] == "Homs")
    assert main(["backtest", *IS, "--region", "Homs", "--horizon", "2", "--draws", "200",
                 "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert homs == dict(alone, region="Homs")
    # alone, a region that cannot be backtested is an error, not a note
    assert main(["backtest", *IS, "--region", "Latakia", "--horizon", "2"]) == 2
    assert "a forecast needs at least 6 months" in capsys.readouterr().err


def test_by_region_gives_each_region_its_own_run():
    panel = {k: _hostile_panel()[k] for k in ("plain 1", "one huge month")}
    results = by_region(forecast, panel, workers=2, horizon=2, draws=300, seed=3)
    assert list(results) == list(panel)
    for name, y in panel.items():
        pd.testing.assert_frame_equal(results[name].tidy(),
                                      forecast(y, 2, draws=300, seed=3).tidy())


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ["detect", "--bootstrap", "19"],
    ["backtest", "--horizon", "2", "--draws", "200"],
    ["assess", "--since", "2018-06", "--bootstrap", "99"],
    ["forecast", "--horizon", "2", "--draws", "200"],
])
def test_cli_by_region_on_a_dask_cluster_prints_the_local_output(cluster, command, capsys):
    address, _ = cluster
    args = [command[0], *IS, "--by", "region", *command[1:], "--json"]
    assert main([*args, "--workers", "1"]) == 0
    local = capsys.readouterr().out
    assert main([*args, "--scheduler", address]) == 0
    assert capsys.readouterr().out == local and len(json.loads(local)) == 15


@pytest.mark.slow
def test_python_by_region_and_regions_detect_on_a_dask_cluster_equal_the_local_run(cluster):
    address, client = cluster
    panel = {k: _hostile_panel()[k] for k in ("plain 2", "all zeros", "ends early")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = regions_detect(panel, bootstrap=19, workers=1)
        remote = regions_detect(panel, bootstrap=19, scheduler=address)
    pd.testing.assert_frame_equal(local.table, remote.table)
    drawn = by_region(forecast, {"plain 2": panel["plain 2"]}, client=client, horizon=2,
                      draws=200)
    pd.testing.assert_frame_equal(drawn["plain 2"].tidy(),
                                  forecast(panel["plain 2"], 2, draws=200).tidy())


def _panel_csv(tmp_path, late_start: str = "2021-03"):
    """A monthly CSV of the hostile panel, with one region that starts late."""
    panel = _hostile_panel()
    panel["late"] = panel["plain 1"][late_start:]
    rows = [pd.DataFrame({"month": y.index.astype(str), "region": name, "killed": y.to_numpy()})
            for name, y in panel.items()]
    path = tmp_path / "panel.csv"
    pd.concat(rows).to_csv(path, index=False)
    return path


def test_a_region_the_month_misses_gets_a_note_and_the_others_run(tmp_path, capsys):
    path = str(_panel_csv(tmp_path))
    assert main(["assess", path, "--measure", "killed", "--by", "region", "--since", "2020-06",
                 "--bootstrap", "99", "--json", "--workers", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    late = next(r for r in rows if r["name"] == "late")
    assert late["note"].startswith("not assessed: break month '2020-06' lies outside the data")
    assert sum("verdict" in r for r in rows) == 8
    assert main(["alerts", path, "--measure", "killed", "--by", "region", "--years-back", "2",
                 "--window", "2"]) == 0
    out = capsys.readouterr().out
    assert "late: not assessed: farrington needs" in out and out.count("\n") == 9
    # a month outside every region is one error, before any region runs
    assert main(["test", path, "--measure", "killed", "--by", "region",
                 "--since", "2030-01"]) == 2
    assert "lies outside the data (2018-01 to 2022-12)" in capsys.readouterr().err


def test_by_region_takes_a_loaded_panel_and_keeps_each_regions_months(tmp_path):
    import trends

    panel = trends.load_panel([str(_panel_csv(tmp_path, late_start="2021-09"))]).panel
    results = by_region(forecast, panel, measure="killed", horizon=2, draws=200, workers=1)
    late = results["late"].history
    assert (str(late.index[0]), str(late.index[-1])) == ("2021-09", "2022-12")
    assert len(results) == 9
    with pytest.raises(DataError, match="region 'late': break month '2020-06' lies outside"):
        by_region(trends.its_test, panel[panel["region"].isin(["late", "plain 0"])],
                  measure="killed", break_month="2020-06", bootstrap=19, workers=1)


def test_too_few_replicates_for_the_regions_is_a_warning_also_in_json(capsys):
    args = ["detect", *IS, "--by", "region", "--bootstrap", "19", "--json", "--workers", "1"]
    assert main(args) == 0
    err = capsys.readouterr().err
    # Latakia, Quneitra and Tartus have too few months with a count for a p-value
    assert "warning: With 19 replicates and 12 regions the smallest Holm-adjusted p-value" in err


def test_test_by_region_json_holds_the_regions_and_the_pooled_model(capsys):
    """The pooled model answers "countrywide or regional?": the JSON keeps it beside the rows."""
    args = ["test", *IS, "--by", "region", "--since", "2017-11", "--inference", "model",
            "--json", "--workers", "1"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["break_month"] == "2017-11" and len(out["regions"]) == 15
    pooled = out["pooled"]
    assert pooled["regions"] == sum(row["family"] is not None for row in out["regions"]) == 12
    low, high = pooled["common_level_ratio_ci"]
    assert 0 < low < pooled["common_level_ratio"] < high
    assert 0 <= pooled["heterogeneity_p_value"] <= 1 and pooled["interpretation"]
