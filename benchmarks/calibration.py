"""Simulation study of the verdict of ``trends assess`` (default settings, direction "rise").

Series (as in the project's study of the known-break test): NB2 counts with
theta 10 around a base mean of 20, a trend of 0.003 a month and a yearly
harmonic of amplitude 0.3, and a pure level change (true level ratio 1, 1.5
or 2) at month 60 of 84 or 80 of 120. Latent log-noise:

    i    none
    ii   AR(1), rho 0.4, marginal sd 0.25
    iii  AR(1), rho 0.8, marginal sd 0.25
    iv   random-walk level, step sd 0.04
    v    none, low counts: base mean 2, theta 1.5 (about 28% zero months)

Every series has its own seed (SEED, cell, series), so results do not depend
on the number of processes. Each finished series is appended to a CSV, so a
run can be stopped and resumed; ``--summarise`` prints the table from it.

Reported per cell, with one Monte Carlo standard error: the share of series
whose verdict is "rise" (false positives when the ratio is 1, power otherwise),
"fall", "no change" and "cannot tell"; the test's own rejection rate
(one-sided p < 0.05 wherever the test ran); the coverage of the 95% interval
of the level ratio (wherever it was reported); and how often the noise was
flagged as not identified.

Usage: PYTHONPATH=. python benchmarks/calibration.py [--null-reps 300] [--alt-reps 200]
       [--bootstrap 499] [--workers 2] [--out benchmarks/calibration.csv]
       PYTHONPATH=. python benchmarks/calibration.py --summarise [--write docs/calibration.md]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
import warnings
from multiprocessing import Pool

import numpy as np
import pandas as pd

from trends.resurgence.verdict import assess

SEED = 20261130
DGPS = ("i", "ii", "iii", "iv", "v")
LENGTHS = {84: 60, 120: 80}  # months: position of the break
RATIOS = (1.0, 1.5, 2.0)
FIELDS = ("dgp", "months", "ratio", "series", "verdict", "p_value", "covered", "noise_flag",
          "blocking", "seconds")


def simulate(rng: np.random.Generator, dgp: str, n: int, ratio: float) -> tuple[pd.Series, str]:
    """One series of the study and its break month."""
    idx = pd.period_range("2012-01", periods=n, freq="M")
    t = np.arange(n)
    theta, base = (1.5, 2.0) if dgp == "v" else (10.0, 20.0)
    u = np.zeros(n)
    if dgp in ("ii", "iii"):
        rho, sd = (0.4 if dgp == "ii" else 0.8), 0.25
        u[0] = rng.normal(0.0, sd)
        for i in range(1, n):
            u[i] = rho * u[i - 1] + rng.normal(0.0, sd * math.sqrt(1 - rho**2))
    elif dgp == "iv":
        u = np.cumsum(rng.normal(0.0, 0.04, n))
    brk = LENGTHS[n]
    log_mu = math.log(base) + 0.003 * t + 0.3 * np.sin(2 * np.pi * idx.month / 12) + u
    mu = np.exp(log_mu) * np.where(t >= brk, ratio, 1.0)
    y = rng.negative_binomial(theta, theta / (theta + mu)).astype(float)
    return pd.Series(y, index=idx, name="incidents"), str(idx[brk])


def run(task: tuple[str, int, float, int, int]) -> dict[str, object]:
    dgp, n, ratio, number, bootstrap = task
    cell = DGPS.index(dgp) * 100 + n * 10 + int(ratio * 10)
    y, since = simulate(np.random.default_rng([SEED, cell, number]), dgp, n, ratio)
    start = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = assess(y, since, bootstrap=bootstrap, seed=number)
    low, high = result.level_ratio_ci
    covered = "" if not math.isfinite(low) else int(low <= ratio <= high)
    return {
        "dgp": dgp, "months": n, "ratio": ratio, "series": number, "verdict": result.verdict,
        "p_value": "" if not math.isfinite(result.p_value) else f"{result.p_value:.4f}",
        "covered": covered,
        "noise_flag": int(any(f.code == "noise_unidentified" for f in result.flags)),
        "blocking": ";".join(f.code for f in result.flags if f.blocks),
        "seconds": f"{time.time() - start:.2f}",
    }


def tasks(null_reps: int, alt_reps: int, bootstrap: int, done: set[tuple],
          dgps: tuple[str, ...] = DGPS, ratios: tuple[float, ...] = RATIOS) -> list[tuple]:
    # The null cells first, then the largest effect: a partial run answers the size targets.
    out = []
    for ratio in sorted(ratios, key=lambda r: (r != 1.0, -r)):
        for dgp in dgps:
            for n in LENGTHS:
                reps = null_reps if ratio == 1.0 else alt_reps
                out += [(dgp, n, ratio, k, bootstrap) for k in range(reps)
                        if (dgp, n, ratio, k) not in done]
    return out


def _rate(hits: int, total: int) -> str:
    if total == 0:
        return "-"
    p = hits / total
    return f"{p:.3f} ± {math.sqrt(max(p * (1 - p), 1.0 / total) / total):.3f}"


def summarise(path: str) -> str:
    frame = pd.read_csv(path, keep_default_na=False)
    lines = [
        "| series | months | true ratio | n | verdict rise | verdict fall | no change | "
        "cannot tell | test p < 0.05 | 95% CI coverage | noise flagged |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (dgp, n, ratio), cell in frame.groupby(["dgp", "months", "ratio"], sort=True):
        total = len(cell)
        counts = cell["verdict"].value_counts()
        tested = cell[cell["p_value"] != ""]
        reported = cell[cell["covered"] != ""]
        lines.append(
            f"| {dgp} | {n} | {ratio} | {total} | {_rate(counts.get('rise', 0), total)} | "
            f"{_rate(counts.get('fall', 0), total)} | {_rate(counts.get('no_change', 0), total)} "
            f"| {_rate(counts.get('cannot_tell', 0), total)} | "
            f"{_rate(int((tested['p_value'].astype(float) < 0.05).sum()), len(tested))} | "
            f"{_rate(int(reported['covered'].astype(int).sum()), len(reported))} | "
            f"{_rate(int(cell['noise_flag'].astype(int).sum()), total)} |"
        )
    seconds = frame["seconds"].astype(float)
    lines.append("")
    lines.append(f"{len(frame)} series; median {seconds.median():.1f} s a series "
                 f"(90th percentile {seconds.quantile(0.9):.1f} s) of one process.")
    blocking = frame.loc[frame["blocking"] != "", "blocking"].str.split(";").explode()
    if len(blocking):
        counts = blocking.value_counts()
        lines.append("Reasons for 'cannot tell': "
                     + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--null-reps", type=int, default=300)
    parser.add_argument("--alt-reps", type=int, default=200)
    parser.add_argument("--bootstrap", type=int, default=499)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/calibration.csv")
    parser.add_argument("--summarise", action="store_true")
    parser.add_argument("--dgps", default=",".join(DGPS), help="series kinds to run (all)")
    parser.add_argument("--ratios", default=",".join(map(str, RATIOS)), help="true ratios (all)")
    parser.add_argument("--write", default=None)
    opts = parser.parse_args()
    if opts.summarise:
        table = summarise(opts.out)
        print(table)
        if opts.write:
            _write(opts.write, table)
        return
    done: set[tuple] = set()
    if os.path.exists(opts.out):
        old = pd.read_csv(opts.out, keep_default_na=False)
        done = {(r.dgp, int(r.months), float(r.ratio), int(r.series)) for r in old.itertuples()}
    todo = tasks(opts.null_reps, opts.alt_reps, opts.bootstrap, done,
                 tuple(opts.dgps.split(",")), tuple(float(r) for r in opts.ratios.split(",")))
    new_file = not os.path.exists(opts.out)
    with open(opts.out, "a", newline="", encoding="utf-8") as handle, Pool(opts.workers) as pool:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for count, row in enumerate(pool.imap_unordered(run, todo, chunksize=2), start=1):
            writer.writerow(row)
            handle.flush()
            if count % 50 == 0:
                print(f"{count}/{len(todo)}", file=sys.stderr)
    print(summarise(opts.out))


def _write(path: str, table: str) -> None:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    marker, end_marker = "<!-- verdict-table -->", "<!-- end-verdict-table -->"
    head, rest = text.split(marker)
    tail = rest.split(end_marker)[1]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{head}{marker}\n\n{table}\n\n{end_marker}{tail}")


if __name__ == "__main__":
    main()
