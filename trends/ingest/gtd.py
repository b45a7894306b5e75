"""Global Terrorism Database (GTD) files, as exported by START to CSV.

``eventid`` identifies the event; ``iyear``/``imonth``/``iday`` give the date,
a 0 month or day meaning unknown (the incident is then spread over its year
or month); ``extended`` = 1 with a ``resolution`` date gives the end of a
longer incident; ``provstate`` is the region; ``gname`` the perpetrator;
``targtype1_txt`` the victim category; ``nkill`` the deaths (perpetrators
included) and ``nwound`` the injured. A blank ``nkill`` is unknown: the
incident is still counted, with no deaths, and noted. The GTD's CSV
exports are Latin-1 text: pass ``--encoding latin-1``.
"""

from __future__ import annotations

import pandas as pd

from trends.errors import InputError
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
from trends.schema import check_end_after_start
from trends.textops import map_text
from trends.validate import EARLIEST, LATEST, check_dates, first_bad, parse_counts, parse_dates

NAME = "gtd"
REQUIRED = ("eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "gname", "nkill")
COLUMNS = (
    *REQUIRED,
    "resolution",
    "extended",
    "city",
    "gname2",
    "attacktype1_txt",
    "targtype1_txt",
    "nwound",
    "dbsource",
    "summary",
)
"""Every column the reader looks at."""
FREE_TEXT = ("dbsource", "summary")
"""Columns read only into ``source`` and ``notes``, which no count depends on."""
SIGNATURE = frozenset({"eventid", "iyear", "imonth", "iday", "nkill"})
VICTIMS = {
    "military": "soldiers",
    "police": "police",
    "private citizens & property": "civilians",
    "terrorists/non-state militia": "militia",
}


def read(raw: RawTable, ctx: ReadContext) -> pd.DataFrame:
    """Map a GTD export to the canonical table."""
    require(raw, REQUIRED, NAME)
    require_values(raw, ("eventid", "country_txt"))
    path, lines = raw.path, raw.lines.set_axis(raw.cells.index)
    table = base_table(raw)
    table["incident_id"] = text(raw, "eventid")
    parts = {}
    years = ("iyear", EARLIEST.year, LATEST.year)
    for column, low, high in (years, ("imonth", 0, 12), ("iday", 0, 31)):
        values = pd.to_numeric(text(raw, column), errors="coerce")
        bad = values.isna() | (values < low) | (values > high) | (values % 1 != 0)
        if bad.any():
            msg = f"expected a whole number from {low} to {high}"
            raise first_bad(msg, path, lines, bad, column, text(raw, column))
        parts[column] = values.astype(int)
    year, month, day = parts["iyear"], parts["imonth"], parts["iday"]
    table["date_precision"] = "day"
    table.loc[day == 0, "date_precision"] = "month"
    table.loc[month == 0, "date_precision"] = "year"
    stamp = pd.DataFrame({"year": year, "month": month.clip(lower=1), "day": day.clip(lower=1)})
    start = pd.to_datetime(stamp, errors="coerce")
    if start.isna().any():
        first = start.isna().to_numpy().nonzero()[0][0]
        msg = "no such calendar date"
        raise InputError(
            msg,
            path=path,
            line=int(lines.iloc[first]),
            column="iday",
            value=f"{year.iloc[first]}-{month.iloc[first]}-{day.iloc[first]}",
        )
    shown = text(raw, "iyear")
    check_dates(start, column="iyear", path=path, lines=lines, shown=shown, latest=raw.latest)
    table["date_start"] = start
    end = period_end(start, table["date_precision"])
    resolution = text(raw, "resolution")
    # 1.0 from a float column, True from a Parquet boolean
    flag = text(raw, "extended").str.replace(r"\.0$", "", regex=True).replace(
        {"True": "1", "False": "0"})
    bad = ~flag.isin(["0", "1", ""])
    if bad.any():
        msg = "extended must be 0 or 1"
        raise first_bad(msg, path, lines, bad, "extended", text(raw, "extended"))
    extended = (flag == "1") & (resolution != "")
    if extended.any():
        end[extended] = parse_dates(
            resolution[extended],
            column="resolution",
            path=path,
            lines=lines[extended],
            formats=("%Y-%m-%d", "%m/%d/%Y"),
            latest=raw.latest,
        )
    table["date_end"] = end
    check_end_after_start(table, path, "resolution")
    table["country"] = text(raw, "country_txt")
    table["region"] = text(raw, "provstate")
    table["subregion"] = text(raw, "city")
    table["actor1"], table["actor2"] = text(raw, "gname"), text(raw, "gname2")
    table["violence_type"] = text(raw, "attacktype1_txt")
    target = text(raw, "targtype1_txt")
    table["victim_category"] = map_text(target.str.lower(), lambda v: VICTIMS.get(v, v))
    deaths = parse_counts(
        text(raw, "nkill"), column="nkill", path=path, lines=lines, max_count=ctx.limits.max_count
    )
    unknown = deaths.isna()
    if unknown.any():
        ctx.log.add_rows(
            table[unknown],
            "changed",
            "nkill is blank (deaths unknown): counted as an incident with 0 deaths",
        )
    deaths = deaths.fillna(0)
    table["killed_low"] = table["killed_best"] = table["killed_high"] = deaths
    table["injured"] = parse_counts(
        text(raw, "nwound"), column="nwound", path=path, lines=lines, max_count=ctx.limits.max_count
    )
    table["source"] = text(raw, "dbsource")
    table["notes"] = text(raw, "summary")
    table["region"] = map_regions(table, ctx)
    return table
