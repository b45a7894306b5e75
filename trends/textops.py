"""Vectorised text work on columns of text, with the results of the plain pandas calls.

Columns read by pyarrow hold Arrow text; these helpers keep the work in
Arrow's C++ kernels where the plain pandas call would go through Python
one value at a time, or would copy a column that needs no change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd


def _arrow(values: pd.Series) -> Any | None:
    """The Arrow array behind a text column, or None for any other column."""
    data = values.array
    if isinstance(values.dtype, pd.StringDtype) and hasattr(data, "_pa_array"):
        return data._pa_array
    return None


def as_text(values: pd.Series) -> pd.Series:
    """``values.fillna("").astype(str).str.strip()``, without copying text that needs no strip.

    Examples
    --------
    >>> as_text(pd.Series([" a", None, "b"], dtype=object)).tolist()
    ['a', '', 'b']

    """
    text = values.fillna("").astype(str)
    arr = _arrow(text)
    if arr is None or len(text) == 0:
        return text.str.strip()
    chunks = arr.chunks if hasattr(arr, "chunks") else [arr]
    if not any(_blank_ends(chunk) for chunk in chunks):
        return text
    return text.str.strip()


_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # the ASCII characters str.strip removes


def _blank_ends(chunk: Any) -> bool:
    """True if a value of the Arrow text array may start or end with white space.

    Reads the first and last byte of each value from the array's buffers;
    values whose end bytes are not ASCII are asked of Arrow's Unicode test.
    """
    import pyarrow as pa

    width = {pa.string(): np.int32, pa.large_string(): np.int64}.get(chunk.type)
    buffers = chunk.buffers()
    if width is None or chunk.null_count or buffers[2] is None:
        return _blank_ends_unicode(chunk) if len(chunk) else False
    offsets = np.frombuffer(buffers[1], dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    filled = offsets[1:] > offsets[:-1]
    first, last = data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]
    if _SPACE[first].any() or _SPACE[last].any():
        return True
    if (first >= 0x80).any() or (last >= 0x80).any():
        return _blank_ends_unicode(chunk)
    return False


def _blank_ends_unicode(chunk: Any) -> bool:
    import pyarrow.compute as pc

    ends = pc.or_(
        pc.utf8_is_space(pc.utf8_slice_codeunits(chunk, 0, 1)),
        pc.utf8_is_space(pc.utf8_slice_codeunits(chunk, -1, 2**31 - 1)),
    )
    return bool(pc.any(ends).as_py())


def map_text(values: pd.Series, mapping: Mapping[str, Any] | Callable[[str], Any]) -> pd.Series:
    """``values.map(mapping)``, computed once per distinct value.

    Examples
    --------
    >>> map_text(pd.Series(["1", "2", "1"]), {"1": "day", "2": "week"}).tolist()
    ['day', 'week', 'day']

    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if callable(mapping):
        mapped = [mapping(u) for u in uniques]
    else:
        mapped = [mapping.get(u, np.nan) for u in uniques]
    if mapped and all(isinstance(v, str) for v in mapped):
        import pyarrow as pa

        taken = pa.array(mapped, type=pa.string()).take(pa.array(codes))
        return pd.Series(pd.array(taken, dtype="str"), index=values.index)
    if mapped and all(isinstance(v, bool | np.bool_) for v in mapped):
        return pd.Series(np.asarray(mapped, dtype=bool)[codes], index=values.index)
    if mapped and all(type(v) is int and -(2**63) <= v < 2**63 for v in mapped):
        # int64, as infer_objects would type them
        return pd.Series(np.asarray(mapped, dtype=np.int64)[codes], index=values.index)
    out = pd.Series(mapped, dtype=object).take(codes)
    out.index = values.index
    return out.infer_objects()
