"""Alert chart: observed counts against the expected count and the alarm threshold."""

from __future__ import annotations

import json
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
from trends.errors import SchemaError

_REQUIRED = ("month", "observed", "expected", "upper_bound", "alarm")

NO_ALARM_LABEL = "No alarm"
ALARM_LABEL = "Alarm"
EXPECTED_LABEL = "Expected"
THRESHOLD_LABEL = "Alarm threshold"


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


def alert_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    measure_label: str,
    subtitle: str | None = None,
    width: int = theme.WIDTH,
    height: int = theme.HEIGHT,
) -> alt.LayerChart:
    """Observed counts as bars coloured by alarm, the expected count and the threshold.

    The threshold is drawn as a step line so each month's bar can be read
    against its own bound.

    Parameters
    ----------
    frame : DataFrame
        One row per month: ``month`` (``"YYYY-MM"``), ``observed``,
        ``expected``, ``upper_bound`` and ``alarm`` (bool). Not modified.
    title, subtitle : str
        Chart title and optional subtitle.
    measure_label : str
        Y axis title with its unit, e.g. ``"Incidents per month"``.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    altair.LayerChart
        A new chart.

    Examples
    --------
    >>> frame = pd.DataFrame({"month": ["2020-01", "2020-02"], "observed": [3, 12],
    ...     "expected": [4.0, 4.2], "upper_bound": [9.0, 9.3], "alarm": [False, True]})
    >>> spec = alert_chart(frame, title="Homs", measure_label="Incidents per month").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['bar', 'line', 'line', 'bar']

    """
    name = "alert_chart frame"
    check_frame(frame, _REQUIRED, name=name)
    months = month_strings(frame["month"], name=name)
    check_unique_months(months, name=name)
    columns: dict[str, list[Any]] = {"month": list(months)}
    for col in ("observed", "expected", "upper_bound"):
        columns[col] = list(numbers(frame[col], name=name, column=col))
    flags = _alarm_flags(frame["alarm"], name=name)
    columns["status"] = [ALARM_LABEL if flag else NO_ALARM_LABEL for flag in flags]
    rows = sorted(records(columns), key=lambda row: row["month"])
    rows = add_hover_top(rows, ["observed", "expected", "upper_bound"])

    colour = alt.Color(
        "status:N",
        scale=alt.Scale(
            domain=[NO_ALARM_LABEL, ALARM_LABEL, EXPECTED_LABEL, THRESHOLD_LABEL],
            range=[theme.OBSERVED, theme.ALARM, theme.FITTED, theme.THRESHOLD],
        ),
        legend=alt.Legend(title=None, orient="top", direction="horizontal"),
    )
    x_mid = theme.month_x(band_position=0.5)

    def tagged(label: str) -> alt.Chart:
        return alt.Chart().transform_calculate(status=json.dumps(label))

    bars = (
        alt.Chart()
        .mark_bar(opacity=0.85, width={"band": 0.85})
        .encode(x=theme.month_x(), y=alt.Y("observed:Q", title=measure_label), color=colour)
    )
    expected = (
        tagged(EXPECTED_LABEL)
        .mark_line(strokeWidth=2)
        .encode(x=x_mid, y=alt.Y("expected:Q", title=measure_label), color=colour)
    )
    threshold = (
        tagged(THRESHOLD_LABEL)
        .mark_line(interpolate="step", strokeWidth=1.5, strokeDash=[5, 3])
        .encode(x=x_mid, y=alt.Y("upper_bound:Q", title=measure_label), color=colour)
    )
    hover = hover_column(
        [
            ("observed", "Observed", ",.2~f"),
            ("expected", "Expected", ",.1f"),
            ("upper_bound", "Alarm threshold", ",.1f"),
        ],
        measure_label=measure_label,
        leading=[alt.Tooltip("status:N", title="Status")],
    )
    chart = alt.layer(bars, expected, threshold, hover, data=inline(rows))
    return cast(
        alt.LayerChart,
        chart.properties(title=theme.title_params(title, subtitle), width=width, height=height),
    )
