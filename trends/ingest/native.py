"""The package's own incident layout (CSV or Parquet), one row per source report.

Columns are the canonical ones (see ``trends.schema``). Required:
``incident_id``, ``date_start``, ``country``, ``region``, ``killed_best``.
``date_start`` may be a day (2023-11-09), a month (2023-02) or a year (2021);
the precision follows from the form unless ``date_precision`` says otherwise,
and ``date_end`` defaults to the end of that day, month or year. Several rows
with one ``incident_id`` are several reports of one incident and are merged
later (see ``trends.ingest.merge``). ``killed_low`` and ``killed_high``
default to ``killed_best``.
"""

from __future__ import annotations

import pandas as pd

from trends.ingest.common import (
    ReadContext,
    base_table,
    check_estimates,
    map_regions,
    period_end,
    require,
    require_values,
    text,
)
from trends.ingest.files import RawTable
from trends.schema import COUNT_COLUMNS, PRECISIONS, TEXT_COLUMNS, check_end_after_start
from trends.validate import first_bad, parse_counts, parse_dates

NAME = "native"
REQUIRED = ("incident_id", "date_start", "country", "region", "killed_best")
COLUMNS = tuple(dict.fromkeys((*REQUIRED, *TEXT_COLUMNS, "date_end", *COUNT_COLUMNS)))
"""Every column the reader looks at."""
FREE_TEXT = ("source", "notes")
"""Columns read only into ``source`` and ``notes``, which no count depends on."""
SIGNATURE = frozenset({"incident_id", "date_start", "killed_best"})
_FORMS = (
    ("day", r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
    ("month", r"^\d{4}-\d{2}$", "%Y-%m"),
    ("year", r"^\d{4}$", "%Y"),
)


def read(raw: RawTable, ctx: ReadContext) -> pd.DataFrame:
    """Map a native file to the canonical table.

    Examples
    --------
    >>> from trends.ingest.files import RawTable
    >>> cells = pd.DataFrame({"incident_id": ["a"], "date_start": ["2023-02"],
    ...     "country": ["Syria"], "region": ["Homs"], "killed_best": ["53"]})
    >>> t = read(RawTable("x.csv", cells, pd.Series([2])), ReadContext())
    >>> t["date_precision"].iloc[0], int(t["killed_low"].iloc[0]), int(t["killed_high"].iloc[0])
    ('month', 53, 53)
    >>> str(t["date_end"].iloc[0].date())
    '2023-02-28'

    """
    require(raw, REQUIRED, NAME)
    table = base_table(raw)
    lines, path = raw.lines.set_axis(raw.cells.index), raw.path
    for name in TEXT_COLUMNS:
        table[name] = text(raw, name)
    require_values(raw, ("incident_id", "country"))
    start_text = text(raw, "date_start")
    form = pd.Series("", index=table.index)
    for precision, pattern, _ in _FORMS:
        form[start_text.str.fullmatch(pattern)] = precision
    table["date_start"] = pd.NaT
    for precision, _, fmt in _FORMS:
        rows = form == precision
        table.loc[rows, "date_start"] = parse_dates(
            start_text[rows],
            column="date_start",
            path=path,
            lines=lines[rows],
            formats=(fmt,),
            expected="YYYY-MM-DD, YYYY-MM or YYYY",
            latest=raw.latest,
        )
    if (form == "").any():
        msg = "unparseable date; expected YYYY-MM-DD, YYYY-MM or YYYY"
        raise first_bad(msg, path, lines, form == "", "date_start", start_text)
    table["date_start"] = pd.to_datetime(table["date_start"])
    given = table["date_precision"].str.lower()
    unknown = (given != "") & ~given.isin(PRECISIONS)
    if unknown.any():
        msg = f"date_precision must be one of {', '.join(PRECISIONS)}"
        raise first_bad(msg, path, lines, unknown, "date_precision", given)
    table["date_precision"] = given.where(given != "", form)
    end_text = text(raw, "date_end")
    end = period_end(table["date_start"], table["date_precision"])
    if (end_text != "").any():
        has_end = end_text != ""
        end[has_end] = parse_dates(
            end_text[has_end],
            column="date_end",
            path=path,
            lines=lines[has_end],
            formats=("%Y-%m-%d",),
            latest=raw.latest,
        )
    table["date_end"] = end
    check_end_after_start(table, path, "date_end")
    for name in COUNT_COLUMNS:
        table[name] = parse_counts(
            text(raw, name), column=name, path=path, lines=lines, max_count=ctx.limits.max_count
        )
    if table["killed_best"].isna().any():
        msg = "killed_best is required; write 0 when nobody was killed"
        raise first_bad(
            msg, path, lines, table["killed_best"].isna(), "killed_best", text(raw, "killed_best")
        )
    table["killed_low"] = table["killed_low"].fillna(table["killed_best"])
    table["killed_high"] = table["killed_high"].fillna(table["killed_best"])
    check_estimates(table, ctx, path, strict=True)
    table["region"] = map_regions(table, ctx)
    return table
