"""Forecast fan: history, nested prediction intervals and the median forecast."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any, cast

import altair as alt
import pandas as pd

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
from trends.charts.series import preliminary_layers
from trends.errors import SchemaError

_QUANTILES = ("lo95", "lo80", "lo50", "median", "hi50", "hi80", "hi95")
_BANDS = ((95, 0.75), (80, 0.55), (50, 0.3))  # level, share of white in the tint

HISTORY_LABEL = "Observed"
MEDIAN_LABEL = "Median forecast"


def _check_nested(rows: list[dict[str, Any]], *, name: str) -> None:
    for row in rows:
        values = [row[q] for q in _QUANTILES]
        if any(v is None for v in values):
            msg = (
                f"{name}: month {row['month']} has a missing quantile; "
                f"every forecast month needs all of {', '.join(_QUANTILES)}"
            )
            raise SchemaError(msg)
        tolerance = 1e-9 * max(1.0, *(abs(v) for v in values))
        if any(b < a - tolerance for a, b in itertools.pairwise(values)):
            msg = (
                f"{name}: month {row['month']}: quantiles are not nested "
                f"({', '.join(f'{q}={row[q]:g}' for q in _QUANTILES)}); expected "
                "lo95 <= lo80 <= lo50 <= median <= hi50 <= hi80 <= hi95"
            )
            raise SchemaError(msg)


def forecast_fan(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    title: str,
    measure_label: str,
    subtitle: str | Sequence[str] | None = None,
    preliminary: str | None = None,
    width: int = theme.WIDTH,
    height: int = theme.HEIGHT,
) -> alt.LayerChart:
    """Observed history followed by a fan of 95, 80 and 50 percent intervals.

    The median line and the bands start from the last observed month so the
    forecast reads as a continuation of the history.

    Parameters
    ----------
    history : DataFrame
        Columns ``month`` (``"YYYY-MM"``) and ``observed``. Not modified.
    forecast : DataFrame
        Columns ``month``, ``median``, ``lo50``, ``hi50``, ``lo80``,
        ``hi80``, ``lo95``, ``hi95``; months after the history. Not modified.
    title, subtitle : str
        Chart title and optional subtitle.
    measure_label : str
        Y axis title with its unit, e.g. ``"Incidents per month"``.
    preliminary : str, optional
        The first month whose figures are preliminary: the history from it
        on is shaded and labelled.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    altair.LayerChart
        A new chart. When the intervals reach more than twice the highest
        observed or median value, the y axis stops at 1.5 times that value
        (rounded up), the bands are cut there and a subtitle line says how
        far each cut interval reaches.

    Examples
    --------
    >>> history = pd.DataFrame({"month": ["2020-01", "2020-02"], "observed": [3, 5]})
    >>> forecast = pd.DataFrame({"month": ["2020-03"], "median": [5.0], "lo50": [4.0],
    ...     "hi50": [6.0], "lo80": [3.0], "hi80": [7.0], "lo95": [2.0], "hi95": [9.0]})
    >>> spec = forecast_fan(history, forecast, title="Homs",
    ...     measure_label="Incidents per month").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['area', 'area', 'area', 'line', 'line', 'point', 'bar', 'bar']

    """
    hist_name, fc_name = "forecast_fan history", "forecast_fan forecast"
    check_frame(history, ("month", "observed"), name=hist_name)
    check_frame(forecast, ("month", *_QUANTILES), name=fc_name)
    hist_months = month_strings(history["month"], name=hist_name)
    check_unique_months(hist_months, name=hist_name)
    fc_months = month_strings(forecast["month"], name=fc_name)
    check_unique_months(fc_months, name=fc_name)
    hist_rows = sorted(
        records(
            {
                "month": hist_months,
                "observed": numbers(history["observed"], name=hist_name, column="observed"),
            }
        ),
        key=lambda row: row["month"],
    )
    fc_columns: dict[str, Any] = {"month": fc_months}
    for q in _QUANTILES:
        fc_columns[q] = numbers(forecast[q], name=fc_name, column=q)
    fc_rows = sorted(records(fc_columns), key=lambda row: row["month"])
    _check_nested(fc_rows, name=fc_name)
    last = hist_rows[-1]
    if fc_rows[0]["month"] <= last["month"]:
        msg = (
            f"{fc_name} starts at {fc_rows[0]['month']}, not after the last history month "
            f"{last['month']}; forecast months must follow the history"
        )
        raise SchemaError(msg)
    join = [{"month": last["month"], **dict.fromkeys(_QUANTILES, last["observed"])}]
    fan_data = inline(join + fc_rows if last["observed"] is not None else fc_rows)

    domain = [HISTORY_LABEL, MEDIAN_LABEL, *(f"{level}% interval" for level, _ in _BANDS)]
    colours = [theme.OBSERVED, theme.FITTED, *(theme.tint(theme.FITTED, w) for _, w in _BANDS)]
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=domain, range=colours),
        legend=alt.Legend(title=None, orient="top", direction="horizontal"),
    )
    x = theme.month_x(band_position=0.5)
    cut = band_cut(
        [r["observed"] for r in hist_rows] + [r["median"] for r in fc_rows],
        [r["hi95"] for r in fc_rows],
    )
    subtitles = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    scale: dict[str, Any] = {"scale": y_scale(cut)} if cut is not None else {}
    clip: dict[str, Any] = {"clip": True} if cut is not None else {}
    if cut is not None:
        for level, _ in _BANDS:
            reach = max(r[f"hi{level}"] for r in fc_rows)
            if reach > cut:
                subtitles.append(cut_note(f"The {level}% interval", reach, cut))

    def tagged(label: str, data: alt.InlineData) -> alt.Chart:
        return alt.Chart(data).transform_calculate(series=json.dumps(label))

    bands = [
        tagged(f"{level}% interval", fan_data)
        .mark_area(**clip)
        .encode(
            x=x,
            y=alt.Y(f"lo{level}:Q", title=measure_label, **scale),
            y2=f"hi{level}:Q",
            color=colour,
        )
        for level, _ in _BANDS
    ]
    history_data = inline(add_hover_top(hist_rows, ["observed"]))
    history_line = (
        tagged(HISTORY_LABEL, history_data)
        .mark_line(strokeWidth=1.5, point=False)
        .encode(x=x, y=alt.Y("observed:Q", title=measure_label, **scale), color=colour)
    )
    median = (
        tagged(MEDIAN_LABEL, fan_data)
        .mark_line(strokeWidth=2, **clip)
        .encode(x=x, y=alt.Y("median:Q", title=measure_label, **scale), color=colour)
    )
    history_points = (
        tagged(HISTORY_LABEL, history_data)
        .mark_point(filled=True, size=18)
        .encode(x=x, y=alt.Y("observed:Q", title=measure_label), color=colour)
    )
    history_hover = hover_column(
        [("observed", "Observed", ",.2~f")], measure_label=measure_label, data=history_data
    )
    forecast_hover = hover_column(
        [("median", "Median forecast", ",.1f")]
        + [
            (f"{side}{level}", f"{level}% {word}", ",.1f")
            for level, _ in reversed(_BANDS)
            for side, word in (("lo", "lower"), ("hi", "upper"))
        ],
        measure_label=measure_label,
        data=inline(_capped(add_hover_top(fc_rows, ["hi95"]), cut)),
    )
    shaded = preliminary_layers(preliminary, hist_rows[0]["month"], last["month"])
    chart = alt.layer(*shaded[:1], *bands, history_line, median, history_points, *shaded[1:],
                      history_hover, forecast_hover)
    return cast(
        alt.LayerChart,
        chart.properties(title=theme.title_params(title, subtitles), width=width, height=height),
    )


def _capped(rows: list[dict[str, Any]], cut: float | None) -> list[dict[str, Any]]:
    """Rows whose tooltip targets stop at the cut, so that none reaches outside the chart."""
    if cut is None:
        return rows
    return [{**r, HOVER_FIELD: min(r[HOVER_FIELD], cut)} for r in rows]
