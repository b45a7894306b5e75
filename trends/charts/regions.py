"""Many regions at once: small multiples and a region-by-month heatmap."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from trends.charts import theme
from trends.charts._data import inline, panel_rows
from trends.charts._hover import add_hover_top, hover_column
from trends.errors import DataError, OptionError
from trends.options import Y_SCALES, YScale, check_choice

_REGION_TIP = alt.Tooltip("region:N", title="Region")


def small_multiples(
    panel: pd.DataFrame,
    *,
    measure: str,
    measure_label: str,
    columns: int | None = None,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    y_scale: YScale = "shared",
    width: int = theme.PANEL_WIDTH,
    height: int = theme.PANEL_HEIGHT,
) -> alt.FacetChart:
    """One small area chart per region, largest total first.

    Parameters
    ----------
    panel : DataFrame
        Long panel with columns ``month`` (``"YYYY-MM"``), ``region`` and
        ``measure``; one row per region and month. Not modified.
    measure : str
        Column to draw, e.g. ``"incidents"``.
    measure_label : str
        Y axis title with its unit, e.g. ``"Incidents per month"``.
    columns : int, optional
        Panels per row; by default 4, or 3 or 5 when fewer panels of the last
        row are left empty (an empty one still draws its month axis).
    title, subtitle : str
        Chart title and optional subtitle.
    y_scale : {"shared", "independent"}
        ``"shared"`` compares levels across regions; ``"independent"`` shows
        each region's own shape (say so in the subtitle when you use it).
    width, height : int
        Size of each panel in pixels.

    Returns
    -------
    altair.FacetChart
        A new chart.

    Examples
    --------
    >>> panel = pd.DataFrame({"month": ["2020-01", "2020-02"] * 2,
    ...     "region": ["Homs", "Homs", "Deir ez-Zor", "Deir ez-Zor"],
    ...     "incidents": [1, 2, 5, 6]})
    >>> chart = small_multiples(panel, measure="incidents",
    ...     measure_label="Incidents per month", title="IS incidents")
    >>> chart.to_dict()["facet"]["sort"]
    ['Deir ez-Zor', 'Homs']

    """
    check_choice("y_scale", y_scale, Y_SCALES)
    if columns is None:
        columns = fill_rows(panel["region"].nunique())
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        msg = f"columns must be a positive integer; got {columns!r}"
        raise OptionError(msg)
    rows, order = panel_rows(panel, measure=measure, name="small_multiples panel")
    rows = add_hover_top(rows, ["value"])
    area = (
        alt.Chart()
        .mark_area(
            line={"color": theme.FITTED, "strokeWidth": 1.5},
            color=theme.FITTED,
            opacity=0.25,
        )
        .encode(
            x=theme.month_x(title="Month", band_position=0.5),
            y=alt.Y("value:Q", title=measure_label),
        )
    )
    hover = hover_column(
        [("value", measure_label, ",.2~f")], measure_label=measure_label, leading=[_REGION_TIP]
    )
    panel_chart = alt.layer(area, hover).properties(width=width, height=height)
    return (
        panel_chart.facet(
            facet=alt.Facet(
                "region:N",
                sort=order,
                title=None,
                header=alt.Header(labelAnchor="start", labelFontWeight="bold"),
            ),
            columns=columns,
            data=inline(rows),
        )
        .resolve_scale(y=y_scale)
        .properties(title=theme.title_params(title, subtitle))
    )


def fill_rows(panels: int) -> int:
    """Panels per row, 4 unless 3 or 5 leave fewer of the last row empty.

    Examples
    --------
    >>> fill_rows(15), fill_rows(16), fill_rows(9), fill_rows(2)
    (5, 4, 3, 4)

    """
    return min((4, 5, 3), key=lambda c: -panels % c if panels > c else 0)


def heatmap(
    panel: pd.DataFrame,
    *,
    measure: str,
    measure_label: str,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    width: int = theme.WIDTH,
    height: int | None = None,
) -> alt.Chart:
    """Region by month rectangles coloured by ``measure``, largest total at the top.

    Parameters
    ----------
    panel : DataFrame
        Long panel with columns ``month`` (``"YYYY-MM"``), ``region`` and
        ``measure``. Not modified. Missing values are left blank.
    measure : str
        Column to colour by.
    measure_label : str
        Legend title with its unit, e.g. ``"Deaths per month (best estimate)"``.
    title, subtitle : str
        Chart title and optional subtitle.
    width : int
        Width of the plotting area in pixels.
    height : int, optional
        Height in pixels; by default 18 pixels per region.

    Returns
    -------
    altair.Chart
        A new chart, coloured with the colour-blind-safe cividis scheme.

    Examples
    --------
    >>> panel = pd.DataFrame({"month": ["2020-01", "2020-02"] * 2,
    ...     "region": ["Homs", "Homs", "Raqqa", "Raqqa"], "killed": [1, 2, 5, 6]})
    >>> spec = heatmap(panel, measure="killed", measure_label="Deaths per month",
    ...     title="Deaths").to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["y"]["sort"]
    ('rect', ['Raqqa', 'Homs'])

    """
    rows, order = panel_rows(panel, measure=measure, name="heatmap panel")
    rows = [row for row in rows if row["value"] is not None]
    if not rows:
        msg = f"heatmap panel: column {measure!r} has no values; there is nothing to colour"
        raise DataError(msg)
    chart = (
        alt.Chart(inline(rows))
        .mark_rect()
        .encode(
            x=theme.month_x(title="Month"),
            y=alt.Y("region:N", sort=order, title="Region", axis=alt.Axis(labelLimit=200)),
            color=alt.Color(
                "value:Q",
                title=measure_label,
                scale=alt.Scale(scheme=theme.SEQUENTIAL_SCHEME),
                legend=alt.Legend(orient="right", gradientLength=120),
            ),
            tooltip=[
                _REGION_TIP,
                theme.month_tooltip(),
                alt.Tooltip("value:Q", title=measure_label, format=",.2~f"),
            ],
        )
    )
    size = alt.Step(18) if height is None else height
    return chart.properties(title=theme.title_params(title, subtitle), width=width, height=size)
