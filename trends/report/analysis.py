"""The analyses behind a report page, each one allowed to be impossible.

A report must still be written when, say, a region has too little history
for the Farrington method: each analysis either gives its result or a note
saying why it could not be run, and the page shows the note.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from trends.alerts import AlertResult, alerts
from trends.decompose import DecompositionResult, decompose_change
from trends.errors import DataError, ModelWarning, OptionError, TrendsError
from trends.forecast import ForecastResult, forecast
from trends.monthly import to_series
from trends.report.data import ReportData
from trends.report.definition import Analysis
from trends.resurgence import (
    BreakScanResult,
    ITSResult,
    RegionTestResult,
    detect_break,
    its_test,
    sensitivity,
)
from trends.resurgence import test_regions as regions_test
from trends.severity import PowerLawResult, fit_power_law

T = TypeVar("T")
MIN_ACTIVE_MONTHS = 12


@dataclass(frozen=True)
class Findings:
    """Results of every analysis of one report month, and notes on what could not be run."""

    month: pd.Period
    settings: Analysis
    total: pd.Series
    panel: pd.DataFrame
    its: ITSResult | None = None
    regions: RegionTestResult | None = None
    scan: BreakScanResult | None = None
    alerts: pd.DataFrame | None = None
    alert_history: AlertResult | None = None
    forecast: ForecastResult | None = None
    tail: PowerLawResult | None = None
    split: DecompositionResult | None = None
    sensitivity: pd.DataFrame | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def measure(self) -> str:
        """The measure analysed."""
        return self.settings.measure


def attempt(notes: dict[str, str], key: str, run: Callable[[], T]) -> T | None:
    """Run one analysis; on a data or option problem record why, and return None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return run()
    except (DataError, OptionError, TrendsError) as err:
        notes[key] = str(err)
        return None


def analyse(data: ReportData, month: pd.Period, settings: Analysis) -> Findings:
    """Run the report's analyses on the data as of ``month``."""
    now = data.as_of(month)
    measure = settings.measure
    total = to_series(now.panel, measure)
    notes: dict[str, str] = {}
    regions = {r: to_series(now.panel, measure, r) for r in now.regions}
    active = {r: y for r, y in regions.items() if int((y > 0).sum()) >= MIN_ACTIVE_MONTHS}
    if len(active) < len(regions):
        quiet = sorted(set(regions) - set(active))
        notes["regions"] = (
            f"not tested (fewer than {MIN_ACTIVE_MONTHS} months with any {measure}): "
            + ", ".join(quiet)
        )
    its = regions_result = split = None
    if settings.break_month:
        its = attempt(
            notes,
            "its",
            lambda: its_test(
                total,
                settings.break_month,
                family=settings.family,
                alternative=settings.alternative,
                bootstrap=settings.bootstrap,
                seed=settings.seed,
            ),
        )
        if len(active) > 1:
            regions_result = attempt(
                notes,
                "regions_test",
                lambda: regions_test(
                    active,
                    settings.break_month,
                    alternative=settings.alternative,
                    bootstrap=settings.bootstrap,
                    seed=settings.seed,
                ),
            )
    scan = attempt(
        notes, "scan", lambda: detect_break(total, bootstrap=settings.bootstrap, seed=settings.seed)
    )
    alert_rows = _alerts(regions | {"All regions": total}, month, settings, notes)
    alert_history = attempt(
        notes,
        "alert_history",
        lambda: alerts(
            total,
            None,
            method=settings.alert_method,
            **_alert_options(settings),
        ),
    )
    predicted = attempt(
        notes, "forecast", lambda: forecast(total, settings.forecast_horizon, seed=settings.seed)
    )
    tail = None
    incidents = now.incidents
    if incidents is not None and len(incidents):
        deaths = measure if measure.startswith("killed") else "killed_best"
        tail = attempt(
            notes,
            "tail",
            lambda: fit_power_law(
                incidents[deaths],
                bootstrap_replicates=200,
                gof_replicates=200,
                seed=settings.seed,
            ),
        )
    if settings.break_month and {"incidents", "killed_best"} <= set(now.panel.columns):
        by_month = now.panel.groupby("month", as_index=False)[["incidents", "killed_best"]].sum()
        split = attempt(
            notes,
            "split",
            lambda: decompose_change(
                by_month,
                before=(by_month["month"].iloc[0], str(pd.Period(settings.break_month) - 1)),
                after=(settings.break_month, str(month)),
                seed=settings.seed,
            ),
        )
    spread = None
    if settings.break_month and {"killed_low", "killed_high"} <= set(now.panel.columns):
        frame = now.panel.groupby("month", as_index=False)[
            ["killed_low", "killed_best", "killed_high"]
        ].sum()
        frame.index = pd.PeriodIndex(frame.pop("month"), freq="M")
        spread = attempt(
            notes,
            "sensitivity",
            lambda: sensitivity(frame, settings.break_month, family=settings.family),
        )
    return Findings(
        month,
        settings,
        total,
        now.panel,
        its,
        regions_result,
        scan,
        alert_rows,
        alert_history,
        predicted,
        tail,
        split,
        spread,
        notes,
    )


def _alert_options(settings: Analysis) -> dict[str, Any]:
    if settings.alert_method != "farrington":
        return {}
    return {"years_back": settings.alert_years_back, "window_half_width": settings.alert_window}


def _alerts(
    series: dict[str, pd.Series], month: pd.Period, settings: Analysis, notes: dict[str, str]
) -> pd.DataFrame:
    rows = []
    for region, y in series.items():
        local: dict[str, str] = {}
        result = attempt(
            local,
            region,
            partial(
                alerts, y, [str(month)], method=settings.alert_method, **_alert_options(settings)
            ),
        )
        if result is None:
            rows.append(
                {
                    "region": region,
                    "observed": int(y.iloc[-1]),
                    "expected": np.nan,
                    "upper_bound": np.nan,
                    "alarm": False,
                    "lower_bound": np.nan,
                    "alarm_low": False,
                    "alarm_high": False,
                    "direction": None,
                    "verdict": "cannot tell: " + local[region],
                    "note": local[region],
                }
            )
            continue
        row = result.tidy().iloc[-1]
        rows.append(
            {
                "region": region,
                "observed": int(row["observed"]),
                "expected": float(row["expected"]),
                "upper_bound": float(row["upper_bound"]),
                "alarm": bool(row["alarm"]),
                "lower_bound": float(row["lower_bound"]),
                "alarm_low": bool(row["alarm_low"]),
                "alarm_high": bool(row["alarm_high"]),
                "direction": row["direction"],
                "verdict": str(row["verdict"]),
                "note": "",
            }
        )
    missing = [str(r["region"]) for r in rows if r["note"]]
    if missing:
        first = next(str(r["note"]) for r in rows if r["note"])
        notes["alerts"] = f"no alert threshold for {', '.join(missing)}: {first}"
    return pd.DataFrame(rows)
