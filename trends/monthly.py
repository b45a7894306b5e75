"""Monthly series: from a panel, or from a CSV the user already has.

The statistics take one monthly series at a time: a ``pd.Series`` of counts
indexed by a complete monthly ``PeriodIndex``. A monthly CSV has a ``month``
column (YYYY-MM), one column per measure and, optionally, a ``region``
column; months must be consecutive within each region, since a missing
month cannot be told apart from a month with no incidents. Columns that do
not hold counts (a price, a note) are ignored unless named as the measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from trends.errors import DataError, InputError, OptionError
from trends.ingest.files import RawTable, read_raw
from trends.validate import (
    Limits,
    check_total,
    first_bad,
    parse_counts,
    parse_month_column,
    parse_numbers,
    require_names,
)

KEYS = ("region", "country")
"""Columns of a monthly table that name a series rather than count."""


def headed(columns: Sequence[str], name: str) -> str | None:
    """The column headed ``name`` in any case or with spaces around it, the exact one first.

    Examples
    --------
    >>> headed(["Month", "Killed"], "month"), headed(["month ", "Month"], "region")
    ('Month', None)

    """
    if name in columns:
        return name
    alike = [c for c in columns if c.strip().casefold() == name]
    return alike[0] if len(alike) == 1 else None


def is_monthly_header(columns: list[str]) -> bool:
    """True for a monthly table: a ``month`` column and no incident dates."""
    return (headed(columns, "month") is not None
            and not {"date_start", "event_date", "iyear"} & set(columns))


def read_monthly(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    measure: str | None = None,
    limits: Limits | None = None,
    numbers: Sequence[str] = (),
) -> pd.DataFrame:
    """Read and check a monthly CSV.

    The ``measure`` column must hold counts (every bad cell is an error
    naming its line and value); other columns are kept when they hold counts
    and ignored when they do not (a price with decimals, a text column), as
    are all columns a measure could not be. ``numbers`` names columns read
    as real numbers instead (an exposure, a covariate such as a price): every
    cell must hold one. ``region`` and ``country`` columns key the series and
    may not be blank.

    Examples
    --------
    >>> path = "data/ucdp_country_month_killed_syria_iraq_1989-2026.csv"
    >>> read_monthly(path).columns.tolist()  # doctest: +SKIP
    ['month', 'syria_killed_best', 'iraq_killed_best']
    """
    limits = limits or Limits()
    raw = _keys_named(read_raw(path, encoding=encoding, limits=limits))
    name, lines = raw.path, raw.lines.set_axis(raw.cells.index)
    if "month" not in raw.header:
        msg = "a monthly table needs a 'month' column (YYYY-MM)"
        raise InputError(msg, path=name, line=1)
    months = parse_month_column(
        raw.cells["month"], column="month", path=name, lines=lines, latest=raw.latest
    )
    frame = pd.DataFrame({"month": months})
    keys: list[str] = [c for c in KEYS if c in raw.header]
    raw.require_text({"month", *keys, *numbers, *([measure] if measure else [])})
    for key in keys:
        # "é" typed as e and an accent is the same name, as in incident files
        names = require_names(raw.cells[key], column=key, path=name, lines=lines)
        frame[key] = names.str.normalize("NFC")
    if measure is not None and (measure not in raw.header or measure in ("month", *keys)):
        measures = [c for c in raw.header if c not in ("month", *keys)]
        msg = f"no measure {measure!r} in the table; choose one of {', '.join(measures)}"
        raise OptionError(msg)
    missing = [c for c in numbers if c not in raw.header]
    if missing:
        msg = (f"no column {missing[0]!r} in the table; it has "
               + ", ".join(c for c in raw.header if c != "month"))
        raise OptionError(msg)
    for column in raw.header:
        if column in ("month", *keys):
            continue
        if column in numbers:
            frame[column] = parse_numbers(raw.cells[column], column=column, path=name,
                                          lines=lines)
            _check_filled(frame[column], column, name, lines, raw.cells[column])
            continue
        try:
            values = parse_counts(
                raw.cells[column],
                column=column,
                path=name,
                lines=lines,
                max_count=limits.max_count,
            )
        except InputError:
            if column == measure:
                raise
            continue
        if column == measure or column in numbers:
            _check_filled(values, column, name, lines, raw.cells[column])
        check_total(values, column)
        frame[column] = values
    _check_consecutive(frame, keys, name, lines)
    frame.attrs["lines"] = lines.to_numpy()  # each row's line, for the row log of a filter
    return frame


def _keys_named(raw: RawTable) -> RawTable:
    """``raw`` with its month and key columns headed in lower case ("Month" is "month")."""
    names = {c: key for key in ("month", *KEYS)
             if (c := headed(raw.header, key)) is not None and c != key}
    if not names:
        return raw
    every = None if raw.names is None else tuple(names.get(c, c) for c in raw.names)
    kinds = tuple((names.get(c, c), kind) for c, kind in raw.not_text)
    return replace(raw, cells=raw.cells.rename(columns=names), names=every, not_text=kinds)


def _check_consecutive(frame: pd.DataFrame, keys: list[str], name: str, lines: pd.Series) -> None:
    groups = frame.groupby(keys, sort=False) if keys else [((), frame)]
    for _, group in groups:
        periods = pd.PeriodIndex(group["month"], freq="M")
        repeated = periods.duplicated()
        if repeated.any():
            row = group.index[np.flatnonzero(repeated)[0]]
            msg = "this month appears twice" + (f" for the same {'/'.join(keys)}" if keys else "")
            raise InputError(
                msg, path=name, line=int(lines[row]), column="month", value=frame.loc[row, "month"]
            )
        order = np.argsort(periods.asi8)
        gaps = np.diff(periods.asi8[order]) != 1
        if gaps.any():
            gap = int(np.flatnonzero(gaps)[0])
            before, row = periods[order][gap], group.index[order[gap + 1]]
            msg = (
                f"months are not consecutive: nothing between {before} and this month; write "
                "a row with 0 for each month with no incidents"
            )
            raise InputError(msg, path=name, line=int(lines[row]), column="month",
                             value=frame.loc[row, "month"])


def _check_filled(
    values: pd.Series, column: str, name: str, lines: pd.Series, cells: pd.Series
) -> None:
    """Refuse a blank cell in a column the analysis uses, naming its line."""
    if values.isna().any():
        msg = "a blank value in a column the analysis uses; write 0 for a month with none"
        raise first_bad(msg, name, lines, values.isna(), column, cells)


def to_series(frame: pd.DataFrame, measure: str, region: str | None = None) -> pd.Series:
    """One region's (or the only) monthly series of ``measure`` from a panel or monthly table.

    Examples
    --------
    >>> panel = pd.DataFrame({"month": ["2020-01", "2020-02"], "incidents": [3, 0]})
    >>> to_series(panel, "incidents").tolist()
    [3, 0]
    """
    measures = [
        c
        for c in frame.columns
        if c not in ("month", *KEYS) and pd.api.types.is_numeric_dtype(frame[c])
    ]
    if measure not in measures:
        msg = f"no measure {measure!r} in the data; choose one of {', '.join(measures)}"
        raise OptionError(msg)
    if frame[measure].isna().any():
        msg = f"{measure} is missing for some months; fill them before fitting"
        raise DataError(msg)
    if region is not None:
        if "region" not in frame.columns:
            msg = "the data have no region column; drop --region or aggregate --by region"
            raise OptionError(msg)
        frame = frame[frame["region"] == region]
        if frame.empty:
            msg = f"no region {region!r} in the data"
            raise OptionError(msg)
    elif frame["month"].duplicated().any():  # several regions or countries: their sum
        frame = frame.groupby("month", as_index=False).agg({measure: "sum"})
    values = frame[measure]
    if values.isna().any():
        msg = f"{measure} is missing for some months; fill them before fitting"
        raise DataError(msg)
    index = pd.PeriodIndex(frame["month"], freq="M")
    order = np.argsort(index.asi8)
    return pd.Series(values.to_numpy(dtype="int64")[order], index=index[order], name=measure)
