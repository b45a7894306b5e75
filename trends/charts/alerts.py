"""Alert chart: observed counts against the expected count and both alert thresholds."""

from __future__ import annotations

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
from trends.charts._hover import add_hover_top, hover_column
from trends.charts.series import break_layers, preliminary_layers
from trends.errors import OptionError, SchemaError

_REQUIRED = ("month", "observed", "expected", "upper_bound", "alarm")

NO_ALARM_LABEL = "No alarm"
HIGH_LABEL = "Unusually high"
LOW_LABEL = "Unusually low"
ALARM_LABEL = "Alarm"
NO_THRESHOLD_LABEL = "No threshold (too little history)"
EXPECTED_LABEL = "Expected"
UPPER_LABEL = "Upper threshold"
LOWER_LABEL = "Lower threshold"
THRESHOLD_LABEL = UPPER_LABEL
NO_THRESHOLD_COLOUR = "#DDDDDD"
LOW_COLOUR = theme.OKABE_ITO["sky_blue"]


def _alarm_flags(values: pd.Series, *, name: str) -> list[bool]:
    flags: list[bool] = []
    for position, value in enumerate(values.tolist()):
        if isinstance(value, bool) or value in (0, 1):
            flags.append(bool(value))
            continue
        msg = (
            f"{name}: column 'alarm', row {position}: expected True or False, got {value!r}. "
            "Mark months without an alarm decision as False and say so in the subtitle."
        )
        raise SchemaError(msg)
    return flags


def _status(row: dict[str, Any], alarm: bool, direction: object) -> str:
    if not alarm:
        return NO_THRESHOLD_LABEL if row["upper_bound"] is None else NO_ALARM_LABEL
    if direction in ("high", "low"):
        return HIGH_LABEL if direction == "high" else LOW_LABEL
    if row["upper_bound"] is not None and row["observed"] > row["upper_bound"]:
        return HIGH_LABEL
    if row.get("lower_bound") is not None and row["observed"] < row["lower_bound"]:
        return LOW_LABEL
    return ALARM_LABEL


def _next_month(month: str) -> str:
    return str(pd.Period(month, freq="M") + 1)


def alert_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    measure_label: str,
    subtitle: str | Sequence[str] | None = None,
    break_month: str | None = None,
    preliminary: str | None = None,
    width: int = theme.WIDTH,
    height: int = theme.HEIGHT,
) -> alt.LayerChart:
    """Observed counts as bars coloured by alarm, the expected count and the thresholds.

    Each threshold is drawn as a step that covers its month exactly, so
    each bar can be read against its own bounds; months before any
    threshold could be computed are drawn in light grey.

    Parameters
    ----------
    frame : DataFrame
        One row per month: ``month`` (``"YYYY-MM"``), ``observed``,
        ``expected``, ``upper_bound`` and ``alarm`` (bool); optionally
        ``lower_bound`` and ``direction`` (``"high"``, ``"low"`` or missing).
        Missing expected counts and bounds mark months without a threshold.
        Not modified.
    title, subtitle : str
        Chart title and optional subtitle.
    measure_label : str
        Y axis title with its unit, e.g. ``"Incidents per month"``.
    break_month : str, optional
        The month a question is about (``"YYYY-MM"``), drawn as a dotted rule.
    preliminary : str, optional
        The first month whose figures are preliminary (``"YYYY-MM"``): the
        months from it on are shaded and labelled.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    altair.LayerChart
        A new chart: the bars' legend shows squares, the lines' legend lines.

    Examples
    --------
    >>> frame = pd.DataFrame({"month": ["2020-01", "2020-02"], "observed": [3, 12],
    ...     "expected": [4.0, 4.2], "upper_bound": [9.0, 9.3], "alarm": [False, True]})
    >>> spec = alert_chart(frame, title="Homs", measure_label="Incidents per month").to_dict()
    >>> [layer.get("mark", {}).get("type", "layer") for layer in spec["layer"]]
    ['bar', 'layer', 'bar']

    """
    name = "alert_chart frame"
    check_frame(frame, _REQUIRED, name=name)
    months = month_strings(frame["month"], name=name)
    check_unique_months(months, name=name)
    bounds = ["expected", "upper_bound", *(["lower_bound"] if "lower_bound" in frame else [])]
    columns: dict[str, list[Any]] = {"month": list(months)}
    for col in ("observed", *bounds):
        columns[col] = list(numbers(frame[col], name=name, column=col))
    flags = _alarm_flags(frame["alarm"], name=name)
    directions = frame["direction"].tolist() if "direction" in frame else [None] * len(flags)
    plain = records(columns)
    columns["status"] = [
        _status(row, flag, direction)
        for row, flag, direction in zip(plain, flags, directions, strict=True)
    ]
    rows = sorted(records(columns), key=lambda row: row["month"])
    if break_month is not None and break_month not in months:
        msg = (
            f"break_month {break_month!r} is not a month of the frame "
            f"({rows[0]['month']} to {rows[-1]['month']}); pass one of its months"
        )
        raise OptionError(msg)
    rows = add_hover_top(rows, ["observed", *bounds])

    statuses = [NO_ALARM_LABEL, HIGH_LABEL, LOW_LABEL, ALARM_LABEL, NO_THRESHOLD_LABEL]
    palette = [theme.OBSERVED, theme.ALARM, LOW_COLOUR, theme.ALARM, NO_THRESHOLD_COLOUR]
    shown = [s for s in statuses if any(r["status"] == s for r in rows)] or [NO_ALARM_LABEL]
    bar_colour = alt.Color(
        "status:N",
        scale=alt.Scale(domain=shown, range=[palette[statuses.index(s)] for s in shown]),
        legend=alt.Legend(title=None, orient="top", direction="horizontal", symbolType="square"),
    )
    bars = (
        alt.Chart()
        .mark_bar(opacity=0.85, width={"band": 0.85})
        .encode(x=theme.month_x(), y=alt.Y("observed:Q", title=measure_label), color=bar_colour)
    )
    lines = _lines(rows, bounds, measure_label)
    hover = hover_column(
        [
            ("observed", "Observed", ",.2~f"),
            ("expected", "Expected", ",.1f"),
            *([("lower_bound", "Lower threshold", ",.1f")] if "lower_bound" in bounds else []),
            ("upper_bound", "Upper threshold", ",.1f"),
        ],
        measure_label=measure_label,
        leading=[alt.Tooltip("status:N", title="Status")],
    )
    shaded = preliminary_layers(preliminary, rows[0]["month"], rows[-1]["month"])
    layers: list[Any] = [*shaded[:1], bars, lines, *shaded[1:]]  # band under, label over
    if break_month is not None:
        layers += break_layers(break_month)
    layers.append(hover)
    chart = alt.layer(*layers, data=inline(rows)).resolve_scale(
        color="independent", strokeDash="independent"
    )
    return cast(
        alt.LayerChart,
        chart.properties(title=theme.title_params(title, subtitle), width=width, height=height),
    )


def _lines(rows: list[dict[str, Any]], bounds: list[str], measure_label: str) -> alt.LayerChart:
    """The expected count (a line through mid-month) and the thresholds (one step per month).

    A step line starts at the beginning of each month and holds to its end:
    the data get one more row, at the end of the last month.
    """
    labels = {"expected": EXPECTED_LABEL, "upper_bound": UPPER_LABEL, "lower_bound": LOWER_LABEL}
    names = [labels[b] for b in bounds]
    dashes = {EXPECTED_LABEL: [1, 0], UPPER_LABEL: [5, 3], LOWER_LABEL: [2, 2]}
    colours = {EXPECTED_LABEL: theme.FITTED, UPPER_LABEL: theme.THRESHOLD,
               LOWER_LABEL: theme.THRESHOLD}
    legend = alt.Legend(title=None, orient="top", direction="horizontal", symbolType="stroke",
                        symbolStrokeWidth=2, symbolSize=300)
    colour = alt.Color("line:N", scale=alt.Scale(domain=names, range=[colours[n] for n in names]),
                       legend=legend)
    dash = alt.StrokeDash("line:N", scale=alt.Scale(domain=names,
                                                     range=[dashes[n] for n in names]),
                          legend=legend)
    mid = [{"month": r["month"], "value": r["expected"], "line": EXPECTED_LABEL} for r in rows]
    ends = [*rows, {**rows[-1], "month": _next_month(rows[-1]["month"])}]
    steps = [
        {"month": r["month"], "value": r[bound], "line": labels[bound]}
        for bound in bounds[1:]
        for r in ends
    ]
    expected = (
        alt.Chart(inline(mid))
        .mark_line(strokeWidth=2)
        .encode(x=theme.month_x(band_position=0.5),
                y=alt.Y("value:Q", title=measure_label), color=colour, strokeDash=dash)
    )
    thresholds = (
        alt.Chart(inline(steps))
        .mark_line(interpolate="step-after", strokeWidth=1.5)
        .encode(x=theme.month_x(band_position=0), y=alt.Y("value:Q", title=measure_label),
                color=colour, strokeDash=dash, detail="line:N")
    )
    return cast(alt.LayerChart, alt.layer(expected, thresholds))
