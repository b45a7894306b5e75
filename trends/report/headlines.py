"""Headline findings as sentences, each with its numbers and its interval."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from trends.measures import noun
from trends.report.analysis import Findings


def month_name(month: object) -> str:
    """'November 2023' for 2023-11.

    Examples
    --------
    >>> month_name("2023-11")
    'November 2023'
    """
    return pd.Period(str(month), freq="M").strftime("%B %Y")


def ratio(value: Any, interval: Any) -> str:
    """A rate ratio with its 95% interval, e.g. '1.52x (95% CI 1.01-2.38)'."""
    low, high = interval
    return f"{value:.2f}x (95% CI {_num(low)}-{_num(high)})"


def _num(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def p_text(p: float) -> str:
    """A p-value as a reader should see it."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _regions_outside(alerts: pd.DataFrame) -> str:
    """Which regions were above their upper bound and which below their lower bound."""
    regions = alerts[alerts["region"] != "All regions"]
    high = regions[regions["alarm_high"].astype(bool)]["region"]
    low = regions[regions["alarm_low"].astype(bool)]["region"]
    parts = []
    if len(high):
        parts.append("Regions above their upper alert threshold: " + ", ".join(high) + ".")
    if len(low):
        parts.append("Regions below their lower alert threshold: " + ", ".join(low) + ".")
    return " ".join(parts) or "No region was above its upper or below its lower alert threshold."


def headlines(f: Findings, scope: str) -> list[str]:
    """The sentences at the top of a report page: the verdict first, then its evidence."""
    what = noun(f.measure)
    out = []
    if f.verdict is not None:
        out.append(f.verdict.sentence)
        out += list(f.verdict.evidence)
    elif f.settings.break_month and "verdict" in f.notes:
        out.append(f"The change since {month_name(f.settings.break_month)} could not be "
                   f"assessed: {f.notes['verdict']}")
    if f.region_verdicts:
        out.append(_region_verdicts(f))
    if f.alerts is not None and len(f.alerts):
        total = f.alerts[f.alerts["region"] == "All regions"].iloc[0]
        sentence = f"{month_name(f.month)}: {total['observed']} {what} ({scope})"
        if math.isfinite(total["expected"]):
            sentence += (
                f", against {total['expected']:.0f} expected from its own history: "
                f"{total['verdict']}."
            )
        else:
            sentence += "."
        out.append(sentence)
        if f.alerts["region"].nunique() > 2:
            out.append(_regions_outside(f.alerts))
    if f.forecast is not None:
        row = f.forecast.tidy().iloc[0]
        out.append(
            f"Expected in {month_name(row['month'])}: {row['median']:.0f} {what} "
            f"(80% interval {row['lo80']:.0f}-{row['hi80']:.0f})."
        )
    if f.split is not None:
        out.append(f.split.interpretation)
    if f.tail is not None:
        t = f.tail
        out.append(
            f"Deaths per incident are heavy-tailed: above {t.xmin} deaths they follow a power "
            f"law with exponent {t.alpha:.2f} (95% CI {_num(t.alpha_ci[0] if t.alpha_ci else None)}"
            f"-{_num(t.alpha_ci[1] if t.alpha_ci else None)}; {t.n_tail} incidents in the tail)."
        )
    return out


def _region_verdicts(f: Findings) -> str:
    """Which regions rose, fell, did not change or could not be told, by their verdicts."""
    words = {"rise": "rose", "fall": "fell", "no_change": "no detectable change",
             "cannot_tell": "cannot tell"}
    groups: dict[str, list[str]] = {}
    for v in f.region_verdicts:
        groups.setdefault(v.verdict, []).append(v.name)
    tested = max((v.regions_tested for v in f.region_verdicts), default=1)
    parts = [f"{words[k]}: {', '.join(groups[k])}" for k in words if k in groups]
    return (f"By region, since {month_name(f.settings.break_month)} (p-values Holm-adjusted for "
            f"{tested} regions): " + "; ".join(parts) + ".")
