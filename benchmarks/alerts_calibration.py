"""False-alarm rates of the alert methods on each side, in simulation and on real series.

Farrington (R's defaults b=5, w=3, alpha=0.05, or b=2, w=2 as used on the short
bundled series): in-control series are simulated and the last 12 months of each
are assessed on both sides; the table gives the share of months below the lower
bound (low side), above the upper bound (high side, with R's minimum-count rule)
and with a lower bound of 0 (no low alarm possible). Scenarios: Poisson and
negative binomial at several levels, flat or with a yearly cycle (amplitude 30%,
which the method's reference windows do not model), one fitted to a real series
(Deir ez-Zor IS incidents 2016-01..2017-08, NB2 with one harmonic pair, the months
before the 2017 escalation) and hostile ones (mean 1, mean 5000 with size 1, an
outbreak of 5x in the reference months).

NB GLR (known mu0 = 20, size 5, c_arl = 5): share of in-control 60-month runs
with at least one alarm, rise chart and fall chart separately.

Real series, not in control (so not false-alarm rates, shown for scale): the
share of months flagged on each side by Farrington on the bundled UCDP
country-month deaths for Syria and Iraq, 1989-2026.

Usage: PYTHONPATH=. nice python benchmarks/alerts_calibration.py [--reps 400]
       [--glr-runs 300] [--workers 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

from trends.alerts import farrington
from trends.alerts.glrnb import _design, _run_glr, fit_negbin
from trends.errors import ModelWarning

SEED = 20240607
ROOT = Path(__file__).resolve().parents[1]
MONTHS = 12
# name, mean, NB size (None: Poisson), yearly amplitude, (b, w), outbreak factor
SCENARIOS = [
    ("Poisson, flat", 134.0, None, 0.0, (5, 3), 1.0),
    ("Poisson, flat", 20.0, None, 0.0, (5, 3), 1.0),
    ("Poisson, flat", 5.0, None, 0.0, (5, 3), 1.0),
    ("Poisson, yearly cycle", 134.0, None, 0.3, (5, 3), 1.0),
    ("NB size 5, flat", 40.0, 5.0, 0.0, (5, 3), 1.0),
    ("NB size 5, yearly cycle", 40.0, 5.0, 0.3, (5, 3), 1.0),
    ("NB size 5, flat, b=2 w=2", 40.0, 5.0, 0.0, (2, 2), 1.0),
    ("fitted to Deir ez-Zor 2016-17", float("nan"), None, 0.0, (5, 3), 1.0),
    ("hostile: Poisson mean 1", 1.0, None, 0.0, (5, 3), 1.0),
    ("hostile: NB mean 5000, size 1", 5000.0, 1.0, 0.0, (5, 3), 1.0),
    ("hostile: 5x outbreak in reference", 40.0, 5.0, 0.0, (5, 3), 5.0),
]


def deir_model() -> tuple[np.ndarray, float]:
    """NB2 mean with one harmonic pair, fitted to Deir ez-Zor incidents before 2017-09."""
    d = pd.read_csv(ROOT / "tests/results/ged_is_deir_ez_zor_monthly.csv")
    y = d["incidents"].to_numpy(float)[:20]
    t = np.arange(1.0, 21.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        coef, theta = fit_negbin(_design(t, 1, False), y)
    n = 63 + MONTHS
    return np.exp(_design(np.arange(1.0, n + 1), 1, False) @ coef), theta


def simulate(rng: np.random.Generator, cell: int) -> np.ndarray:
    _, mean, size, amp, (b, w), factor = SCENARIOS[cell]
    n = 12 * b + w + MONTHS
    if math.isnan(mean):
        mu, size = deir_model()
        mu = mu[:n]
    else:
        mu = mean * (1 + amp * np.sin(2 * np.pi * np.arange(n) / 12))
    if factor != 1.0:  # an outbreak in one reference window, one year before the months assessed
        mu = mu.copy()
        mu[n - MONTHS - 12 - 1 : n - MONTHS - 12 + 2] *= factor
    return rng.poisson(mu) if size is None else rng.negative_binomial(size, size / (size + mu))


def run_cell(args: tuple[int, int]) -> tuple[int, int, int, int, int]:
    cell, reps = args
    rng = np.random.default_rng([SEED, cell])
    b, w = SCENARIOS[cell][4]
    low = high = zero = total = 0
    for _ in range(reps):
        y = simulate(rng, cell)
        idx = pd.period_range("2000-01", periods=len(y), freq="M")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            t = farrington(pd.Series(y, index=idx), months=idx[-MONTHS:], years_back=b,
                           window_half_width=w).tidy()
        low += int(t["alarm_low"].sum())
        high += int(t["alarm_high"].sum())
        zero += int((t["lower_bound"] == 0).sum())
        total += len(t)
    return cell, low, high, zero, total


def run_glr(args: tuple[int, int]) -> tuple[int, int]:
    sign, runs = args
    rng = np.random.default_rng([SEED, 99, sign + 1])
    mu = np.full(60, 20.0)
    hits = 0
    for _ in range(runs):
        x = rng.negative_binomial(5.0, 5.0 / 25.0, 60).astype(float)
        hits += bool(_run_glr(x, mu, 0.2, 5.0, None, bounds=False, sign=sign)[2].any())
    return sign, hits


def real_rates() -> list[str]:
    d = pd.read_csv(ROOT / "data/ucdp_country_month_killed_syria_iraq_1989-2026.csv")
    idx = pd.PeriodIndex(d["month"], freq="M")
    lines = []
    for col in ("syria_killed_best", "iraq_killed_best"):
        y = pd.Series(d[col].to_numpy(), index=idx, name=col)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            t = farrington(y).tidy()
        n = len(t)
        lines.append(
            f"| {col} | {t['month'].iloc[0]} to {t['month'].iloc[-1]} ({n}) | "
            f"{t['alarm_low'].mean():.3f} | {t['alarm_high'].mean():.3f} | "
            f"{(t['lower_bound'] == 0).mean():.3f} |"
        )
    return lines


def se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.05 * 0.95) / n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--glr-runs", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    opts = parser.parse_args()
    start = time.time()
    with Pool(opts.workers) as pool:
        cells = pool.map(run_cell, [(c, opts.reps) for c in range(len(SCENARIOS))])
        glr = pool.map(run_glr, [(1, opts.glr_runs), (-1, opts.glr_runs)])
    lines = [
        "| scenario | mean | b, w | months | low side: share below lower bound | "
        "high side: share above upper bound | lower bound 0 |",
        "|---|---|---|---|---|---|---|",
    ]
    for cell, low, high, zero, total in cells:
        name, mean, _, _, (b, w), _ = SCENARIOS[cell]
        lo, hi = low / total, high / total
        shown = "fitted" if math.isnan(mean) else f"{mean:g}"
        lines.append(
            f"| {name} | {shown} | {b}, {w} | {total} | {lo:.3f} ± {se(lo, total):.3f} | "
            f"{hi:.3f} ± {se(hi, total):.3f} | {zero / total:.3f} |"
        )
    lines += ["", "| NB GLR chart (mu0 20, size 5, c_arl 5) | runs of 60 months | "
              "share with an alarm |", "|---|---|---|"]
    for sign, hits in glr:
        rate = hits / opts.glr_runs
        lines.append(f"| {'rise' if sign > 0 else 'fall'} | {opts.glr_runs} | "
                     f"{rate:.3f} ± {se(rate, opts.glr_runs):.3f} |")
    lines += ["", "| real series (not in control) | months assessed | share low | share high "
              "| lower bound 0 |", "|---|---|---|---|---|", *real_rates()]
    command = " ".join(["PYTHONPATH=. nice python", *sys.argv])
    print("\n".join(lines))
    print(f"\nSeed {SEED}; {opts.reps} series per scenario, last {MONTHS} months of each "
          f"assessed (months within a series are not independent; ± is the binomial "
          f"standard error as if they were); alpha 0.05 on each side; run time "
          f"{time.time() - start:.0f} s on {opts.workers} processes.\nCommand: `{command}`")


if __name__ == "__main__":
    main()
