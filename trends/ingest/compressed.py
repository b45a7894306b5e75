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
import os
import zlib
from pathlib import Path

from trends.errors import InputError
from trends.validate import RATIO_FLOOR, Limits

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


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


def read_head(path: str | Path, size: int = _CHUNK) -> bytes:
    """At most ``size`` bytes from the start of the (decompressed) file."""
    if not is_gzip(path):
        with open(path, "rb") as handle:
            return handle.read(size)
    with gzip.open(path, "rb") as stream:
        return stream.read(size)


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
