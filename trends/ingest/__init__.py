"""Readers: published incident layouts in, the canonical incident table out.

Examples
--------
>>> incidents = read_incidents(["events.csv"])  # doctest: +SKIP
>>> incidents.table.columns[:3].tolist()  # doctest: +SKIP
['incident_id', 'date_start', 'date_end']

"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from trends.errors import SchemaError
from trends.folders import expand_folders
from trends.ingest import acled, gtd, native, ucdp
from trends.ingest.common import ReadContext
from trends.ingest.compact import concat, labels, read_compact
from trends.ingest.files import RawTable, read_raw
from trends.ingest.merge import drop_repeated_events, merge_reports
from trends.options import INPUT_FORMATS, InputFormat, check_choice
from trends.regions import Gazetteer
from trends.rowlog import RowLog
from trends.schema import finish
from trends.validate import Limits

Format = InputFormat
READERS: dict[str, ModuleType] = {m.NAME: m for m in (native, ucdp, acled, gtd)}
FORMATS = INPUT_FORMATS


@dataclass(frozen=True)
class IncidentSet:
    """The canonical incident table read from one or more files, and its row log."""

    table: pd.DataFrame
    log: RowLog = field(default_factory=RowLog)
    formats: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    gazetteer: Gazetteer = field(default_factory=Gazetteer.default)


def detect_format(raw: RawTable) -> str:
    """Name the layout whose signature columns the header holds.

    Examples
    --------
    >>> cells = pd.DataFrame(columns=["event_id_cnty", "event_date", "admin1", "fatalities"])
    >>> detect_format(RawTable("a.csv", cells, pd.Series(dtype="int64")))
    'acled'

    """
    return layout_of(raw.header, raw.path)


def layout_of(columns: list[str], path: str) -> str:
    """Name the layout whose signature columns ``columns`` hold (see :func:`detect_format`)."""
    header = set(columns)
    share = {name: len(r.SIGNATURE & header) / len(r.SIGNATURE) for name, r in READERS.items()}
    best = max(share.values())
    matches = [name for name, value in share.items() if value == best]
    if best < 0.5 and any(c.strip().casefold() == "month" for c in header):
        msg = (
            "this looks like a monthly table (it has a month column): give it alone, "
            "not with incident files"
        )
        raise SchemaError(msg, path=path, line=1)
    if len(columns) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if sep in columns[0]:
                msg = (f"the header is one column of names split by {name} ({columns[0][:80]!r}):"
                       " trends reads fields separated by commas; save the file as "
                       "comma-separated CSV")
                raise SchemaError(msg, path=path, line=1)
    # A file that is mostly one layout is read as it, so that the error names its missing columns.
    if best < 0.5 or len(matches) != 1:
        seen = ", ".join(columns[:12])
        msg = (
            f"cannot tell the layout from the header ({seen}); "
            f"name it with --format {'|'.join(READERS)}"
        )
        raise SchemaError(msg, path=path, line=1)
    return matches[0]


def read_incidents(
    paths: Sequence[str | Path] | str | Path,
    *,
    format: Format = "auto",
    aliases: str | Path | None = None,
    encoding: str = "utf-8",
    strict: bool = False,
    limits: Limits | None = None,
    compact: bool = False,
) -> IncidentSet:
    """Read incident files of any supported layout into one canonical table.

    Parameters
    ----------
    paths
        One or more CSV or Parquet files, or folders of them (their
        ``*.csv``, ``*.csv.gz`` and ``*.parquet`` files in name order, see
        :mod:`trends.folders`); files may be of different layouts when
        ``format`` is "auto".
    format
        The layout, or "auto" to detect it from each file's header.
    aliases
        A CSV of extra region spellings (``alias,region[,country]``).
    encoding
        Text encoding of CSV files.
    strict
        Treat the published datasets' internal inconsistencies as errors.
    limits
        Ceilings on counts and on what compressed files expand to
        (:class:`trends.validate.Limits`).
    compact
        Read each file in pieces into the compact table
        (:mod:`trends.ingest.compact`: no ``source`` or ``notes``, text as
        categoricals, rows in file order), in bounded memory; the counts,
        errors and row log are the same.

    Examples
    --------
    >>> s = read_incidents("data/seed_incidents.csv")  # doctest: +SKIP
    >>> s.formats  # doctest: +SKIP
    {'data/seed_incidents.csv': 'native'}

    """
    check_choice("format", format, FORMATS)
    files = expand_folders([paths] if isinstance(paths, str | Path) else list(paths))
    ctx = read_context(aliases=aliases, strict=strict, limits=limits)
    read, join = (read_file_compact, combine_compact) if compact else (read_file, combine)
    tables, layouts, formats = [], [], {}
    for path in files:
        layout, table = read(path, format=format, encoding=encoding, ctx=ctx)
        formats[str(path)] = layout
        tables.append(table)
        layouts.append(layout)
    table = join(tables, layouts, ctx.log)
    return IncidentSet(table, ctx.log, formats, sum(map(len, tables)), ctx.gazetteer)


def read_context(
    *, aliases: str | Path | None = None, strict: bool = False, limits: Limits | None = None
) -> ReadContext:
    """The gazetteer (with ``aliases``), settings and an empty row log for one run."""
    gazetteer = Gazetteer.default()
    if aliases is not None:
        gazetteer = gazetteer.with_aliases(aliases)
    return ReadContext(gazetteer=gazetteer, strict=strict, limits=limits or Limits())


def read_file(
    path: str | Path, *, format: Format, encoding: str, ctx: ReadContext
) -> tuple[str, pd.DataFrame]:
    """One file's layout and canonical table; its row-log entries go to ``ctx.log``."""
    choose = _chooser(path, format)
    raw = read_raw(path, encoding=encoding, limits=ctx.limits,
                   columns=lambda header: tuple(READERS[choose(header)].COLUMNS))
    layout = choose(raw.header)
    return layout, finish(READERS[layout].read(raw, ctx))


def read_file_compact(
    path: str | Path, *, format: Format, encoding: str, ctx: ReadContext
) -> tuple[str, pd.DataFrame]:
    """One file's layout and compact table, read in pieces (see :func:`read_file`)."""
    return read_compact(path, _chooser(path, format), READERS, ctx, encoding=encoding)


def _chooser(path: str | Path, format: Format) -> Callable[[list[str]], str]:
    """The layout of ``path`` from its header: ``format``, or the detected one for "auto"."""

    def choose(header: list[str]) -> str:
        return layout_of(header, str(path)) if format == "auto" else format

    return choose


def combine(tables: Sequence[pd.DataFrame], layouts: Sequence[str], log: RowLog) -> pd.DataFrame:
    """The files' tables, in file order, as one: repeated events dropped, reports merged."""
    table = pd.concat(tables, ignore_index=True)
    layouts_all = pd.Series(
        np.repeat(np.array(layouts, dtype=object), [len(t) for t in tables]), index=table.index
    )
    table = _drop_and_merge(table, layouts_all, log)
    return finish(table.sort_values(["date_start", "_file", "_line"], kind="stable"))


def combine_compact(
    tables: Sequence[pd.DataFrame], layouts: Sequence[str], log: RowLog
) -> pd.DataFrame:
    """:func:`combine` for compact tables, keeping their categoricals and file order."""
    table = concat(tables)
    parts = zip(layouts, tables, strict=True)
    frames = [pd.DataFrame({"layout": labels(lay, len(t))}) for lay, t in parts]
    return _drop_and_merge(table, concat(frames)["layout"], log).reset_index(drop=True)


def _drop_and_merge(table: pd.DataFrame, layouts: pd.Series, log: RowLog) -> pd.DataFrame:
    """``table`` without events repeated across files, with native reports of one incident merged.

    Without native rows the table is returned as it is (a concat with an empty
    frame would turn a compact table's categoricals into text).
    """
    table = drop_repeated_events(table, layouts, log)
    native = layouts.loc[table.index] == "native"
    if not native.any():
        return table
    return pd.concat([table[~native], merge_reports(table[native], log)])
