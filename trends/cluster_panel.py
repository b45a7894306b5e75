"""The monthly panel of incident files built on a Dask cluster, their events left on the workers.

Each file is one task on a worker, which reads it as a local run does
(:func:`trends.ingest.read_file_compact`), so validation, line numbers,
errors and row-log entries are exactly a local run's. The file's events stay
in that worker's memory, and what needs every file at once is done there too:

1. **Events repeated across files** (the same id in a yearly GED release and
   a later Candidate release): a ``dask.dataframe`` groupby over every file's
   (layout, id) keys, split over the workers, finds the ids read more than
   once and their first reading; each worker drops its files' later readings.
2. **Native reports of one incident** are merged by incident id in this
   process (:func:`trends.ingest.merge.merge_reports`): native files are
   report tables kept by hand, small beside a dataset's export.
3. **Selection and sums.** The extent of the whole table (first and last
   month counted, places, sides: :class:`trends.aggregate.Extent`) is the
   union of every file's, so each worker applies the month rules and filters
   to its events as the whole table would (:func:`trends.aggregate.select`)
   and sums them by month and grouping; this process adds the sums up and
   zero-fills the panel.

This process holds the row log, the repeated ids, the native reports and
the sums (months x groups per file), never the events; a worker holds its
files' compact tables (about 230 bytes an event on GED rows). Workers read
the files themselves and this process lists folders, so every machine must
see the files at the same paths (a shared or copied folder); a relative path
is refused unless the workers run in this process's folder.

A bad file stops the run with the error a local run gives: the first bad
file in input order, its message unchanged, whatever order the workers
finish in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd

from trends.aggregate import (
    COUNTS,
    Extent,
    Rules,
    check_by,
    fill_panel,
    group_values,
    levels,
    partial_sums,
    regions_known,
    select,
)
from trends.errors import DataError, InputError, OptionError, TrendsError
from trends.folders import expand_folders
from trends.ingest import Format, IncidentSet, read_context, read_file_compact
from trends.ingest.common import ReadContext
from trends.ingest.compact import concat
from trends.ingest.merge import COMPARED, merge_reports, repeat_reasons, whole_numbers
from trends.regions import Gazetteer
from trends.rowlog import RowLog
from trends.validate import INT64_MAX, Limits, check_total, exact_total

RegionCheck = Any  # trends.loading.RegionCheck (that module imports this one)


@dataclass(frozen=True)
class FileRead:
    """One file as a worker read it: its layout and compact table, or the error it raised."""

    layout: str = ""
    table: pd.DataFrame | None = None
    log: list[pd.DataFrame] = field(default_factory=list)
    error: BaseException | None = None


@dataclass(frozen=True)
class Head:
    """What this process needs of a file read on a worker: all but its events."""

    layout: str
    rows: int
    name: str
    plain: bool
    empty: pd.DataFrame | None
    log: list[pd.DataFrame]
    error: BaseException | None


def _read(path: str | Path, format: Format, encoding: str, ctx: ReadContext) -> FileRead:
    """Read one file into the compact table as a local run does (runs on a worker)."""
    ctx = ReadContext(gazetteer=ctx.gazetteer, strict=ctx.strict, limits=ctx.limits)
    try:
        layout, table = read_file_compact(path, format=format, encoding=encoding, ctx=ctx)
    except (TrendsError, OSError) as err:
        return FileRead(error=err)
    return FileRead(layout, table, ctx.log.chunks)


def _head(read: FileRead) -> Head:
    table = read.table
    if table is None:
        return Head(read.layout, 0, "", False, None, read.log, read.error)
    name = str(table["_file"].iloc[0]) if len(table) else ""
    plain = whole_numbers(table["incident_id"]) is not None
    return Head(read.layout, len(table), name, plain, table.head(0), read.log, read.error)


def _keys(read: FileRead, offset: int, numbers: bool) -> pd.DataFrame:
    """Each event's (layout, id) key and its position in the whole table (runs on a worker).

    With ``numbers`` (every file's ids are whole numbers written plainly)
    the id is an integer, which groups several times faster than text.
    """
    table = read.table
    assert table is not None
    ids = whole_numbers(table["incident_id"]) if numbers else table["incident_id"].astype(
        "string[pyarrow]").to_numpy()
    return pd.DataFrame({
        "layout": read.layout,
        "id": ids,
        "order": np.arange(offset, offset + len(table), dtype="int64"),
    })


def _drop_repeated(read: FileRead, offset: int, numbers: bool, repeated: pd.DataFrame) -> FileRead:
    """The file's events without their later readings of a repeated event (runs on a worker).

    ``repeated`` holds, by (layout, id), the position (``first``), file
    (``name``) and :data:`~trends.ingest.merge.COMPARED` values of the first
    reading of every event read more than once.
    """
    table = read.table
    assert table is not None
    if repeated.empty:
        return FileRead(read.layout, table)
    found = _keys(read, offset, numbers).join(repeated, on=["layout", "id"], how="left")
    again = (found["first"].notna() & (found["first"] != found["order"])).to_numpy()
    log = RowLog()
    if again.any():
        there = found[again].reset_index(drop=True)
        here = table[again].reset_index(drop=True)
        log.add_rows(table[again], "dropped", repeat_reasons(there["name"], there, here))
        table = table[~again]
    return FileRead(read.layout, table, log.chunks)


def _readings(read: FileRead, offset: int, orders: np.ndarray) -> pd.DataFrame:
    """The compared values of the file's events at whole-table positions ``orders`` (a worker)."""
    assert read.table is not None
    rows = read.table.iloc[orders - offset][list(COMPARED)]
    return rows.set_axis(pd.Index(orders, name="first"))


Piece = tuple[list[pd.DataFrame], pd.DataFrame, dict[str, set[Any]], dict[str, int]]
"""A piece's row-log entries, sums, grouping values and exact totals of the counts."""


def _select_and_sum(
    read: FileRead, extent: Extent, gazetteer: Gazetteer, by: Sequence[str], rules: Rules,
) -> Piece:
    """Select and sum one piece of the table as the whole would be (``extent``: the whole's).

    The sums are left out when a total would not fit in 64 bits: this
    process then raises the error a local run gives.
    """
    assert read.table is not None
    log = RowLog()
    kept = select(IncidentSet(read.table, gazetteer=gazetteer), log=log, extent=extent, **rules)[0]
    totals = {column: exact_total(kept[column]) for column in COUNTS}
    fits = all(total <= INT64_MAX for total in totals.values())
    sums = partial_sums(kept if fits else kept.iloc[:0], by)
    return log.chunks, sums, group_values(kept, by), totals


def panel_on_cluster(
    paths: Sequence[str | Path],
    *,
    by: Sequence[str],
    format: Format = "auto",
    aliases: str | Path | None = None,
    encoding: str = "utf-8",
    strict: bool = False,
    limits: Limits | None = None,
    check_region: RegionCheck | None = None,
    scheduler: str | None = None,
    client: Any = None,
    **rules: Unpack[Rules],
) -> tuple[pd.DataFrame, IncidentSet, RowLog]:
    """The panel, the incident set (its table empty) and the row log of a local run.

    Parameters are those of :func:`trends.load_panel` (``paths``: incident
    files or folders of them); the events stay on the cluster, so the
    returned set's table holds no row.

    Examples
    --------
    >>> panel, read, log = panel_on_cluster(  # doctest: +SKIP
    ...     ["/data/ged/"], by=["region"], scheduler="tcp://10.0.0.5:8786")
    >>> read.rows_read, log.summary()  # doctest: +SKIP
    (1000000, '0 dropped, 0 filtered, 0 merged, 29081 changed, 6075 note')

    """
    from trends.cluster import dask_client

    check_by(by)
    paths = expand_folders(list(paths))
    ctx = read_context(aliases=aliases, strict=strict, limits=limits)
    dask = dask_client(scheduler, client)  # says how to install Dask when it is missing
    from distributed import KilledWorker

    try:
        _check_relative_paths(dask, paths)
        return _run(dask, paths, ctx, by, format, encoding, check_region, rules)
    except KilledWorker as err:
        msg = ("the Dask workers died holding the files' events (about 230 bytes an event): "
               "give the workers more memory, or add workers")
        raise DataError(msg) from err
    finally:
        if client is None:
            dask.close()


def _run(
    dask: Any, paths: Sequence[str | Path], ctx: ReadContext, by: Sequence[str], format: Format,
    encoding: str, check_region: RegionCheck | None, rules: Rules,
) -> tuple[pd.DataFrame, IncidentSet, RowLog]:
    reads = dask.map(_read, paths, format=format, encoding=encoding, ctx=ctx, pure=False)
    heads = _in_order(dask, reads, paths)
    for head in heads:
        ctx.log.chunks.extend(head.log)
    offsets = np.concatenate([[0], np.cumsum([h.rows for h in heads])]).astype(int).tolist()
    others = [i for i, h in enumerate(heads) if h.layout != "native" and h.rows]
    parts = _drop_repeated_events(dask, reads, heads, offsets, others, ctx.log)
    pieces: list[FileRead] = []
    native = [i for i, h in enumerate(heads) if h.layout == "native" and h.rows]
    if native:
        tables = [r.table for r in dask.gather([reads[i] for i in native])]
        pieces.append(FileRead("native", merge_reports(concat(tables), ctx.log)))
    extent = _union(dask.gather([dask.submit(_extent, p, rules) for p in parts])
                    + [_extent(p, rules) for p in pieces])
    regions = rules.get("regions")
    if regions and check_region is not None:
        known = regions_known(extent.places, ctx.gazetteer)
        rules["regions"] = [check_region(r, known, ctx.gazetteer) for r in regions]
    empty = next(h.empty for h in heads if h.empty is not None)
    # the whole table's window, scope and errors, from its extent alone
    kept, window, pairs = select(IncidentSet(empty, gazetteer=ctx.gazetteer), log=RowLog(),
                                 extent=extent, **rules)
    done = dask.gather([dask.submit(_select_and_sum, p, extent, ctx.gazetteer, by, rules)
                        for p in parts])
    done += [_select_and_sum(p, extent, ctx.gazetteer, by, rules) for p in pieces]
    for chunks, *_ in done:
        ctx.log.chunks.extend(chunks)
    panel = _add_up(partial_sums(kept, by), done, window, pairs, by)
    formats = {str(p): h.layout for p, h in zip(paths, heads, strict=True)}
    return panel, IncidentSet(empty, ctx.log, formats, offsets[-1], ctx.gazetteer), ctx.log


def _drop_repeated_events(
    dask: Any, reads: list[Any], heads: Sequence[Head], offsets: list[int], files: list[int],
    log: RowLog,
) -> list[Any]:
    """The published-dataset files' events, each read of an event but the first dropped.

    A ``dask.dataframe`` groupby of every event's (layout, id) key, split
    over the workers, finds the keys read more than once and where first;
    this process holds only those. Returns futures of the files' reads.
    """
    if not files:
        return []
    import dask.dataframe as dd

    numbers = all(heads[i].plain for i in files)
    meta = pd.DataFrame({"layout": pd.Series(dtype=object),
                         "id": pd.Series(dtype="int64" if numbers else "string[pyarrow]"),
                         "order": pd.Series(dtype="int64")})
    keys = dd.from_delayed([dask.submit(_keys, reads[i], offsets[i], numbers) for i in files],
                           meta=meta, verify_meta=False)
    # one output partition per 4 million events keeps each worker's share of the keys bounded
    split = max(1, -(-sum(heads[i].rows for i in files) // 4_000_000))
    found = keys.groupby(["layout", "id"])["order"].agg(["min", "count"], split_out=split)
    found = dask.compute(found[found["count"] > 1], sync=True)
    starts = np.array([offsets[i] for i in files])
    names = np.array([heads[i].name for i in files], dtype=object)
    where = np.searchsorted(starts, found["min"].to_numpy(), side="right") - 1
    repeated = pd.DataFrame({"first": found["min"], "name": names[where]}, index=found.index)
    firsts = np.sort(repeated["first"].to_numpy())
    bounds = np.searchsorted(firsts, offsets)
    readings = dask.gather([
        dask.submit(_readings, reads[i], offsets[i], firsts[bounds[i]:bounds[i + 1]])
        for i in files if bounds[i] < bounds[i + 1]])
    if readings:
        repeated = repeated.join(pd.concat(readings), on="first")
    shared = dask.scatter(repeated, broadcast=True)
    parts = [dask.submit(_drop_repeated, reads[i], offsets[i], numbers, shared) for i in files]
    for chunks in dask.gather([dask.submit(_log_of, p) for p in parts]):
        log.chunks.extend(chunks)
    return parts


def _log_of(read: FileRead) -> list[pd.DataFrame]:
    return read.log


def _extent(read: FileRead, rules: Rules) -> Extent:
    assert read.table is not None
    return Extent.of(read.table, **rules)


def _union(extents: Sequence[Extent]) -> Extent:
    whole = Extent(None, frozenset())
    for extent in extents:
        whole = whole | extent
    return whole


def _add_up(
    none: pd.DataFrame, pieces: Sequence[Piece], window: pd.PeriodIndex,
    pairs: list[tuple[str, str]], by: Sequence[str],
) -> pd.DataFrame:
    """The panel from every piece's sums (``none``: the sums of no incident, for their form)."""
    for column in COUNTS:
        check_total(pd.Series([totals[column] for *_, totals in pieces], dtype=object), column)
    frames = [none.reset_index(), *(sums.reset_index() for _, sums, _, _ in pieces)]
    total = pd.concat(frames, ignore_index=True)
    for column in by:  # each piece has its own categories
        total[column] = total[column].astype(object)
    combined = total.groupby(["month", *by], sort=False).sum()
    values: dict[str, set[Any]] = {c: set() for c in by if c not in ("country", "region")}
    for _, _, found, _ in pieces:
        for column, seen in found.items():
            values[column] |= seen
    return fill_panel(combined, window, levels(values, pairs, by))


def _check_relative_paths(dask: Any, files: Sequence[str | Path]) -> None:
    """Refuse a relative path where a worker would resolve it from another folder."""
    relative = [str(f) for f in files if not os.path.isabs(f)]
    if not relative:
        return
    here = os.getcwd()
    elsewhere = sorted({cwd for cwd in dask.run(os.getcwd).values() if cwd != here})
    if elsewhere:
        msg = (
            f"{relative[0]} is a relative path, and the Dask workers run in another folder "
            f"({elsewhere[0]}); give the inputs as absolute paths that the workers can read"
        )
        raise OptionError(msg)


def _in_order(dask: Any, reads: list[Any], files: Sequence[str | Path]) -> list[Head]:
    """Each file's head, in input order; the first bad file's error is raised, as locally."""
    from distributed import KilledWorker

    heads = []
    futures = [dask.submit(_head, read) for read in reads]
    for number, future in enumerate(futures):
        try:
            head = future.result()
        except KilledWorker as err:
            msg = (
                "the Dask workers reading this file died (a worker holds its files' events: "
                "give the workers more memory, or split the file)"
            )
            raise InputError(msg, path=str(files[number])) from err
        if head.error is not None:
            for later in reads[number + 1:]:
                later.cancel()
            raise head.error
        heads.append(head)
    return heads
