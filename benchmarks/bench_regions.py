"""Time by-region analyses over processes against the one-region-at-a-time loop, whole processes.

Builds synthetic panels of R regions x 84 months (NB2 counts with
seasonality and a step of random size at 2024-01, fixed seed) and runs the
command line on them as a user would, each command a separate process:

* parallel: ``trends COMMAND panel.csv --by region --workers 2`` (a process
  pool, chunks in region order; the pooled model by the block fitter);
* loop: the same command with ``--workers 1``: the regions one after
  another in one process. On large panels the loop runs on the first
  ``--loop-regions`` regions and its time is scaled to all of them (marked
  "scaled").

It prints wall and CPU seconds (user + system, children included) and the
ratio loop / parallel, and checks that the outputs are identical where both
ran on the same regions. The real case is the bundled UCDP GED Syria file,
IS incidents by governorate (15 regions, 47 months).

Usage::

    PYTHONPATH=. python benchmarks/bench_regions.py                  # 300 and 3,000 regions
    PYTHONPATH=. python benchmarks/bench_regions.py --regions 30 --commands test
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GED = ROOT / "data" / "ucdp_ged_syria_2016-01_2019-11.csv.gz"
COMMANDS = {
    "test": ["test", "--measure", "killed", "--since", "2024-01", "--json"],
    "alerts": ["alerts", "--measure", "killed", "--json"],
    "forecast": ["forecast", "--measure", "killed", "--json"],
}
REAL = {
    "test": ["test", str(GED), "--actor", "IS", "--since", "2017-11", "--json"],
    "alerts": ["alerts", str(GED), "--actor", "IS", "--years-back", "2", "--window", "2",
               "--json"],
    "forecast": ["forecast", str(GED), "--actor", "IS", "--json"],
}


def synthetic_panel(n_regions: int, path: Path, seed: int = 2026) -> None:
    """R regions x 84 months of NB2 counts, written as a monthly CSV (month, region, killed)."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2019-01", periods=84, freq="M").astype(str)
    t = np.arange(84)
    level = rng.uniform(2, 60, n_regions)[:, None]
    step = rng.normal(0.2, 0.3, n_regions)[:, None]
    mu = level * np.exp(step * (t >= 60) + 0.2 * np.sin(2 * np.pi * t / 12))
    counts = rng.negative_binomial(4, 4 / (4 + mu))
    names = [f"region {i:04d}" for i in range(n_regions)]
    pd.DataFrame({"month": np.tile(months, n_regions), "region": np.repeat(names, 84),
                  "killed": counts.ravel()}).to_csv(path, index=False)


def run(argv: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one ``trends`` process (children included), and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "trends", *argv], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"trends {' '.join(argv)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def compare(label: str, argv: list[str], loop_argv: list[str], scale: float) -> None:
    wall_p, cpu_p, out_p = run([*argv, "--by", "region", "--workers", "2"])
    wall_l, cpu_l, out_l = run([*loop_argv, "--by", "region", "--workers", "1"])
    same = "identical" if out_p == out_l else ("-" if scale != 1 else "DIFFERENT")
    scaled = " (scaled)" if scale != 1 else ""
    print(f"| {label} | {wall_p:.1f} s / {cpu_p:.1f} s | {wall_l * scale:.1f} s / "
          f"{cpu_l * scale:.1f} s{scaled} | {wall_l * scale / wall_p:.2f}x | {same} |",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--commands", nargs="+", choices=tuple(COMMANDS),
                        default=list(COMMANDS))
    parser.add_argument("--loop-regions", type=int, default=300,
                        help="largest panel the loop runs whole; above it, scaled from this many")
    parser.add_argument("--no-real", action="store_true", help="skip the bundled-data case")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at start")
    print("| case | parallel (2 processes) wall / CPU | loop wall / CPU | wall ratio | output |")
    print("| --- | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for command in args.commands:
            if not args.no_real:
                compare(f"`{command}`, UCDP GED Syria IS, 15 regions", REAL[command],
                        REAL[command], 1.0)
            for n_regions in args.regions:
                panel = Path(folder) / f"panel_{n_regions}.csv"
                if not panel.exists():
                    synthetic_panel(n_regions, panel)
                loop_panel, scale = panel, 1.0
                if n_regions > args.loop_regions:
                    loop_panel = Path(folder) / f"panel_{n_regions}_first.csv"
                    frame = pd.read_csv(panel)
                    keep = frame["region"].isin(frame["region"].unique()[: args.loop_regions])
                    frame[keep].to_csv(loop_panel, index=False)
                    scale = n_regions / args.loop_regions
                first, *rest = COMMANDS[command]
                compare(f"`{command}`, {n_regions:,} regions x 84 months",
                        [first, str(panel), *rest], [first, str(loop_panel), *rest], scale)


if __name__ == "__main__":
    main()
