"""ACLED export files (the CSV that ACLED's export tool and API write).

``event_id_cnty`` identifies the event; ``event_date`` is ``YYYY-MM-DD`` in
current exports and ``DD Month YYYY`` in older ones; ``time_precision`` is
1 for a known day, 2 for a date known to within about a week and 3 for one
known only to the month (ACLED then codes a date inside that month: the
incident is spread over the whole month here); ``admin1`` is the region;
``fatalities`` is a single figure, so low = best = high. An event whose
``civilian_targeting`` column says "Civilian targeting" has victim category
``civilians``. ACLED reports no injured.
"""

from __future__ import annotations

import pandas as pd

from trends.ingest.common import (
    ReadContext,
    base_table,
    map_regions,
    period_end,
    require,
    require_values,
    text,
)
from trends.ingest.files import RawTable
from trends.textops import map_text
from trends.validate import first_bad, parse_counts, parse_dates

NAME = "acled"
REQUIRED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "actor1",
    "country",
    "admin1",
    "fatalities",
)
COLUMNS = (
    *REQUIRED,
    "admin2",
    "actor2",
    "sub_event_type",
    "civilian_targeting",
    "source",
    "notes",
)
"""Every column the reader looks at."""
FREE_TEXT = ("source", "notes")
"""Columns read only into ``source`` and ``notes``, which no count depends on."""
SIGNATURE = frozenset({"event_id_cnty", "event_date", "admin1", "fatalities"})
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y")
PRECISION = {"1": "day", "2": "week", "3": "month"}


def read(raw: RawTable, ctx: ReadContext) -> pd.DataFrame:
    """Map an ACLED export to the canonical table."""
    require(raw, REQUIRED, NAME)
    require_values(raw, ("event_id_cnty", "country"))
    path, lines = raw.path, raw.lines.set_axis(raw.cells.index)
    table = base_table(raw)
    table["incident_id"] = text(raw, "event_id_cnty")
    date = parse_dates(
        text(raw, "event_date"),
        column="event_date",
        path=path,
        lines=lines,
        formats=DATE_FORMATS,
        latest=raw.latest,
    )
    prec = text(raw, "time_precision")
    bad = ~prec.isin(list(PRECISION))
    if bad.any():
        msg = "time_precision must be 1, 2 or 3"
        raise first_bad(msg, path, lines, bad, "time_precision", prec)
    table["date_precision"] = map_text(prec, PRECISION)
    month = table["date_precision"] == "month"
    table["date_start"] = date.where(~month, date.dt.to_period("M").dt.start_time)
    table["date_end"] = period_end(table["date_start"], table["date_precision"])
    table["country"] = text(raw, "country")
    table["region"] = text(raw, "admin1")
    table["subregion"] = text(raw, "admin2")
    table["actor1"], table["actor2"] = text(raw, "actor1"), text(raw, "actor2")
    sub = text(raw, "sub_event_type")
    table["violence_type"] = text(raw, "event_type")
    table["victim_category"] = (
        text(raw, "civilian_targeting")
        .str.lower()
        .pipe(map_text, lambda v: "civilians" if v.startswith("civilian") else "")
    )
    deaths = parse_counts(
        text(raw, "fatalities"),
        column="fatalities",
        path=path,
        lines=lines,
        max_count=ctx.limits.max_count,
    )
    if deaths.isna().any():
        msg = "fatalities is required"
        raise first_bad(msg, path, lines, deaths.isna(), "fatalities", text(raw, "fatalities"))
    table["killed_low"] = table["killed_best"] = table["killed_high"] = deaths
    table["source"] = text(raw, "source")
    notes = text(raw, "notes")
    table["notes"] = (sub + ": " + notes).where(sub != "", notes)
    table["region"] = map_regions(table, ctx)
    return table
