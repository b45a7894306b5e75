"""Small charts of results that the report does not draw: a break scan, a backtest, a split.

Like every builder here, each takes plain data, returns a new Altair chart
and leaves its input untouched; the results' ``plot()`` methods call them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from trends.charts import theme
from trends.charts._data import inline


def _clean(value: object) -> object:
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def scan_chart(
    scan: pd.DataFrame, *, breaks: Sequence[str], confidence_set: Sequence[str] = (),
    title: str, subtitle: str | None = None, width: int = theme.WIDTH,
    height: int = theme.HEIGHT,
) -> alt.LayerChart:
    """The likelihood-ratio statistic of a break at every candidate month, and the breaks chosen.

    Examples
    --------
    >>> scan = pd.DataFrame({"month": ["2020-01", "2020-02"], "lr": [1.0, 9.0]})
    >>> chart = scan_chart(scan, breaks=["2020-02"], title="Break scan")
    >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]
    ['line', 'rule']

    """
    data = scan[["month", "lr"]].assign(month=scan["month"].astype(str),
                                        in_set=scan["month"].astype(str).isin(confidence_set))
    x = alt.X("month:O", title="Candidate break month", axis=alt.Axis(labelAngle=-45))
    line = alt.Chart(inline(_rows(data))).mark_line(color=theme.FITTED, point=True).encode(
        x=x, y=alt.Y("lr:Q", title="Likelihood-ratio statistic"),
        tooltip=["month:O", alt.Tooltip("lr:Q", format=".2f"), "in_set:N"])
    marks = pd.DataFrame({"month": [str(m) for m in breaks]})
    rule = alt.Chart(inline(_rows(marks))).mark_rule(
        color=theme.REFERENCE, strokeDash=[4, 3]).encode(x=x)
    chart = alt.layer(line, rule).properties(
        title=theme.title_params(title, subtitle), width=width, height=height)
    return cast(alt.LayerChart, chart)


def backtest_chart(
    table: pd.DataFrame, *, title: str, subtitle: str | None = None,
    width: int = theme.WIDTH, height: int = theme.HEIGHT,
) -> alt.Chart:
    """Mean CRPS by horizon, one line per method (lower is better).

    Examples
    --------
    >>> table = pd.DataFrame({"method": ["a", "a"], "horizon": [1, 2], "crps": [2.0, 3.0]})
    >>> backtest_chart(table, title="Backtest").to_dict()["mark"]["type"]
    'line'

    """
    data = table[["method", "horizon", "crps"]]
    return alt.Chart(inline(_rows(data))).mark_line(point=True).encode(
        x=alt.X("horizon:O", title="Months ahead"),
        y=alt.Y("crps:Q", title="Mean CRPS (lower is better)"),
        color=alt.Color("method:N", title="Method",
                        scale=alt.Scale(range=list(theme.PALETTE))),
        tooltip=["method:N", "horizon:O", alt.Tooltip("crps:Q", format=".3g")],
    ).properties(title=theme.title_params(title, subtitle), width=width, height=height)


def estimates_chart(
    table: pd.DataFrame, *, label: str, title: str, subtitle: str | None = None,
    width: int = 480, height: int | None = None,
) -> alt.LayerChart:
    """Estimates with their intervals (columns term, estimate, ci_low, ci_high), a row each.

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["alpha"], "estimate": [2.5], "ci_low": [2.1],
    ...                       "ci_high": [2.9]})
    >>> len(estimates_chart(table, label="Estimate", title="Tail").to_dict()["layer"])
    2

    """
    data = table[["term", "estimate", "ci_low", "ci_high"]].astype({"term": str})
    y = alt.Y("term:N", title=None, sort=list(data["term"]))
    base = alt.Chart(inline(_rows(data)))
    bars = base.mark_rule(color=theme.FITTED).encode(
        y=y, x=alt.X("ci_low:Q", title=label), x2="ci_high:Q")
    points = base.mark_point(filled=True, color=theme.FITTED, size=60).encode(
        y=y, x="estimate:Q",
        tooltip=["term:N", alt.Tooltip("estimate:Q", format=".3g"),
                 alt.Tooltip("ci_low:Q", format=".3g"), alt.Tooltip("ci_high:Q", format=".3g")])
    chart = alt.layer(bars, points).properties(
        title=theme.title_params(title, subtitle), width=width,
        height=height or 26 * max(1, len(data)))
    return cast(alt.LayerChart, chart)


def note_chart(text: str, *, title: str, width: int = theme.WIDTH) -> alt.Chart:
    """A chart that says, in words, why there is nothing to draw.

    Examples
    --------
    >>> note_chart("too short", title="Verdict").to_dict()["mark"]["type"]
    'text'

    """
    return alt.Chart(inline([{"text": text}])).mark_text(
        align="left", baseline="top", color=theme.REFERENCE, fontSize=13,
    ).encode(x=alt.value(0), y=alt.value(0), text="text:N").properties(
        title=theme.title_params(title), width=width, height=40)
