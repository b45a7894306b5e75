"""Severity chart: the complementary CDF of deaths per incident on log-log axes."""

from __future__ import annotations

import json
import math
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd
from scipy import special

from trends.charts import theme
from trends.charts._data import inline
from trends.errors import DataError, InputError, OptionError

OBSERVED_LABEL = "Incidents"


def _deaths(deaths: object) -> tuple[np.ndarray, int, int]:
    """Return the positive deaths, the number of zeros and the number missing."""
    series = pd.Series(deaths) if not isinstance(deaths, pd.Series) else deaths
    if (
        series.ndim != 1
        or not (pd.api.types.is_numeric_dtype(series) or series.isna().all())
        or series.dtype == bool
    ):
        msg = (
            "deaths must be a one-dimensional array or Series of whole numbers; "
            f"got dtype {series.dtype}. Pass e.g. incidents['killed_best']"
        )
        raise InputError(msg)
    missing = int(series.isna().sum())
    values = series.dropna().to_numpy(dtype=float)
    bad = (values < 0) | (values != np.floor(values)) | ~np.isfinite(values)
    if bad.any():
        msg = (
            "deaths per incident must be non-negative whole numbers; "
            f"found {float(values[bad][0]):g} at position {int(np.flatnonzero(bad)[0])} "
            "(after dropping missing values)"
        )
        raise DataError(msg)
    positive = np.sort(values[values > 0])
    if positive.size == 0:
        msg = "no incident has one or more deaths; a log-log severity chart has nothing to draw"
        raise DataError(msg)
    return positive, int((values == 0).sum()), missing


def empirical_ccdf(positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values ``x``, ``P(X >= x)`` and the count of values ``>= x``.

    Examples
    --------
    >>> x, p, n = empirical_ccdf(np.array([1.0, 1.0, 2.0, 5.0]))
    >>> x.tolist(), p.tolist(), n.tolist()
    ([1.0, 2.0, 5.0], [1.0, 0.5, 0.25], [4, 2, 1])

    """
    values = np.sort(np.asarray(positive, dtype=float))
    distinct = np.unique(values)
    at_least = values.size - np.searchsorted(values, distinct, side="left")
    return distinct, at_least / values.size, at_least


def tail_ccdf(x: np.ndarray, *, alpha: float, xmin: int, share_in_tail: float) -> np.ndarray:
    """Fitted ``P(X >= x)`` for ``x >= xmin`` under a discrete power-law tail.

    ``share_in_tail * zeta(alpha, x) / zeta(alpha, xmin)``, the tail scaled
    to the observed share of incidents with at least ``xmin`` deaths.

    Examples
    --------
    >>> float(tail_ccdf(np.array([3.0]), alpha=2.5, xmin=3, share_in_tail=0.2)[0])
    0.2

    """
    return share_in_tail * (special.zeta(alpha, x) / special.zeta(alpha, xmin))


def _tail_rows(positive: np.ndarray, alpha: float, xmin: int) -> list[dict[str, Any]]:
    share = float(np.mean(positive >= xmin))
    top = float(positive[-1])
    grid = np.unique(np.round(np.geomspace(xmin, max(top, xmin), 60)))
    grid = np.union1d(grid, positive[positive >= xmin])
    fitted = tail_ccdf(grid, alpha=alpha, xmin=xmin, share_in_tail=share)
    return [
        {"deaths": float(x), "ccdf": float(p)} for x, p in zip(grid, fitted, strict=True) if p > 0
    ]


def severity_chart(
    deaths: object,
    *,
    alpha: float | None = None,
    xmin: int | None = None,
    title: str,
    subtitle: str | None = None,
    width: int = 480,
    height: int = 320,
) -> alt.LayerChart:
    """Share of incidents with at least ``x`` deaths against ``x``, both on log scales.

    A power-law tail is a straight line on these axes. Incidents with no
    deaths cannot be placed on a log axis; they are excluded and the
    subtitle says how many. Missing values are dropped and counted too.

    Parameters
    ----------
    deaths : array-like or Series
        Deaths per incident, non-negative whole numbers. Not modified.
    alpha, xmin : float and int, optional
        A fitted tail (e.g. from :func:`trends.severity.fit_power_law`);
        give both to draw ``P(X >= x)`` of the fit for ``x >= xmin``,
        scaled to the observed share of incidents at or above ``xmin``.
    title, subtitle : str
        Chart title and optional first subtitle line.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    altair.LayerChart
        A new chart.

    Examples
    --------
    >>> spec = severity_chart([0, 1, 1, 2, 3, 8, 40], alpha=2.0, xmin=2,
    ...     title="Deaths per incident").to_dict()
    >>> spec["layer"][0]["encoding"]["x"]["scale"]
    {'type': 'log'}

    """
    if (alpha is None) != (xmin is None):
        msg = "give both alpha and xmin to draw the fitted tail, or neither"
        raise OptionError(msg)
    positive, n_zero, n_missing = _deaths(deaths)
    distinct, share, at_least = empirical_ccdf(positive)
    rows = [
        {"deaths": float(x), "ccdf": float(p), "at_least": int(n)}
        for x, p, n in zip(distinct, share, at_least, strict=True)
    ]
    excluded = f"{n_zero:,} with no deaths excluded (a log axis cannot show zero)"
    if n_missing:
        excluded += f", {n_missing:,} with unknown deaths dropped"
    notes = [subtitle or "", f"{positive.size:,} incidents with at least one death; {excluded}"]

    x_axis = alt.X("deaths:Q", title="Deaths per incident, x", scale=alt.Scale(type="log"))
    y_axis = alt.Y(
        "ccdf:Q",
        title="Share of incidents with at least x deaths, P(X ≥ x)",
        scale=alt.Scale(type="log"),
    )
    domain, colours = [OBSERVED_LABEL], [theme.OBSERVED]
    layers: list[alt.Chart] = []
    if alpha is not None and xmin is not None:
        if not (isinstance(alpha, int | float) and math.isfinite(alpha) and alpha > 1):
            msg = f"alpha must be a finite number above 1; got {alpha!r}"
            raise OptionError(msg)
        if isinstance(xmin, bool) or int(xmin) != xmin or xmin < 1 or xmin > positive[-1]:
            msg = (
                f"xmin must be a whole number from 1 to the largest death count "
                f"({int(positive[-1])}); got {xmin!r}"
            )
            raise OptionError(msg)
        fit_label = f"Power-law fit, x ≥ {int(xmin)} (alpha = {alpha:.2f})"
        domain.append(fit_label)
        colours.append(theme.FITTED)
        notes.append(
            f"Line: discrete power law fitted to incidents with x ≥ {int(xmin)} deaths, "
            f"alpha = {alpha:.2f}"
        )
        layers.append(
            alt.Chart(inline(_tail_rows(positive, float(alpha), int(xmin))))
            .transform_calculate(series=json.dumps(fit_label, ensure_ascii=False))
            .mark_line(strokeWidth=2)
            .encode(x=x_axis, y=y_axis, color="series:N")
        )
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=domain, range=colours),
        legend=alt.Legend(title=None, orient="top", direction="horizontal"),
    )
    points = (
        alt.Chart(inline(rows))
        .transform_calculate(series=json.dumps(OBSERVED_LABEL))
        .mark_point(filled=True, size=30, opacity=0.8)
        .encode(
            x=x_axis,
            y=y_axis,
            color=colour,
            tooltip=[
                alt.Tooltip("deaths:Q", title="Deaths, x", format=",d"),
                alt.Tooltip("at_least:Q", title="Incidents with at least x deaths", format=",d"),
                alt.Tooltip("ccdf:Q", title="P(X ≥ x)", format=".3~g"),
            ],
        )
    )
    chart = alt.layer(points, *layers)
    return cast(
        alt.LayerChart,
        chart.properties(title=theme.title_params(title, notes), width=width, height=height),
    )
