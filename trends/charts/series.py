"""One monthly series with its fitted trend and, after a break, its counterfactual."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import altair as alt
import pandas as pd

from trends._deprecate import renamed_keywords
from trends.charts import theme
from trends.charts._data import (
    check_frame,
    check_unique_months,
    inline,
    month_strings,
    numbers,
    records,
)
from trends.charts._hover import HOVER_FIELD, add_hover_top, hover_column
from trends.charts._scale import band_cut, cut_note, y_scale
from trends.errors import OptionError, SchemaError

_REQUIRED = ("month", "observed", "fitted", "fitted_low", "fitted_high")
_COUNTERFACTUAL = ("counterfactual", "counterfactual_low", "counterfactual_high")

OBSERVED_LABEL = "Observed"
FITTED_LABEL = "Fitted trend"
COUNTERFACTUAL_LABEL = "Counterfactual (no break)"


def break_layers(break_month: str) -> list[alt.Chart]:
    """A dotted rule at the start of ``break_month`` labelled ``"break: YYYY-MM"``."""
    data = inline([{"month": break_month, "label": f"break: {break_month}"}])
    x = theme.month_x(band_position=0)
    rule = (
        alt.Chart(data)
        .mark_rule(color=theme.REFERENCE, strokeDash=[2, 2])
        .encode(x=x, tooltip=[alt.Tooltip("label:N", title="Break")])
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", baseline="top", dx=4, dy=2, color=theme.REFERENCE)
        .encode(x=x, y=alt.value(0), text="label:N")
    )
    return [rule, text]


def preliminary_layers(preliminary: str | None, first: str, last: str) -> list[alt.Chart]:
    """A light band over the preliminary months of a chart of ``first`` to ``last``, labelled.

    ``preliminary`` is the first preliminary month ("YYYY-MM"); the band runs
    from it (or from ``first``, labelled "preliminary: every month shown") to
    the end of ``last``. Returns the band and its label, to draw under and over
    the data; none when ``preliminary`` is None or after ``last``.

    Examples
    --------
    >>> band, text = preliminary_layers("2025-01", "2024-03", "2026-02")
    >>> [row["end"] for rows in band.to_dict()["datasets"].values() for row in rows]
    ['2026-03']
    >>> preliminary_layers("2027-01", "2024-03", "2026-02")
    []

    """
    if preliminary is None or preliminary > last:
        return []
    start = max(preliminary, first)
    label = (f"preliminary from {start}" if start == preliminary
             else "preliminary: every month shown")
    end = str(pd.Period(last, freq="M") + 1)
    data = inline([{"month": start, "end": end, "label": label}])
    band = (
        alt.Chart(data)
        .mark_rect(color=theme.REFERENCE, opacity=0.1)
        .encode(x=theme.month_x(band_position=0), x2=alt.X2("end:T"),
                tooltip=[alt.Tooltip("label:N", title="Figures")])
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", baseline="top", dx=4, dy=2, color=theme.REFERENCE)
        .encode(x=theme.month_x(band_position=0), y=alt.value(0), text="label:N")
    )
    return [band, text]


@renamed_keywords(level="confidence_level")
def series_chart(
    frame: pd.DataFrame,
    *,
    break_month: str | None = None,
    measure_label: str,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    confidence_level: float = 0.95,
    width: int = theme.WIDTH,
    height: int = theme.HEIGHT,
) -> alt.LayerChart:
    """Observed counts as bars, the fitted trend with its interval, and a break.

    Parameters
    ----------
    frame : DataFrame
        One row per month: ``month`` (``"YYYY-MM"``), ``observed``,
        ``fitted``, ``fitted_low``, ``fitted_high``; optionally
        ``counterfactual`` with ``counterfactual_low`` and
        ``counterfactual_high`` (missing before the break). Not modified.
    break_month : str, optional
        First month after the break (``"YYYY-MM"``); drawn as a dotted rule
        labelled ``"break: YYYY-MM"`` at the start of that month.
    measure_label : str
        Y axis title with its unit, e.g. ``"Incidents per month"``.
    title, subtitle : str
        Chart title and optional subtitle.
    confidence_level : float
        Coverage of the intervals, used in the legend and tooltips only.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    altair.LayerChart
        A new chart; restyle or compose it freely. When a band reaches more
        than twice the highest observed, fitted or counterfactual value, the
        y axis stops at 1.5 times that value (rounded up), the bands are cut
        there and a subtitle line says how far they reach.

    Examples
    --------
    >>> frame = pd.DataFrame({"month": ["2020-01", "2020-02"], "observed": [3, 5],
    ...     "fitted": [3.5, 4.5], "fitted_low": [2.0, 3.0], "fitted_high": [5.0, 6.0]})
    >>> chart = series_chart(frame, measure_label="Incidents per month", title="Homs")
    >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]
    ['bar', 'area', 'line', 'bar']

    """
    name = "series_chart frame"
    check_frame(frame, _REQUIRED, name=name)
    if not 0 < confidence_level < 1:
        msg = f"confidence_level must lie strictly between 0 and 1; got {confidence_level!r}"
        raise OptionError(msg)
    months = month_strings(frame["month"], name=name)
    check_unique_months(months, name=name)
    present = [col for col in _COUNTERFACTUAL if col in frame.columns]
    if present and "counterfactual" not in present:
        msg = f"{name} has {', '.join(present)} but no 'counterfactual' column"
        raise SchemaError(msg)
    if len(present) == 2:
        msg = f"{name} has {', '.join(present)}; give both counterfactual_low and _high or neither"
        raise SchemaError(msg)
    columns: dict[str, Any] = {"month": months}
    for col in [*_REQUIRED[1:], *present]:
        columns[col] = numbers(frame[col], name=name, column=col)
    if present and all(v is None for v in columns["counterfactual"]):
        present = []
        for col in _COUNTERFACTUAL:
            columns.pop(col, None)
    rows = sorted(records(columns), key=lambda row: row["month"])
    if break_month is not None and break_month not in months:
        msg = (
            f"break_month {break_month!r} is not a month of the frame "
            f"({months[0]} to {months[-1]} as given); pass one of its months"
        )
        raise OptionError(msg)

    pct = f"{confidence_level:.0%}"
    labels = [OBSERVED_LABEL, FITTED_LABEL] + ([COUNTERFACTUAL_LABEL] if present else [])
    colours = [theme.OBSERVED, theme.FITTED] + ([theme.COUNTERFACTUAL] if present else [])
    colour_scale = alt.Scale(domain=labels, range=colours)
    legend = alt.Legend(title=None, orient="top", direction="horizontal")
    items = [
        ("observed", "Observed", ",.2~f"),
        ("fitted", "Fitted", ",.1f"),
        ("fitted_low", f"Fitted, {pct} lower", ",.1f"),
        ("fitted_high", f"Fitted, {pct} upper", ",.1f"),
    ]
    if present:
        items.append(("counterfactual", "Counterfactual", ",.1f"))
    if len(present) == 3:
        items += [
            ("counterfactual_low", f"Counterfactual, {pct} lower", ",.1f"),
            ("counterfactual_high", f"Counterfactual, {pct} upper", ",.1f"),
        ]
    rows = add_hover_top(rows, [field for field, _, _ in items])
    central = ["observed", "fitted", *(["counterfactual"] if present else [])]
    bands = ["fitted_high", *(["counterfactual_high"] if len(present) == 3 else [])]
    cut = band_cut([r[c] for r in rows for c in central], [r[b] for r in rows for b in bands])
    subtitles = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    if cut is not None:
        for row in rows:
            if row[HOVER_FIELD] is not None:
                row[HOVER_FIELD] = min(row[HOVER_FIELD], cut)
        for band, what in (("counterfactual_high", "The counterfactual's band"),
                           ("fitted_high", "The fitted trend's band")):
            reach = max((r[band] for r in rows if r.get(band) is not None), default=0.0)
            if reach > cut:
                subtitles.append(cut_note(what, reach, cut))
    scale: dict[str, Any] = {"scale": y_scale(cut)} if cut is not None else {}
    clip: dict[str, Any] = {"clip": True} if cut is not None else {}
    x_mid = theme.month_x(band_position=0.5)
    colour = alt.Color("series:N", scale=colour_scale, legend=legend)

    def tagged(label: str) -> alt.Chart:
        return alt.Chart().transform_calculate(series=json.dumps(label))

    layers: list[alt.Chart] = [
        tagged(OBSERVED_LABEL)
        .mark_bar(opacity=0.6, width={"band": 0.85}, **clip)
        .encode(
            x=theme.month_x(),
            y=alt.Y("observed:Q", title=measure_label, **scale),
            color=colour,
        ),
        tagged(FITTED_LABEL)
        .mark_area(opacity=0.2, **clip)
        .encode(
            x=x_mid,
            y=alt.Y("fitted_low:Q", title=measure_label, **scale),
            y2="fitted_high:Q",
            color=colour,
        ),
        tagged(FITTED_LABEL)
        .mark_line(strokeWidth=2, **clip)
        .encode(x=x_mid, y=alt.Y("fitted:Q", title=measure_label, **scale), color=colour),
    ]
    if len(present) == 3:
        layers.append(
            tagged(COUNTERFACTUAL_LABEL)
            .mark_area(opacity=0.15, **clip)
            .encode(
                x=x_mid,
                y=alt.Y("counterfactual_low:Q", title=measure_label, **scale),
                y2="counterfactual_high:Q",
                color=colour,
            )
        )
    if present:
        layers.append(
            tagged(COUNTERFACTUAL_LABEL)
            .mark_line(strokeWidth=2, strokeDash=[6, 4], **clip)
            .encode(
                x=x_mid,
                y=alt.Y("counterfactual:Q", title=measure_label, **scale),
                color=colour,
            )
        )
    if break_month is not None:
        layers += break_layers(break_month)
    layers.append(hover_column(items, measure_label=measure_label))
    chart = alt.layer(*layers, data=inline(rows))
    return cast(
        alt.LayerChart,
        chart.properties(title=theme.title_params(title, subtitles), width=width, height=height),
    )
