"""Time detect_break's batched bootstrap against a loop of statsmodels fits.

On six 84-month series (a synthetic NB2 series, two real UCDP country-month
death series with means in the hundreds and thousands, and three hostile
series: a zero run and one month of a million, a step from 5 to 50,000 a
month, and seven months with a count), times
(a) one scan (null + every candidate break) fitted with statsmodels
    NegativeBinomial one model at a time, measured on 20 bootstrap replicates
    and scaled to 999, and
(b) detect_break with 999 replicates and the default latent-AR(1) bootstrap,
and prints them, the ratio and the largest relative difference between the
observed scan statistics of the two implementations.

Usage: PYTHONPATH=. python benchmarks/bench_detect.py
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from trends.models import CountModel
from trends.models.design import build_design, scan_designs
from trends.resurgence import detect_break

SEED = 7


def synthetic() -> pd.Series:
    rng = np.random.default_rng(SEED)
    idx = pd.period_range("2013-01", periods=84, freq="M")
    t = np.arange(84)
    mu = np.exp(3.0 + 0.004 * t + 0.3 * np.sin(2 * np.pi * idx.month / 12))
    return pd.Series(rng.negative_binomial(5.0, 5.0 / (5.0 + mu)), index=idx, name="incidents")


def real(measure: str, start: str) -> pd.Series:
    """84 months of a bundled UCDP country-month death series (high means, surges)."""
    table = pd.read_csv(COUNTRY_FILE)
    y = pd.Series(table[measure].to_numpy(float), index=pd.PeriodIndex(table["month"], freq="M"))
    return y[start:].iloc[:84].rename(measure)


def hostile() -> pd.Series:
    """The synthetic series with a run of 18 zero months and one month of a million."""
    y = synthetic().copy()
    y.iloc[20:38] = 0
    y.iloc[60] = 1_000_000
    return y


def step_to_fifty_thousand() -> pd.Series:
    """5 a month, then 50,000 a month: log-likelihood terms of 1e7 around a sum of a few hundred."""
    rng = np.random.default_rng(SEED)
    idx = pd.period_range("2018-01", periods=84, freq="M")
    mean = np.where(np.arange(84) < 40, 5.0, 50_000.0)
    return pd.Series(rng.poisson(mean), index=idx, name="killed")


def sparse() -> pd.Series:
    """Seven months with a count among 84: most candidate breaks split zeros from zeros."""
    rng = np.random.default_rng(SEED)
    idx = pd.period_range("2018-01", periods=84, freq="M")
    return pd.Series(rng.poisson(0.08, 84) + (np.arange(84) == 3), index=idx, name="killed")


COUNTRY_FILE = "data/ucdp_country_month_killed_syria_iraq_1989-2026.csv"
CASES = {
    "synthetic NB2, mean about 25": synthetic,
    "Syria deaths 2019-01 to 2025-12 (real, mean 376)": lambda: real(
        "syria_killed_best", "2019-01"),
    "Iraq deaths 2012-01 to 2018-12 (real, mean 668)": lambda: real(
        "iraq_killed_best", "2012-01"),
    "hostile: 18 zero months and one month of 1,000,000": hostile,
    "hostile: a step from 5 to 50,000 a month": step_to_fifty_thousand,
    "hostile: 7 months with a count, 77 zeros": sparse,
}


def statsmodels_llf(y: np.ndarray, X: np.ndarray) -> float:
    """Log-likelihood of statsmodels' NB2 fit, as a careful notebook would get it; NaN if none.

    Newton from statsmodels' own start values; where that gives NaN (as on the
    real high-mean series) or breaks down, Newton from the Poisson fit, then BFGS.
    """
    model = sm.NegativeBinomial(y, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        attempts = [{"method": "newton", "maxiter": 200}]
        try:
            start = np.append(sm.GLM(y, X, family=sm.families.Poisson()).fit().params, 0.5)
            attempts += [{"method": "newton", "maxiter": 200, "start_params": start},
                         {"method": "bfgs", "maxiter": 2000, "start_params": start}]
        except (ValueError, np.linalg.LinAlgError):
            pass
        for options in attempts:
            try:
                llf = float(model.fit(disp=False, **options).llf)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(llf):
                return llf
    return math.nan


def statsmodels_scan(y: np.ndarray, X_null: np.ndarray, X_alt: np.ndarray) -> np.ndarray:
    null = statsmodels_llf(y, X_null)
    """LR statistic at every candidate; NaN where a fit failed or the LR came out negative."""
    lr = np.array([2 * (statsmodels_llf(y, X) - null) for X in X_alt])
    return np.where(lr >= -1e-6, np.maximum(lr, 0.0), math.nan)


def compare(y: pd.Series) -> dict[str, float]:
    """Seconds of the statsmodels loop (scaled to 999) and of detect_break, and their LR gap."""
    positions = range(12, len(y) - 12 + 1)
    X_null = build_design(y.index).to_numpy()
    X_alt = scan_designs(y.index, positions)
    values = y.to_numpy(float)
    ours = detect_break(y, bootstrap=0)
    ref = statsmodels_scan(values, X_null, X_alt)
    failed = int(np.isnan(ref).sum())
    gap = float(np.nanmax(np.abs(ours.scan["lr"].to_numpy() - ref) / np.maximum(1.0, np.abs(ref))))
    null = CountModel(family="negbin").fit(y)
    mu = null.predict()["fitted"].to_numpy()
    alpha = max(1 / null.theta, 1e-3) if np.isfinite(null.theta) else 1e-3
    rng = np.random.default_rng(SEED + 1)
    sims = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu), size=(20, len(y))).astype(float)
    start = time.perf_counter()
    for row in sims:
        statsmodels_scan(row, X_null, X_alt)
    loop = (time.perf_counter() - start) / 20 * 999
    start = time.perf_counter()
    result = detect_break(y, bootstrap=999, seed=SEED)
    batched = time.perf_counter() - start
    return {"loop": loop, "ours": batched, "gap": gap, "failed": failed, "p": result.p_value,
            "break": str(result.break_month)}


def main() -> None:
    print("detect_break, 84 months, 61 candidate breaks, 999 bootstrap replicates (default "
          "latent AR(1) bootstrap), against a loop of statsmodels NB fits of every candidate "
          "(20 replicates timed, scaled to 999)")
    print(f"{'series':58} {'statsmodels':>12} {'trends':>8} {'ratio':>7} {'LR gap':>9}  result")
    for name, make in CASES.items():
        row = compare(make())
        ratio = row["loop"] / row["ours"]
        print(f"{name:58} {row['loop']:10.1f} s {row['ours']:6.2f} s {ratio:6.0f}x"
              f" {row['gap']:9.1e}  break {row['break']}, p = {row['p']:.3f}"
              + (f"; statsmodels failed on {row['failed']} candidates" if row["failed"] else ""))
    print("LR gap: largest relative difference between the observed scan statistics of the two, "
          "where statsmodels' fits succeeded (a failed fit: no finite likelihood, or a negative "
          "LR, impossible for nested models).")


if __name__ == "__main__":
    main()
