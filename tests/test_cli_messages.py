"""What the command line says: help for every option, suggestions, one-line errors,
names of the summed series, --quiet, --verbose and progress bars."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, GED, RESULTS

from trends.cli import build_parser, main
from trends.cli.console import Console
from trends.report import ReportDefinition
from trends.report.analysis import analyse
from trends.report.data import prepare

COUNTRY = DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
SYRIA_IS = RESULTS / "ged_is_syria_monthly.csv"


def run(capsys, *args):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, out.err


def fail(capsys, *args):
    """Run a command that must fail; return its one error line."""
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2
    assert len(err) == 1, err
    return err[0]


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_of_every_command_has_help():
    for name, parser in commands().items():
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (
                f"trends {name} {'/'.join(action.option_strings) or action.dest} has no help")
        text = parser.format_help()
        assert "%%" not in text, f"trends {name} --help shows a literal %%"
    forecast = commands()["forecast"].format_help()
    assert "50/80/95% intervals" in " ".join(forecast.split())


def test_options_are_named_alike_across_commands():
    """The same idea has the same option on every command that has it."""
    seen: dict[str, set[str]] = {}
    for name, parser in commands().items():
        for action in parser._actions:
            for option in action.option_strings:
                seen.setdefault(action.dest, set()).add(option)
        flags = {o for a in parser._actions for o in a.option_strings}
        assert {"--quiet", "--verbose", "--progress"} <= flags, name
    for dest in ("seed", "bootstrap", "since", "measure", "json", "horizon", "draws", "out"):
        assert len(seen.get(dest, {"-"}) - {"-h"}) == 1, (dest, seen.get(dest))


def test_a_misspelt_command_option_or_choice_gets_a_suggestion(capsys):
    line = fail(capsys, "tets", "x.csv")
    assert line.startswith("trends: error: argument COMMAND: invalid choice: 'tets'")
    assert "did you mean 'test'?" in line
    line = fail(capsys, "alerts", SYRIA_IS, "--methd", "farrington")
    assert line.startswith("trends alerts: error: unrecognized arguments: --methd")
    assert "did you mean '--method'?" in line
    line = fail(capsys, "alerts", SYRIA_IS, "--method", "farington")
    assert "did you mean 'farrington'?" in line and "(see 'trends alerts --help')" in line


@pytest.fixture
def events(write):
    rows = ["incident_id,date_start,country,region,actor1,killed_best"]
    months = pd.period_range("2018-01", periods=30, freq="M")
    for k, month in enumerate(months):
        for region in ("Deir ez-Zor", "Homs"):
            for j in range(1 + (k + len(region)) % 3):
                rows.append(f"{region[:3]}{k}-{j},{month}-{j + 1:02d},Syria,{region},IS,{j}")
    return write("events.csv", "\n".join(rows) + "\n")


SHORT = ("--years-back", "1", "--window", "1")
"""Farrington settings for the 30 months of the test events."""


@pytest.mark.parametrize("command", ["alerts", "aggregate"])
def test_a_misspelt_region_gets_did_you_mean(capsys, events, command):
    status, _, err = run(capsys, command, events, "--region", "Deir Ezor")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert status == 2 and len(errors) == 1
    assert errors[0] == (f"trends {command}: error: --region 'Deir Ezor': no such region in the "
                         "data; did you mean 'Deir ez-Zor'?")
    more = SHORT if command == "alerts" else ()
    status, out, err = run(capsys, command, events, "--region", "deir ezzor", "-q", *more)
    assert status == 0 and "Deir ez-Zor" in out, err


def test_a_misspelt_measure_gets_did_you_mean(capsys):
    status, _, err = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_bset")
    assert status == 2
    assert ("--measure 'syria_killed_bset': not in "
            f"{COUNTRY}; did you mean 'syria_killed_best'") in err
    status, _, err = run(capsys, "forecast", SYRIA_IS, "--measure", "killed")
    assert status == 2 and "did you mean" in err and "(measures: incidents, killed_best" in err


def test_the_summed_series_is_named_for_its_country_or_all_regions(capsys, events):
    _, out, _ = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_best", "-q")
    assert out.startswith("Syria 2026-02: observed 81,")
    _, out, _ = run(capsys, "alerts", events, "--country", "Syria", "-q", *SHORT)
    assert out.startswith("Syria 2020-06:")
    _, out, _ = run(capsys, "alerts", events, "-q", *SHORT)
    assert out.startswith("all regions 2020-06:")


@pytest.mark.parametrize("command", ["alerts", "test", "detect", "assess"])
def test_a_table_of_one_series_names_no_place(capsys, command):
    """A monthly table with no region column (one governorate's, a textbook series) was
    headed "(all regions)"."""
    more = {"alerts": SHORT, "test": ("--since", "2018-06", "--bootstrap", "19"),
            "detect": ("--bootstrap", "19"),
            "assess": ("--since", "2018-06", "--bootstrap", "99")}[command]
    _, out, _ = run(capsys, command, SYRIA_IS, "-q", *more)
    assert out.startswith({"alerts": "2019-11: observed", "assess": "Cannot tell whether incidents "
                           "rose"}.get(command, "Incidents\n"))
    assert "all regions" not in out and "(all)" not in out
    _, out, _ = run(capsys, command, SYRIA_IS, "-q", "--json", *more)
    assert json.loads(out).get("region", None) is None


def test_quiet_verbose_and_progress(capsys, events):
    status, _, err = run(capsys, "aggregate", events, "--quiet")
    assert status == 0 and err == ""
    _, _, err = run(capsys, "aggregate", events)
    assert "read as native" in err and "rows read" in err
    assert "%|" not in err  # stderr is not a terminal: no bar
    _, _, err = run(capsys, "aggregate", events, "--verbose")
    assert "reading: " in err and " s]" in err
    _, _, err = run(capsys, "aggregate", events, "--progress")
    assert re.search(r"reading: \d+it \[", err), err  # a bar of unknown length, forced
    line = fail(capsys, "aggregate", events, "--quiet", "--verbose")
    assert "not allowed with argument" in line


def test_bars_draw_on_a_terminal_only_and_never_when_quiet():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    console = Console(stream=terminal)
    assert console.bars
    with console.bar("charts", total=2) as bar:
        bar.step("series")
        bar.step("alerts")
    drawn = terminal.getvalue()
    assert "charts:  50%" in drawn and "1/2" in drawn and "alerts" in drawn
    assert drawn.endswith("\r")  # the finished bar is cleared, leaving the line clean
    assert not Console(stream=io.StringIO()).bars
    assert not Console(stream=terminal, quiet=True).bars
    assert Console(stream=io.StringIO(), force_bars=True).bars


def test_chart_runs_only_the_analyses_its_chart_needs(monkeypatch, tmp_path, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("the alert chart does not need a verdict")

    monkeypatch.setattr("trends.report.analysis.assess", refuse)
    monkeypatch.setattr("trends.report.analysis.forecast", refuse)
    monkeypatch.setattr("trends.report.analysis.fit_power_law", refuse)
    out = tmp_path / "alerts.svg"
    status, _, err = run(capsys, "chart", "alerts", "reports/syria-country-monthly.toml",
                         "--format", "svg", "--out", out)
    assert status == 0, err
    assert out.read_text().startswith("<svg")
    definition = ReportDefinition.from_toml("reports/syria-country-monthly.toml")
    data, month = prepare(definition)
    findings = analyse(data, month, definition.analysis, only=("alert_history",))
    assert findings.alert_history is not None
    assert findings.verdict is None and findings.forecast is None and findings.alerts is None


def test_a_model_warning_is_one_line_and_quiet_silences_it(capsys):
    args = ["test", COUNTRY, "--measure", "syria_killed_best", "--since", "2023-11",
            "--family", "poisson", "--bootstrap", "99", "--json"]
    status, _, err = run(capsys, *args)
    assert status == 0
    lines = [line for line in err.splitlines() if "warning" in line.lower()]
    assert lines and all(line.startswith("trends: warning: ") for line in lines), err
    assert "ModelWarning" not in err and ".py:" not in err
    status, _, err = run(capsys, *args, "--quiet")
    assert status == 0 and "warning" not in err.lower()


def test_an_alert_month_outside_the_data_names_the_option_and_the_range(capsys):
    status, _, err = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_best",
                         "--month", "2026-03")
    assert status == 2
    assert err.strip() == ("trends alerts: error: --month 2026-03: the data of Syria run from "
                           "1989-01 to 2026-02")


def test_a_misspelt_required_option_is_suggested(capsys):
    line = fail(capsys, "assess", COUNTRY, "--measure", "iraq_killed_best", "--snice", "2014-06")
    assert "required: --since (--snice was given; did you mean '--since'?)" in line


def test_a_bad_preliminary_month_is_one_line_before_the_input_is_read(capsys):
    status, _, err = run(capsys, "assess", "missing.csv", "--since", "2024-01",
                         "--preliminary-from", "2025-13")
    assert status == 2
    assert err.strip() == ("trends assess: error: --preliminary-from must be a month written "
                           "YYYY-MM, the month from 01 to 12; got '2025-13'")


def test_a_preliminary_month_after_the_data_is_refused_as_a_typo(capsys, tmp_path):
    status, _, err = run(capsys, "assess", COUNTRY, "--measure", "syria_killed_best",
                         "--since", "2024-06", "--preliminary-from", "2030-01")
    assert status == 2
    assert err.strip() == ("trends assess: error: --preliminary-from 2030-01 lies after the data "
                           "(1989-01 to 2026-02): no month of it is preliminary")
    text = Path("reports/syria-country-monthly.toml").read_text()
    definition = tmp_path / "late.toml"
    definition.write_text(text.replace('"../data/', f'"{Path("data").resolve()}/')
                          .replace('preliminary_from = "2025-01"', 'preliminary_from = "2030-01"'))
    status, _, err = run(capsys, "report", definition, "--out", tmp_path / "out")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "key 'analysis.preliminary_from'" in err
    assert "lies after the data (2019-01 to 2026-02)" in err
    assert not (tmp_path / "out").exists()


def test_a_chart_from_inputs_names_the_country_and_the_actors(tmp_path):
    import json

    out = tmp_path / "c.json"
    assert main(["chart", "series", str(COUNTRY), "--measure", "iraq_killed_best", "--since",
                 "2014-06", "--format", "json", "--out", str(out), "-q"]) == 0
    subtitle = json.loads(out.read_text())["title"]["subtitle"]
    assert (subtitle if isinstance(subtitle, str) else subtitle[0]).startswith("Iraq: ")


@pytest.mark.parametrize(("window", "said"), [
    (["--start", "2019-12"], "start 2019-12 is after the last month of the data (the data run "
     "from 2016-01 to 2019-11)"),
    (["--end", "2015-06"], "end 2015-06 is before the first month of the data"),
    (["--start", "2019-12", "--end", "2019-01"], "the window 2019-12..2019-01 holds no month"),
])
def test_a_window_outside_the_data_names_the_bound_the_user_gave(capsys, window, said):
    status, _, err = run(capsys, "aggregate", DATA / "ucdp_ged_syria_2016-01_2019-11.csv.gz",
                         *window)
    assert status == 2 and said in err


@pytest.mark.parametrize(("command", "option"), [("test", ["--since", "2016-03"]),
                                                  ("detect", ["--min-segment", "30"]),
                                                  ("alerts", ["--years-back", "5"]),
                                                  ("backtest", ["--min-train", "60"])])
def test_by_region_with_no_region_analysable_is_one_line_and_status_two(capsys, command, option):
    code = main([command, str(GED), "--actor", "IS", "--by", "region", *option, "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "no region could be" in err[0] and "(and 14 other regions)" in err[0]


def test_a_by_region_bar_counts_the_regions_as_they_finish(capsys, monkeypatch):
    """It used to sit at 0 until every region was done."""
    from trends.cli import console

    counted: list[int] = []
    advance = console.Bar.advance
    monkeypatch.setattr(console.Bar, "advance",
                        lambda bar, count=1: (counted.append(count), advance(bar, count)))
    args = ["alerts", str(GED), "--actor", "IS", "--by", "region", "--month", "2019-06",
            "--years-back", "2", "--window", "2", "--progress"]
    for workers in ("1", "2"):
        counted.clear()
        status, _, err = run(capsys, *args, "--workers", workers)
        assert status == 0 and "| 0/15 " in err
        assert sum(counted) == 15 and len(counted) > 1, counted


def test_alerts_and_forecasts_say_which_months_are_preliminary(capsys):
    status, out, _ = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_best",
                         "--preliminary-from", "2025-01")
    assert status == 0
    assert out.startswith("Syria 2026-02: observed 81 (a preliminary figure), expected")
    # Farrington's reference windows of 2026-02 take in 2024-11 to 2025-05; ACLED's the year before
    assert out.endswith("; the expected level draws on 5 earlier preliminary months\n")
    status, out, _ = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_best",
                         "--preliminary-from", "2025-01", "--method", "acled")
    assert out.endswith("; the expected level draws on 12 earlier preliminary months\n")
    status, out, _ = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_best",
                         "--preliminary-from", "2025-06", "--json")
    assert json.loads(out)["preliminary_baseline"] == 0
    status, out, _ = run(capsys, "alerts", COUNTRY, "--measure", "syria_killed_best",
                         "--month", "2024-12", "--preliminary-from", "2025-01", "--json")
    found = json.loads(out)
    assert status == 0 and found["preliminary"] is False
    assert found["preliminary_from"] == "2025-01" and found["preliminary_baseline"] == 0
    status, out, _ = run(capsys, "forecast", SYRIA_IS, "--horizon", "1",
                         "--preliminary-from", "2019-01")
    assert status == 0
    assert ("Preliminary figures: 11 of the 47 months of history (from 2019-01) may be "
            "revised, and the forecast with them.") in out
    # a month before the data means all of them
    status, out, _ = run(capsys, "forecast", SYRIA_IS, "--horizon", "1", "--json",
                         "--preliminary-from", "2010-01")
    assert json.loads(out)["preliminary_from"] == "2016-01"


@pytest.mark.parametrize("command", ["alerts", "forecast"])
def test_a_preliminary_month_after_the_data_is_refused_by_every_command(capsys, command):
    status, _, err = run(capsys, command, SYRIA_IS, "--preliminary-from", "2030-01")
    assert status == 2
    assert err.strip() == (f"trends {command}: error: --preliminary-from 2030-01 lies after "
                           "the data (2016-01 to 2019-11): no month of it is preliminary")


def test_acled_alerts_print_their_thresholds_where_other_methods_print_bounds(capsys):
    status, out, _ = run(capsys, "alerts", SYRIA_IS, "--method", "acled")
    assert status == 0 and ", thresholds " in out and "bounds n/a" not in out
    status, out, _ = run(capsys, "alerts", SYRIA_IS, "--method", "acled", "--json")
    row = json.loads(out)
    assert 0 < row["drop_threshold"] < row["expected"] < row["surge_threshold"]


def test_a_table_of_several_countries_still_says_it_sums_them(capsys, tmp_path):
    path = tmp_path / "countries.csv"
    months = pd.period_range("2016-01", periods=48, freq="M").astype(str)
    rows = [(m, c, 10 + i % 5) for c in ("Syria", "Iraq") for i, m in enumerate(months)]
    pd.DataFrame(rows, columns=["month", "country", "incidents"]).to_csv(path, index=False)
    _, out, _ = run(capsys, "detect", path, "-q", "--bootstrap", "19")
    assert out.startswith("Incidents (all regions)\n")
