"""The compact incident table: what counting needs, read file by file in bounded memory.

A monthly panel needs, per incident, its id, dates and date precision, the
place, the sides and kinds of violence (to filter and group), the four
counts and where it was read (``_file``, ``_line``); it never needs the free
text (``source``, ``notes``). The compact table holds exactly the canonical
columns but those two, with the text columns other than ``incident_id`` as
pandas categoricals (a few distinct values over millions of rows), counts
as ``Int64``, dates as ``datetime64``, ``_line`` as ``int64``.

:func:`read_compact` reads one file in pieces of ``rows`` records
(:func:`trends.ingest.files.iter_raw`): each piece goes through the layout's
reader and :func:`compact`, so only one piece of text is held at a time. The
pieces' results, row log included, are the whole-file reading's, because
every reader decides row by row; where they might not be (the fast reader is
unsure of the file, or a piece holds an error, whose message must be the one
the whole file gives), the pieces are discarded and the file is read whole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import TrendsError
from trends.ingest.common import ReadContext
from trends.ingest.files import iter_raw, read_raw
from trends.ingest.scan import Unsure
from trends.rowlog import RowLog
from trends.schema import BOOKKEEPING, COLUMNS, COUNT_COLUMNS, TEXT_COLUMNS, finish
from trends.textops import as_text

ROWS = 1 << 16
"""Records read and checked at a time."""
FREE = ("source", "notes")
COMPACT_COLUMNS = tuple(c for c in COLUMNS if c not in FREE)
CATEGORICAL = tuple(c for c in TEXT_COLUMNS if c not in (*FREE, "incident_id"))


def compact(table: pd.DataFrame) -> pd.DataFrame:
    """The compact form of a canonical table (as :func:`trends.schema.finish` types it).

    Examples
    --------
    >>> t = finish(pd.DataFrame({"incident_id": ["a"], "region": ["Homs"], "_file": "x.csv",
    ...     "_line": [2], "date_start": pd.to_datetime(["2020-01-02"]),
    ...     "date_end": pd.to_datetime(["2020-01-02"])}))
    >>> c = compact(t)
    >>> "notes" in c, str(c["region"].dtype), c["region"].iloc[0]
    (False, 'category', 'Homs')

    """
    out: dict[str, Any] = {}
    for name in (*COMPACT_COLUMNS, *BOOKKEEPING):
        if name in CATEGORICAL or name == "_file":
            out[name] = _categorical(table[name] if name in table else None, len(table))
        elif name in COUNT_COLUMNS:
            out[name] = (
                table[name].astype("Int64")
                if name in table
                else pd.Series(pd.array([pd.NA] * len(table), dtype="Int64"), index=table.index)
            )
        elif name == "incident_id":
            out[name] = as_text(table[name])
        elif name == "_line":
            out[name] = table[name].astype("int64")
        else:
            out[name] = table[name]
    return pd.DataFrame(out).reset_index(drop=True)


def _categorical(values: pd.Series | None, rows: int) -> Any:
    """``as_text(values)`` as a categorical, the text made once per distinct value."""
    if values is None:
        return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), pd.Index([""]))
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    text = as_text(pd.Series(uniques, dtype=values.dtype if len(uniques) else object))
    merged, categories = pd.factorize(text, use_na_sentinel=False)
    return pd.Categorical.from_codes(merged[codes], pd.Index(categories))


def concat(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Compact tables one after the other, categoricals merged (not turned into text).

    Examples
    --------
    >>> a = pd.DataFrame({"r": pd.Categorical(["x"])})
    >>> b = pd.DataFrame({"r": pd.Categorical(["y", "x"])})
    >>> c = concat([a, b])
    >>> c["r"].tolist(), str(c["r"].dtype)
    (['x', 'y', 'x'], 'category')

    """
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    columns = {}
    for name in parts[0].columns:
        pieces = [p[name] for p in parts]
        if isinstance(pieces[0].dtype, pd.CategoricalDtype):
            columns[name] = pd.Series(pd.api.types.union_categoricals(pieces))
        else:
            columns[name] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(columns)


def labels(value: str, rows: int) -> pd.Series:
    """``value`` on every one of ``rows`` rows, as a categorical.

    Examples
    --------
    >>> labels("native", 2).tolist()
    ['native', 'native']

    """
    return pd.Series(pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), pd.Index([value])))


def read_compact(
    path: str | Path,
    layout_of: Callable[[list[str]], str],
    readers: dict[str, ModuleType],
    ctx: ReadContext,
    *,
    encoding: str = "utf-8",
    rows: int | None = None,
) -> tuple[str, pd.DataFrame]:
    """One file's layout and compact table; its row-log entries go to ``ctx.log``.

    ``layout_of`` names the layout from the header (it may raise the error
    that the header is not one); ``readers`` maps layouts to reader modules;
    ``rows`` is the size of a piece (default :data:`ROWS`).
    Errors are the whole-file reading's (see the module docstring).

    Examples
    --------
    >>> from trends.ingest import READERS
    >>> layout, table = read_compact("data/seed_incidents.csv", lambda h: "native",
    ...     READERS, ReadContext(), rows=4)  # doctest: +SKIP
    >>> layout  # doctest: +SKIP
    'native'

    """

    def wanted(header: list[str]) -> Collection[str]:
        reader = readers[layout_of(header)]
        return tuple(c for c in reader.COLUMNS if c not in reader.FREE_TEXT)

    pieces = RowLog()
    local = replace(ctx, log=pieces)
    parts, layout = [], ""
    try:
        pieces_of = iter_raw(
            path, rows=rows or ROWS, encoding=encoding, limits=ctx.limits, columns=wanted
        )
        for raw in pieces_of:
            if not layout:
                layout = layout_of(raw.header)
            reader = readers[layout]
            raw = replace(raw, unread=frozenset(reader.FREE_TEXT))
            parts.append(compact(reader.read(raw, local)))
    except (Unsure, TrendsError):
        parts = []  # the whole-file reading decides, and names any fault
    if not parts:
        raw = read_raw(path, encoding=encoding, limits=ctx.limits, columns=wanted)
        layout = layout_of(raw.header)
        raw = replace(raw, unread=frozenset(readers[layout].FREE_TEXT))
        return layout, compact(finish(readers[layout].read(raw, ctx)))
    ctx.log.extend(pieces)
    return layout, concat(parts)
