"""The canonical incident table and the checks every reader shares.

One row is one incident. Readers map a source layout to these columns;
:func:`parse_counts` and :func:`parse_dates` turn text into typed columns and
stop at the first bad value with an error naming file, line, column and value.

=================  ===============  ==============================================
column             type             meaning
=================  ===============  ==============================================
incident_id        str              the source's event id (native: one id per incident)
date_start         datetime64       first day the incident may have happened
date_end           datetime64       last day (equal to date_start for a known day)
date_precision     str              day, week, month or year: how well the date is known
country            str              country name as the source gives it
region             str              admin-1 region, canonical spelling (see regions.py)
subregion          str              admin-2 or place, as written; may be empty
actor1, actor2     str              the sides (perpetrator first where known); may be empty
violence_type      str              e.g. state-based, non-state, one-sided, an ACLED event type
victim_category    str              e.g. soldiers, militia, civilians, perpetrators; may be empty
killed_low         Int64            lowest credible death toll
killed_best        Int64            best estimate
killed_high        Int64            highest credible death toll
injured            Int64            injured, where reported (else missing)
source             str              source(s) of the report, "; "-separated
notes              str              free text
=================  ===============  ==============================================

Two bookkeeping columns travel with every row: ``_file`` and ``_line`` (the
1-based line of the record in its file, or the row number for Parquet), so
that any later decision about the row can name where it came from.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trends.errors import InputError

COUNT_COLUMNS = ("killed_low", "killed_best", "killed_high", "injured")
COLUMNS = (
    "incident_id",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "region",
    "subregion",
    "actor1",
    "actor2",
    "violence_type",
    "victim_category",
    *COUNT_COLUMNS,
    "source",
    "notes",
)
TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in (*COUNT_COLUMNS, "date_start", "date_end"))
BOOKKEEPING = ("_file", "_line")
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
"""A month as every table and option writes it: YYYY-MM."""
PRECISIONS = ("day", "week", "month", "year")


def bad_value(
    message: str, path: str, lines: pd.Series, mask: pd.Series, column: str, raw: pd.Series
) -> InputError:
    """An InputError for the first row of ``mask``, naming its line and value."""
    first = mask.to_numpy().nonzero()[0][0]
    return InputError(
        message, path=path, line=int(lines.iloc[first]), column=column, value=raw.iloc[first]
    )


def parse_counts(raw: pd.Series, *, column: str, path: str, lines: pd.Series) -> pd.Series:
    """Parse non-negative whole numbers; empty text is missing.

    Examples
    --------
    >>> lines = pd.Series([2, 3, 4])
    >>> parse_counts(pd.Series(["3", "", "4.0"]), column="k", path="f", lines=lines).tolist()
    [3, <NA>, 4]

    """
    text = raw.fillna("").astype(str).str.strip()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    values = numbers.to_numpy(dtype=float)
    given = (text != "").to_numpy()
    unreadable = given & ~np.isfinite(values)
    if unreadable.any():
        msg = "not a number"
        raise bad_value(msg, path, lines, pd.Series(unreadable), column, text)
    negative = given & (values < 0)
    if negative.any():
        msg = "casualty counts cannot be negative"
        raise bad_value(msg, path, lines, pd.Series(negative), column, text)
    fractional = given & (np.floor(values) != values)
    if fractional.any():
        msg = "casualty counts must be whole numbers"
        raise bad_value(msg, path, lines, pd.Series(fractional), column, text)
    return pd.Series(numbers.to_numpy(), index=raw.index).astype("Int64")


def parse_dates(
    raw: pd.Series,
    *,
    column: str,
    path: str,
    lines: pd.Series,
    formats: tuple[str, ...],
    expected: str | None = None,
) -> pd.Series:
    """Parse dates trying each ``strptime`` format in turn; every value must parse.

    Examples
    --------
    >>> lines = pd.Series([2, 3])
    >>> s = parse_dates(pd.Series(["2023-11-09", "2024-03-26 00:00:00.000"]), column="d",
    ...                 path="f", lines=lines, formats=("%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f"))
    >>> [str(d.date()) for d in s]
    ['2023-11-09', '2024-03-26']

    """
    text = raw.fillna("").astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    missing = parsed.isna()
    if missing.any():
        message = "missing date" if (text[missing] == "").all() else "unparseable date"
        expected = expected or " or ".join(map(human_format, formats))
        msg = f"{message}; expected {expected}"
        raise bad_value(msg, path, lines, missing, column, text)
    return parsed.dt.normalize()


def human_format(fmt: str) -> str:
    """A ``strptime`` format as users write it.

    Examples
    --------
    >>> human_format("%Y-%m-%d %H:%M:%S.%f")
    'YYYY-MM-DD hh:mm:ss.fff'

    """
    for code, shown in (
        ("%Y", "YYYY"),
        ("%m", "MM"),
        ("%d", "DD"),
        ("%H", "hh"),
        ("%M", "mm"),
        ("%S", "ss"),
        ("%f", "fff"),
        ("%B", "Month"),
    ):
        fmt = fmt.replace(code, shown)
    return fmt


def check_end_after_start(table: pd.DataFrame, path: str, column: str) -> None:
    """Raise when an incident ends before it starts."""
    bad = table["date_end"] < table["date_start"]
    if bad.any():
        msg = "end date is before start date"
        raise bad_value(
            msg,
            path,
            table["_line"],
            bad,
            column,
            table["date_end"].dt.strftime("%Y-%m-%d"),
        )


def order_violations(table: pd.DataFrame) -> pd.Series:
    """Text describing where low <= best <= high fails (empty where it holds)."""
    low, best, high = (table[c] for c in ("killed_low", "killed_best", "killed_high"))
    why = pd.Series("", index=table.index)
    low_gt = (low > best).fillna(False).astype(bool)
    best_gt = (best > high).fillna(False).astype(bool)
    why[low_gt] = "low " + low[low_gt].astype(str) + " > best " + best[low_gt].astype(str)
    why[best_gt] = "best " + best[best_gt].astype(str) + " > high " + high[best_gt].astype(str)
    return why


def finish(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with exactly the canonical and bookkeeping columns, typed."""
    out = table.copy()
    for name in TEXT_COLUMNS:
        if name not in out:
            out[name] = ""
        out[name] = out[name].fillna("").astype(str).str.strip()
    for name in COUNT_COLUMNS:
        if name not in out:
            out[name] = pd.array([pd.NA] * len(out), dtype="Int64")
        out[name] = out[name].astype("Int64")
    out["_line"] = out["_line"].astype("int64")
    return out[[*COLUMNS, *BOOKKEEPING]].reset_index(drop=True)
