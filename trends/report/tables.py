"""The tables of a report page, as rows of display text."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from trends.measures import noun
from trends.options import METHOD_NAMES
from trends.report.analysis import Findings
from trends.resurgence.wording import SHORT_REASONS, flat_comparison, month_name, window_cut

MAX_INCIDENT_ROWS = 30
NOTE_CHARACTERS = 140
"""Notes longer than this are cut on the page (at a word) and given in full in the CSV."""


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
    widths: tuple[str, ...] = ()
    """CSS widths of the columns (empty: the browser's choice)."""


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
    rows = [_incident_row(r) for r in shown.to_dict(orient="records")]
    more = len(frame) - len(shown)
    caption = (f"{len(frame)} incidents in {month_name(f.month)}, largest death toll first; "
               f"long notes are cut at about {NOTE_CHARACTERS} characters (hover for the "
               "full text; the CSV has every column in full)")
    if more:
        caption += f"; the {MAX_INCIDENT_ROWS} largest are shown, all are in the CSV"
    return Table(
        "incidents",
        "This month's incidents",
        caption,
        ["date", "where", "sides", "killed: best (low-high)", "injured", "source", "notes",
         "incident id"],
        rows,
        "No incidents this month.",
        frame=frame,
        widths=("9%", "15%", "13%", "9%", "7%", "11%", "28%", "8%"),
    )


def _text(value: object) -> str:
    """A cell's text: blank for missing, whole numbers without decimals."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _fmt(value)


def shorten(text: str, limit: int = NOTE_CHARACTERS) -> str:
    """``text`` cut at a word near ``limit`` characters, with an ellipsis.

    Examples
    --------
    >>> shorten("one two three four", 9)
    'one two…'
    >>> shorten("short", 9)
    'short'

    """
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:") + "…"


def _incident_row(r: dict[Any, Any]) -> dict[str, Any]:
    """One incident as display cells: date with its precision, place, sides, deaths."""
    date = _text(r["date"])
    if _text(r["precision"]) not in ("", "day"):
        date = f"{date[:7] if r['precision'] != 'year' else date[:4]} ({r['precision']})"
    where = ": ".join(t for t in (_text(r["region"]), _text(r["place"])) if t)
    sides = " / ".join(t for t in (_text(r["actor 1"]), _text(r["actor 2"])) if t)
    best, low, high = (_text(r[f"killed ({k})"]) for k in ("best", "low", "high"))
    killed = best if low == high == best or not (low or high) else f"{best} ({low}-{high})"
    notes = _text(r["notes"])
    cells = [date, where, sides, killed, _text(r["injured"]),
             ", ".join(source_names(_text(r["source"]))), shorten(notes),
             _text(r["incident id"])]
    titles = [""] * len(cells)
    if len(notes) > NOTE_CHARACTERS:
        titles[6] = notes
    return {"cells": cells, "flag": False, "titles": titles}


def source_names(text: str) -> list[str]:
    """The sources of an incident, ``;``-separated, each once, in order.

    Examples
    --------
    >>> source_names("SOHR;SOHR; Airwars;")
    ['SOHR', 'Airwars']

    """
    return list(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))


def quoted_p(verdict: Any) -> float:
    """The p-value the verdict's sentence quotes.

    A change against the direction asked ("did not rise; they fell") is
    quoted with its two-sided p-value; every other verdict with its own.
    """
    return float(verdict.p_two_sided_against if verdict.against_direction else verdict.p_value)


def _since_break(test: Any) -> str:
    """A region's verdict in a few words, with the reason when it cannot tell."""
    if test is None:
        return ""
    words = {"no_change": "no detectable change"}.get(test.verdict,
                                                      str(test.verdict).replace("_", " "))
    if test.verdict != "cannot_tell":
        if window_cut(test) and test.test is not None:
            # a later change or break, or the cap, cut the months compared: the ratio is of these
            return f"{words} (the {test.test.n_after} months from then)"
        return words
    reasons = [SHORT_REASONS.get(flag.code, flag.code.replace("_", " "))
               for flag in test.flags if flag.blocks]
    return f"{words}: {'; '.join(dict.fromkeys(reasons))}" if reasons else words


def region_table(f: Findings) -> Table:
    """Per-region summary: this month against history, alerts and the change since the break.

    The last three columns come from the same verdicts as the headline.
    """
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
        told = test is not None and test.verdict != "cannot_tell"
        records.append(
            {
                "region": region,
                "this month": row["observed"],
                "mean of previous 12 months": past.mean() if len(past) else float("nan"),
                "expected": row["expected"],
                "lower bound": row["lower_bound"],
                "upper bound": row["upper_bound"],
                "alarm": row["direction"] if isinstance(row["direction"], str) else "no",
                "since the break": _since_break(test),
                "level ratio": ratio,
                "95% CI": "" if not math.isfinite(ci[0]) else f"{ci[0]:.2f}-{ci[1]:.2f}",
                "p": quoted_p(test) if told else float("nan"),
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
        f"{noun(f.measure).capitalize()} in {month_name(f.month)}; alarms (shaded: high above "
        "the upper bound, low below the lower bound) by the "
        f"{METHOD_NAMES.get(f.settings.alert_method, f.settings.alert_method)} method; "
        + ("a blank upper bound means fewer than 5 counts in the last 4 months, R's minimum "
           "for one" if f.settings.alert_method == "farrington"
           else "a blank bound could not be computed")
    )
    if f.settings.break_month:
        caption += (
            f"; since {month_name(f.settings.break_month)}: each region's verdict (the "
            "headline's), its level against the months before (their trend carried on, or "
            "their average level when they are too few; 95% interval for the region "
            "alone) and the p-value of the question asked"
            + (", Holm-adjusted for the number of regions (the all-regions row is not "
               "adjusted; no p-value where the verdict is cannot tell)" if len(records) > 1
               else " (none where the verdict is cannot tell)")
        )
        if "regions" in f.notes:
            caption += f"; regions {f.notes['regions']}"
    return Table("regions", "Summary by region", caption, list(frame.columns), rows, frame=frame,
                 widths=("11%", "7%", "9%", "8%", "8%", "8%", "6%", "17%", "7%", "11%", "8%"))


def sensitivity_table(f: Findings) -> Table | None:
    """The break test on the low, best and high death estimates side by side."""
    if f.sensitivity is None:
        if "sensitivity" not in f.notes:
            return None
        return Table("sensitivity", "Sensitivity to the casualty estimate", "", [], [],
                     f"Not computed: {f.notes['sensitivity']}.")
    frame = (
        f.sensitivity.reset_index(drop=False)
        if "measure" not in f.sensitivity.columns
        else f.sensitivity
    )
    # the excess is against what the verdict compares with: a trend, or the average level
    baseline = "level" if f.verdict is not None and flat_comparison(f.verdict) else "trend"
    rows = [
        {
            "cells": [
                noun(str(r["measure"])),
                _fmt(r["level ratio"]),
                f"{_fmt(r['95% CI low'])}-{_fmt(r['95% CI high'])}",
                _fmt(r["p (rise)"], 3),
                _fmt(r["p (fall)"], 3),
                f"{r['excess']:+,.0f}" if math.isfinite(r["excess"]) else "",
            ],
            "flag": False,
        }
        for r in frame.to_dict(orient="records")
    ]
    return Table(
        "sensitivity",
        "Sensitivity to the casualty estimate",
        "The verdict's test, with its months and model, for each death estimate: the level "
        "since the break against the months before (1 = no change) with its 95% interval, "
        "one-sided p-values for a rise and for a fall (the interval leaves out 1 on a side "
        "exactly when that side's p-value is below 0.025, not 0.05), and the deaths above (+) or "
        f"below (-) the {baseline} before, summed over the months compared",
        ["estimate", "level ratio", "95% CI", "p (rise)", "p (fall)", "excess deaths"],
        rows,
        frame=frame,
    )
