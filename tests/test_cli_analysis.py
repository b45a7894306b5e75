"""The analysis commands end to end: real data in, documented JSON out, one-line errors."""

from __future__ import annotations

import json

import pytest
from conftest import GED, RESULTS

from trends.cli import main

DEIR = RESULTS / "ged_is_deir_ez_zor_monthly.csv"


def run(capsys, *args):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, [line for line in out.err.splitlines() if ": error: " in line]


def run_json(capsys, *args):
    status, out, errors = run(capsys, *args, "--json")
    assert status == 0, errors
    return json.loads(out)


def test_detect_on_bundled_data(capsys):
    result = run_json(
        capsys,
        "detect",
        GED,
        "--actor",
        "IS",
        "--region",
        "Homs",
        "--bootstrap",
        "99",
        "--seed",
        "1",
    )
    assert {"break_month", "statistic", "p_value", "confidence_set", "bootstrap"} <= set(result)
    assert result["bootstrap"] == 99
    assert 1 / 100 <= result["p_value"] <= 1
    assert result["break_month"] in result["confidence_set"]


def test_detect_reproduces_the_r_scan_statistic(capsys):
    ref = json.loads((RESULTS / "ref_deir_incidents.json").read_text())["scan"]
    result = run_json(capsys, "detect", DEIR, "--bootstrap", "19")
    assert result["break_month"] == ref["argmax"]
    assert result["statistic"] == pytest.approx(ref["sup_lr"], rel=1e-4)


def test_alerts_reproduce_r_farrington_on_reference_series(capsys):
    ref = json.loads((RESULTS / "ref_deir_killed.json").read_text())["farrington"]
    deir_killed = RESULTS / "ged_is_deir_ez_zor_monthly.csv"
    for month, bound, alarm in zip(ref["months"], ref["upperbound"], ref["alarm"], strict=True):
        if month not in ("2018-12", "2019-03", "2019-11"):
            continue
        result = run_json(
            capsys,
            "alerts",
            deir_killed,
            "--measure",
            "killed_best",
            "--month",
            month,
            "--years-back",
            "2",
            "--window",
            "2",
            "--side",
            "high",
        )
        assert result["upper_bound"] == pytest.approx(bound, rel=1e-6)
        assert result["alarm"] is alarm and result["side"] == "high"
        assert result["lower_bound"] is None and result["alarm_low"] is False


def test_alerts_call_15_against_134_unusually_low(capsys):
    args = ("alerts", GED, "--actor", "IS", "--years-back", "2", "--window", "2")
    result = run_json(capsys, *args)
    assert result["month"] == "2019-11" and result["observed"] == 15
    assert result["expected"] == pytest.approx(134.2, abs=0.05)
    assert result["side"] == "both" and result["direction"] == "low"
    assert result["alarm"] is True and result["alarm_low"] is True and result["alarm_high"] is False
    assert 15 < result["lower_bound"] < 134.2 < result["upper_bound"]
    words = f"unusually low (below the lower bound of {result['lower_bound']:.1f})"
    assert result["verdict"] == words
    status, out, _ = run(capsys, *args)
    assert status == 0 and words in out and "ALARM (low)" in out
    assert "within the usual range" not in out
    high = run_json(capsys, *args, "--side", "high")
    assert high["alarm"] is False and high["direction"] is None
    assert high["verdict"] == "not unusually high (only highs were checked)"
    assert run_json(capsys, *args, "--side", "low")["direction"] == "low"


def test_alerts_say_which_sides_were_checked_for_an_ordinary_month(capsys):
    args = ("alerts", GED, "--actor", "IS", "--years-back", "2", "--window", "2",
            "--month", "2019-02")
    both = run_json(capsys, *args)
    assert both["alarm"] is False and both["verdict"].endswith("(both sides checked)")
    assert both["verdict"].startswith("within the usual range of ")
    low = run_json(capsys, *args, "--side", "low")
    assert low["verdict"] == "not unusually low (only lows were checked)"
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in (*args, "--side", "sideways")])
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert stop.value.code == 2 and len(errors) == 1
    assert "--side: invalid choice: 'sideways'" in errors[0]


def test_alerts_by_region_on_bundled_data(capsys):
    rows = run_json(
        capsys,
        "alerts",
        GED,
        "--actor",
        "IS",
        "--by",
        "region",
        "--month",
        "2019-06",
        "--years-back",
        "2",
        "--window",
        "2",
    )
    assert isinstance(rows, list) and len(rows) == 15
    for row in rows:
        assert {"region", "month", "observed", "expected", "upper_bound", "alarm", "side",
                "lower_bound", "alarm_low", "alarm_high", "direction", "verdict"} <= set(row)
        assert row["month"] == "2019-06"


def test_alerts_with_too_short_a_history_say_what_is_missing(capsys):
    status, _, errors = run(capsys, "alerts", DEIR)
    assert status == 2 and len(errors) == 1
    assert "years" in errors[0] or "months" in errors[0]


def test_forecast_json(capsys):
    result = run_json(capsys, "forecast", DEIR, "--horizon", "4", "--threshold", "50")
    rows = result["forecast"]
    assert [r["month"] for r in rows] == ["2019-12", "2020-01", "2020-02", "2020-03"]
    assert all(r["lo95"] <= r["median"] <= r["hi95"] for r in rows)
    assert result["method"] == "auto" and result["warning"] is None
    assert abs(sum(result["weights"].values()) - 1) < 1e-9
    backtest = result["backtest"]
    assert backtest["n_origins"] == 47 - 24 and backtest["horizon"] == 4
    assert set(backtest["coverage"]) == {"50", "80", "95"}
    assert backtest["crps_ratio"] > 0


def test_forecast_summary_names_the_forecaster_and_warns_on_short_history(capsys, write):
    status, out, _ = run(capsys, "forecast", DEIR, "--horizon", "2")
    assert status == 0
    assert "Forecaster:" in out and "best baseline" in out and "coverage" in out
    lines = ["month,incidents"] + [f"2019-{m:02d},{m + 3}" for m in range(1, 13)]
    lines += [f"2020-{m:02d},{m + 5}" for m in range(1, 9)]
    short = write("short.csv", "\n".join(lines) + "\n")
    result = run_json(capsys, "forecast", short, "--horizon", "2")
    assert result["backtest"] is None and "too short to check" in result["warning"]
    status, out, _ = run(capsys, "forecast", short, "--horizon", "2")
    assert "Warning: the history is too short to check" in out
    old = run_json(capsys, "forecast", DEIR, "--horizon", "2", "--method", "count_model")
    assert old["method"] == "count_model" and old["backtest"] is None


def test_backtest_prints_crps_and_coverage_for_model_and_baselines(capsys):
    status, out, _ = run(
        capsys,
        "backtest",
        GED,
        "--actor",
        "IS",
        "--region",
        "Deir ez-Zor",
        "--horizon",
        "3",
        "--draws",
        "500",
    )
    assert status == 0
    for method in ("auto", "count_model", "zero", "last_value", "poisson_mean_12", "empirical_12"):
        assert method in out
    assert "CRPS" in out and "coverage" in out.lower()


def test_severity_split_on_bundled_data(capsys):
    result = run_json(
        capsys, "severity", GED, "--actor", "IS", "--since", "2018-01", "--bootstrap", "20"
    )
    assert 1.5 < result["tail"]["alpha"] < 4
    split = result["decomposition"]
    assert split is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["test", DEIR, "--since", "2030-01"], "2030-01"),
        (["test", DEIR, "--since", "2016-02"], "2016-02"),
        (["test", DEIR, "--since", "2017-13"], "YYYY-MM"),
        (["detect", DEIR, "--measure", "wounded"], "--measure 'wounded': not in "),
        (["severity", GED, "--since", "2015-01"], "--since 2015-01 leaves no month before it"),
        (["severity", GED, "--since", "2025-01"], "--since 2025-01 leaves no month from it"),
        (["assess", DEIR, "--since", "2017-13"], "the month from 01 to 12; got '2017-13'"),
    ],
)
def test_bad_requests_are_one_line_errors(capsys, args, message):
    status, _, errors = run(capsys, *args)
    assert status == 2 and len(errors) == 1
    assert message in errors[0]


def test_all_zero_and_too_short_series(capsys, write):
    zeros = write(
        "zeros.csv",
        "month,incidents\n" + "".join(f"20{18 + i // 12}-{i % 12 + 1:02d},0\n" for i in range(36)),
    )
    status, _, errors = run(capsys, "test", zeros, "--since", "2019-06")
    assert status == 2 and "zero" in errors[0]
    short = write("short.csv", "month,incidents\n2020-01,3\n2020-02,4\n2020-03,1\n")
    status, _, errors = run(capsys, "detect", short)
    assert status == 2 and len(errors) == 1


def test_monthly_csv_with_a_gap_is_refused(capsys, write):
    path = write("gap.csv", "month,incidents\n2020-01,3\n2020-03,4\n")
    status, _, errors = run(capsys, "test", path, "--since", "2020-02")
    assert status == 2 and "gap.csv:3: column 'month': months are not consecutive: nothing " \
        "between 2020-01 and this month" in errors[0] and "(value '2020-03')" in errors[0]


def test_monthly_csv_with_a_blank_count_names_its_line(capsys, write):
    path = write("blank.csv", "month,incidents\n2020-01,3\n2020-02,\n2020-03,4\n")
    status, _, errors = run(capsys, "test", path, "--since", "2020-02")
    assert status == 2 and "blank.csv:3: column 'incidents': a blank value" in errors[0]


def test_cli_reproduces_r_glm_nb_with_model_inference(capsys):
    """R: MASS::glm.nb(y ~ t + post + tpost + s1 + c1 + s2 + c2), tests/results/its_reference.R."""
    ref = json.loads((RESULTS / "ref_deir_incidents.json").read_text())["negbin"]
    result = run_json(
        capsys, "test", DEIR, "--since", "2017-11", "--family", "negbin", "--inference", "model"
    )
    assert result["level_ratio"] == pytest.approx(ref["level_ratio"], rel=1e-4)
    assert result["level_ratio_ci"] == pytest.approx(ref["level_ratio_ci"], rel=1e-4)
    assert result["slope_ratio_per_year_ci"] == pytest.approx(
        ref["slope_ratio_per_year_ci"], rel=1e-4
    )
    assert result["lr_statistic"] == pytest.approx(ref["lr_stat"], rel=1e-4)
    assert result["p_value"] == pytest.approx(ref["lr_p"], rel=1e-4)


def test_cli_default_test_is_the_bootstrap_and_keeps_r_numbers_alongside(capsys):
    ref = json.loads((RESULTS / "ref_deir_incidents.json").read_text())["negbin"]
    result = run_json(
        capsys, "test", DEIR, "--since", "2017-11", "--family", "negbin", "--bootstrap", "99"
    )
    assert result["inference"] == "bootstrap" and result["bootstrap"] == 99
    assert result["level_ratio"] == pytest.approx(ref["level_ratio"], rel=1e-4)
    assert result["model_based"]["p_value"] == pytest.approx(ref["lr_p"], rel=1e-4)
    assert 1 / 100 <= result["p_value"] <= 1


@pytest.mark.slow
def test_cli_test_by_region_adjusts_for_multiplicity(capsys):
    out = run_json(
        capsys,
        "test",
        GED,
        "--actor",
        "IS",
        "--by",
        "region",
        "--since",
        "2017-11",
        "--bootstrap",
        "49",
    )
    assert out["break_month"] == "2017-11" and out["pooled"]["regions"] >= 10
    rows = out["regions"]
    assert isinstance(rows, list) and len(rows) == 15
    tested = [r for r in rows if r["p_value"] is not None]
    assert len(tested) >= 10
    for row in tested:
        assert {
            "region",
            "level_ratio",
            "level_ratio_ci",
            "p_value_holm",
            "p_value_bh",
        } <= set(row)
        assert row["p_value"] <= row["p_value_bh"] <= row["p_value_holm"] <= 1
    skipped = [r for r in rows if r["p_value"] is None]
    assert all(r["note"] for r in skipped)
