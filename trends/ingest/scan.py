r"""Checking a CSV byte stream as it is read, for the fast (pyarrow) reader.

pyarrow parses CSV in C++ on every core but is more lenient than Python's
``csv`` module in strict mode, the reference, and it does not say on which
line a record starts. :class:`LineScanner` sees every byte on its way to
pyarrow and

* raises :class:`Unsure` for anything on which the two parsers could differ:
  a quote that does not open or close a field (strict mode refuses some, and
  reads others as text), an unclosed quote, a record longer than the csv
  module's field size limit, a NUL byte, text that is not UTF-8;
* records the physical line on which each record starts, counting line
  breaks as the csv module does (``\n``, ``\r\n`` and ``\r``) and skipping
  blank lines, so that an error or a row-log entry names the same line.

On :class:`Unsure` the file is read again by the reference reader, which
either reads it the same way or names the exact fault.
"""

from __future__ import annotations

import codecs
import csv
import threading

import numpy as np

_QUOTE, _LF, _CR, _COMMA = 34, 10, 13, 44
_EOF = -1


class Unsure(Exception):  # a signal between readers, never shown to a user
    """The fast reader cannot promise the reference reader's result for this file."""


class LineScanner:
    r"""Follows a CSV byte stream chunk by chunk (see the module docstring).

    Examples
    --------
    >>> scanner = LineScanner()
    >>> scanner.feed(b'a,b\n"x\ny",2\n\n3,')
    >>> scanner.feed(b'4\n')
    >>> scanner.finish().tolist()
    [1, 2, 5]

    """

    def __init__(self) -> None:
        self.field_limit = csv.field_size_limit()
        self.quotes = 0
        self.breaks = 0
        self.pos = 0
        self.prev = _LF  # the stream starts as if after a line break
        self.pending = b""
        self.last_end = -1
        self.last_line = 1
        self.starts: list[np.ndarray] = []
        self.count = 0  # lines recorded, the header's first
        self.taken = 0  # lines handed over by take()
        self.head: int | None = None  # the header's line
        # pyarrow reads ahead on its own thread, which feeds the scanner while lines are taken.
        self.lock = threading.Lock()
        self.started = False
        self.carry = b""  # the start of a character split between chunks

    def feed(self, chunk: bytes) -> None:
        """Check the next bytes of the stream."""
        if not chunk:
            return
        if not self.started:
            self.started = True
            if chunk.startswith(codecs.BOM_UTF8):
                self._decode(codecs.BOM_UTF8)
                chunk = chunk[len(codecs.BOM_UTF8) :]
        self._decode(chunk)
        if b"\x00" in chunk:
            raise Unsure
        data = self.pending + chunk
        self._scan(data, len(data) - 1, final=False)

    def finish(self) -> np.ndarray:
        """The line on which each record starts, the header's first."""
        if self.carry:
            raise Unsure
        self._scan(self.pending, len(self.pending), final=True)
        if self.quotes % 2:
            raise Unsure
        end = self.pos
        if end > self.last_end + 1:
            self._segments(np.array([end], dtype=np.int64), np.array([self.last_line + 0]))
        return np.concatenate(self.starts) if self.starts else np.zeros(0, dtype=np.int64)

    def take(self, first: int, rows: int) -> np.ndarray:
        """The lines of records ``first`` to ``first + rows - 1`` (0 the first after the header).

        Asked for in order, so that lines already handed over are not kept.
        """
        with self.lock:
            flat = np.concatenate(self.starts) if len(self.starts) != 1 else self.starts[0]
            low = first + 1 - self.taken
            if low < 0 or low + rows > flat.size:
                raise Unsure
            self.starts = [flat[low + rows :]]
            self.taken = first + 1 + rows
            return flat[low : low + rows]

    def _decode(self, chunk: bytes) -> None:
        """Check that the bytes are UTF-8, in C++ (pyarrow validates text it is given)."""
        import pyarrow as pa

        if not self.carry and chunk.isascii():
            return
        data = self.carry + chunk
        cut = len(data)
        for back in range(1, min(4, len(data)) + 1):
            byte = data[-back]
            if byte >= 0xC0:  # a lead byte: is its character complete?
                need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
                cut = len(data) - back if back < need else cut
                break
            if byte < 0x80:
                break
        self.carry = data[cut:]
        try:
            pa.array([data[:cut]], type=pa.binary()).cast(pa.string())
        except pa.ArrowInvalid as err:
            raise Unsure from err

    def _scan(self, data: bytes, upto: int, *, final: bool) -> None:
        """Process ``data[:upto]``; the byte after it (if any) is only looked at."""
        if upto <= 0:
            self.pending = data
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        base = self.pos
        quotes = np.zeros(0, dtype=np.int64)
        if b'"' in data[:upto]:
            quotes = np.flatnonzero(arr[:upto] == _QUOTE)
            self._check_quotes(arr, quotes, upto, final)
        breaks = np.flatnonzero(arr[:upto] == _LF)
        ends = breaks.copy()
        if b"\r" in data[:upto] or self.prev == _CR:  # a CR LF may straddle two chunks
            cr = np.flatnonzero(arr[:upto] == _CR)
            after = np.where(cr + 1 < len(arr), arr[np.minimum(cr + 1, len(arr) - 1)], _EOF)
            lone = cr[after != _LF]
            # CR LF is one break: the record's text ends before the CR.
            if breaks.size:
                before = np.where(breaks > 0, arr[np.maximum(breaks - 1, 0)], self.prev)
                ends = np.where(before == _CR, breaks - 1, breaks)
            order = np.argsort(np.concatenate([breaks, lone]), kind="stable")
            breaks = np.concatenate([breaks, lone])[order]
            ends = np.concatenate([ends, lone])[order]
        if breaks.size:
            line_after = self.breaks + np.arange(breaks.size, dtype=np.int64) + 2
            inside = (self.quotes + np.searchsorted(quotes, breaks)) % 2 == 1
            outside = ~inside
            self.breaks += breaks.size
            if outside.any():
                self._segments(ends[outside] + base, line_after[outside], breaks[outside] + base)
        self.quotes += quotes.size
        self.prev = int(arr[upto - 1])
        self.pos += upto
        self.pending = data[upto:]

    def _check_quotes(self, arr: np.ndarray, quotes: np.ndarray, upto: int, final: bool) -> None:
        before = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], self.prev)
        nxt = quotes + 1
        after = np.where(nxt < len(arr), arr[np.minimum(nxt, len(arr) - 1)].astype(np.int64), _EOF)
        opening = (self.quotes + np.arange(quotes.size)) % 2 == 0
        opens_ok = np.isin(before, (_COMMA, _LF, _CR, _QUOTE))
        closes_ok = np.isin(after, (_COMMA, _LF, _CR, _QUOTE, _EOF))
        if not np.where(opening, opens_ok, closes_ok).all():
            raise Unsure

    def _segments(
        self, ends: np.ndarray, line_after: np.ndarray, breaks: np.ndarray | None = None
    ) -> None:
        """Record the text between consecutive record-ending breaks; blank ones are not records."""
        previous = np.concatenate([[self.last_end], breaks if breaks is not None else ends])[:-1]
        lines = np.concatenate([[self.last_line], line_after])[:-1]
        length = ends - previous - 1
        if length.size and int(length.max()) > self.field_limit:
            raise Unsure
        found = lines[length > 0]
        with self.lock:
            if self.head is None and found.size:
                self.head = int(found[0])
            self.starts.append(found)
            self.count += found.size
        if breaks is not None:
            self.last_end = int(breaks[-1])
            self.last_line = int(line_after[-1])
