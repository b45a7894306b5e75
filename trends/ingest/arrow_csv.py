"""Reading CSV (plain or gzip) with pyarrow: parsed in C++, only the columns a layout needs.

The file is streamed: pyarrow reads it through a :class:`~trends.ingest.scan.LineScanner`
(which checks every byte and notes where each record starts) and a
:class:`~trends.ingest.compressed.BoundedStream` (which enforces the limits on
compressed input), and hands over batches of records, of which only the
wanted columns are kept, as text. Whatever the fast path cannot promise to
read exactly as the reference reader (:func:`trends.ingest.files.read_raw_reference`)
raises :class:`~trends.ingest.scan.Unsure`, and the file is read again by
that reader.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from trends.errors import TrendsError
from trends.ingest.compressed import BoundedStream, read_head
from trends.ingest.scan import LineScanner, Unsure
from trends.validate import Limits

BLOCK = 1 << 22
"""Bytes pyarrow parses at a time (4 MiB): less held at once, for a little more CPU."""
Chooser = Callable[[list[str]], Collection[str]]


class _Scanned(io.RawIOBase):
    """A stream that shows every chunk to a scanner on its way to the reader."""

    def __init__(self, stream: BoundedStream, scanner: LineScanner) -> None:
        super().__init__()
        self.stream = stream
        self.scanner = scanner
        self.error: BaseException | None = None
        self.stopped = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.stopped:
            return 0  # the reader is being closed: it sees the end of the file
        try:
            count = self.stream.readinto(buffer)
            self.scanner.feed(bytes(memoryview(buffer)[:count]))
        except BaseException as err:  # kept and raised again once pyarrow gives up
            self.error = err
            raise
        return count


def header_of(path: str | Path) -> list[str]:
    """The header as the csv module reads it; :class:`Unsure` unless it is one plain line."""
    text = read_head(path).decode("utf-8-sig")
    first = text.split("\n", 1)[0].split("\r", 1)[0]
    if first.count('"') % 2 or not first.strip():
        raise Unsure  # a header spanning lines, or none: the reference reader decides
    names = next(csv.reader([first], strict=True))
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        raise Unsure
    return names


def read_csv_arrow(
    path: str | Path, *, encoding: str, limits: Limits, columns: Chooser | None
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The wanted columns as text, the line of each record and the whole header.

    Raises :class:`Unsure` where the reference reader must decide.
    """
    ((header, cells, lines),) = iter_csv_arrow(
        path, encoding=encoding, limits=limits, columns=columns, rows=None
    )
    return cells, lines, header


def iter_csv_arrow(
    path: str | Path,
    *,
    encoding: str,
    limits: Limits,
    columns: Chooser | None,
    rows: int | None = None,
    block: int | None = None,
) -> Iterator[tuple[list[str], pd.DataFrame, pd.Series]]:
    """The whole header, the wanted columns as text and the line of each record, ``rows`` at a time.

    ``rows`` None gives the file in one piece. The file is checked as it is
    read, so :class:`Unsure` may come after some pieces were given: a
    caller must then discard them and read the file with the reference reader.
    Records are numbered consecutively from 0 across pieces (the index of
    ``cells``).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Unsure
    try:
        header = header_of(path)
    except (UnicodeDecodeError, csv.Error, StopIteration, OSError, EOFError) as err:
        raise Unsure from err
    try:
        wanted = set(header) if columns is None else set(columns(header)) & set(header)
    except TrendsError as err:
        raise Unsure from err
    keep = [c for c in header if c in wanted]
    scanner = LineScanner()
    stream = _Scanned(BoundedStream(path, limits), scanner)
    invalid: list[int] = []

    def skip(row: Any) -> str:
        invalid.append(1)
        return "skip"

    held: list[Any] = []  # batches read but not yet given
    given = 0  # records given so far
    reader = None
    try:
        reader = pacsv.open_csv(
            pa.PythonFile(stream, mode="r"),
            read_options=pacsv.ReadOptions(block_size=block or BLOCK, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                include_columns=keep,
                column_types=dict.fromkeys(keep, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if reader.schema.names != keep:
            raise Unsure
        for batch in reader:
            held.append(batch)
            if invalid:
                raise Unsure
            if rows is None:
                continue
            # A record's line is known once the scanner has seen its end.
            while sum(b.num_rows for b in held) >= rows and scanner.count > given + rows:
                piece, held = _split(held, rows, reader.schema)
                yield header, *_piece(piece, keep, given, scanner.take(given, rows))
                given += rows
    except pa.ArrowException as err:
        if stream.error is not None:
            raise stream.error from err
        raise Unsure from err
    finally:
        _close(reader, stream)
    scanner.finish()
    rest = sum(b.num_rows for b in held)
    if invalid or scanner.count != given + rest + 1 or scanner.head != 1 or given + rest == 0:
        raise Unsure
    while rest > 0:
        size = rest if rows is None else min(rows, rest)
        piece, held = _split(held, size, reader.schema)
        yield header, *_piece(piece, keep, given, scanner.take(given, size))
        given += size
        rest -= size


def _close(reader: Any, stream: _Scanned) -> None:
    """Stop pyarrow's reading ahead before the file is closed.

    A caller that stops early (on an error in a piece) would otherwise leave
    pyarrow's thread reading through Python as the interpreter exits.
    """
    import pyarrow as pa

    stream.stopped = True
    if reader is not None:
        try:
            for _ in reader:
                pass
        except (pa.ArrowException, OSError):
            pass
    stream.stream.close()


def _split(batches: list[Any], rows: int, schema: Any) -> tuple[Any, list[Any]]:
    """The first ``rows`` records of ``batches`` as one table, and the batches left."""
    import pyarrow as pa

    table = pa.Table.from_batches(batches, schema=schema)
    rest = table.slice(rows)
    return table.slice(0, rows), rest.to_batches() if rest.num_rows else []


def _piece(
    table: Any, keep: list[str], first: int, lines: Any
) -> tuple[pd.DataFrame, pd.Series]:
    """Cells and lines of records ``first`` onwards, indexed by record number."""
    index = pd.RangeIndex(first, first + table.num_rows)
    cells = table.combine_chunks().to_pandas() if keep else pd.DataFrame(index=index)
    cells.index = index
    return cells, pd.Series(lines, index=index, dtype="int64")
