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
    tests: dict[str, dict[str, Any]] = {}
    if f.regions is not None:
        records_by_region = f.regions.table.set_index("region").to_dict(orient="index")
        tests = {
            str(k): {str(c): v for c, v in row.items()} for k, row in records_by_region.items()
        }
    records = []
    alerts = f.alerts if f.alerts is not None else pd.DataFrame(columns=["region"])
    if alerts["region"].nunique() == 2:  # one region: its row and the total are the same
        alerts = alerts[alerts["region"] != "All regions"]
    for row in alerts.to_dict(orient="records"):
        region = row["region"]
        series = (
            f.total if region == "All regions" else f.panel[f.panel["region"] == region][f.measure]
        )
        past = pd.Series(series.to_numpy()[-13:-1], dtype=float)
        test = tests.get(region, {})
        ci = [test.get("ci_low"), test.get("ci_high")]
        records.append(
            {
                "region": region,
                "this month": row["observed"],
                "mean of previous 12 months": past.mean() if len(past) else float("nan"),
                "expected": row["expected"],
                "lower threshold": row["lower_bound"],
                "alert threshold": row["upper_bound"],
                "alarm": row["direction"] if isinstance(row["direction"], str) else "no",
                "level ratio since break": test.get("level_ratio"),
                "95% CI": "" if ci[0] is None else f"{ci[0]:.2f}-{ci[1]:.2f}",
                "p (Holm)": test.get("p_value_holm"),
                "p (BH)": test.get("p_value_bh"),
            }
        )
    frame = pd.DataFrame(records)
    rows = [
        {
            "cells": [_fmt(v, 3 if k.startswith("p (") else 2) for k, v in r.items()],
            "flag": r["alarm"] != "no",
        }
        for r in records
    ]
    caption = (
        f"{f.measure} in {month_name(f.month)}; alarms (shaded: high above the alert "
        "threshold, low below the lower threshold) by the "
        f"{f.settings.alert_method} method; ratios and p-values from the per-region "
        "test of a change at the break month, adjusted for the number of regions"
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
        "The same test of a change at the break month on each death estimate",
        [str(c) for c in frame.columns],
        rows,
        frame=frame,
    )
