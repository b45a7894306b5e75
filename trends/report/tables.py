"""The tables of a report page, as rows of display text."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from trends.report.analysis import Findings
from trends.report.headlines import month_name

MAX_INCIDENT_ROWS = 30


@dataclass(frozen=True)
class Table:
    """A table ready for the template: header, rows of text cells, a caption."""

    name: str
    title: str
    caption: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    empty: str = "Nothing to show."
    csv: str = ""
    frame: pd.DataFrame | None = None


def _fmt(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def incidents_table(incidents: pd.DataFrame | None, f: Findings) -> Table | None:
    """The report month's incidents, largest first."""
    if incidents is None:
        return None
    now = incidents[incidents["month"] == f.month]
    now = now.sort_values(
        ["killed_best", "date_start", "incident_id"], ascending=[False, True, True], kind="stable"
    )
    frame = pd.DataFrame(
        {
            "date": now["date_start"].dt.strftime("%Y-%m-%d"),
            "precision": now["date_precision"],
            "region": now["region"],
            "place": now["subregion"],
            "actor 1": now["actor1"],
            "actor 2": now["actor2"],
            "killed (low)": now["killed_low"],
            "killed (best)": now["killed_best"],
            "killed (high)": now["killed_high"],
            "injured": now["injured"],
            "source": now["source"],
            "notes": now["notes"],
            "incident id": now["incident_id"],
        }
    ).reset_index(drop=True)
    shown = frame.head(MAX_INCIDENT_ROWS)
    rows = [
        {"cells": [_fmt(v) if not pd.isna(v) else "" for v in r], "flag": False}
        for r in shown.itertuples(index=False)
    ]
    more = len(frame) - len(shown)
    caption = f"{len(frame)} incidents in {month_name(f.month)}, largest death toll first"
    if more:
        caption += f"; the {MAX_INCIDENT_ROWS} largest are shown, all are in the CSV"
    return Table(
        "incidents",
        "This month's incidents",
        caption,
        list(frame.columns),
        rows,
        "No incidents this month.",
        frame=frame,
    )


def region_table(f: Findings) -> Table:
    """Per-region summary: this month against history, alerts and the change since the break."""
    tests: dict[str, Any] = {v.name: v for v in f.region_verdicts}
    if f.verdict is not None:
        tests["All regions"] = f.verdict
    records = []
    alerts = f.alerts if f.alerts is not None else pd.DataFrame(columns=["region"])
    if alerts["region"].nunique() == 2:  # one region: its row and the total are the same
        alerts = alerts[alerts["region"] != "All regions"]
        for region in alerts["region"]:
            tests.setdefault(str(region), f.verdict)
    for row in alerts.to_dict(orient="records"):
        region = row["region"]
        series = (
            f.total if region == "All regions" else f.panel[f.panel["region"] == region][f.measure]
        )
        past = pd.Series(series.to_numpy()[-13:-1], dtype=float)
        test = tests.get(region)
        ratio = test.level_ratio if test is not None else float("nan")
        ci = test.level_ratio_ci if test is not None else (float("nan"), float("nan"))
        records.append(
            {
                "region": region,
                "this month": row["observed"],
                "mean of previous 12 months": past.mean() if len(past) else float("nan"),
                "expected": row["expected"],
                "lower threshold": row["lower_bound"],
                "alert threshold": row["upper_bound"],
                "alarm": row["direction"] if isinstance(row["direction"], str) else "no",
                "since the break": test.verdict.replace("_", " ") if test is not None else "",
                "level ratio": ratio,
                "95% CI": "" if not math.isfinite(ci[0]) else f"{ci[0]:.2f}-{ci[1]:.2f}",
                "p": test.p_value if test is not None else float("nan"),
            }
        )
    frame = pd.DataFrame(records)
    rows = [
        {
            "cells": [_fmt(v, 3 if k == "p" else 2) for k, v in r.items()],
            "flag": r["alarm"] != "no",
        }
        for r in records
    ]
    caption = (
        f"{f.measure} in {month_name(f.month)}; alarms (shaded: high above the alert "
        "threshold, low below the lower threshold) by the "
        f"{f.settings.alert_method} method; since the break: each region's verdict, its "
        "level against the trend before (95% interval for the region alone) and the p-value "
        "of the question asked, Holm-adjusted for the number of regions (the all-regions "
        "row is not adjusted)"
    )
    return Table("regions", "Summary by region", caption, list(frame.columns), rows, frame=frame)


def sensitivity_table(f: Findings) -> Table | None:
    """The break test on the low, best and high death estimates side by side."""
    if f.sensitivity is None:
        return None
    frame = (
        f.sensitivity.reset_index(drop=False)
        if "measure" not in f.sensitivity.columns
        else f.sensitivity
    )
    rows = [
        {"cells": [_fmt(v, 3) for v in r], "flag": False} for r in frame.itertuples(index=False)
    ]
    return Table(
        "sensitivity",
        "Sensitivity to the casualty estimate",
        "The verdict's test, on the same months, for each death estimate",
        [str(c) for c in frame.columns],
        rows,
        frame=frame,
    )
