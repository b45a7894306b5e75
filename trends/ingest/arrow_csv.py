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
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import pandas as pd

from trends.errors import TrendsError
from trends.ingest.compressed import BoundedStream, read_head
from trends.ingest.scan import LineScanner, Unsure
from trends.validate import Limits

BLOCK = 1 << 24
"""Bytes pyarrow parses at a time (16 MiB): the unit of streaming."""
Chooser = Callable[[list[str]], Collection[str]]


class _Scanned(io.RawIOBase):
    """A stream that shows every chunk to a scanner on its way to the reader."""

    def __init__(self, stream: BoundedStream, scanner: LineScanner) -> None:
        super().__init__()
        self.stream = stream
        self.scanner = scanner
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
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

    batches = []
    try:
        reader = pacsv.open_csv(
            pa.PythonFile(stream, mode="r"),
            read_options=pacsv.ReadOptions(block_size=BLOCK, use_threads=True),
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
            batches.append(batch)
            if invalid:
                raise Unsure
    except pa.ArrowException as err:
        if stream.error is not None:
            raise stream.error from err
        raise Unsure from err
    finally:
        stream.stream.close()
    starts = scanner.finish()
    table = pa.Table.from_batches(batches, schema=reader.schema)
    if invalid or starts.size != table.num_rows + 1 or starts[0] != 1 or table.num_rows == 0:
        raise Unsure
    cells = table.to_pandas() if keep else pd.DataFrame(index=range(table.num_rows))
    return cells, pd.Series(starts[1:], dtype="int64"), header
