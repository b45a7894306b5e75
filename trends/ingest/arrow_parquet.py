"""Reading Parquet with pyarrow: only the columns a layout needs, batch by batch, as text.

Readers work on text (see :mod:`trends.ingest.files`), so each cell becomes
the text the reference reader writes for it (:func:`cell_text`): text as
is, whole numbers in decimal, a float that is whole as an integer, a date as
YYYY-MM-DD, a missing value as empty text. Text and integer columns are
converted in C++; any other column goes through :func:`cell_text` batch by
batch, which is exact by construction. A file that is damaged only in the
pages of columns its layout never reads is not noticed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator
from typing import Any

import pandas as pd

from trends.errors import TrendsError
from trends.ingest.compressed import check_parquet_size
from trends.ingest.scan import Unsure
from trends.validate import Limits

BATCH = 1 << 18
"""Rows converted at a time."""


def cell_text(value: object) -> str:
    """The text of one Parquet cell, as every reader sees it.

    Examples
    --------
    >>> cell_text(3.0), cell_text(2.5), cell_text(None), cell_text(dt.date(2020, 1, 2))
    ('3', '2.5', '', '2020-01-02')

    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def has_text(kind: Any) -> bool:
    """Whether a Parquet column of this pyarrow type holds values with a text.

    Bytes, lists, structs and maps have none: their Python forms would pass for names.
    """
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return has_text(kind.value_type)
    view = getattr(pa.types, "is_binary_view", lambda _: False)
    return not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or view(kind)
                or pa.types.is_fixed_size_binary(kind) or pa.types.is_nested(kind))


def _fast_text(column: Any) -> Any | None:
    """The column as pyarrow text if it converts exactly in C++, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.fill_null(column, "").cast(pa.string())
    if pa.types.is_integer(kind) and column.null_count == 0:
        return column.cast(pa.string())
    return None


def _exact_text(batch: Any, names: list[str], metadata: Any) -> dict[str, Any]:
    """Columns converted cell by cell, through pandas as the reference reader does."""
    import pyarrow as pa

    table = pa.Table.from_batches([batch.select(names)]).replace_schema_metadata(metadata)
    frame = table.to_pandas(timestamp_as_object=True, date_as_object=True)
    return {n: pa.array(frame[n].map(cell_text).tolist(), type=pa.string()) for n in names}


def read_parquet_arrow(
    name: str, *, limits: Limits | None, columns: Callable[[list[str]], Collection[str]] | None
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The wanted columns as text, the row number of each record and every column name.

    Raises :class:`~trends.ingest.scan.Unsure` where the reference reader must decide.
    """
    ((header, cells, lines),) = iter_parquet_arrow(name, limits=limits, columns=columns)
    return cells, lines, header


def iter_parquet_arrow(
    name: str,
    *,
    limits: Limits | None,
    columns: Callable[[list[str]], Collection[str]] | None,
    rows: int | None = None,
) -> Iterator[tuple[list[str], pd.DataFrame, pd.Series]]:
    """Every column name, the wanted columns as text and the row numbers, ``rows`` at a time.

    ``rows`` None gives the file in one piece. :class:`~trends.ingest.scan.Unsure`
    may come after some pieces were given (see
    :func:`trends.ingest.arrow_csv.iter_csv_arrow`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        check_parquet_size(name, limits)
        handle = pq.ParquetFile(name)
        schema = handle.schema_arrow
    except (OSError, ValueError, TrendsError, pa.ArrowException) as err:
        raise Unsure from err
    header = list(schema.names)
    if schema.pandas_metadata is not None or handle.metadata.num_rows == 0:
        raise Unsure  # pandas' own index and names: the reference reader restores them
    if len(set(header)) != len(header) or any(not n.strip() for n in header):
        raise Unsure
    try:
        wanted = set(header) if columns is None else set(columns(header)) & set(header)
    except TrendsError as err:
        raise Unsure from err
    keep = [c for c in header if c in wanted]
    if not all(has_text(schema.field(c).type) for c in keep):
        raise Unsure  # the reference reader names the column
    parts: dict[str, list[Any]] = {c: [] for c in keep}
    held = given = 0
    size = BATCH if rows is None else min(rows, BATCH)
    try:
        for batch in handle.iter_batches(batch_size=size, columns=keep, use_threads=True):
            held += batch.num_rows
            slow = []
            for i, column in enumerate(keep):
                fast = _fast_text(batch.column(i))
                if fast is None:
                    slow.append(column)
                else:
                    parts[column].append(fast)
            for column, values in _exact_text(batch, slow, schema.metadata).items():
                parts[column].append(values)
            while rows is not None and held >= rows:
                yield header, *_piece(parts, keep, given, rows)
                given, held = given + rows, held - rows
    except (OSError, ValueError, pa.ArrowException) as err:
        raise Unsure from err
    if held or given == 0:
        yield header, *_piece(parts, keep, given, held)


def _piece(
    parts: dict[str, list[Any]], keep: list[str], first: int, rows: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The first ``rows`` records held in ``parts`` (which keeps the rest), from ``first``."""
    import pyarrow as pa

    index = pd.RangeIndex(first, first + rows)
    if not keep:
        return pd.DataFrame(index=index), pd.Series(index + 1, index=index, dtype="int64")
    table = pa.table({c: pa.chunked_array(parts[c], type=pa.string()) for c in keep})
    for c in keep:
        rest = table.column(c).slice(rows)
        parts[c] = rest.chunks if len(rest) else []
    cells = table.slice(0, rows).to_pandas()
    cells.index = index
    return cells, pd.Series(index + 1, index=index, dtype="int64")
