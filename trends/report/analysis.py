"""The analyses behind a report page, each one allowed to be impossible.

A report must still be written when, say, a region has too little history
for the Farrington method: each analysis either gives its result or a note
saying why it could not be run, and the page shows the note.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from trends.alerts import AlertResult, alerts
from trends.decompose import DecompositionResult, decompose_change
from trends.errors import DataError, ModelWarning, OptionError, TrendsError
from trends.forecast import ForecastResult, forecast
from trends.minimums import MIN_REGION_ACTIVE_MONTHS
from trends.monthly import to_series
from trends.report.data import ReportData
from trends.report.definition import Analysis
from trends.report.jobs import Jobs
from trends.report.progress import Progress, Silent
from trends.resurgence.level import level_change
from trends.resurgence.multiplicity import adjust_for_regions
from trends.resurgence.verdict import Assessment, assess
from trends.severity import PowerLawResult, fit_power_law

T = TypeVar("T")
MIN_ACTIVE_MONTHS = MIN_REGION_ACTIVE_MONTHS


@dataclass(frozen=True)
class Findings:
    """Results of every analysis of one report month, and notes on what could not be run."""

    month: pd.Period
    settings: Analysis
    total: pd.Series
    panel: pd.DataFrame
    verdict: Assessment | None = None
    region_verdicts: tuple[Assessment, ...] = ()
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


ANALYSES = ("verdict", "regions", "alerts", "alert_history", "forecast", "tail", "split",
            "sensitivity")
"""Every analysis of a page; :func:`analyse` can run a few of them only."""


def analyse(
    data: ReportData,
    month: pd.Period,
    settings: Analysis,
    *,
    only: Collection[str] = ANALYSES,
    progress: Progress | None = None,
    workers: Jobs | None = None,
) -> Findings:
    """Run the report's analyses on the data as of ``month``.

    ``only`` names the analyses to run (default all, see :data:`ANALYSES`);
    ``progress`` hears of each as it starts; ``workers`` runs them side by
    side (:class:`trends.report.jobs.Jobs`; default: one after another, here).
    None of them changes any result.
    """
    progress = progress or Silent()
    wanted = set(only)
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
    asked = bool(settings.break_month)
    by_region = asked and "regions" in wanted and len(active) > 1
    progress.add(sum([asked and bool({"verdict", "sensitivity"} & wanted), "alerts" in wanted,
                      "alert_history" in wanted, "forecast" in wanted, "tail" in wanted,
                      asked and "split" in wanted, asked and "sensitivity" in wanted])
                 + (len(active) if by_region else 0))
    return _run(workers or Jobs(workers=1), now, month, settings, wanted, notes, total, regions,
                active, asked, by_region, progress)


def _run(
    jobs: Jobs, now: ReportData, month: pd.Period, settings: Analysis,
    wanted: set[str], notes: dict[str, str], total: pd.Series, regions: dict[str, pd.Series],
    active: dict[str, pd.Series], asked: bool, by_region: bool, progress: Progress,
) -> Findings:
    """Submit every analysis to ``jobs``, then collect them in page order."""
    measure = settings.measure
    incidents = now.incidents
    deaths = measure if measure.startswith("killed") else "killed_best"
    question = partial(assess, since=settings.break_month, direction=settings.direction,
                       bootstrap=settings.bootstrap, seed=settings.seed)
    overall = asked and bool({"verdict", "sensitivity"} & wanted)
    # the longest first, so that no worker is left with a long one at the end
    if "tail" in wanted and incidents is not None and len(incidents):
        jobs.submit("tail", partial(fit_power_law, incidents[deaths], bootstrap=200,
                                    gof_bootstrap=200, seed=settings.seed))
    if overall:
        jobs.submit("verdict", partial(question, total, name=settings.scope_label or None))
    for region, y in active.items() if by_region else ():
        jobs.submit(f"verdict {region}", partial(question, y, name=region))
    if "alert_history" in wanted:
        jobs.submit("alert_history", partial(alerts, total, None, method=settings.alert_method,
                                             **_alert_options(settings)))
    if "forecast" in wanted:
        jobs.submit("forecast", partial(forecast, total, settings.forecast_horizon,
                                        seed=settings.seed))
    split_asked = (asked and "split" in wanted
                   and {"incidents", "killed_best"} <= set(now.panel.columns))
    if split_asked:
        by_month = now.panel.groupby("month", as_index=False)[["incidents", "killed_best"]].sum()
        jobs.submit("split", partial(
            decompose_change, by_month,
            before=(by_month["month"].iloc[0], str(pd.Period(settings.break_month) - 1)),
            after=(settings.break_month, str(month)), seed=settings.seed))

    def collect(key: str) -> Any:
        result, why = jobs.result(key)
        if why is not None:
            notes[key] = why
        return result

    verdict: Assessment | None = None
    region_verdicts: tuple[Assessment, ...] = ()
    if overall:
        progress.step(f"verdict: {settings.scope_label or 'all regions'}")
        verdict = collect("verdict")
    test = verdict.test if verdict is not None else None
    spread_asked = (test is not None and "sensitivity" in wanted
                    and {"killed_low", "killed_high"} <= set(now.panel.columns))
    if spread_asked:
        jobs.submit("sensitivity", partial(_estimates, now.panel, test, settings))
    if by_region:
        found = []
        for region in active:
            progress.step(f"verdict: {region}")
            one = collect(f"verdict {region}")
            if one is not None:
                found.append(one)
        region_verdicts = tuple(adjust_for_regions(found))
    alert_rows: pd.DataFrame | None = None
    if "alerts" in wanted:
        progress.step("alerts this month")
        alert_rows = _alerts(regions | {"All regions": total}, month, settings, notes)
    alert_history: AlertResult | None = None
    if "alert_history" in wanted:
        progress.step("alert history")
        alert_history = collect("alert_history")
    predicted: ForecastResult | None = None
    if "forecast" in wanted:
        progress.step("forecast")
        predicted = collect("forecast")
    tail: PowerLawResult | None = None
    if "tail" in wanted:
        progress.step("deaths per incident")
        if incidents is not None and len(incidents):
            tail = collect("tail")
    split: DecompositionResult | None = None
    if asked and "split" in wanted:
        progress.step("more attacks or deadlier ones")
        if split_asked:
            split = collect("split")
    spread = None
    if asked and "sensitivity" in wanted:
        progress.step("low, best and high estimates")
    if spread_asked:
        spread = collect("sensitivity")
    return Findings(
        month,
        settings,
        total,
        now.panel,
        verdict,
        region_verdicts,
        alert_rows,
        alert_history,
        predicted,
        tail,
        split,
        spread,
        notes,
    )


def _estimates(panel: pd.DataFrame, test: Any, settings: Analysis) -> pd.DataFrame:
    """The verdict's test, on its own months, for the low, best and high death estimates."""
    frame = panel.groupby("month", as_index=False)[
        ["killed_low", "killed_best", "killed_high"]].sum()
    rows = []
    for measure in ("killed_low", "killed_best", "killed_high"):
        y = pd.Series(frame[measure].to_numpy(dtype=float),
                      index=pd.PeriodIndex(frame["month"], freq="M"), name=measure)
        one = level_change(y, test.break_month, start=test.start, end=test.end,
                           bootstrap=settings.bootstrap, seed=settings.seed, slope=False)
        low, high = one.level_ratio_ci
        rows.append({"measure": measure, "level ratio": one.level_ratio, "95% CI low": low,
                     "95% CI high": high, "p (rise)": one.level.p_rise,
                     "p (fall)": one.level.p_fall, "excess": one.excess})
    return pd.DataFrame(rows)


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
