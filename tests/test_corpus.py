"""Bad input in every layout, bad options and bad report definitions: never a traceback.

Every case runs as its own process (see ``corpus.run_cli``) and must end with
exit status 2 and one error line naming the file, line, column and value (or
the option or definition key); accepted hostile text must come out harmless.
The fast run sends each corpus file through one command, rotating through
all of them; the slow run sends every file through every command.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from corpus import (
    BIDI,
    COMMANDS,
    FIXTURES,
    Case,
    argv_for,
    build_corpus,
    commands_for,
    problems,
    run_cli,
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[Case]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, build_corpus(folder)


def check(folder: Path, jobs: list[tuple[Case, str]]) -> list[str]:
    argvs = [argv_for(command, case, folder, n) for n, (case, command) in enumerate(jobs)]
    failures = []
    for (case, command), result in zip(jobs, run_cli(argvs), strict=True):
        found = problems(case, result)
        if case.accepted:
            found += harmful(result["stdout"])
        if found:
            failures.append(f"{case.label} via {command}: {found}\n{result['stderr'][-800:]}")
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(("site-", "chart-"))]
    if leftovers:
        failures.append(f"outputs written despite errors: {leftovers}")
    return failures


def harmful(text: str) -> list[str]:
    """Raw direction or control characters, or a spreadsheet formula, in CSV output."""
    raw = {f"U+{ord(c):04X}" for c in text if c in BIDI or (ord(c) < 32 and c not in "\n")}
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    formulas = [cell for cell in cells if cell.startswith(("=", "@", "+"))]
    return [f"raw {c}" for c in sorted(raw)] + [f"formula {f[:30]!r}" for f in formulas]


def test_corpus_is_broad(corpus):
    _, cases = corpus
    layouts = {case.label.split("/")[0] for case in cases}
    assert {"native", "ged", "ged-candidate", "acled", "gtd", "monthly", "parquet"} <= layouts
    assert len(cases) >= 100
    assert sum(case.accepted for case in cases) >= 15


@pytest.mark.slow
def test_every_bad_file_through_a_command_each(corpus):
    folder, cases = corpus
    jobs = []
    for n, case in enumerate(cases):
        names = commands_for(case)
        jobs.append((case, names[n % len(names)]))
    assert {command for _, command in jobs} == set(COMMANDS)
    failures = check(folder, jobs)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_every_bad_file_through_every_command(corpus):
    folder, cases = corpus
    jobs = [(case, command) for case in cases for command in commands_for(case)]
    failures = check(folder, jobs)
    assert not failures, "\n".join(failures)


BAD_OPTIONS: list[tuple[str, list[str]]] = [
    ("--seed", ["--seed", "-1"]),
    ("--bootstrap", ["--bootstrap", "-5"]),
    ("--bootstrap", ["--bootstrap", "0"]),
    ("--horizon", ["--horizon", "0"]),
    ("--horizon", ["--horizon", "25"]),
    ("--draws", ["--draws", "0"]),
    ("--harmonics", ["--harmonics", "9"]),
    ("--train-months", ["--train-months", "-1"]),
    ("--min-train", ["--min-train", "0"]),
    ("--min-segment", ["--min-segment", "0"]),
    ("--max-breaks", ["--max-breaks", "0"]),
    ("--years-back", ["--years-back", "0"]),
    ("--window", ["--window", "-1"]),
    ("--alpha", ["--alpha", "0"]),
    ("--alpha", ["--alpha", "1.5"]),
    ("--alpha", ["--alpha", "nan"]),
    ("--threshold", ["--threshold", "inf"]),
    ("--threshold", ["--threshold", "-1"]),
    ("--width", ["--width", "0"]),
    ("--scale", ["--scale", "0"]),
    ("--scale", ["--scale", "1e9"]),
    ("--max-count", ["--max-count", "0"]),
    ("--max-ratio", ["--max-ratio", "0"]),
    ("--max-expanded", ["--max-expanded", "lots"]),
    ("--since", ["--since", "9999-01"]),
    ("--since", ["--since", "2016/01"]),
    ("--month", ["--month", "2016-13"]),
    ("--start", ["--start", "1850-01"]),
    ("--end", ["--end", "2101-01"]),
]
def _accepts(command: str, flag: str) -> bool:
    from trends.cli import build_parser

    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    return any(flag in action.option_strings for action in sub._actions)


@pytest.mark.slow
def test_bad_option_values_are_refused_by_every_command(tmp_path):
    monthly = tmp_path / "m.csv"
    shutil.copy(FIXTURES / "seatbelts_monthly.csv", monthly)
    jobs = []
    for command in COMMANDS:
        for flag, words in BAD_OPTIONS:
            if not _accepts(command, flag):
                continue
            head = ["chart", "series"] if command == "chart" else [command]
            since = ["--since", "2017-01"] if command == "test" and flag != "--since" else []
            out = ["--out", str(tmp_path / "out")] if command == "report" else []
            measure = {"aggregate": [], "severity": ["--measure", "killed_best"]}.get(
                command, ["--measure", "front"]
            )
            argv = [*head, str(monthly), *measure, *since, *words, *out]
            jobs.append((flag, argv))
    assert len(jobs) > 60
    failures = []
    for (flag, argv), result in zip(jobs, run_cli([argv for _, argv in jobs]), strict=True):
        errors = [line for line in result["stderr"].splitlines() if ": error: " in line]
        ok = result["status"] == 2 and len(errors) == 1 and flag in errors[0]
        if not ok or "Traceback" in result["stderr"]:
            failures.append(f"{argv}: {result['status']} {result['stderr'][-500:]}")
    assert not failures, "\n".join(failures)
    assert not (tmp_path / "out").exists()


MONTHLY = "month,incidents,killed_best,price\n" + "".join(
    f"{2016 + i // 12}-{i % 12 + 1:02d},{3 + i % 5 + (6 if i >= 30 else 0)},{10 + i % 7},1.25\n"
    for i in range(48)
)
BAD_DEFINITIONS: list[tuple[str, str, str]] = [
    ("break month after the data", "[analysis]\nbreak_month = '2030-01'", "analysis.break_month"),
    ("break month before the data", "[analysis]\nbreak_month = '2010-01'", "analysis.break_month"),
    ("break month at the end", "[analysis]\nbreak_month = '2019-10'", "analysis.break_month"),
    ("break month not a month", "[analysis]\nbreak_month = '2019-13'", "analysis.break_month"),
    ("break month left blank", "[analysis]\nbreak_month = ''", "analysis.break_month"),
    ("horizon 0", "[analysis]\nforecast_horizon = 0", "analysis.forecast_horizon"),
    ("horizon 30", "[analysis]\nforecast_horizon = 30", "analysis.forecast_horizon"),
    ("negative bootstrap", "[analysis]\nbootstrap = -5", "analysis.bootstrap"),
    ("too few replicates", "[analysis]\nbootstrap = 5", "analysis.bootstrap"),
    ("bootstrap true", "[analysis]\nbootstrap = true", "analysis.bootstrap"),
    ("negative seed", "[analysis]\nseed = -1", "analysis.seed"),
    ("negative window", "[analysis]\nalert_window = -1", "analysis.alert_window"),
    ("no years back", "[analysis]\nalert_years_back = 0", "analysis.alert_years_back"),
    ("history too short", "[analysis]\nalert_years_back = 10", "analysis.alert_years_back"),
    ("month after the data", "[analysis]\nmonth = '2030-01'", "analysis.month"),
    ("measure missing", "[analysis]\nmeasure = 'deaths'", "analysis.measure"),
    ("measure is a price", "[analysis]\nmeasure = 'price'", "price"),
    ("window reversed", "[filters]\nstart = '2019-01'\nend = '2018-01'", "filters.end"),
    ("unknown key", "[analysis]\nbreak_mont = '2018-01'", "break_mont"),
    ("ceiling 0", "", "input.max_count"),
    ("format unknown", "", "input.format"),
]


def definition_text(label: str, extra: str) -> str:
    source = "files = ['m.csv']"
    if label == "ceiling 0":
        source += "\nmax_count = 0"
    if label == "format unknown":
        source += "\nformat = 'xls'"
    analysis = "" if "[analysis]" in extra else "[analysis]\nmeasure = 'incidents'\n"
    if "[analysis]" in extra and "measure" not in extra:
        extra = extra.replace("[analysis]", "[analysis]\nmeasure = 'incidents'")
    return f"title = 'x'\nslug = 'x'\n[input]\n{source}\n{analysis}{extra}\n"


@pytest.mark.slow
def test_bad_report_definitions_name_the_key_before_any_work(tmp_path):
    (tmp_path / "m.csv").write_text(MONTHLY)
    argvs = []
    for n, (label, extra, _) in enumerate(BAD_DEFINITIONS):
        (tmp_path / f"d{n}.toml").write_text(definition_text(label, extra))
        argvs.append(["report", f"d{n}.toml", "--out", f"site{n}"])
    argvs.append(["report", "m.csv", "--measure", "incidents", "--since", "2030-01", "--out", "s"])
    expected = [key for _, _, key in BAD_DEFINITIONS] + ["--since"]
    failures = []
    for argv, key, result in zip(argvs, expected, run_cli(argvs, cwd=tmp_path), strict=True):
        errors = [line for line in result["stderr"].splitlines() if ": error: " in line]
        if result["status"] != 2 or len(errors) != 1 or key not in errors[0]:
            failures.append(f"{argv} ({key}): {result['status']} {result['stderr'][-600:]}")
    assert not failures, "\n".join(failures)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".toml")) == ["m.csv"]
