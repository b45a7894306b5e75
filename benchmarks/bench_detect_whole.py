"""Time whole ``trends detect FILE --json`` processes on real and hostile 84-month series.

The goal is under 3 s of wall time for any 84-month series (start-up, reading
and the 999-replicate bootstrap test). The series are the two bundled
country-month death series (84 months each), a synthetic NB2 series and 32
hostile ones built with fixed seeds: 4, 10, 15 or 25 isolated spikes of up to
a million among zeros or among counts of about 1, a handful of small counts
among zeros, one count in the first or last month only, steps to zero and to
100 million, exponential growth, extreme overdispersion, alternating zeros and
millions. Fits on the sparse ones creep towards infinite coefficients, which
is where detect is slowest.

Each series is run ``--runs`` times (the median is printed) and, with
``--baseline DIR`` (an older checkout, e.g. ``git archive REV | tar -x -C
DIR``), the baseline runs alternate with this checkout's in the same run and
the outputs are compared byte for byte.

Usage::

    PYTHONPATH=. python benchmarks/bench_detect_whole.py [--runs 3] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COUNTRY = ROOT / "data" / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
GOAL = 3.0
N = 84


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(1000 + seed)


def _spikes(seed: int) -> np.ndarray:
    rng = _rng(seed)
    y = np.zeros(N, dtype=np.int64)
    y[rng.choice(N, 4, replace=False)] = rng.integers(100_000, 1_000_000, 4)
    return y


def _ten_spikes(seed: int) -> np.ndarray:
    rng = _rng(20 + seed)
    y = np.zeros(N, dtype=np.int64)
    y[rng.choice(N, 10, replace=False)] = rng.integers(1_000, 1_000_000, 10)
    return y


def _many_spikes(seed: int, count: int, low: int) -> np.ndarray:
    rng = _rng(40 + seed)
    y = np.zeros(N, dtype=np.int64)
    y[rng.choice(N, count, replace=False)] = rng.integers(low, 1_000_000, count)
    return y


def _ones_and_spikes(seed: int) -> np.ndarray:
    rng = _rng(60 + seed)
    y = rng.poisson(1.0, N)
    y[rng.choice(N, 6, replace=False)] += rng.integers(10_000, 1_000_000, 6)
    return y


def _at(positions: list[int], value: int) -> np.ndarray:
    y = np.zeros(N, dtype=np.int64)
    y[positions] = value
    return y


t = np.arange(N)
HOSTILE: dict[str, Callable[[], np.ndarray]] = {
    **{f"4 spikes of up to 1,000,000 among zeros ({k})": (lambda k=k: _spikes(k))
       for k in range(4)},
    **{f"10 spikes of up to 1,000,000 among zeros ({k})": (lambda k=k: _ten_spikes(k))
       for k in range(2)},
    **{f"15 spikes of up to 1,000,000 among zeros ({k})": (lambda k=k: _many_spikes(k, 15, 1_000))
       for k in range(2)},
    "25 spikes of 1 to 1,000,000 among zeros": lambda: _many_spikes(2, 25, 1),
    **{f"Poisson, mean 1, with 6 spikes of up to 1,000,000 ({k})":
       (lambda k=k: _ones_and_spikes(k)) for k in range(3)},
    "Poisson, mean 0.05": lambda: _rng(10).poisson(0.05, N),
    "Poisson, mean 0.3": lambda: _rng(11).poisson(0.3, N),
    "Poisson, mean 0.08, and a 1 in month 4": lambda: _rng(12).poisson(0.08, N) + (t == 3),
    "three months of 3 among zeros": lambda: _at([5, 40, 77], 3),
    "one count of 50 in the last month": lambda: _at([N - 1], 50),
    "one count of 5,000 in the first month": lambda: _at([0], 5_000),
    "one month of 1 among zeros": lambda: _at([41], 1),
    "ones, then 1,000,000,000 in the last month": lambda: np.r_[np.ones(N - 1, int), 10**9],
    "zeros and 1,000,000 alternating": lambda: np.where(t % 2 == 0, 0, 1_000_000),
    "a ramp from 0 to 10,000,000": lambda: np.linspace(0, 1e7, N).round().astype(np.int64),
    "exponential growth from 1 to 100,000": lambda: _rng(13).poisson(np.exp(t / (N - 1) * 11.5)),
    "100,000,000 a month, then 5 more": lambda: np.r_[np.full(42, 10**8), np.full(42, 10**8 + 5)],
    "Poisson 500 a month, then 42 zero months": lambda: np.r_[_rng(14).poisson(500, 42),
                                                              np.zeros(42, int)],
    "negative binomial, theta 0.1, mean 200": lambda: _rng(15).negative_binomial(
        0.1, 0.1 / 200.1, N),
    "70% zero months, the rest about 5,000": lambda: (_rng(16).random(N) > 0.7)
    * _rng(17).poisson(5_000, N),
    "90% zero months, the rest about 500": lambda: (_rng(18).random(N) > 0.9)
    * _rng(19).poisson(500, N),
    "Cauchy-like counts": lambda: np.minimum(np.abs(_rng(20).standard_cauchy(N)) * 100,
                                             1e8).astype(np.int64),
    "a sawtooth of 0 to 11,000 each year": lambda: (t % 12) * 1000,
    "1 to 1,000,000 in steps of ten each year": lambda: np.repeat(10 ** np.arange(7), 12),
    "a constant 40": lambda: np.full(N, 40),
}


def series() -> dict[str, pd.Series]:
    """Every case as a monthly series named ``killed``."""
    months = pd.period_range("2018-01", periods=N, freq="M")
    table = pd.read_csv(COUNTRY)
    table.index = pd.PeriodIndex(table["month"], freq="M")
    rng = np.random.default_rng(7)
    mu = np.exp(3.0 + 0.004 * t + 0.3 * np.sin(2 * np.pi * months.month / 12))
    out = {
        "synthetic NB2, mean about 25": rng.negative_binomial(5.0, 5.0 / (5.0 + mu)),
        "Syria deaths 2019-01 to 2025-12 (real)":
            table["syria_killed_best"]["2019-01":].iloc[:N].to_numpy(),
        "Iraq deaths 2012-01 to 2018-12 (real)":
            table["iraq_killed_best"]["2012-01":].iloc[:N].to_numpy(),
    }
    out.update({name: make() for name, make in HOSTILE.items()})
    return {name: pd.Series(np.asarray(v, dtype=np.int64), index=months, name="killed")
            for name, v in out.items()}


def run(checkout: Path, path: Path) -> tuple[float, bytes]:
    """Wall seconds and stdout of one ``trends detect`` process of ``checkout``."""
    argv = [sys.executable, "-m", "trends", "detect", str(path), "--measure", "killed",
            "--json", "--max-count", "10000000000"]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=checkout, capture_output=True, check=False,
                          env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
    return wall, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each series (median)")
    parser.add_argument("--baseline", type=Path, help="an older checkout to run alongside")
    args = parser.parse_args()
    checkouts = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    print(f"whole `trends detect FILE --json` processes, 84 months, 999 bootstrap replicates; "
          f"median of {args.runs} runs, wall seconds; goal {GOAL:.0f} s")
    head = f"{'series':48} {'this':>7} {'/goal':>6}"
    if args.baseline:
        head += f" {'baseline':>9} {'ratio':>6}  output"
    print(head)
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, y in series().items():
            path = Path(folder) / "series.csv"
            pd.DataFrame({"month": y.index.astype(str), "killed": y.to_numpy()}).to_csv(
                path, index=False)
            walls: dict[Path, list[float]] = {c: [] for c in checkouts}
            outs: dict[Path, bytes] = {}
            for _ in range(args.runs):
                for checkout in checkouts:  # alternate, so load changes hit both alike
                    wall, outs[checkout] = run(checkout, path)
                    walls[checkout].append(wall)
            ours = statistics.median(walls[ROOT])
            worst = max(worst, ours)
            line = f"{name:48} {ours:6.2f}s {ours / GOAL:6.2f}"
            if args.baseline:
                base = statistics.median(walls[checkouts[1]])
                same = "identical" if outs[ROOT] == outs[checkouts[1]] else "DIFFERENT"
                line += f" {base:8.2f}s {ours / base:6.2f}  {same}"
            print(line, flush=True)
    print(f"slowest: {worst:.2f} s, {worst / GOAL:.2f} times the goal")


if __name__ == "__main__":
    main()
