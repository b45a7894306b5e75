"""Writing tables as CSV that spreadsheets open safely and byte-identically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trends.escape import show_controls
from trends.outputs import write_atomic

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    r"""Make a text cell safe in a spreadsheet.

    A cell a spreadsheet would run as a formula gets a leading apostrophe;
    direction and control characters are shown as ``<U+XXXX>``.

    Examples
    --------
    >>> print(defuse("=SUM(A1:A9)"), defuse("Homs"), defuse(-3), defuse("a‮b"))
    '=SUM(A1:A9) Homs -3 a<U+202E>b

    """
    if isinstance(value, str):
        value = show_controls(value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def to_csv_text(frame: pd.DataFrame) -> str:
    r"""The table as CSV text: text cells defused, ``\\n`` line ends, missing as empty."""
    safe = frame.copy()
    for column in safe.columns:
        if not (safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column])):
            continue
        if pd.api.types.infer_dtype(safe[column], skipna=True) in ("string", "categorical"):
            # each distinct text once: a panel repeats its months and regions millions of times
            codes, values = pd.factorize(safe[column], use_na_sentinel=True)
            shown = np.array([defuse(v) for v in values] + [None], dtype=object)
            safe[column] = pd.Series(shown[codes], index=safe.index, dtype=object)
        else:
            safe[column] = safe[column].map(defuse)
    return safe.to_csv(index=False, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write :func:`to_csv_text` of ``frame`` to ``path`` as UTF-8, atomically."""
    write_atomic(path, to_csv_text(frame))
