"""Time the example report against its 15 s goal and against the inlined build, in one run.

Run: python benchmarks/bench_report.py [--repeat 1] [--baseline DIR] [--synthetic]

The example report is the README's first set-up command: the governorate
page (reports/syria-is-monthly.toml) and the country page
(reports/syria-country-monthly.toml) built one after the other into a new
folder, each by its own ``trends report`` process, as a user runs them. Each
build is timed as a whole (start-up included): wall time, and the CPU time
of the process and its workers. It is built three ways in the same run:

- the default: the JavaScript bundle written once to ``assets/``;
- ``--single-file``: the bundle inlined in each page, as every page was
  before the bundle became a file;
- with ``--baseline DIR``: the same command run from an older checkout of
  the package in DIR (e.g. ``git archive COMMIT | tar -x -C DIR``), with
  and without worker processes.

The goal is 15 s of wall time on a 2-core machine. Wall time depends on
what else the machine is doing, so the load average before and after is
printed with the figures. ``--synthetic`` also times the old synthetic
benchmark (14 regions x 120 months, 999-replicate bootstrap tests).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 15.0
PAGES = ("reports/syria-is-monthly.toml", "reports/syria-country-monthly.toml")


def build_example(
    out: Path, extra: list[str], root: Path = ROOT, env_extra: dict[str, str] | None = None
) -> tuple[float, float]:
    """Build both example pages into ``out`` with the package in ``root``.

    Returns wall and CPU seconds. The CPU time is that of the ``trends``
    processes: it leaves out worker processes, which belong to a fork server,
    so it is the whole cost only with ``TRENDS_WORKERS=1`` (or an older
    checkout without workers).
    """
    env = dict(os.environ, PYTHONPATH=str(root), **(env_extra or {}))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for page in PAGES:
        done = subprocess.run(
            [sys.executable, "-m", "trends", "report", page, "--out", str(out), "--quiet", *extra],
            cwd=root, env=env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            sys.exit(f"trends report {page} failed:\n{done.stderr}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def folder_bytes(folder: Path) -> tuple[int, int]:
    """Bytes of the pages (``*.html`` at the top) and of the whole folder."""
    pages = sum(p.stat().st_size for p in folder.glob("*.html"))
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return pages, total


def digest(folder: Path) -> str:
    """SHA-256 of every file's path and bytes in the folder."""
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        total.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return total.hexdigest()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def example(repeat: int, baseline: str | None) -> None:
    print(f"example report ({' + '.join(PAGES)}), {os.cpu_count()} cores; goal "
          f"{GOAL_SECONDS:.0f} s; load average before: {load()}")
    one: dict[str, str] = {"TRENDS_WORKERS": "1"}
    ways: list[tuple[str, list[str], Path, dict[str, str]]] = [
        ("bundle file (default)", [], ROOT, {}),
        ("--single-file", ["--single-file"], ROOT, {}),
        ("bundle file, TRENDS_WORKERS=1", [], ROOT, one),
    ]
    if baseline:
        ways.append((f"baseline {baseline}", [], Path(baseline).resolve(), {}))
        ways.append((f"baseline {baseline}, TRENDS_WORKERS=1", [], Path(baseline).resolve(), one))
    best: dict[str, float] = {}
    digests: dict[int, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, repeat + 1):
            for index, (label, extra, root, env) in enumerate(ways):
                out = Path(folder) / f"{run}-{index}"
                wall, cpu = build_example(out, extra, root, env)
                pages, total = folder_bytes(out)
                best[label] = min(wall, best.get(label, wall))
                whole = "TRENDS_WORKERS" in env
                cost = f"{cpu:.1f} s CPU" if whole else f"{cpu:.1f} s CPU without the workers"
                same = ""
                if not extra:  # every build with the bundle file writes the same bytes
                    digests.setdefault(run, digest(out))
                    same = f"; files {'identical' if digest(out) == digests[run] else 'DIFFER'}"
                print(f"run {run}, {label}: {wall:.1f} s wall, {cost}; pages "
                      f"{pages / 1e6:.2f} MB, folder {total / 1e6:.2f} MB{same}")
    print(f"load average after: {load()}")
    default = best["bundle file (default)"]
    print(f"best default build: {default:.1f} s = {default / GOAL_SECONDS:.2f} x the "
          f"{GOAL_SECONDS:.0f} s goal")
    for label, seconds in best.items():
        if label != "bundle file (default)":
            print(f"  against {label} ({seconds:.1f} s): {default / seconds:.2f} x its time")


def write_incidents(path: Path, seed: int = 0) -> int:
    from trends.regions import Gazetteer

    rng = np.random.default_rng(seed)
    regions = Gazetteer.default().regions("Syria")
    months = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(120)]
    rows = ["incident_id,date_start,country,region,actor1,killed_best"]
    for r, region in enumerate(regions):
        base = rng.uniform(2, 30)
        for i, month in enumerate(months):
            rate = base * np.exp(0.3 * np.sin(2 * np.pi * i / 12)) * (1.5 if i >= 60 else 1.0)
            for k in range(rng.negative_binomial(5, 5 / (5 + rate))):
                day = 1 + (k * 7 + r) % 28
                deaths = int(rng.zipf(2.4)) - 1
                rows.append(f"e{r}-{i}-{k},{month}-{day:02d},Syria,{region},IS,{deaths}")
    path.write_text("\n".join(rows) + "\n")
    return len(rows) - 1


def synthetic(bootstrap: int) -> None:
    """The hostile case: 14 regions x 120 months, every region tested."""
    from trends.report import ReportDefinition, build_report
    from trends.report.definition import Analysis

    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "events.csv"
        n = write_incidents(events)
        definition = ReportDefinition(
            title="Benchmark", slug="bench", inputs=(str(events),),
            analysis=Analysis(break_month="2020-01", bootstrap=bootstrap,
                              alert_years_back=5, alert_window=3),
        )
        for single in (False, True):
            t0 = time.perf_counter()
            page = build_report(definition, Path(folder) / f"site-{single}", single_file=single)
            seconds = time.perf_counter() - t0
            print(f"synthetic: {n:,} incidents, 14 regions x 120 months, bootstrap {bootstrap}"
                  f"{', --single-file' if single else ''}: {len(page.charts)} chart files in "
                  f"{seconds:.1f} s (load average {load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each build (best kept)")
    parser.add_argument("--baseline", metavar="DIR", help="an older checkout to time as well")
    parser.add_argument("--synthetic", action="store_true", help="also the synthetic report")
    parser.add_argument("--bootstrap", type=int, default=999, help="of the synthetic report")
    args = parser.parse_args()
    example(args.repeat, args.baseline)
    if args.synthetic:
        synthetic(args.bootstrap)


if __name__ == "__main__":
    main()
