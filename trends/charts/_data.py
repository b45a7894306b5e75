"""Validation of chart inputs and their conversion to inline Vega-Lite values.

Builders never hand a DataFrame to Altair: they copy the columns they need
into plain Python records (``str``, ``int``, ``float``, ``bool`` or ``None``)
in a fixed row order. That keeps the inputs untouched, the embedded data
free of pandas-version quirks, and the JSON spec byte-for-byte reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from trends.errors import InputError, SchemaError
from trends.schema import MONTH_PATTERN


def check_frame(frame: object, required: Sequence[str], *, name: str) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame holding ``required`` columns."""
    if not isinstance(frame, pd.DataFrame):
        msg = f"{name} must be a pandas DataFrame; got {type(frame).__name__}"
        raise InputError(msg)
    missing = [col for col in required if col not in frame.columns]
    if missing:
        seen = ", ".join(map(str, frame.columns)) or "no columns"
        msg = (
            f"{name} lacks column(s) {', '.join(missing)}; it has {seen}. "
            f"Expected columns: {', '.join(required)}."
        )
        raise SchemaError(msg)
    if frame.empty:
        msg = f"{name} has no rows; a chart needs at least one"
        raise SchemaError(msg)
    return frame


def month_strings(values: pd.Series, *, name: str) -> list[str]:
    """Return the months of ``values`` as ``"YYYY-MM"`` strings, validated.

    Periods and timestamps are formatted; strings must already read
    ``YYYY-MM``.
    """
    out: list[str] = []
    for position, value in enumerate(values.tolist()):
        if isinstance(value, pd.Period | pd.Timestamp):
            text = value.strftime("%Y-%m")
        else:
            text = str(value)
        if not MONTH_PATTERN.match(text):
            msg = (
                f"{name}: column 'month', row {position}: expected a month as "
                f"'YYYY-MM', got {value!r}. Format months like '2017-03'."
            )
            raise SchemaError(msg)
        out.append(text)
    return out


def check_unique_months(months: Sequence[str], *, name: str) -> None:
    """Raise :class:`SchemaError` if a month occurs twice."""
    seen: set[str] = set()
    for month in months:
        if month in seen:
            msg = f"{name}: month {month} occurs more than once; expected one row per month"
            raise SchemaError(msg)
        seen.add(month)


def numbers(
    values: pd.Series, *, name: str, column: str, infinite_as_missing: bool = False
) -> list[float | None]:
    """Return ``values`` as floats with missing values as ``None``.

    Integral values stay exact as floats up to 2**53, which counts never reach.
    Infinite values raise :class:`SchemaError` unless ``infinite_as_missing``.
    """
    if values.dtype == bool or not (pd.api.types.is_numeric_dtype(values) or values.isna().all()):
        msg = (
            f"{name}: column {column!r} must hold numbers; got dtype {values.dtype}. "
            "Convert it with pd.to_numeric first."
        )
        raise SchemaError(msg)
    array = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
    if infinite_as_missing:
        array[np.isinf(array)] = np.nan
    elif np.isinf(array).any():
        position = int(np.flatnonzero(np.isinf(array))[0])
        msg = f"{name}: column {column!r}, row {position}: infinite value; expected a finite number"
        raise SchemaError(msg)
    return [None if math.isnan(x) else float(x) for x in array.tolist()]


def labels(values: pd.Series, *, name: str, column: str) -> list[str]:
    """Return ``values`` as strings, keeping them verbatim; missing labels raise."""
    if values.isna().any():
        position = int(np.flatnonzero(values.isna().to_numpy())[0])
        msg = f"{name}: column {column!r}, row {position}: missing label; every row needs one"
        raise SchemaError(msg)
    return [str(v) for v in values.tolist()]


def panel_rows(panel: object, *, measure: str, name: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Validate a long panel and return its rows and its regions by total, largest first.

    Rows hold ``month``, ``region`` and ``value`` (the measure, renamed so
    that dots or brackets in a column name cannot be read as a Vega field
    path), ordered by region rank then month. Ties in total are broken by
    region name so the order never depends on the input order.
    """
    frame = check_frame(panel, ("month", "region", measure), name=name)
    months = month_strings(frame["month"], name=name)
    regions = labels(frame["region"], name=name, column="region")
    values = numbers(frame[measure], name=name, column=measure)
    seen: set[tuple[str, str]] = set()
    totals: dict[str, float] = {}
    for month, region, value in zip(months, regions, values, strict=True):
        if (region, month) in seen:
            msg = f"{name}: region {region!r} has month {month} twice; expected one row each"
            raise SchemaError(msg)
        seen.add((region, month))
        totals[region] = totals.get(region, 0.0) + (value or 0.0)
    order = sorted(totals, key=lambda region: (-totals[region], region))
    rank = {region: i for i, region in enumerate(order)}
    rows = records({"month": months, "region": regions, "value": values})
    rows.sort(key=lambda row: (rank[row["region"]], row["month"]))
    return rows, order


def records(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Zip equally long columns into a list of row dictionaries."""
    names = list(columns)
    lengths = {len(columns[n]) for n in names}
    if len(lengths) > 1:  # pragma: no cover - internal misuse
        msg = f"columns of unequal length: {sorted(lengths)}"
        raise ValueError(msg)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def inline(rows: list[dict[str, Any]]) -> alt.InlineData:
    """Wrap rows as inline Vega-Lite data."""
    return alt.InlineData(values=rows)
