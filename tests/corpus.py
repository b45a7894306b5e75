"""A corpus of bad and hostile inputs in every layout, and a way to run them all.

:func:`build_corpus` writes, into a folder, one file per (layout, kind of bad
value): counts beyond 64-bit integers, beyond the plausibility ceiling,
negative, fractional, not numbers; dates past year 2100, in the future,
before 1900, not calendar dates; blank region names; whole-file faults
(empty, binary, UTF-16, NUL bytes, ragged rows, gzip bombs, damaged gzip and
Parquet); monthly-table faults; and eleven kinds of hostile text, which must
be accepted and come out harmless. Each :class:`Case` says what the one-line
error must name (file, line, column, value) or that the file is accepted.

:func:`run_cli` runs command lines through ``tests/cli_runner.py``: one
interpreter imports the package once and forks a process per command line,
so "no traceback" is checked on real process output.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DATA = ROOT / "data"
RUNNER = Path(__file__).resolve().parent / "cli_runner.py"

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE = {
    "script": "</script><script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "formula": '=HYPERLINK("http://example.invalid","click")',
    "template": "{{ 7*7 }} {% raw %} <!-- x",
    "rlo": "Homs\u202eevil\u202c",
    "isolate": "\u2066isolated\u2069 \u200fmark",
    "terminal": "\x1b[2J\x1b[31mred\x1b[0m\x07",
    "path": "../../../etc/passwd",
    "sql": "Robert'); DROP TABLE incidents;--",
    "huge": "A" * 100_000,
    "zalgo": "Z\u0335\u0321a\u0338l\u200bgo \U0001f4a5 line\nbreak",
}
"""Eleven kinds of hostile text, put into region, actor and notes columns."""

COUNTS = {
    "beyond-int64": "99999999999999999999",
    "float-max": "1e308",
    "above-ceiling": "9000000000000000000",
    "two-53-plus-1": "9007199254740993",
    "negative": "-3",
    "fraction": "2.5",
    "nan": "nan",
    "infinity": "inf",
    "text": "lots",
}
DATES = {
    "year-9999": "9999-12-31",
    "future": "2099-06-01",
    "before-1900": "1850-01-01",
    "no-such-day": "2021-02-30",
    "garbled": "31.12.2021x",
}


@dataclass(frozen=True)
class Layout:
    """Where a layout keeps its count, date and region, and how it writes a date."""

    name: str
    header: list[str]
    rows: list[list[str]]
    count: str
    date: str
    region: str
    date_suffix: str = ""
    monthly: bool = False


@dataclass(frozen=True)
class Case:
    """One corpus file and what reading it must give."""

    label: str
    path: Path
    line: int | None = None
    column: str | None = None
    value: str | None = None
    accepted: bool = False
    monthly: bool = False
    extra: tuple[str, ...] = field(default=())


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _monthly_rows() -> tuple[list[str], list[list[str]]]:
    rng = random.Random(3)
    header = ["month", "region", "incidents", "killed_best", "price", "note"]
    rows = []
    for region in ("Homs", "Aleppo"):
        for i in range(48):
            month = f"{2016 + i // 12}-{i % 12 + 1:02d}"
            n = rng.randint(3, 12) + (8 if i >= 30 else 0)
            rows.append(
                [month, region, str(n), str(n * 3), f"{rng.random() * 3:.2f}", "fuel, est."]
            )
    return header, rows


def layouts() -> list[Layout]:
    """The base file of every layout the package reads."""
    ged_header, ged_rows = _read(DATA / "ucdp_ged_syria_2016-01_2019-11.csv.gz")
    out = [
        Layout(
            "native", *_read(DATA / "seed_incidents.csv"), "killed_best", "date_start", "region"
        ),
        Layout("ged", ged_header, ged_rows[:40], "best", "date_start", "adm_1"),
        Layout(
            "ged-candidate",
            *_read(FIXTURES / "ged_candidate_sample.csv"),
            "best",
            "date_start",
            "adm_1",
            date_suffix=" 00:00:00.000",
        ),
        Layout(
            "acled", *_read(FIXTURES / "acled_sample.csv"), "fatalities", "event_date", "admin1"
        ),
        Layout("gtd", *_read(FIXTURES / "gtd_sample.csv"), "nkill", "iyear", "provstate"),
        Layout("monthly", *_monthly_rows(), "killed_best", "month", "region", monthly=True),
    ]
    return out


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _with(layout: Layout, column: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in layout.rows]
    rows[0][layout.header.index(column)] = value
    return rows


def _date_cell(layout: Layout, value: str) -> tuple[str, str, str]:
    """The cell to write for a date, the column the error names and the value it quotes."""
    if layout.monthly:
        return value[:7], "month", value[:7]
    if layout.name == "gtd":
        return value[:4], "iyear", value[:4]
    cell = value + layout.date_suffix
    return cell, layout.date, cell


def value_cases(folder: Path) -> list[Case]:
    """A bad count and a bad date in every layout, and a blank region."""
    cases = []
    for layout in layouts():
        for kind, value in COUNTS.items():
            path = _write(
                folder / f"{layout.name}-count-{kind}.csv",
                layout.header,
                _with(layout, layout.count, value),
            )
            cases.append(
                Case(
                    f"{layout.name}/count/{kind}",
                    path,
                    2,
                    layout.count,
                    value,
                    monthly=layout.monthly,
                )
            )
        for kind, value in DATES.items():
            cell, column, shown = _date_cell(layout, value)
            if layout.name == "gtd" and kind in ("no-such-day", "garbled"):
                continue  # GTD writes the date as three numbers; see gtd_cases
            path = _write(
                folder / f"{layout.name}-date-{kind}.csv",
                layout.header,
                _with(layout, layout.date, cell),
            )
            if layout.monthly and kind == "no-such-day":
                cell = shown = "2021-13"
                path = _write(path, layout.header, _with(layout, "month", cell))
            cases.append(
                Case(
                    f"{layout.name}/date/{kind}",
                    path,
                    2,
                    column,
                    shown[:7] if layout.monthly else shown,
                    monthly=layout.monthly,
                )
            )
        path = _write(
            folder / f"{layout.name}-blank-region.csv",
            layout.header,
            _with(layout, layout.region, " "),
        )
        if layout.monthly:
            cases.append(Case(f"{layout.name}/blank-region", path, 2, "region", "", monthly=True))
        else:
            cases.append(Case(f"{layout.name}/blank-region", path, accepted=True))
    gtd = next(x for x in layouts() if x.name == "gtd")
    rows = _with(gtd, "imonth", "2")
    rows[0][gtd.header.index("iday")] = "30"
    rows[0][gtd.header.index("iyear")] = "2021"
    path = _write(folder / "gtd-date-no-such-day.csv", gtd.header, rows)
    cases.append(Case("gtd/date/no-such-day", path, 2, "iday", "2021-2-30"))
    return cases


def monthly_cases(folder: Path) -> list[Case]:
    """Faults only a monthly table can have, and the extra columns it must accept."""
    layout = next(x for x in layouts() if x.monthly)
    rows = [list(r) for r in layout.rows]
    duplicate = [*rows[:3], rows[1], *rows[3:]]
    gap = rows[:5] + rows[6:]
    return [
        Case(
            "monthly/extra-columns",
            _write(folder / "monthly-extra.csv", layout.header, rows),
            accepted=True,
            monthly=True,
        ),
        Case(
            "monthly/measure-is-a-price",
            folder / "monthly-extra.csv",
            2,
            "price",
            rows[0][4],
            monthly=True,
            extra=("--measure", "price"),
        ),
        Case(
            "monthly/measure-is-text",
            folder / "monthly-extra.csv",
            2,
            "note",
            "fuel, est.",
            monthly=True,
            extra=("--measure", "note"),
        ),
        Case(
            "monthly/duplicate-month",
            _write(folder / "monthly-dup.csv", layout.header, duplicate),
            5,
            "month",
            rows[1][0],
            monthly=True,
        ),
        Case(
            "monthly/gap",
            _write(folder / "monthly-gap.csv", layout.header, gap),
            None,
            "month",
            None,
            monthly=True,
        ),
        Case(
            "seatbelts/petrol-price",
            FIXTURES / "seatbelts_monthly.csv",
            2,
            "PetrolPrice",
            "0.102971811805368",
            monthly=True,
            extra=("--measure", "PetrolPrice"),
        ),
    ]


def file_cases(folder: Path) -> list[Case]:
    """Whole-file faults: empty, binary, wrong encoding, damaged compression, Parquet."""
    seed = (DATA / "seed_incidents.csv").read_bytes()
    header = seed.split(b"\n", 1)[0] + b"\n"
    rng = random.Random(7)
    files = {
        "empty.csv": b"",
        "header-only.csv": header,
        "ragged.csv": header + b"a,2023-11-09,Syria\n",
        "binary.csv": bytes(rng.randrange(256) for _ in range(4000)),
        "utf16.csv": seed.decode().encode("utf-16"),
        "nul.csv": seed[:300] + b"\x00" + seed[300:],
        "garbage.csv.gz": b"\x1f\x8b" + bytes(rng.randrange(256) for _ in range(500)),
        "truncated.csv.gz": gzip.compress(seed * 50, mtime=0)[:400],
        "corrupt.parquet": b"PAR1" + bytes(rng.randrange(256) for _ in range(500)) + b"PAR1",
    }
    cases = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(f"file/{name}", path))
    (folder / "a-folder.csv").mkdir(exist_ok=True)
    cases.append(Case("file/a-folder", folder / "a-folder.csv"))
    cases.append(Case("file/missing", folder / "no-such-file.csv"))
    bomb = folder / "bomb.csv.gz"
    with gzip.GzipFile(bomb, "wb", mtime=0) as stream:
        stream.write(header)
        block = b"0" * (1 << 20)
        for _ in range(80):
            stream.write(block)
    cases.append(Case("file/gzip-bomb", bomb))
    return cases + parquet_cases(folder)


def parquet_cases(folder: Path) -> list[Case]:
    """Native Parquet files with values the CSV text could not carry."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    def table(**columns: pa.Array) -> pa.Table:
        base = {
            "incident_id": pa.array(["p1", "p2"]),
            "date_start": pa.array([dt.date(2020, 1, 5), dt.date(2020, 2, 5)]),
            "country": pa.array(["Syria", "Syria"]),
            "region": pa.array(["Homs", "Homs"]),
            "killed_best": pa.array([3, 4], pa.int64()),
        }
        base.update(columns)
        return pa.table(base)

    specs = {
        "uint64-max": (
            {"killed_best": pa.array([2**64 - 1, 1], pa.uint64())},
            "killed_best",
            str(2**64 - 1),
        ),
        "float-max": ({"killed_best": pa.array([1e308, 1.0])}, "killed_best", None),
        "fraction": ({"killed_best": pa.array([2.5, 1.0])}, "killed_best", "2.5"),
        "timestamp-9999": (
            {
                "date_start": pa.array(
                    [dt.datetime(9999, 12, 31), dt.datetime(2020, 1, 1)], pa.timestamp("us")
                )
            },
            "date_start",
            "9999-12-31",
        ),
        "date-2099": (
            {"date_start": pa.array([dt.date(2099, 1, 1), dt.date(2020, 1, 1)])},
            "date_start",
            "2099-01-01",
        ),
    }
    cases = []
    for kind, (columns, column, value) in specs.items():
        path = folder / f"native-{kind}.parquet"
        pq.write_table(table(**columns), path)
        cases.append(Case(f"parquet/{kind}", path, 1, column, value))
    empty = folder / "native-empty.parquet"
    pq.write_table(table().slice(0, 0), empty)
    cases.append(Case("parquet/empty", empty))
    return cases


def hostile_cases(folder: Path) -> list[Case]:
    """Native files whose region, actor and notes hold each kind of hostile text."""
    layout = layouts()[0]
    cases = []
    for kind, text in HOSTILE.items():
        rows = _with(layout, "region", text)
        for column in ("actor1", "notes", "source"):
            rows[0][layout.header.index(column)] = text
        path = _write(folder / f"hostile-{kind}.csv", layout.header, rows)
        cases.append(Case(f"hostile/{kind}", path, accepted=True))
    return cases


def build_corpus(folder: Path) -> list[Case]:
    """Write every corpus file into ``folder``; return the cases."""
    folder.mkdir(parents=True, exist_ok=True)
    return value_cases(folder) + monthly_cases(folder) + file_cases(folder) + hostile_cases(folder)


COMMANDS: dict[str, list[str]] = {
    "aggregate": [],
    "test": ["--since", "2019-06", "--inference", "model"],
    "detect": ["--bootstrap", "19"],
    "alerts": [],
    "forecast": [],
    "backtest": [],
    "severity": ["--since", "2019-06"],
    "report": ["--out", "{folder}/site-{n}"],
    "chart": ["--out", "{folder}/chart-{n}.png"],
}
"""Every command that reads input files, with the options it needs to get that far."""


def commands_for(case: Case) -> list[str]:
    """The commands a case is run through.

    An accepted file goes through the command that only reads and sums it
    (the statistics on a few rows are not the point); a bad file through
    every command, except that a monthly table is not incident data for
    ``aggregate`` and ``severity`` measures deaths only.
    """
    if case.accepted:
        return ["forecast"] if case.monthly else ["aggregate"]
    names = list(COMMANDS)
    if case.monthly:
        names.remove("aggregate")
        if case.extra:
            names.remove("severity")
    return names


def argv_for(command: str, case: Case, folder: Path, n: int) -> list[str]:
    """The command line that reads the case's file with ``command``."""
    options = [word.format(folder=folder, n=n) for word in COMMANDS[command]]
    extra = list(case.extra)
    if case.monthly and not extra and command != "aggregate":
        extra = ["--measure", "front" if "seatbelts" in case.label else "killed_best"]
    head = ["chart", "series"] if command == "chart" else [command]
    return [*head, str(case.path), *options, *extra]


def run_cli(argvs: list[list[str]], cwd: Path | None = None) -> list[dict]:
    """Run each command line in its own process (see ``cli_runner.py``); return the results."""
    cases = [{"argv": argv, "cwd": str(cwd or ROOT)} for argv in argvs]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    done = subprocess.run(
        [sys.executable, str(RUNNER)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=1800,
    )
    return json.loads(done.stdout)


def problems(case: Case, result: dict) -> list[str]:
    """What is wrong with one command's result on one case (empty when all is well)."""
    err = result["stderr"]
    found = []
    if "Traceback" in err:
        found.append("traceback")
    errors = [line for line in err.splitlines() if ": error: " in line]
    if case.accepted:
        if result["status"] != 0:
            found.append(f"exit {result['status']} on an accepted file: {errors}")
        return found
    if result["status"] != 2:
        found.append(f"exit {result['status']}, expected 2")
    if len(errors) != 1:
        return [*found, f"{len(errors)} error lines: {errors}"]
    line = errors[0]
    if str(case.path) not in line:
        found.append(f"file not named: {line}")
    where = (f"{case.path}: record {case.line}" if case.path.suffix.lower() == ".parquet"
             else f"{case.path}:{case.line}")  # Parquet has records, not lines
    if case.line is not None and where not in line:
        found.append(f"line {case.line} not named: {line}")
    if case.column is not None and f"column '{case.column}'" not in line:
        found.append(f"column {case.column!r} not named: {line}")
    if case.value is not None and f"(value {case.value!r})" not in line:
        found.append(f"value {case.value!r} not quoted: {line}")
    return found
