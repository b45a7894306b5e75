"""Monthly series: from a panel, or from a CSV the user already has.

The statistics take one monthly series at a time: a ``pd.Series`` of counts
indexed by a complete monthly ``PeriodIndex``. A monthly CSV has a ``month``
column (YYYY-MM), one column per measure and, optionally, a ``region``
column; months must be consecutive within each region, since a missing
month cannot be told apart from a month with no incidents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trends.errors import DataError, InputError, OptionError
from trends.ingest.files import read_raw
from trends.schema import MONTH_PATTERN, parse_counts


def is_monthly_header(columns: list[str]) -> bool:
    """True for a monthly table: a ``month`` column and no incident dates."""
    return "month" in columns and not {"date_start", "event_date", "iyear"} & set(columns)


def read_monthly(path: str | Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read and check a monthly CSV.

    Examples
    --------
    >>> path = "data/ucdp_country_month_killed_syria_iraq_1989-2026.csv"
    >>> read_monthly(path).columns.tolist()  # doctest: +SKIP
    ['month', 'syria_killed_best', 'iraq_killed_best']
    """
    raw = read_raw(path, encoding=encoding)
    name, lines = raw.path, raw.lines.set_axis(raw.cells.index)
    if "month" not in raw.header:
        msg = "a monthly table needs a 'month' column (YYYY-MM)"
        raise InputError(msg, path=name, line=1)
    months = raw.cells["month"].fillna("").astype(str).str.strip()
    bad = ~months.str.match(MONTH_PATTERN)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        msg = "expected a month written YYYY-MM"
        raise InputError(
            msg, path=name, line=int(lines.iloc[first]), column="month", value=months.iloc[first]
        )
    frame = pd.DataFrame({"month": months})
    keys: list[str] = [c for c in ("region", "country") if c in raw.header]
    for key in keys:
        frame[key] = raw.cells[key].fillna("").astype(str).str.strip()
    for column in raw.header:
        if column not in ("month", *keys):
            frame[column] = parse_counts(raw.cells[column], column=column, path=name, lines=lines)
    _check_consecutive(frame, keys, name, lines)
    return frame


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
            before = periods[order][np.flatnonzero(gaps)[0]]
            msg = (
                f"months are not consecutive: nothing after {before}; write a row with 0 "
                "for a month with no incidents"
            )
            raise InputError(msg, path=name, column="month")


def to_series(frame: pd.DataFrame, measure: str, region: str | None = None) -> pd.Series:
    """One region's (or the only) monthly series of ``measure`` from a panel or monthly table.

    Examples
    --------
    >>> panel = pd.DataFrame({"month": ["2020-01", "2020-02"], "incidents": [3, 0]})
    >>> to_series(panel, "incidents").tolist()
    [3, 0]
    """
    if measure not in frame.columns:
        measures = [c for c in frame.columns if c not in ("month", "region", "country")]
        msg = f"no measure {measure!r} in the data; choose one of {', '.join(measures)}"
        raise OptionError(msg)
    if region is not None:
        if "region" not in frame.columns:
            msg = "the data have no region column; drop --region or aggregate --by region"
            raise OptionError(msg)
        frame = frame[frame["region"] == region]
        if frame.empty:
            msg = f"no region {region!r} in the data"
            raise OptionError(msg)
    elif "region" in frame.columns and frame["region"].nunique() > 1:
        frame = frame.groupby("month", as_index=False).agg({measure: "sum"})
    values = frame[measure]
    if values.isna().any():
        msg = f"{measure} is missing for some months; fill them before fitting"
        raise DataError(msg)
    index = pd.PeriodIndex(frame["month"], freq="M")
    order = np.argsort(index.asi8)
    return pd.Series(values.to_numpy(dtype="int64")[order], index=index[order], name=measure)
