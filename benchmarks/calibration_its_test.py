"""Simulation study of the known-date test (size, power, CI coverage) and of detect_break.

Series: NB2 counts (theta = 10) whose log-mean has a level, a trend, a yearly
harmonic and AR(1) latent noise (rho = 0.5, marginal sd 0.25); the break sits
in the middle; under the alternative the mean is multiplied by the level rate
ratio from the break on (no slope change). A second null has no latent noise
(plain NB2, the situation where the chi-square LR test is only slightly
liberal). Every series has its own seed (SEED, cell, series number), so the
results do not depend on the number of worker processes.

Usage: PYTHONPATH=. python benchmarks/calibration_its_test.py [--reps 400] [--bootstrap 999]
       [--detect-reps 100] [--workers 2] [--write docs/calibration.md]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from multiprocessing import Pool

import numpy as np
import pandas as pd

from trends.errors import ModelWarning
from trends.resurgence import detect_break, its_test

SEED = 20240601
THETA, RHO, SD = 10.0, 0.5, 0.25
# (months, true level ratio, latent noise)
CELLS = [(84, 1.0, True), (84, 1.5, True), (84, 2.0, True),
         (120, 1.0, True), (120, 1.5, True), (120, 2.0, True),
         (60, 1.0, False), (84, 1.0, False)]
METHODS = {"negbin LR, bootstrap (default)": "bootstrap", "negbin LR, model-based": "model"}


def simulate(rng: np.random.Generator, n: int, ratio: float,
             latent: bool = True) -> tuple[pd.Series, str]:
    idx = pd.period_range("2012-01", periods=n, freq="M")
    t = np.arange(n)
    u = np.zeros(n)
    if latent:
        u[0] = rng.normal(0, SD)
        for i in range(1, n):
            u[i] = RHO * u[i - 1] + rng.normal(0, SD * math.sqrt(1 - RHO**2))
    log_mu = 3.0 + 0.004 * t + 0.3 * np.sin(2 * np.pi * idx.month / 12) + u
    mu = np.exp(log_mu) * np.where(t >= n // 2, ratio, 1.0)
    y = rng.negative_binomial(THETA, THETA / (THETA + mu))
    return pd.Series(y, index=idx, name="y"), str(idx[n // 2])


def run_series(args: tuple[int, int, int]) -> tuple[int, dict[str, tuple[bool, bool, bool]]]:
    cell, number, boot = args
    n, ratio, latent = CELLS[cell]
    y, brk = simulate(np.random.default_rng([SEED, cell, number]), n, ratio, latent)
    out = {}
    for name, inference in METHODS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            res = its_test(y, brk, family="negbin", inference=inference,  # type: ignore[arg-type]
                           bootstrap=boot, seed=number, draws=10)
        lo, hi = res.level_ratio_ci
        slo, shi = res.slope_ratio_per_year_ci
        out[name] = (res.p_value < 0.05, lo <= ratio <= hi, slo <= 1.0 <= shi)
    return cell, out


def run_detect(args: tuple[int, int]) -> bool:
    number, boot = args
    y, _ = simulate(np.random.default_rng([SEED, 99, number]), 84, 1.0)
    return bool(detect_break(y, bootstrap=boot, seed=number).p_value < 0.05)


def mc_se(p: float, reps: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.05 * 0.95) / reps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--bootstrap", type=int, default=999)
    parser.add_argument("--detect-reps", type=int, default=100)
    parser.add_argument("--detect-bootstrap", type=int, default=999)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", default=None)
    opts = parser.parse_args()
    start = time.time()
    tasks = [(c, i, opts.bootstrap) for c in range(len(CELLS)) for i in range(opts.reps)]
    with Pool(opts.workers) as pool:
        results = pool.map(run_series, tasks, chunksize=8)
        known_time = time.time() - start
        detected = pool.map(run_detect, [(i, opts.detect_bootstrap)
                                         for i in range(opts.detect_reps)], chunksize=2)
    lines = [
        "| months | latent AR(1) | true level ratio | inference | rejection rate at 0.05 "
        "| level-ratio CI coverage | slope-ratio CI coverage |",
        "|---|---|---|---|---|---|---|",
    ]
    for cell, (n, ratio, latent) in enumerate(CELLS):
        rows = [out for c, out in results if c == cell]
        reps = len(rows)
        for name in METHODS:
            rate, cov, scov = (sum(r[name][j] for r in rows) / reps for j in range(3))
            kind = "size" if ratio == 1.0 else "power"
            lines.append(
                f"| {n} | {'rho 0.5' if latent else 'none'} | {ratio} | {name} | "
                f"{rate:.3f} ± {mc_se(rate, reps):.3f} ({kind}) | "
                f"{cov:.3f} ± {mc_se(cov, reps):.3f} | {scov:.3f} ± {mc_se(scov, reps):.3f} |"
            )
    if detected:
        total, hits = len(detected), sum(detected)
        lines += [
            "",
            "| months | detect_break inference | bootstrap | null series | "
            "false-positive rate at 0.05 |",
            "|---|---|---|---|---|",
            f"| 84 | bootstrap (default, latent AR(1)) | {opts.detect_bootstrap} | {total} | "
            f"{hits / total:.3f} ± {mc_se(hits / total, total):.3f} |",
        ]
    table = "\n".join(lines)
    command = " ".join(["PYTHONPATH=. python", *sys.argv])
    footer = (f"\nSeed {SEED}; {opts.reps} series per cell, its_test with {opts.bootstrap} "
              f"bootstrap replicates; ± is one Monte Carlo standard error; run time "
              f"{time.time() - start:.0f} s ({known_time:.0f} s for the known-date cells, "
              f"{opts.workers} processes).\nCommand: `{command}`\n")
    print(table + footer)
    if opts.write:
        with open(opts.write, encoding="utf-8") as handle:
            text = handle.read()
        marker = "<!-- calibration-table -->"
        end_marker = "<!-- end-calibration-table -->"
        head = text.split(marker)[0]
        tail = text.split(end_marker)[1] if end_marker in text else ""
        with open(opts.write, "w", encoding="utf-8") as handle:
            handle.write(head + marker + "\n\n" + table + "\n" + footer + "\n" + end_marker
                         + tail)


if __name__ == "__main__":
    main()
