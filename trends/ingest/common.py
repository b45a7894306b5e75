"""What every reader shares: column checks, region spelling, period ends."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from trends.errors import InputError, SchemaError
from trends.ingest.files import RawTable
from trends.regions import UNASSIGNED, Gazetteer
from trends.rowlog import RowLog
from trends.schema import order_violations
from trends.textops import as_text, map_text
from trends.validate import Limits


@dataclass
class ReadContext:
    """Settings and the row log shared by the readers of one run.

    ``strict`` turns the published datasets' own inconsistencies (a low
    estimate above the best one, say) from logged notes into errors; the
    native layout is always strict. ``limits`` bound counts and file sizes.
    """

    gazetteer: Gazetteer = field(default_factory=Gazetteer.default)
    log: RowLog = field(default_factory=RowLog)
    strict: bool = False
    limits: Limits = field(default_factory=Limits)


def require(raw: RawTable, columns: tuple[str, ...], layout: str) -> None:
    """Raise a SchemaError naming every required column the file lacks."""
    missing = [c for c in columns if c not in raw.header]
    if missing:
        msg = (
            f"missing column(s) {', '.join(missing)} required by the {layout} layout; "
            f"the header has: {', '.join(raw.header[:20])}{' ...' if len(raw.header) > 20 else ''}"
        )
        raise SchemaError(msg, path=raw.path, line=1)


def require_values(raw: RawTable, columns: tuple[str, ...]) -> None:
    """A blank cell in any of the file's ``columns`` is an error naming its line.

    An event id left blank would make unrelated events one repeated event,
    and a blank country a panel row no reader takes back.
    """
    for column in columns:
        empty = (text(raw, column) == "").to_numpy()
        if empty.any():
            msg = "a value is required"
            line = int(raw.lines.to_numpy()[empty.argmax()])
            raise InputError(msg, path=raw.path, line=line, column=column, value="")


def text(raw: RawTable, column: str) -> pd.Series:
    """A column as stripped text, empty where the file has no such column."""
    raw.require_text((column,))
    if column not in raw.cells.columns:
        if column in raw.header and column not in raw.unread:
            msg = f"column {column!r} was read but not kept: add it to the reader's COLUMNS"
            raise KeyError(msg)
        return pd.Series("", index=raw.cells.index, dtype=object)
    return as_text(raw.cells[column])


def map_regions(table: pd.DataFrame, ctx: ReadContext) -> pd.Series:
    """Canonical region names; unknown and empty names are kept and logged.

    An unknown name stays as written so that it shows in the panel under its
    own spelling (in Unicode's composed form, NFC: "é" typed as e and an accent
    is the same name); an empty one becomes ``Unassigned``.
    """
    written = as_text(table["region"])
    composed = {name: unicodedata.normalize("NFC", name) for name in written.unique() if name}
    lookup = {name: ctx.gazetteer.canonical(nfc) for name, nfc in composed.items()}
    canonical = map_text(written, lambda name: lookup.get(name) or composed.get(name, name))
    # GTD writes "Unknown" where no province is known: no region, not a place of that name
    unstated = map_text(written, lambda name: name.casefold() == "unknown").astype(bool)
    unknown = map_text(written, lambda name: bool(name) and lookup.get(name) is None) & ~unstated
    empty = written == ""
    if unknown.any():
        ctx.log.add_rows(
            table[unknown],
            "note",
            "region " + written[unknown].map(repr) + " is not in the gazetteer; kept as written "
            "(add its spelling to an alias file and pass --aliases)",
        )
    if empty.any():
        ctx.log.add_rows(
            table[empty], "changed", f"no admin-1 region given; counted under {UNASSIGNED!r}"
        )
    if unstated.any():
        ctx.log.add_rows(
            table[unstated], "changed",
            "region given as " + written[unstated].map(repr) + f"; counted under {UNASSIGNED!r}",
        )
    if "country" in table.columns:
        _note_other_country(table, canonical, ~(unknown.astype(bool) | empty | unstated), ctx)
    canonical[empty | unstated] = UNASSIGNED
    return canonical


def _note_other_country(
    table: pd.DataFrame, canonical: pd.Series, known: pd.Series, ctx: ReadContext
) -> None:
    """Note each record whose region the gazetteer places in another country than the record.

    The record is kept as published (a source may have the country or the
    region wrong, and which one is not for the reader to guess).
    """
    theirs = map_text(canonical, lambda name: ctx.gazetteer.country_of.get(name, ""))
    country = as_text(table["country"])
    other = known & (theirs != "") & (country != "") & (theirs != country)
    if other.any():
        ctx.log.add_rows(
            table[other], "note",
            "region " + canonical[other].map(repr) + " is in " + theirs[other]
            + " in the gazetteer, the record says " + country[other].map(repr)
            + "; kept as published",
        )


def check_estimates(table: pd.DataFrame, ctx: ReadContext, path: str, strict: bool) -> None:
    """Enforce low <= best <= high, or log each violation as published."""
    why = order_violations(table)
    bad = why != ""
    if not bad.any():
        return
    if strict or ctx.strict:
        first = bad.to_numpy().nonzero()[0][0]
        column = "killed_low" if why.iloc[first].startswith("low") else "killed_high"
        msg = "estimates must satisfy low <= best <= high"
        raise InputError(
            msg,
            path=path,
            line=int(table["_line"].iloc[first]),
            column=column,
            value=why.iloc[first],
        )
    ctx.log.add_rows(table[bad], "note", "kept as published: " + why[bad])


def period_end(start: pd.Series, precision: pd.Series) -> pd.Series:
    """Last day of the month or year that starts at ``start``, by precision."""
    end = start.copy()
    month = precision == "month"
    year = precision == "year"
    end[month] = start[month] + pd.offsets.MonthEnd(0)
    end[year] = start[year] + pd.offsets.YearEnd(0)
    return end


def base_table(raw: RawTable) -> pd.DataFrame:
    """An empty canonical frame aligned with the raw records, with bookkeeping."""
    return pd.DataFrame({"_file": raw.path, "_line": raw.lines.to_numpy()}, index=raw.cells.index)
