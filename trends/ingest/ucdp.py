"""UCDP Georeferenced Event Dataset (GED): yearly releases and Candidate Events.

Follows the GED codebook: one row per event; ``low``/``best``/``high`` deaths;
``side_a``/``side_b`` the actors; ``type_of_violence`` 1 state-based,
2 non-state, 3 one-sided; ``date_prec`` 1 exact day, 2 a range of 2-6 days,
3 the week, 4 the month (or 8-30 days), 5 more than a month or only the year;
``adm_1`` the admin-1 region. Yearly files write dates as ``YYYY-MM-DD``,
Candidate releases as ``YYYY-MM-DD 00:00:00.000`` and spell regions
"... governorate"; both are read here. Candidate releases mark actors not
yet identified with codes such as ``XXX652``, and events not yet cleared with a
``code_status`` other than "Clear": those rows are kept and noted.
GED's own low/best/high inconsistencies are kept as published and noted
(``--strict`` makes them errors).
"""

from __future__ import annotations

import pandas as pd

from trends.ingest.common import (
    ReadContext,
    base_table,
    check_estimates,
    map_regions,
    require,
    require_values,
    text,
)
from trends.ingest.files import RawTable
from trends.schema import check_end_after_start
from trends.textops import map_text
from trends.validate import first_bad, parse_counts, parse_dates

NAME = "ucdp-ged"
REQUIRED = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "country",
    "adm_1",
    "date_prec",
    "date_start",
    "date_end",
    "low",
    "best",
    "high",
)
COLUMNS = (*REQUIRED, "adm_2", "code_status", "source_office", "source_headline")
"""Every column the reader looks at."""
FREE_TEXT = ("source_office", "source_headline")
"""Columns read only into ``source`` and ``notes``, which no count depends on."""
SIGNATURE = frozenset({"id", "side_a", "side_b", "date_prec", "best", "adm_1"})
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y")
PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def read(raw: RawTable, ctx: ReadContext) -> pd.DataFrame:
    """Map a GED event file to the canonical table."""
    require(raw, REQUIRED, NAME)
    require_values(raw, ("id", "country"))
    path, lines = raw.path, raw.lines.set_axis(raw.cells.index)
    table = base_table(raw)
    table["incident_id"] = text(raw, "id")
    for column, formats in (("date_start", DATE_FORMATS), ("date_end", DATE_FORMATS)):
        table[column] = parse_dates(
            text(raw, column),
            column=column,
            path=path,
            lines=lines,
            formats=formats,
            latest=raw.latest,
        )
    check_end_after_start(table, path, "date_end")
    prec = text(raw, "date_prec").str.replace(r"\.0$", "", regex=True)
    bad = ~prec.isin(list(PRECISION))
    if bad.any():
        msg = "date_prec must be 1-5"
        raise first_bad(msg, path, lines, bad, "date_prec", prec)
    table["date_precision"] = map_text(prec, PRECISION)
    violence = text(raw, "type_of_violence").str.replace(r"\.0$", "", regex=True)
    bad = ~violence.isin(list(VIOLENCE))
    if bad.any():
        msg = "type_of_violence must be 1, 2 or 3"
        raise first_bad(msg, path, lines, bad, "type_of_violence", violence)
    table["violence_type"] = map_text(violence, VIOLENCE)
    table["country"] = text(raw, "country")
    table["region"] = text(raw, "adm_1")
    table["subregion"] = text(raw, "adm_2")
    table["actor1"], table["actor2"] = text(raw, "side_a"), text(raw, "side_b")
    for ours, theirs in (("killed_low", "low"), ("killed_best", "best"), ("killed_high", "high")):
        table[ours] = parse_counts(
            text(raw, theirs), column=theirs, path=path, lines=lines, max_count=ctx.limits.max_count
        )
        if table[ours].isna().any():
            msg = "a death estimate is required"
            raise first_bad(msg, path, lines, table[ours].isna(), theirs, text(raw, theirs))
    table["source"] = text(raw, "source_office")
    table["notes"] = text(raw, "source_headline")
    unassigned = _unidentified(table["actor1"]) | _unidentified(table["actor2"])
    if unassigned.any():
        ctx.log.add_rows(
            table[unassigned], "note", "an actor is not yet identified by UCDP (code XXX...)"
        )
    _note_uncleared(text(raw, "code_status"), table, ctx)
    check_estimates(table, ctx, path, strict=False)
    table["region"] = map_regions(table, ctx)
    return table


def _note_uncleared(status: pd.Series, table: pd.DataFrame, ctx: ReadContext) -> None:
    """Note the Candidate events UCDP has not cleared (``code_status`` other than Clear)."""
    uncleared = (status != "") & (status.str.casefold() != "clear")
    for value in sorted(set(status[uncleared])):
        ctx.log.add_rows(table[uncleared & (status == value)], "note",
                         f"a UCDP Candidate event not yet cleared (code_status {value!r})")


def _unidentified(actor: pd.Series) -> pd.Series:
    """True where a side is a code such as XXX652 (as ``str.match`` of XXX and a digit)."""
    marked = actor.str.startswith("XXX").to_numpy(dtype=bool)
    out = pd.Series(marked, index=actor.index)
    if marked.any():
        out[marked] = actor[marked].str.match(r"^XXX\d").to_numpy(dtype=bool)
    return out
