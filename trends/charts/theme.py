"""Colours, sizes and shared encodings of every chart in the package.

The palette is Okabe and Ito's (2008) eight colours, chosen to stay distinct
for the common forms of colour-vision deficiency. It is defined here once;
the builders take colours from it by role (observed, fitted, alarm, ...), so
a restyle means changing one mapping.

Nothing here calls ``configure_*``: a configured Altair chart cannot be
layered or concatenated any more, and users compose these charts into pages.
Styling therefore lives in marks, scales and title parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Final, Literal

import altair as alt

OKABE_ITO: MappingProxyType[str, str] = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)
"""The Okabe-Ito palette by colour name (read-only)."""

PALETTE: tuple[str, ...] = tuple(OKABE_ITO.values())
"""The Okabe-Ito colours in their published order, for categorical scales."""

GREY = "#999999"
"""Neutral grey for observed counts drawn behind model lines."""

OBSERVED = GREY
FITTED = OKABE_ITO["blue"]
COUNTERFACTUAL = OKABE_ITO["orange"]
ALARM = OKABE_ITO["vermillion"]
THRESHOLD = OKABE_ITO["reddish_purple"]
POOLED = OKABE_ITO["vermillion"]
REFERENCE = OKABE_ITO["black"]

SEQUENTIAL_SCHEME: Final[Literal["cividis"]] = "cividis"
"""Sequential scheme for heatmaps; cividis is designed for colour-vision deficiency."""

WIDTH = 640
"""Default width in pixels of a single-panel chart on a report page."""

HEIGHT = 280
"""Default height in pixels of a single-panel chart on a report page."""

PANEL_WIDTH = 150
PANEL_HEIGHT = 90

MONTH_AXIS_FORMAT = "%b %Y"
"""d3 time format of month axis labels (English month abbreviations)."""

MONTH_TIME_UNIT: Final[Literal["utcyearmonth"]] = "utcyearmonth"
"""Months are parsed and binned in UTC so a viewer's time zone cannot shift them."""


def tint(colour: str, weight: float) -> str:
    """Blend ``colour`` (``#RRGGBB``) with white; ``weight`` is the share of white.

    Used for the nested bands of a forecast fan, which need distinct,
    legend-friendly shades of one hue rather than stacked opacities.

    Examples
    --------
    >>> tint("#0072B2", 0.5)
    '#80B8D8'

    """
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    blended = [round(c + (255 - c) * weight) for c in channels]
    return "#" + "".join(f"{c:02X}" for c in blended)


def title_params(title: str, subtitle: str | Sequence[str] | None = None) -> alt.TitleParams:
    """Return the left-anchored title block used by every chart.

    A sequence of subtitles is drawn one per line; empty ones are dropped.

    Examples
    --------
    >>> title_params("Attacks", "Homs").to_dict()["subtitle"]
    'Homs'

    """
    if isinstance(subtitle, str):
        subtitle = [subtitle]
    lines = [line for line in subtitle or [] if line]
    if len(lines) == 1:
        return alt.TitleParams(text=title, subtitle=lines[0], anchor="start")
    if lines:
        return alt.TitleParams(text=title, subtitle=lines, anchor="start")
    return alt.TitleParams(text=title, anchor="start")


def month_x(title: str = "Month", *, band_position: float | None = None) -> alt.X:
    """Return the x encoding of a ``month`` column holding ``"YYYY-MM"`` strings.

    ``band_position`` 0.5 puts a point or line at the middle of its month,
    lined up with the centre of a bar; 0 puts it at the start of the month.

    Examples
    --------
    >>> month_x().to_dict()["timeUnit"]
    'utcyearmonth'

    """
    axis = alt.Axis(format=MONTH_AXIS_FORMAT, labelAngle=0, labelOverlap=True)
    if band_position is None:
        return alt.X("month:T", timeUnit=MONTH_TIME_UNIT, title=title, axis=axis)
    return alt.X(
        "month:T",
        timeUnit=MONTH_TIME_UNIT,
        title=title,
        axis=axis,
        bandPosition=band_position,
    )


def month_tooltip() -> alt.Tooltip:
    """Tooltip showing the month exactly as given (``"YYYY-MM"``).

    Examples
    --------
    >>> month_tooltip().to_dict()["field"]
    'month'

    """
    return alt.Tooltip("month:N", title="Month")
