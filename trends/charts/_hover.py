"""Month-wide tooltip targets and null-safe tooltip text.

Vega shows one tooltip for a whole line or area (that of its first point),
so a per-month tooltip on those marks would name the wrong month. Each chart
with lines or bands therefore gets a transparent bar per month, on top, from
zero to the highest value drawn in that month, carrying the month's
tooltip. It is placed in data units, not pixels, so the chart still works
when a user resizes it or puts it in a concatenation.

d3's ``format`` turns a missing value into ``0``; a briefing must never
read a missing number as zero, so tooltip values are formatted by a
``calculate`` transform that shows missing values as a dash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import altair as alt

from trends.charts import theme

MISSING_TEXT = "\u2013"  # en dash
"""What a tooltip shows for a missing value."""

HOVER_FIELD = "hover_top"
"""Field holding the top of each month's tooltip target."""


def text_tooltips(
    items: Sequence[tuple[str, str, str]],
) -> tuple[dict[str, str], list[alt.Tooltip]]:
    """Return calculate expressions and tooltips for ``(field, title, d3 format)`` items.

    Examples
    --------
    >>> calcs, tips = text_tooltips([("observed", "Observed", ",.0f")])
    >>> calcs["observed_text"].startswith('isValid(datum["observed"]) ? format(')
    True

    """
    calcs: dict[str, str] = {}
    tips: list[alt.Tooltip] = []
    for field, title, fmt in items:
        name = f"{field}_text"
        ref = f"datum[{json.dumps(field)}]"
        missing = json.dumps(MISSING_TEXT, ensure_ascii=False)
        calcs[name] = f"isValid({ref}) ? format({ref}, {json.dumps(fmt)}) : {missing}"
        tips.append(alt.Tooltip(f"{name}:N", title=title))
    return calcs, tips


def add_hover_top(rows: list[dict[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Return copies of ``rows`` with ``hover_top``: the largest non-missing of ``fields``."""
    out = []
    for row in rows:
        present = [row[f] for f in fields if row.get(f) is not None]
        out.append({**row, HOVER_FIELD: max(present) if present else None})
    return out


def hover_column(
    items: Sequence[tuple[str, str, str]],
    *,
    measure_label: str,
    leading: Sequence[alt.Tooltip] = (),
    data: alt.InlineData | None = None,
) -> alt.Chart:
    """Transparent bar per month from 0 to ``hover_top`` carrying the month's tooltip.

    Examples
    --------
    >>> spec = hover_column([("observed", "Observed", ",.0f")], measure_label="Count").to_dict()
    >>> spec["mark"]
    {'type': 'bar', 'opacity': 0}

    """
    calcs, tips = text_tooltips(items)
    chart = alt.Chart() if data is None else alt.Chart(data)
    return (
        chart.transform_calculate(**calcs)
        .mark_bar(opacity=0)
        .encode(
            x=theme.month_x(),
            y=alt.Y(f"{HOVER_FIELD}:Q", title=measure_label),
            tooltip=[theme.month_tooltip(), *leading, *tips],
        )
    )
