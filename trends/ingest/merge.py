"""Combining records: several reports of one incident, and one event in several files.

Native files hold one row per source report: rows sharing an ``incident_id``
are merged into one incident with ``killed_low`` the smallest figure any
report gives, ``killed_high`` the largest, and ``killed_best`` the median of
the reports' best figures (with an even number of reports, the lower of the
two middle ones, so best is always a figure some source gave). Injured uses
the same median. Dates, place and actors come from the first report; sources
and notes are joined.

Published datasets hold one row per event with a stable id: the same id in a
second file (a yearly GED release and a later Candidate release, say) is the
same event again, and only its first reading is kept. The row log says what
a later reading gives that the first does not (a revised death toll, say).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trends.rowlog import RowLog


def lower_median(values: pd.Series) -> object:
    """The median, or the lower middle value of an even-sized sample; NA if none.

    Examples
    --------
    >>> int(lower_median(pd.Series([23, 20]))), int(lower_median(pd.Series([3, 1, 2])))
    (20, 2)

    """
    known = np.sort(values.dropna().to_numpy())
    return pd.NA if known.size == 0 else known[(known.size - 1) // 2]


def merge_reports(table: pd.DataFrame, log: RowLog) -> pd.DataFrame:
    """Merge native rows that report the same incident."""
    repeated = table["incident_id"].duplicated(keep=False)
    if not repeated.any():
        return table
    merged = []
    for ident, group in table[repeated].groupby("incident_id", sort=False):
        first = group.iloc[0].copy()
        reports = len(group)
        lows = pd.concat([group["killed_low"], group["killed_best"]])
        highs = pd.concat([group["killed_high"], group["killed_best"]])
        first["killed_low"], first["killed_high"] = lows.min(), highs.max()
        first["killed_best"] = lower_median(group["killed_best"])
        first["injured"] = lower_median(group["injured"])
        if "source" in group:  # the compact table has no free text
            first["source"] = "; ".join(dict.fromkeys(s for s in group["source"] if s))
            first["notes"] = " | ".join(dict.fromkeys(n for n in group["notes"] if n))
        reason = (
            f"{reports} reports of incident {ident} merged: killed low {first['killed_low']}, "
            f"best {first['killed_best']}, high {first['killed_high']}"
        )
        log.add_rows(group, "merged", reason)
        for column in ("date_start", "region", "actor1"):
            if group[column].nunique() > 1:
                log.add_rows(
                    group.iloc[1:],
                    "note",
                    f"reports disagree on {column}; the first report's value is kept",
                )
        merged.append(first.to_frame().T)
    out = pd.concat([table[~repeated], *merged])
    return out.astype(table.dtypes.to_dict())


def drop_repeated_events(table: pd.DataFrame, layout: pd.Series, log: RowLog) -> pd.DataFrame:
    """Keep the first reading of each (layout, id) among published-dataset rows."""
    if layout.nunique() == 1:
        again = _repeated(table["incident_id"])
    else:
        again = pd.DataFrame({"layout": layout, "id": table["incident_id"]}).duplicated()
    again &= layout != "native"
    if not again.any():
        return table
    key = layout.astype(str) + "\x1f" + table["incident_id"].astype(str)
    first = ~key.duplicated()
    there = table.loc[first].set_index(key[first]).reindex(key[again])
    there.index = table.index[again]
    log.add_rows(table[again], "dropped", repeat_reasons(there["_file"], there, table[again]))
    return table[~again]


COMPARED = ("date_start", "region", "killed_low", "killed_best", "killed_high", "injured")
"""What a later reading of an event is compared on with the first."""


def repeat_reasons(first_file: pd.Series, there: pd.DataFrame, here: pd.DataFrame) -> pd.Series:
    """Why each later reading of an event is dropped, with what it gives that the first does not.

    ``there`` holds each event's first reading and ``here`` the later one, row
    for row (same index), with the :data:`COMPARED` columns.

    Examples
    --------
    >>> there = pd.DataFrame({"date_start": pd.to_datetime(["2024-01-02"] * 2),
    ...                       "region": ["Homs"] * 2, "killed_low": [4, 4],
    ...                       "killed_best": pd.array([4, 4], dtype="Int64"),
    ...                       "killed_high": [4, 4], "injured": pd.array([None, 1], dtype="Int64")})
    >>> here = there.assign(killed_best=pd.array([4, 9], dtype="Int64"))
    >>> for reason in repeat_reasons(pd.Series(["a.csv"] * 2), there, here):
    ...     print(reason)
    event id already read from a.csv
    event id already read from a.csv, whose reading is kept; this one gives killed_best 9 (4 there)

    """
    differs = pd.Series("", index=here.index, dtype=object)
    for column in COMPARED:
        a, b = there[column], here[column]
        if isinstance(a.dtype, pd.CategoricalDtype) or isinstance(b.dtype, pd.CategoricalDtype):
            a, b = a.astype(object), b.astype(object)
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
        if same.all():
            continue
        shown = f", {column} " + _shown(b[~same]) + " (" + _shown(a[~same]) + " there)"
        differs[~same] += shown
    reasons = "event id already read from " + first_file.astype(str)
    found = (differs != "").to_numpy()
    reasons[found] += ", whose reading is kept; this one gives " + differs[found].str[2:]
    return reasons


def _shown(values: pd.Series) -> pd.Series:
    """Values as a row log writes them: dates as YYYY-MM-DD, a missing value as unknown."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.astype(object).where(values.notna()).map(str, na_action="ignore")
    return text.fillna("unknown").astype(object)


def _repeated(ids: pd.Series) -> pd.Series:
    """``ids.duplicated()``, on whole numbers when every id is one written plainly.

    Examples
    --------
    >>> _repeated(pd.Series(["7", "12", "7"], dtype="str")).tolist()
    [False, False, True]
    >>> _repeated(pd.Series(["7", "07"], dtype="str")).tolist()
    [False, False]

    """
    numbers = whole_numbers(ids)
    if numbers is not None:
        return pd.Series(numbers, index=ids.index).duplicated()
    return ids.duplicated()


def whole_numbers(ids: pd.Series) -> np.ndarray | None:
    """Arrow-backed text ids as 64-bit integers when every one is a whole number written plainly.

    Plainly means as the number prints (no plus sign, no leading zero), so that two
    ids are the same number only if they are the same text; None otherwise
    (and for ids not held as Arrow text). Integers group several times
    faster than text.

    Examples
    --------
    >>> whole_numbers(pd.Series(["7", "12"], dtype="str")).tolist()
    [7, 12]
    >>> whole_numbers(pd.Series(["7", "07"], dtype="str")) is None
    True

    """
    import pyarrow as pa
    import pyarrow.compute as pc

    data = ids.array
    if not (isinstance(ids.dtype, pd.StringDtype) and hasattr(data, "_pa_array") and len(ids)):
        return None
    text = data._pa_array
    try:
        numbers = pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not pc.all(pc.equal(pc.cast(numbers, text.type), text)).as_py():
        return None
    return numbers.to_numpy()
