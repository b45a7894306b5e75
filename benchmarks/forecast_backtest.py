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

With --more, the same backtest of 49 other series from the same files
(more_series) is summarised: CRPS ratio and coverage, split by whether 10% or
more of the scored months are zero.

Usage: PYTHONPATH=. python benchmarks/forecast_backtest.py [--horizon 6] [--no-count-model]
       [--more]
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


def more_series() -> dict[str, pd.Series]:
    """Other series from the same files, not reported one by one (``--more``).

    Syria and Iraq from 2003, 2008, 2015 and 2021 and Iraq from 1989; from the GED
    file, incidents and killed_best of all actors in ten governorates and nationally,
    and of IS in the governorates not bundled above.
    """
    out: dict[str, pd.Series] = {}
    monthly = trends.read_monthly(COUNTRY_MONTH)
    for country in ("syria", "iraq"):
        y = trends.to_series(monthly, f"{country}_killed_best")
        for start in ("2003-01", "2008-01", "2015-01", "2021-01"):
            out[f"{country}_from_{start[:4]}"] = y[y.index >= pd.Period(start, "M")]
    out["iraq_from_1989"] = trends.to_series(monthly, "iraq_killed_best")
    incidents = trends.read_incidents(GED)
    everyone = trends.aggregate(incidents)
    islamic_state = trends.aggregate(incidents, actors=["IS"])
    regions = ["Aleppo", "Idlib", "Hama", "Damascus", "Rif Dimashq", "Daraa", "Al-Hasakah",
               "Latakia", "Homs", "Deir ez-Zor"]  # fmt: skip
    for measure in ("incidents", "killed_best"):
        out[f"all_national_{measure}"] = trends.to_series(everyone, measure)
        for region in regions:
            out[f"all_{region}_{measure}"] = trends.to_series(everyone, measure, region)
            if region not in GOVERNORATES.values() or measure == "killed_best":
                out[f"is_{region}_{measure}"] = trends.to_series(islamic_state, measure, region)
    return out


def summarise_more(horizon: int) -> None:
    """Ratio and coverage over :func:`more_series`, split by the share of zero months."""
    rows = []
    for name, y in more_series().items():
        fit = fit_ensemble(y, horizon)
        if fit.skill is None:
            continue
        checked = fit.online[fit.online["origin"] >= fit.skill.first_origin]
        sparse = float((y.iloc[FIRST_ORIGIN + LEARN_MONTHS :] == 0).mean()) >= 0.1
        rows.append({"series": name, "sparse": sparse, "ratio": fit.skill.ratio,
                     **{c: checked[c].mean() for c in checked.columns
                        if c.startswith(("covered_", "below_", "above_"))}})  # fmt: skip
    table = pd.DataFrame(rows)
    for sparse, part in table.groupby("sparse"):
        label = "with 10% or more zero months" if sparse else "with fewer zero months"
        print(
            f"{len(part)} more series {label}: CRPS ratio median {part['ratio'].median():.3f}, "
            f"largest {part['ratio'].max():.3f}, above 1 in {int((part['ratio'] > 1).sum())}; "
            f"coverage medians 80%: {part['covered_80'].median():.2f}, 95%: "
            f"{part['covered_95'].median():.2f}; in 0.75-0.85: "
            f"{int(part['covered_80'].between(0.75, 0.85).sum())}, in 0.92-0.97: "
            f"{int(part['covered_95'].between(0.92, 0.97).sum())}; mean shares below/above "
            f"the 80% bounds {part['below_80'].mean():.3f}/{part['above_80'].mean():.3f}, "
            f"95% {part['below_95'].mean():.3f}/{part['above_95'].mean():.3f}"
        )
    worst = table.dropna(subset=["ratio"]).sort_values("ratio").tail(5)
    print("largest ratios: " + ", ".join(f"{r.series} {r.ratio:.3f}" for r in worst.itertuples()))
    undefined = table.loc[table["ratio"].isna(), "series"].tolist()
    if undefined:
        print(f"no ratio (the best baseline forecast every month exactly): {', '.join(undefined)}")


def count_model_ratio(y: pd.Series, horizon: int, best: float) -> float:
    """CRPS of the count model over the same origins, divided by the best baseline's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = rolling_origin(
                y,
                {"count_model": count_model_forecaster()},
                horizon=horizon,
                min_train_months=FIRST_ORIGIN + LEARN_MONTHS,
                draws=1000,
                baselines=[],
            )
        except DataError:
            return float("nan")
    return float(result.forecasts["crps"].mean()) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--no-count-model", action="store_true")
    parser.add_argument("--more", action="store_true", help="also summarise more_series()")
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
    if args.more:
        summarise_more(args.horizon)


if __name__ == "__main__":
    main()
