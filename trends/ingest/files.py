"""Reading an input file into a table of text, with the line of every record.

Readers work on text so that a bad value can be quoted exactly as written,
and on line numbers so that the error can say where it is.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from trends.errors import InputError
from trends.folders import is_parquet
from trends.ingest.arrow_csv import Chooser, iter_csv_arrow, read_csv_arrow
from trends.ingest.arrow_parquet import cell_text, has_text, iter_parquet_arrow, read_parquet_arrow
from trends.ingest.compressed import HEAD_BYTES, check_parquet_size, read_bytes, read_head
from trends.ingest.scan import Unsure
from trends.options import ENGINES, Engine, check_choice
from trends.validate import LATEST, Limits, latest_date

FIELD_LIMIT = 2**24
"""Characters a CSV field may hold: the csv module allows 131,072 by default, and a notes or
source text can be longer (the fast reader has no such limit; Parquet neither)."""
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


@dataclass(frozen=True)
class RawTable:
    """The cells of one file as text, and the line (or Parquet row) of each record.

    ``latest`` is the last date a record may carry (see
    :func:`trends.validate.latest_date`).
    """

    path: str
    cells: pd.DataFrame
    lines: pd.Series
    latest: date = field(default=LATEST)
    names: tuple[str, ...] | None = None
    """Every column of the file, when ``cells`` holds only those a reader needs."""
    unread: frozenset[str] = frozenset()
    """Columns of the file left unread on purpose: readers see them as empty text."""
    not_text: tuple[tuple[str, str], ...] = ()
    """Parquet columns of a type that has no text (bytes, lists, structs), with the type:
    a reader that needs one refuses the file (:meth:`require_text`)."""

    @property
    def header(self) -> list[str]:
        """Column names as written."""
        return list(self.names) if self.names is not None else list(self.cells.columns)

    def require_text(self, columns: Collection[str]) -> None:
        """Refuse the file if one of ``columns``, which a reader needs, has no text."""
        for column, kind in self.not_text:
            if column in columns:
                msg = f"a Parquet column of type {kind} has no text; expected text or numbers"
                raise InputError(msg, path=self.path, column=column)




def read_raw(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    limits: Limits | None = None,
    columns: Chooser | None = None,
    engine: Engine = "auto",
) -> RawTable:
    r"""Read a CSV (plain or gzip) or Parquet file as text cells.

    Compressed files are read within ``limits`` (see
    :mod:`trends.ingest.compressed`). ``columns``, given the header, names
    the columns wanted; others may be left out of ``cells`` (``header``
    still lists them all).

    ``engine`` "auto" reads with pyarrow (:mod:`trends.ingest.arrow_csv`,
    :mod:`trends.ingest.arrow_parquet`) and falls back to the reference
    reader (:func:`read_raw_reference`, Python's csv module) for any file the
    fast reader cannot promise to read the same way; the result, and any
    error, is the reference reader's. "python" uses the reference reader alone.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write('a,b\n1,"x\ny"\n2,z\n')
    >>> raw = read_raw(f.name)
    >>> raw.lines.tolist(), raw.cells["b"].tolist()
    ([2, 4], ['x\ny', 'z'])
    >>> os.unlink(f.name)

    """
    check_choice("engine", engine, ENGINES)
    name = str(path)
    if engine != "python" and not Path(path).is_dir():
        try:
            if is_parquet(name):
                cells, lines, header = read_parquet_arrow(name, limits=limits, columns=columns)
            else:
                cells, lines, header = read_csv_arrow(
                    name, encoding=encoding, limits=limits or Limits(), columns=columns
                )
        except (Unsure, OSError):
            if engine == "arrow":
                raise
        else:
            return RawTable(name, cells, lines, latest_date(path), tuple(header))
    return read_raw_reference(path, encoding=encoding, limits=limits)


def iter_raw(
    path: str | Path,
    *,
    rows: int,
    encoding: str = "utf-8",
    limits: Limits | None = None,
    columns: Chooser | None = None,
) -> Iterator[RawTable]:
    """The file as :func:`read_raw` reads it with pyarrow, ``rows`` records at a time.

    Each piece's ``cells`` are indexed by record number from 0 across the
    file. Raises :class:`~trends.ingest.scan.Unsure` (possibly after some
    pieces) where only :func:`read_raw` can say how the file reads: the
    caller discards what it got and reads the file whole.
    """
    name = str(path)
    if Path(path).is_dir():
        raise Unsure
    if is_parquet(name):
        pieces = iter_parquet_arrow(name, limits=limits, columns=columns, rows=rows)
    else:
        pieces = iter_csv_arrow(
            name, encoding=encoding, limits=limits or Limits(), columns=columns, rows=rows
        )
    latest = latest_date(path)
    try:
        for header, cells, lines in pieces:
            yield RawTable(name, cells, lines, latest, tuple(header))
    except OSError as err:
        raise Unsure from err


def read_raw_reference(
    path: str | Path, *, encoding: str = "utf-8", limits: Limits | None = None
) -> RawTable:
    """Read a file with Python's csv module (Parquet: cell by cell): the reference reader.

    Slow and memory-hungry (every cell a Python string) but plain; its
    results and errors define what :func:`read_raw` returns.
    """
    name = str(path)
    if Path(path).is_dir():
        msg = "this is a folder; name the data file inside it"
        raise InputError(msg, path=name)
    if is_parquet(name):
        return _read_parquet(name, limits)
    try:
        data = read_bytes(path, limits)
    except OSError as err:
        msg = f"cannot read the file: {err.strerror or err}"
        raise InputError(msg, path=name) from err
    text = _decode(data, name, encoding)
    if not text.strip():
        msg = "the file is empty; expected a header line and at least one record"
        raise InputError(msg, path=name)
    rows, lines = _split_records(text, name)
    header, body = rows[0], rows[1:]
    if not body:
        msg = ("the file has a header but no records (a cut-off download looks the same); "
               "if it is meant to be empty, leave it out of the inputs")
        raise InputError(msg, path=name, line=1)
    _check_header(header, name)
    width = len(header)
    for row, line in zip(body, lines[1:], strict=True):
        if len(row) != width and any(cell.strip() for cell in row):
            msg = f"expected {width} field{'s' * (width != 1)} as in the header, found {len(row)}"
            if not name.lower().endswith(TABLE_SUFFIXES):
                msg += ("; is it a data file? trends reads CSV (plain or gzip) and Parquet "
                        "files of incidents, or a monthly table")
            raise InputError(msg, path=name, line=line)
    body_lines = [ln for row, ln in zip(body, lines[1:], strict=True) if len(row) == width]
    body = [row for row in body if len(row) == width]
    cells = pd.DataFrame(body, columns=header, dtype=object)
    return RawTable(name, cells, pd.Series(body_lines, dtype="int64"), latest_date(path))


TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt", ".gz")
"""Names that say "a table": other files whose rows do not line up get a hint."""


def read_header(path: str | Path, *, encoding: str = "utf-8") -> list[str]:
    """The column names of a CSV or Parquet file, reading no more than its first record.

    A file whose header cannot be read gives ``[]``; :func:`read_raw` then
    reports what is wrong with it.
    """
    name = str(path)
    try:
        if is_parquet(name):
            import pyarrow.parquet as pq

            return list(pq.read_schema(name).names)
        data = read_head(name)
        if len(data) == HEAD_BYTES and b"\n" not in data and b"\r" not in data:
            return []  # the first line goes on past what is read: no header to be had
        head = data.decode(_codec(encoding), errors="replace")
        return next(csv.reader(io.StringIO(head, newline="")), [])
    except (OSError, EOFError, ValueError, LookupError, csv.Error, zlib.error):
        return []


def _codec(encoding: str) -> str:
    """Python's codec for an encoding option: UTF-8 files may start with a byte-order mark."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding


def _decode(data: bytes, name: str, encoding: str) -> str:
    if data[:4] == b"PAR1":  # Parquet's magic number
        msg = ("this is a Parquet file (it starts with PAR1), not CSV text: name it .parquet "
               "and leave it uncompressed (Parquet compresses inside)")
        raise InputError(msg, path=name)
    try:
        text = data.decode(_codec(encoding))
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        msg = (f"the file is not valid {encoding} text; save it as UTF-8 "
               "or name its encoding with --encoding (e.g. latin-1)"
               if _codec(encoding) == "utf-8-sig" else
               f"the file is not valid {encoding} text; check --encoding (a UTF-8 file needs "
               "none)")
        raise InputError(msg, path=name, line=line, value=data[err.start : err.end]) from err
    except LookupError as err:
        msg = f"unknown encoding {encoding!r}"
        raise InputError(msg, path=name) from err
    if b"\n" in data and "\n" not in text:
        msg = (f"the file does not read as {encoding} text: its line breaks are lost; "
               "leave out --encoding for UTF-8, or name the file's own encoding")
        raise InputError(msg, path=name, line=1)
    if "\x00" in text:
        msg = "the file holds NUL bytes: it is binary, or UTF-16 text; save it as UTF-8 CSV"
        raise InputError(msg, path=name, line=text.count("\n", 0, text.index("\x00")) + 1)
    return text


def _split_records(text: str, name: str) -> tuple[list[list[str]], list[int]]:
    """Parse CSV records and the physical line on which each one starts."""
    handle = io.StringIO(text, newline="")
    reader = csv.reader(handle, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if row:
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        if "unexpected end of data" in str(err):  # a quote never closed: say where it opened
            raise _unclosed(text, name, start, rows[0] if rows else []) from err
        msg = f"malformed CSV: {err}"
        raise InputError(msg, path=name, line=reader.line_num) from err
    return rows, lines


_BREAK = re.compile(r"\r\n|\r|\n")
"""A line break as the csv module counts them."""


def _unclosed(text: str, name: str, line: int, header: list[str]) -> InputError:
    r"""The error for a quoted field that opens in the record starting on ``line`` and never closes.

    Reads the record as the csv module does: a quote opens a field only at its
    start (elsewhere it is text), and inside a quoted field two quotes are one.

    Examples
    --------
    >>> print(_unclosed('a,b,c\n1,5" gun,"x\n2,3\n', "f.csv", 2, ["a", "b", "c"]))
    f.csv:2: column 'c': malformed CSV: this quoted field is never closed (value '"x')
    >>> print(_unclosed('a,b\n"two\nlines","x\n', "f.csv", 2, ["a", "b"]))
    f.csv:3: column 'b': malformed CSV: this quoted field is never closed (value '"x')

    """
    at = 0
    for _ in range(line - 1):  # the record's first character
        found = _BREAK.search(text, at)
        at = found.end() if found else len(text)
    field, start = 0, True
    while at < len(text):
        char = text[at]
        if start and char == '"':
            close = at + 1
            while True:  # the quote that ends this field, past any doubled ones
                close = text.find('"', close)
                if close < 0 or text[close + 1:close + 2] != '"':
                    break
                close += 2
            if close < 0:
                return _never_closed(text, name, at, header, field)
            at, start = close + 1, False
            continue
        if char == ",":
            field, start = field + 1, True
        else:
            start = False
        at += 1
    return InputError("malformed CSV: unexpected end of data", path=name, line=line)


def _never_closed(text: str, name: str, at: int, header: list[str], field: int) -> InputError:
    line = 1 + len(_BREAK.findall(text, 0, at))
    column = header[field] if field < len(header) else f"field {field + 1}"
    value = _BREAK.split(text[at:], maxsplit=1)[0][:60]
    msg = "malformed CSV: this quoted field is never closed"
    return InputError(msg, path=name, line=line, column=column, value=value)


def _check_header(header: list[str], name: str) -> None:
    seen: set[str] = set()
    for column in header:
        if column.strip() == "":
            msg = "the header has an empty column name"
            raise InputError(msg, path=name, line=1)
        if column in seen:
            msg = "the header names this column twice"
            raise InputError(msg, path=name, line=1, column=column)
        seen.add(column)


def _read_parquet(name: str, limits: Limits | None) -> RawTable:
    import pyarrow as pa

    try:
        import pyarrow.parquet as pq

        check_parquet_size(name, limits)
        # Dates as Python objects: a year pandas cannot hold is still quoted and refused exactly.
        table = pq.read_table(name)
        frame = table.to_pandas(timestamp_as_object=True, date_as_object=True)
    except (OSError, ValueError, pa.ArrowException) as err:
        msg = f"cannot read as Parquet: {str(err).splitlines()[0] if str(err) else err!r}"
        raise InputError(msg, path=name) from err
    odd = tuple((str(f.name), str(f.type)) for f in table.schema if not has_text(f.type))
    _check_header([str(c) for c in frame.columns], name)
    frame.columns = [str(c) for c in frame.columns]
    if frame.empty:
        msg = "the file has no records; if it is meant to be empty, leave it out of the inputs"
        raise InputError(msg, path=name)
    cells = pd.DataFrame(
        {c: frame[c].map(cell_text) for c in frame.columns}, index=range(len(frame))
    )
    lines = pd.Series(range(1, len(frame) + 1), dtype="int64")
    return RawTable(name, cells, lines, latest_date(name), not_text=odd)
