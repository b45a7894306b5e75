"""Forest plot of rate ratios by region with the pooled estimate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import altair as alt
import pandas as pd

from trends.charts import theme
from trends.charts._data import check_frame, inline, labels, numbers, records
from trends.charts._hover import text_tooltips
from trends.errors import DataError, OptionError, SchemaError
from trends.lists import some_names

POOLED_LABEL = "All regions (pooled)"
"""Region name of the pooled row, drawn as a larger diamond at the bottom."""

_REQUIRED = ("region", "ratio", "ci_low", "ci_high")


def _drawable(row: dict[str, Any]) -> bool:
    return all(row[col] is not None and row[col] > 0 for col in _REQUIRED[1:])


def forest_plot(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    reference: float = 1.0,
    x_label: str = "Rate ratio (95% CI)",
    width: int = 480,
    height: int | None = None,
) -> alt.LayerChart:
    """Ratios with confidence intervals on a log axis, one row per region.

    Regions keep the table's order, top to bottom; the row named
    ``"All regions (pooled)"`` goes last and is drawn as a larger diamond in
    a different colour. A log scale cannot show a ratio or bound that is
    zero, missing or infinite: such rows are left out and named in the
    subtitle, so no region disappears silently.

    Parameters
    ----------
    table : DataFrame
        Columns ``region``, ``ratio``, ``ci_low``, ``ci_high`` and optionally
        ``p_value_adjusted`` (shown in the tooltip). Not modified.
    title, subtitle : str
        Chart title and optional subtitle.
    reference : float
        Where to draw the reference rule (no change), 1 by default.
    x_label : str
        X axis title, naming the ratio and the interval level.
    width : int
        Width of the plotting area in pixels.
    height : int, optional
        Height in pixels; by default 22 pixels per row.

    Returns
    -------
    altair.LayerChart
        A new chart.

    Examples
    --------
    >>> table = pd.DataFrame({"region": ["Homs", "All regions (pooled)"],
    ...     "ratio": [0.5, 0.7], "ci_low": [0.3, 0.6], "ci_high": [0.8, 0.8]})
    >>> spec = forest_plot(table, title="After versus before").to_dict()
    >>> spec["layer"][0]["encoding"]["x"]["datum"], spec["layer"][2]["encoding"]["x"]["scale"]
    (1.0, {'type': 'log'})

    """
    name = "forest_plot table"
    check_frame(table, _REQUIRED, name=name)
    if not (isinstance(reference, int | float) and math.isfinite(reference) and reference > 0):
        msg = f"reference must be a positive finite number for a log axis; got {reference!r}"
        raise OptionError(msg)
    regions = labels(table["region"], name=name, column="region")
    if len(set(regions)) != len(regions):
        twice = sorted({r for r in regions if regions.count(r) > 1})
        msg = f"{name}: region(s) {', '.join(map(repr, twice))} occur more than once"
        raise SchemaError(msg)
    columns: dict[str, Any] = {"region": regions}
    optional = ["p_value_adjusted"] if "p_value_adjusted" in table.columns else []
    for col in [*_REQUIRED[1:], *optional]:
        columns[col] = numbers(table[col], name=name, column=col, infinite_as_missing=True)
    columns["kind"] = ["Pooled" if r == POOLED_LABEL else "Region" for r in regions]
    rows = records(columns)
    rows.sort(key=lambda row: row["kind"] == "Pooled")  # stable: regions keep their order
    shown = [row for row in rows if _drawable(row)]
    left_out = [row["region"] for row in rows if not _drawable(row)]
    if not shown:
        msg = (
            f"{name}: no row has a positive, finite ratio and interval; "
            "a log-scale forest plot has nothing to draw"
        )
        raise DataError(msg)
    notes = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    if left_out:
        notes.append(
            "Not shown (ratio or interval zero, missing or infinite): "
            + some_names(left_out, where="")
        )
    order = [row["region"] for row in shown]

    y = alt.Y("region:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    x_scale = alt.Scale(type="log")
    kinds = alt.Scale(domain=["Region", "Pooled"], range=[theme.FITTED, theme.POOLED])
    items = [
        ("ratio", "Ratio", ".2f"),
        ("ci_low", "Lower bound", ".2f"),
        ("ci_high", "Upper bound", ".2f"),
    ]
    if optional:
        items.append(("p_value_adjusted", "Adjusted p-value", ".3~g"))
    calcs, tips = text_tooltips(items)
    tooltip = [alt.Tooltip("region:N", title="Region"), *tips]

    reference_rule = (
        alt.Chart(inline([{"reference": float(reference)}]))
        .mark_rule(color=theme.REFERENCE, strokeDash=[4, 3])
        .encode(x=alt.datum(float(reference)))
    )
    base = alt.Chart(inline(shown)).transform_calculate(**calcs)
    intervals = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=x_label, scale=x_scale),
        x2="ci_high:Q",
        y=y,
        color=alt.Color("kind:N", scale=kinds, legend=None),
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, opacity=1).encode(
        x=alt.X("ratio:Q", title=x_label, scale=x_scale),
        y=y,
        color=alt.Color("kind:N", scale=kinds, legend=None),
        shape=alt.Shape(
            "kind:N",
            scale=alt.Scale(domain=["Region", "Pooled"], range=["circle", "diamond"]),
            legend=None,
        ),
        size=alt.Size(
            "kind:O", scale=alt.Scale(domain=["Region", "Pooled"], range=[60, 160]), legend=None
        ),
        tooltip=tooltip,
    )
    size = alt.Step(22) if height is None else height
    chart = alt.layer(reference_rule, intervals, points)
    return cast(
        alt.LayerChart,
        chart.properties(title=theme.title_params(title, notes), width=width, height=size),
    )
