"""Backtest the default forecaster on every bundled series and one hostile series.

For each series the nested rolling-origin backtest of trends.forecast.ensemble
runs over the whole series: at every origin from month 24 on, the mixture
weights are chosen from earlier months only, the next 6 months are forecast and
scored. Printed per series: the mean CRPS of the default forecaster, of the
best baseline over the same targets (chosen after the fact, which favours the
baseline), their ratio (below 1: the default is better), the 50/80/95%
interval coverage, the share of scored forecasts below the 80% and 95% lower
bounds and above the upper ones, and the count model's CRPS ratio over the
same origins (trends.forecast.rolling_origin, 1000 draws). Then the coverage
pooled over the series, and the time of one forecast() call (default vs count
model) on the longest series.

Series: Syria and Iraq monthly UCDP deaths (country-month file) from 2012-01
and from 2019-01; from the GED file with actor IS, national incidents and
killed_best, and incidents in Deir ez-Zor, Homs and Ar-Raqqah (read with
trends.read_incidents, trends.aggregate, trends.to_series); and a hostile
240-month series with two long zero runs and one month of 40,000.

Usage: PYTHONPATH=. python benchmarks/forecast_backtest.py [--horizon 6] [--no-count-model]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import trends
from trends.errors import DataError
from trends.forecast import (
    BASELINES,
    count_model_forecaster,
    fit_ensemble,
    forecast,
    rolling_origin,
)
from trends.forecast.skill import FIRST_ORIGIN, LEARN_MONTHS

DATA = Path(__file__).resolve().parents[1] / "data"
COUNTRY_MONTH = DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
GED = DATA / "ucdp_ged_syria_2016-01_2019-11.csv.gz"
GOVERNORATES = {"deir_ez_zor": "Deir ez-Zor", "homs": "Homs", "raqqa": "Ar-Raqqah"}


def hostile_series() -> pd.Series:
    """240 months: NB counts (theta 1, mean 8), zero runs of 36 and 51 months, one of 40,000."""
    rng = np.random.default_rng(20260301)
    values = rng.negative_binomial(1.0, 1.0 / 9.0, 240)
    values[30:66] = 0
    values[120:171] = 0
    values[100] = 40_000
    index = pd.period_range("2006-01", periods=240, freq="M")
    return pd.Series(values, index=index, name="hostile")


def bundled_series() -> dict[str, pd.Series]:
    """The bundled series the forecaster is measured on, by name."""
    out: dict[str, pd.Series] = {}
    monthly = trends.read_monthly(COUNTRY_MONTH)
    for country in ("syria", "iraq"):
        y = trends.to_series(monthly, f"{country}_killed_best")
        for start in ("2012-01", "2019-01"):
            out[f"{country}_killed_from_{start[:4]}"] = y[y.index >= pd.Period(start, "M")]
    panel = trends.aggregate(trends.read_incidents(GED), actors=["IS"])
    out["is_national_incidents"] = trends.to_series(panel, "incidents")
    out["is_national_killed"] = trends.to_series(panel, "killed_best")
    for key, region in GOVERNORATES.items():
        out[f"is_{key}_incidents"] = trends.to_series(panel, "incidents", region)
    out["hostile_spike_zero_runs"] = hostile_series()
    return out


def count_model_ratio(y: pd.Series, horizon: int, best: float) -> float:
    """CRPS of the count model over the same origins, divided by the best baseline's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = rolling_origin(
                y,
                {"count_model": count_model_forecaster()},
                horizon=horizon,
                min_train=FIRST_ORIGIN + LEARN_MONTHS,
                n_draws=1000,
                baselines=[],
            )
        except DataError:
            return float("nan")
    return float(result.forecasts["crps"].mean()) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--no-count-model", action="store_true")
    args = parser.parse_args()
    series = bundled_series()
    print(f"horizons 1-{args.horizon}; scored origins: month {FIRST_ORIGIN + LEARN_MONTHS} on")
    print(
        f"{'series':28s} {'months':>6s} {'origins':>7s} {'CRPS':>9s} {'best baseline':>24s} "
        f"{'ratio':>6s} {'cov50':>6s} {'cov80':>6s} {'cov95':>6s} {'lo/hi80':>11s} "
        f"{'lo/hi95':>11s} {'count':>6s}"
    )
    pooled = []
    for name, y in series.items():
        fit = fit_ensemble(y, args.horizon)
        s = fit.skill
        if s is None:
            print(f"{name:28s} {len(y):6d}  cannot tell: {fit.warning}")
            continue
        best = s.baseline_crps[s.best_baseline]
        count = float("nan") if args.no_count_model else count_model_ratio(y, args.horizon, best)
        checked = fit.online[fit.online["origin"] >= s.first_origin]
        pooled.append(checked[[f"{side}_{lv}" for side in ("covered", "below", "above")
                               for lv in (50, 80, 95)]])  # fmt: skip
        sides = {
            level: f"{checked[f'below_{level}'].mean():.3f}/{checked[f'above_{level}'].mean():.3f}"
            for level in (80, 95)
        }
        print(
            f"{name:28s} {len(y):6d} {s.n_origins:7d} {s.crps:9.4g} "
            f"{s.best_baseline + f' {best:.4g}':>24s} {s.ratio:6.3f} "
            f"{s.coverage['50']:6.2f} {s.coverage['80']:6.2f} {s.coverage['95']:6.2f} "
            f"{sides[80]:>11s} {sides[95]:>11s} {count:6.3f}"
        )
    every = pd.concat(pooled)
    print(
        "pooled over all series and targets: coverage "
        + ", ".join(f"{lv}%: {every[f'covered_{lv}'].mean():.3f}" for lv in (50, 80, 95))
        + "; below/above the 80% and 95% bounds "
        + ", ".join(
            f"{every[f'below_{lv}'].mean():.3f}/{every[f'above_{lv}'].mean():.3f}"
            for lv in (80, 95)
        )
        + f" ({len(every)} forecasts)"
    )
    longest = max(series.values(), key=len)
    timings = {}
    for method in ("auto", "count_model"):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecast(longest, args.horizon, method=method)  # type: ignore[arg-type]
        timings[method] = time.perf_counter() - start
    print(
        f"one forecast() of {longest.name} ({len(longest)} months): "
        f"default {timings['auto']:.2f} s, count model {timings['count_model']:.3f} s "
        f"(ratio {timings['auto'] / timings['count_model']:.0f}x)"
    )
    print(f"baselines: {', '.join(BASELINES)}")


if __name__ == "__main__":
    main()
