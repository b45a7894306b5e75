"""The canonical incident table and the checks every reader shares.

One row is one incident. Readers map a source layout to these columns;
:func:`trends.validate.parse_counts` and :func:`trends.validate.parse_dates` turn
text into typed columns and stop at the first bad value with an error naming
file, line, column and value.

=================  ===============  ==============================================
column             type             meaning
=================  ===============  ==============================================
incident_id        str              the source's event id (native: one id per incident)
date_start         datetime64       first day the incident may have happened
date_end           datetime64       last day (equal to date_start for a known day)
date_precision     str              day, week, month or year: how well the date is known
country            str              country name as the source gives it
region             str              admin-1 region, canonical spelling (see regions.py)
subregion          str              admin-2 or place, as written; may be empty
actor1, actor2     str              the sides (perpetrator first where known); may be empty
violence_type      str              e.g. state-based, non-state, one-sided, an ACLED event type
victim_category    str              e.g. soldiers, militia, civilians, perpetrators; may be empty
killed_low         Int64            lowest credible death toll
killed_best        Int64            best estimate
killed_high        Int64            highest credible death toll
injured            Int64            injured, where reported (else missing)
source             str              source(s) of the report, "; "-separated
notes              str              free text
=================  ===============  ==============================================

Two bookkeeping columns travel with every row: ``_file`` and ``_line`` (the
1-based line of the record in its file, or the row number for Parquet), so
that any later decision about the row can name where it came from.
"""

from __future__ import annotations

import pandas as pd

from trends.options import PRECISIONS as PRECISIONS
from trends.textops import as_text
from trends.validate import MONTH_PATTERN as MONTH_PATTERN
from trends.validate import first_bad

COUNT_COLUMNS = ("killed_low", "killed_best", "killed_high", "injured")
COLUMNS = (
    "incident_id",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "region",
    "subregion",
    "actor1",
    "actor2",
    "violence_type",
    "victim_category",
    *COUNT_COLUMNS,
    "source",
    "notes",
)
TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in (*COUNT_COLUMNS, "date_start", "date_end"))
BOOKKEEPING = ("_file", "_line")



def check_end_after_start(table: pd.DataFrame, path: str, column: str) -> None:
    """Raise when an incident ends before it starts."""
    bad = table["date_end"] < table["date_start"]
    if bad.any():
        msg = "end date is before start date"
        raise first_bad(
            msg,
            path,
            table["_line"],
            bad,
            column,
            table["date_end"].dt.strftime("%Y-%m-%d"),
        )


def order_violations(table: pd.DataFrame) -> pd.Series:
    """Text describing where low <= best <= high fails (empty where it holds)."""
    low, best, high = (table[c] for c in ("killed_low", "killed_best", "killed_high"))
    why = pd.Series("", index=table.index)
    low_gt = (low > best).fillna(False).astype(bool)
    best_gt = (best > high).fillna(False).astype(bool)
    why[low_gt] = "low " + low[low_gt].astype(str) + " > best " + best[low_gt].astype(str)
    why[best_gt] = "best " + best[best_gt].astype(str) + " > high " + high[best_gt].astype(str)
    return why


def finish(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with exactly the canonical and bookkeeping columns, typed."""
    out = table.copy()
    for name in TEXT_COLUMNS:
        if name not in out:
            out[name] = ""
        out[name] = as_text(out[name])
    for name in COUNT_COLUMNS:
        if name not in out:
            out[name] = pd.array([pd.NA] * len(out), dtype="Int64")
        out[name] = out[name].astype("Int64")
    out["_line"] = out["_line"].astype("int64")
    return out[[*COLUMNS, *BOOKKEEPING]].reset_index(drop=True)
