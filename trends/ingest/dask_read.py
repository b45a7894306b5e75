"""Reading many incident files on a Dask cluster, into the table a local read gives.

Each file is one task on a worker, which runs the reader a local run uses
(:func:`trends.ingest.read_file`), so validation, line numbers, errors and
row-log entries are exactly a local run's; it reads the file in pieces into
the compact table (:mod:`trends.ingest.compact`: no free text, repeated text
sent once per distinct value) and sends that back. This process (the client)
then does what needs every file at once, with the local code
(:func:`trends.ingest.combine_compact`):
an event repeated across files keeps its first reading, and native reports of
one incident are merged by incident id.

What must fit where: a worker holds one file at a time, as read text and
as its canonical table; the client holds the compact columns of every
incident (about 170 bytes an event on GED rows, against 440 for the full
table of a local read) and the row log. Workers read the files themselves,
and the client lists folders, so every machine must see the files at the
same paths (a shared or copied folder);
a relative path is refused unless the workers run in this process's folder.

A bad file stops the run with the error a local run gives: the first bad
file in input order, its message unchanged, whatever order the workers
finish in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from trends.cluster import dask_client
from trends.errors import InputError, OptionError, TrendsError
from trends.folders import expand_folders
from trends.ingest import Format, IncidentSet, combine_compact, read_context, read_file_compact
from trends.ingest.common import ReadContext
from trends.options import INPUT_FORMATS, check_choice
from trends.validate import Limits


@dataclass(frozen=True)
class FileRead:
    """What a worker sends back for one file: its table and row log, or the error it raised."""

    layout: str = ""
    table: pd.DataFrame | None = None
    log: list[pd.DataFrame] | None = None
    error: BaseException | None = None


def _read_on_worker(path: str | Path, format: Format, encoding: str, ctx: ReadContext) -> FileRead:
    """Read one file into the compact table as a local run does (runs on a worker)."""
    ctx = ReadContext(gazetteer=ctx.gazetteer, strict=ctx.strict, limits=ctx.limits)
    try:
        layout, table = read_file_compact(path, format=format, encoding=encoding, ctx=ctx)
    except (TrendsError, OSError) as err:
        return FileRead(error=err)
    return FileRead(layout, table, ctx.log.chunks)


def read_on_cluster(
    paths: Sequence[str | Path] | str | Path,
    *,
    format: Format = "auto",
    aliases: str | Path | None = None,
    encoding: str = "utf-8",
    strict: bool = False,
    limits: Limits | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> IncidentSet:
    """:func:`trends.read_incidents` with each file read on a worker of a Dask cluster.

    Parameters
    ----------
    paths, format, aliases, encoding, strict, limits
        As in :func:`trends.read_incidents` (a folder stands for its files).
    scheduler : str, optional
        Address of a Dask scheduler, e.g. "tcp://10.0.0.5:8786".
    client : distributed.Client, optional
        An existing client (takes precedence over ``scheduler``; left open).

    Returns
    -------
    IncidentSet
        The local compact read's table (``read_incidents(..., compact=True)``),
        row log, layouts and row count.

    Examples
    --------
    >>> s = read_on_cluster(["events/"], scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
    >>> s.table.columns[:3].tolist()  # doctest: +SKIP
    ['incident_id', 'date_start', 'date_end']

    """
    check_choice("format", format, INPUT_FORMATS)
    files = expand_folders([paths] if isinstance(paths, str | Path) else list(paths))
    ctx = read_context(aliases=aliases, strict=strict, limits=limits)
    dask = dask_client(scheduler, client)
    try:
        _check_relative_paths(dask, files)
        futures = dask.map(
            _read_on_worker, files, format=format, encoding=encoding, ctx=ctx, pure=False
        )
        reads = _in_order(futures, files)
    finally:
        if client is None:
            dask.close()
    tables, layouts, formats = [], [], {}
    for path, (layout, table, log) in zip(files, reads, strict=True):
        formats[str(path)] = layout
        tables.append(table)
        layouts.append(layout)
        ctx.log.chunks.extend(log)
    rows = sum(map(len, tables))
    table = combine_compact(tables, layouts, ctx.log)
    return IncidentSet(table, ctx.log, formats, rows, ctx.gazetteer)


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


def _in_order(
    futures: list[Any], files: Sequence[str | Path]
) -> list[tuple[str, pd.DataFrame, list[pd.DataFrame]]]:
    """Each file's layout, table and log entries, in input order.

    The first bad file's error is raised, as a local run would raise it.
    """
    from distributed import KilledWorker

    reads = []
    for number, future in enumerate(futures):
        try:
            read = future.result()
        except KilledWorker as err:
            msg = (
                "the Dask workers reading this file died (a worker holds one whole file: "
                "give the workers more memory, or split the file)"
            )
            raise InputError(msg, path=str(files[number])) from err
        if read.error is not None or read.table is None:
            for later in futures[number + 1:]:
                later.cancel()
            raise read.error or RuntimeError(read)
        reads.append((read.layout, read.table, read.log or []))
    return reads

