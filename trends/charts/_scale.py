"""Keep a chart's data readable when an interval band reaches far above it.

A counterfactual or forecast band can reach thousands where the observed
series stays in the hundreds; drawn in full, it squashes the data into the
bottom of the chart. :func:`band_cut` finds such bands and the height at
which to cut them; the chart then clips its marks there and says so in its
subtitle, and its tooltips still give every value in full.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import altair as alt

SQUASH = 2.0
"""A band is cut when it reaches more than this many times the highest central value."""

HEADROOM = 1.5
"""Where a band is cut, as a multiple of the highest central value (then rounded up)."""


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 or 10 times a power of ten >= ``value``.

    Examples
    --------
    >>> [nice_ceiling(v) for v in (0.7, 3.2, 412, 1801)]
    [0.8, 4.0, 500.0, 2000.0]

    """
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value * (1 - 1e-12):
            return float(round(step * power, 12))
    return 10 * power  # pragma: no cover - 10 always qualifies


def _finite(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def band_cut(central: Iterable[float | None], bands: Iterable[float | None]) -> float | None:
    """The height at which to cut the bands, or None when they leave the data readable.

    ``central`` holds the values the reader must see (observed counts, fitted
    and expected lines, the median forecast); ``bands`` the upper ends of
    the intervals drawn around them.

    Examples
    --------
    >>> band_cut([120, 300, 250], [420, 1800])
    500.0
    >>> band_cut([120, 300, 250], [420, 590]) is None
    True

    """
    top = max(_finite(central), default=0.0)
    reach = max(_finite(bands), default=0.0)
    if top <= 0 or reach <= SQUASH * top:
        return None
    return nice_ceiling(HEADROOM * top)


def y_scale(cut: float | None) -> alt.Scale | None:
    """The y scale of a chart whose bands are cut at ``cut`` (None: Vega-Lite's default)."""
    if cut is None:
        return None
    return alt.Scale(domain=[0, cut], nice=False, zero=True)


def cut_note(what: str, reach: float, cut: float) -> str:
    """The subtitle line that says a band was cut, and how far it reaches.

    Examples
    --------
    >>> cut_note("The counterfactual's 95% band", 1812.4, 500.0)
    "The counterfactual's 95% band reaches 1,812 and is cut at 500 (hover for values)"

    """
    return f"{what} reaches {_num(reach)} and is cut at {_num(cut)} (hover for values)"


def _num(value: float) -> str:
    """Whole numbers from 100 up, three significant figures below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
