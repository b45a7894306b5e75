"""Simulation study of the known-date test (size, power, CI coverage) and of detect_break.

Null and alternative series: NB2 counts (theta = 10) whose log-mean has a level,
a trend, two seasonal harmonics and AR(1) latent noise (rho = 0.5, marginal sd
0.25); the break sits in the middle; under the alternative the mean is
multiplied by the level rate ratio from the break on.

Usage: PYTHONPATH=. python benchmarks/calibration.py [--reps 500] [--detect-reps 200]
       [--write docs/calibration.md]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from trends.errors import ModelWarning
from trends.resurgence import detect_break, its_test

SEED = 20240601
THETA, RHO, SD = 10.0, 0.5, 0.25
METHODS = {
    "negbin LR": {"family": "negbin"},
    "quasipoisson F": {"family": "quasipoisson"},
    "negbin + lag LR": {"family": "negbin", "autocorrelation": "lag"},
    "negbin HAC Wald": {"family": "negbin", "autocorrelation": "hac"},
}


def simulate(rng: np.random.Generator, n: int, ratio: float) -> tuple[pd.Series, str]:
    idx = pd.period_range("2012-01", periods=n, freq="M")
    t = np.arange(n)
    u = np.empty(n)
    u[0] = rng.normal(0, SD)
    for i in range(1, n):
        u[i] = RHO * u[i - 1] + rng.normal(0, SD * math.sqrt(1 - RHO**2))
    log_mu = 3.0 + 0.004 * t + 0.3 * np.sin(2 * np.pi * idx.month / 12) + u
    mu = np.exp(log_mu) * np.where(t >= n // 2, ratio, 1.0)
    y = rng.negative_binomial(THETA, THETA / (THETA + mu))
    return pd.Series(y, index=idx, name="y"), str(idx[n // 2])


def run_cell(args: tuple[int, float, int, int]) -> dict[str, object]:
    n, ratio, reps, seed = args
    rng = np.random.default_rng(seed)
    hits = {m: 0 for m in METHODS}
    cover = {m: 0 for m in METHODS}
    for _ in range(reps):
        y, brk = simulate(rng, n, ratio)
        for name, options in METHODS.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ModelWarning)
                res = its_test(y, brk, draws=10, **options)  # type: ignore[arg-type]
            hits[name] += res.p_value < 0.05
            lo, hi = res.level_ratio_ci
            cover[name] += lo <= ratio <= hi
    return {"n": n, "ratio": ratio, "reps": reps, "hits": hits, "cover": cover}


def run_detect(args: tuple[int, int, int, int]) -> dict[str, object]:
    n, reps, boot, seed = args
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(reps):
        y, _ = simulate(rng, n, 1.0)
        hits += detect_break(y, bootstrap=boot, seed=int(rng.integers(1 << 31))).p_value < 0.05
    return {"n": n, "reps": reps, "boot": boot, "hits": hits}


def mc_se(p: float, reps: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.05 * 0.95) / reps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--detect-reps", type=int, default=200)
    parser.add_argument("--detect-bootstrap", type=int, default=99)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", default=None)
    opts = parser.parse_args()
    start = time.time()
    cells = [(n, r, opts.reps, SEED + 17 * i) for i, (n, r) in enumerate(
        (n, r) for n in (84, 120) for r in (1.0, 1.5, 2.0))]
    detect = [(n, opts.detect_reps // opts.workers, opts.detect_bootstrap, SEED + 1000 + w)
              for n in (84,) for w in range(opts.workers)] if opts.detect_reps else []
    with ProcessPoolExecutor(opts.workers) as pool:
        results = list(pool.map(run_cell, cells))
        detected = list(pool.map(run_detect, detect))
    lines = [
        "| months | true level ratio | test | rejection rate at 0.05 | CI coverage |",
        "|---|---|---|---|---|",
    ]
    for res in results:
        reps = int(res["reps"])  # type: ignore[call-overload]
        for name in METHODS:
            rate = res["hits"][name] / reps  # type: ignore[index]
            cov = res["cover"][name] / reps  # type: ignore[index]
            kind = "size" if res["ratio"] == 1.0 else "power"
            lines.append(
                f"| {res['n']} | {res['ratio']} | {name} | {rate:.3f} ± {mc_se(rate, reps):.3f} "
                f"({kind}) | {cov:.3f} ± {mc_se(cov, reps):.3f} |"
            )
    if detected:
        total = sum(int(d["reps"]) for d in detected)  # type: ignore[call-overload]
        hits = sum(int(d["hits"]) for d in detected)  # type: ignore[call-overload]
        lines += [
            "",
            "| months | detect_break bootstrap | null replicates | false-positive rate at 0.05 |",
            "|---|---|---|---|",
            f"| 84 | {opts.detect_bootstrap} | {total} | {hits / total:.3f} ± "
            f"{mc_se(hits / total, total):.3f} |",
        ]
    table = "\n".join(lines)
    command = " ".join(["PYTHONPATH=. python", *sys.argv])
    footer = (f"\nSeed {SEED}; {opts.reps} series per cell; ± is one Monte Carlo standard error; "
              f"run time {time.time() - start:.0f} s.\nCommand: `{command}`\n")
    print(table + footer)
    if opts.write:
        with open(opts.write, encoding="utf-8") as handle:
            text = handle.read()
        marker = "<!-- calibration-table -->"
        head = text.split(marker)[0]
        with open(opts.write, "w", encoding="utf-8") as handle:
            handle.write(head + marker + "\n\n" + table + "\n" + footer)


if __name__ == "__main__":
    main()
