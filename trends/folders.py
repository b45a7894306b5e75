"""A folder given as an input stands for the incident files directly inside it.

The files taken are those whose names end in ``.csv``, ``.csv.gz`` or
``.parquet`` (in any letter case), in sorted name order (Python's string
order, so ``b10.csv`` comes before ``b2.csv``), without subfolders and without
hidden files (names starting with a dot, such as editors' temporary files).
Each is named as the folder was given joined with its name, so that row logs
and messages name it as a user would type it. The order matters where
files repeat an event: the first reading is kept, as for files listed one
by one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from trends.errors import InputError

SUFFIXES = (".csv", ".csv.gz", ".parquet")


def is_parquet(name: str) -> bool:
    """Whether a file is read as Parquet: by its suffix, in any case.

    Examples
    --------
    >>> is_parquet("events.parquet"), is_parquet("EVENTS.Parquet"), is_parquet("e.csv")
    (True, True, False)

    """
    return name.lower().endswith((".parquet", ".pq"))


def folder_files(folder: str | Path) -> list[str]:
    """The incident files of ``folder``, in sorted name order.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ("b.parquet", "a.csv.gz", ".a.csv", "notes.txt", "A.CSV"):
    ...         _ = open(os.path.join(d, name), "w").close()
    ...     [os.path.basename(p) for p in folder_files(d)]
    ['A.CSV', 'a.csv.gz', 'b.parquet']

    """
    where = str(folder)
    named = sorted(
        entry.name
        for entry in os.scandir(where)
        if not entry.name.startswith(".") and entry.name.lower().endswith(SUFFIXES)
    )
    for name in named:  # a pipe or device named like data is not skipped without a word
        regular_file(os.path.join(where, name))
    names = [name for name in named if not os.path.isdir(os.path.join(where, name))]
    if not names:
        msg = (
            f"the folder holds no incident file (names ending in {', '.join(SUFFIXES)}); "
            "give a folder of CSV or Parquet files, or the files themselves"
        )
        raise InputError(msg, path=where)
    return [os.path.join(where, name) for name in names]


def expand_folders(paths: Sequence[str | Path]) -> list[str | Path]:
    """``paths`` with each folder replaced by its files (:func:`folder_files`).

    Examples
    --------
    >>> expand_folders(["a.csv", "b.parquet"])
    ['a.csv', 'b.parquet']

    """
    out: list[str | Path] = []
    for path in paths:
        if os.path.isdir(path):
            out.extend(folder_files(path))
            continue
        out.append(regular_file(path))
    return out


def regular_file(path: str | Path) -> str | Path:
    """``path``, unless it is a device or a pipe (which has no end to check against the limits).

    A folder or a missing path is left to the reader, whose error says so.

    Examples
    --------
    >>> regular_file("/dev/zero")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trends.errors.InputError: /dev/zero: not a regular file (a device or a pipe); ...

    """
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        msg = "not a regular file (a device or a pipe); save the data to a file and give that"
        raise InputError(msg, path=str(path))
    return path
