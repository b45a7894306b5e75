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


Ready = Callable[[frozenset[str], Findings], None]
"""Told each time more results are in: the analyses done (or not to be run) and the findings."""


def analyse(
    data: ReportData,
    month: pd.Period,
    settings: Analysis,
    *,
    only: Collection[str] = ANALYSES,
    progress: Progress | None = None,
    workers: Jobs | None = None,
    ready: Ready | None = None,
) -> Findings:
    """Run the report's analyses on the data as of ``month``.

    ``only`` names the analyses to run (default all, see :data:`ANALYSES`);
    ``progress`` hears of each as it starts; ``workers`` runs them side by
    side (:class:`trends.report.jobs.Jobs`; default: one after another, here).
    ``ready`` is called once the analyses are under way and again each time
    another result is in, with the names of :data:`ANALYSES` that are done
    (or will not be run) and the findings so far, so that a caller can draw
    what those results allow while the others are computed. None of them
    changes any result.
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
    run = _Run(workers or Jobs(workers=1), now, month, settings, wanted, total, regions,
               active, asked, by_region, progress, ready)
    return run.all(notes)


class _Run:
    """The analyses of one page: submitted at once, collected as the page can use them.

    Jobs are submitted longest first (the tail fit, the verdicts), with the
    quick ones that charts are drawn from just after the first verdict, so
    that their charts can be drawn while the verdicts run. Every result is
    the same whatever the order; notes are kept in the page's order.
    """

    def __init__(
        self, jobs: Jobs, now: ReportData, month: pd.Period, settings: Analysis,
        wanted: set[str], total: pd.Series, regions: dict[str, pd.Series],
        active: dict[str, pd.Series], asked: bool, by_region: bool, progress: Progress,
        ready: Ready | None,
    ) -> None:
        self.jobs, self.now, self.month, self.settings = jobs, now, month, settings
        self.total, self.regions, self.active = total, regions, active
        self.progress, self.ready = progress, ready
        incidents = now.incidents
        self.with_tail = "tail" in wanted and incidents is not None and len(incidents) > 0
        self.overall = asked and bool({"verdict", "sensitivity"} & wanted)
        self.by_region = by_region
        self.split_asked = (asked and "split" in wanted
                            and {"incidents", "killed_best"} <= set(now.panel.columns))
        self.wanted, self.asked = wanted, asked
        self.why: dict[str, str] = {}
        self.found: dict[str, Any] = {}
        # what each entry of ANALYSES waits for; the others are done from the start
        self.pending = {name for name, due in (
            ("verdict", self.overall), ("regions", by_region), ("alerts", "alerts" in wanted),
            ("alert_history", "alert_history" in wanted), ("forecast", "forecast" in wanted),
            ("tail", self.with_tail), ("split", self.split_asked),
            ("sensitivity", self.overall and "sensitivity" in wanted)) if due}

    def submit(self) -> None:
        settings, jobs = self.settings, self.jobs
        question = partial(assess, since=settings.break_month, direction=settings.direction,
                           bootstrap=settings.bootstrap, seed=settings.seed,
                           preliminary=settings.preliminary_from or None)
        incidents = self.now.incidents
        if self.with_tail:
            assert incidents is not None
            deaths = settings.measure if settings.measure.startswith("killed") else "killed_best"
            jobs.submit("tail", partial(fit_power_law, incidents[deaths], bootstrap=200,
                                        gof_bootstrap=200, seed=settings.seed))
        if self.overall:
            jobs.submit("verdict", partial(question, self.total,
                                           name=settings.scope_label or None))
        if "alert_history" in self.wanted:
            jobs.submit("alert_history", partial(alerts, self.total, None,
                                                 method=settings.alert_method,
                                                 **_alert_options(settings)))
        if "forecast" in self.wanted:
            jobs.submit("forecast", partial(forecast, self.total, settings.forecast_horizon,
                                            seed=settings.seed,
                                            preliminary=settings.preliminary_from or None))
        if self.split_asked:
            panel = self.now.panel
            by_month = panel.groupby("month", as_index=False)[["incidents", "killed_best"]].sum()
            jobs.submit("split", partial(
                decompose_change, by_month,
                before=(by_month["month"].iloc[0], str(pd.Period(settings.break_month) - 1)),
                after=(settings.break_month, str(self.month)), seed=settings.seed))
        for region, y in self.active.items() if self.by_region else ():
            jobs.submit(f"verdict {region}", partial(question, y, name=region))

    def collect(self, key: str, step: str) -> Any:
        self.progress.step(step)
        result, why = self.jobs.result(key)
        if why is not None:
            self.why[key] = why
        return result

    def done(self, name: str) -> None:
        """``name`` of ANALYSES is in: tell the caller."""
        self.pending.discard(name)
        self.tell()

    def tell(self) -> None:
        if self.ready is not None:
            self.ready(frozenset(ANALYSES) - self.pending, self.findings())

    def findings(self, notes: dict[str, str] | None = None) -> Findings:
        get = self.found.get
        return Findings(self.month, self.settings, self.total, self.now.panel, get("verdict"),
                        get("regions", ()), get("alerts"), get("alert_history"),
                        get("forecast"), get("tail"), get("split"), get("sensitivity"),
                        {} if notes is None else notes)

    def all(self, notes: dict[str, str]) -> Findings:
        """Submit, collect in the order the page can use the results, and return the findings."""
        settings = self.settings
        self.submit()
        if "alerts" in self.wanted:
            self.progress.step("alerts this month")
            self.found["alerts"] = _alerts(self.regions | {"All regions": self.total},
                                           self.month, settings, self.why)
            self.pending.discard("alerts")
        self.tell()
        if "alert_history" in self.wanted:
            self.found["alert_history"] = self.collect("alert_history", "alert history")
            self.done("alert_history")
        if "forecast" in self.wanted:
            self.found["forecast"] = self.collect("forecast", "forecast")
            self.done("forecast")
        spread_asked = False
        if self.overall:
            verdict = self.collect("verdict", f"verdict: {settings.scope_label or 'all regions'}")
            self.found["verdict"] = verdict
            test = verdict.test if verdict is not None else None
            spread_asked = (test is not None and "sensitivity" in self.wanted
                            and {"killed_low", "killed_high"} <= set(self.now.panel.columns))
            if spread_asked:
                self.jobs.submit("sensitivity", partial(_estimates, self.now.panel, test,
                                                        settings))
            else:
                self.pending.discard("sensitivity")
            self.done("verdict")
        if self.with_tail:
            self.found["tail"] = self.collect("tail", "deaths per incident")
            self.done("tail")
        elif "tail" in self.wanted:
            self.progress.step("deaths per incident")
        if self.by_region:
            found = []
            for region in self.active:
                one = self.collect(f"verdict {region}", f"verdict: {region}")
                if one is not None:
                    found.append(one)
            self.found["regions"] = tuple(adjust_for_regions(found))
            self.done("regions")
        if self.split_asked:
            self.found["split"] = self.collect("split", "more attacks or deadlier ones")
            self.done("split")
        elif self.asked and "split" in self.wanted:
            self.progress.step("more attacks or deadlier ones")
        if spread_asked:
            self.found["sensitivity"] = self.collect("sensitivity", "low, best and high estimates")
            self.done("sensitivity")
        elif self.asked and "sensitivity" in self.wanted:
            self.progress.step("low, best and high estimates")
        # the notes in the page's order, whatever the order the results came in
        order = ["verdict", *(f"verdict {r}" for r in self.active), "alerts", "alert_history",
                 "forecast", "tail", "split", "sensitivity"]
        notes.update((key, self.why[key]) for key in order if key in self.why)
        return self.findings(notes)


def _estimates(panel: pd.DataFrame, test: Any, settings: Analysis) -> pd.DataFrame:
    """The verdict's test (its months and model) for the low, best and high death estimates."""
    frame = panel.groupby("month", as_index=False)[
        ["killed_low", "killed_best", "killed_high"]].sum()
    rows = []
    for measure in ("killed_low", "killed_best", "killed_high"):
        y = pd.Series(frame[measure].to_numpy(dtype=float),
                      index=pd.PeriodIndex(frame["month"], freq="M"), name=measure)
        one = level_change(y, test.break_month, start=test.start, end=test.end,
                           harmonics=test.harmonics, trend=test.trend,
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
    """The report month's alerts of every region and of the total; a note names any left out."""
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
