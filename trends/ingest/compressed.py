"""Reading input bytes with a bound on what compressed files expand to.

A gzip file of a few kilobytes can expand to many gigabytes. Compressed
input is therefore decompressed as a stream, and reading stops with an error
as soon as the expanded bytes pass :attr:`~trends.validate.Limits.max_expanded`
(2 GiB by default, ``--max-expanded``) or, past 64 MiB, the ratio of expanded
to compressed size passes :attr:`~trends.validate.Limits.max_ratio` (100 by
default, ``--max-ratio``). A file is treated as gzip by its first two bytes,
whatever its name. Parquet files are checked before any column is read, by
the larger of the uncompressed size their metadata declare and 8 bytes per
cell.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import Any

from trends.errors import InputError
from trends.validate import RATIO_FLOOR, Limits

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
HEAD_BYTES = _CHUNK
"""Bytes :func:`read_head` reads by default."""


def is_gzip(path: str | Path) -> bool:
    """True when the file starts with the gzip signature."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _too_big(name: str, expanded: int, size: int, limits: Limits) -> str | None:
    if expanded > limits.max_expanded:
        return (
            f"the compressed file expands to more than {limits.max_expanded:,} bytes; "
            "if it is genuine, raise the limit with --max-expanded (e.g. 8G) or decompress it"
        )
    if expanded > RATIO_FLOOR and expanded > limits.max_ratio * max(size, 1):
        return (
            f"the compressed file expands more than {limits.max_ratio:g} times its size "
            f"({size:,} bytes to over {expanded:,}); it may be a decompression bomb. If it is "
            "genuine, raise the limit with --max-ratio"
        )
    return None


def read_bytes(path: str | Path, limits: Limits | None = None) -> bytes:
    """The file's bytes, decompressed as a bounded stream when it is gzip.

    Examples
    --------
    >>> import tempfile, os, gzip
    >>> with tempfile.NamedTemporaryFile(suffix=".gz", delete=False) as f:
    ...     _ = f.write(gzip.compress(b"a" * 10_000))
    >>> len(read_bytes(f.name))
    10000
    >>> read_bytes(f.name, Limits(max_expanded=100))
    Traceback (most recent call last):
    ...
    trends.errors.InputError: ...: the compressed file expands to more than 100 bytes; ...
    >>> os.unlink(f.name)

    """
    limits = limits or Limits()
    name = str(path)
    if not is_gzip(path):
        return Path(path).read_bytes()
    size = os.path.getsize(path)
    chunks: list[bytes] = []
    expanded = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                expanded += len(chunk)
                reason = _too_big(name, expanded, size, limits)
                if reason:
                    raise InputError(reason, path=name)
                chunks.append(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        msg = f"the gzip file is damaged or truncated: {err}"
        raise InputError(msg, path=name) from err
    return b"".join(chunks)


def read_head(path: str | Path, size: int = HEAD_BYTES) -> bytes:
    """At most ``size`` bytes from the start of the (decompressed) file."""
    if not is_gzip(path):
        with open(path, "rb") as handle:
            return handle.read(size)
    try:
        with gzip.open(path, "rb") as stream:
            return stream.read(size)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        msg = f"the gzip file is damaged or truncated: {err}"
        raise InputError(msg, path=str(path)) from err


def check_parquet_size(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a Parquet file whose declared uncompressed size passes the limits."""
    import pyarrow.parquet as pq

    limits = limits or Limits()
    meta = pq.ParquetFile(path).metadata
    stored = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    # Encodings (dictionary, run-length) hide the size: count at least 8 bytes a cell.
    expanded = max(stored, meta.num_rows * meta.num_columns * 8)
    reason = _too_big(str(path), expanded, os.path.getsize(path), limits)
    if reason:
        raise InputError(reason.replace("compressed file", "Parquet file"), path=str(path))


class BoundedStream(io.RawIOBase):
    """A file's bytes as a stream, decompressed within ``limits`` when it is gzip.

    Raises the same errors as :func:`read_bytes`, at the chunk that passes a
    limit, so a decompression bomb is stopped without being held in memory.

    Examples
    --------
    >>> import tempfile, os, gzip
    >>> with tempfile.NamedTemporaryFile(suffix=".gz", delete=False) as f:
    ...     _ = f.write(gzip.compress(b"a" * 10_000))
    >>> len(BoundedStream(f.name).read())
    10000
    >>> BoundedStream(f.name, Limits(max_expanded=100)).read()
    Traceback (most recent call last):
    ...
    trends.errors.InputError: ...: the compressed file expands to more than 100 bytes; ...
    >>> os.unlink(f.name)

    """

    def __init__(self, path: str | Path, limits: Limits | None = None) -> None:
        super().__init__()
        self.name = str(path)
        self.limits = limits or Limits()
        self.size = os.path.getsize(path)
        self.gzip = is_gzip(path)
        self.raw = gzip.open(path, "rb") if self.gzip else open(path, "rb")
        self.expanded = 0
        self.left = memoryview(b"")

    def readable(self) -> bool:
        """Always: the stream is for reading."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next bytes; 0 at the end."""
        if not self.left:
            self.left = memoryview(self._next())
        count = min(len(buffer), len(self.left))
        buffer[:count] = self.left[:count]
        self.left = self.left[count:]
        return count

    def _next(self) -> bytes:
        """The next chunk, in the same steps as :func:`read_bytes` so that errors match."""
        try:
            chunk = self.raw.read(_CHUNK)
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            msg = f"the gzip file is damaged or truncated: {err}"
            raise InputError(msg, path=self.name) from err
        if self.gzip:
            self.expanded += len(chunk)
            reason = _too_big(self.name, self.expanded, self.size, self.limits)
            if reason:
                raise InputError(reason, path=self.name)
        return chunk

    def close(self) -> None:
        """Close the file."""
        self.raw.close()
        super().close()
