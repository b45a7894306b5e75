"""Exception and warning classes.

Every error a user can cause derives from :class:`TrendsError`; the command
line prints its message on one line and exits with status 2.
"""

from __future__ import annotations


class TrendsError(Exception):
    """Base class of every error raised on bad input or bad options."""


class InputError(TrendsError, ValueError):
    """An input file cannot be read as the layout it claims to be.

    The message names the file, line, column and value where known.

    Examples
    --------
    >>> str(InputError("bad date", path="a.csv", line=3, column="date_start", value="2020-13-01"))
    "a.csv:3: column 'date_start': bad date (value '2020-13-01')"
    >>> str(InputError("expected int", path="r.toml", column="analysis.seed", value="x"))
    "r.toml: key 'analysis.seed': expected int (value 'x')"
    >>> str(InputError("bad date", path="a.parquet", line=2))  # Parquet has records, not lines
    'a.parquet: record 2: bad date'

    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.path, self.line, self.column, self.value = path, line, column, value
        where = path or ""
        if line is not None:
            from trends.folders import is_parquet  # folders raises InputError: import on use

            where += f": record {line}" if path is not None and is_parquet(path) else f":{line}"
        parts = [where] if where else []
        if column is not None:  # in a report definition (TOML) it is a key, not a column
            kind = "key" if path is not None and path.endswith(".toml") else "column"
            parts.append(f"{kind} {column!r}")
        text = ": ".join([*parts, message])
        if value is not None:
            text += f" (value {str(value)!r})"
        super().__init__(text)


class SchemaError(InputError):
    """A table does not have the columns or values the canonical layout needs."""


class OptionError(TrendsError, ValueError):
    """An option has a value outside its valid choices or range."""


class DataError(TrendsError, ValueError):
    """The data cannot support the requested analysis (too short, all zero, ...)."""


class OutputError(TrendsError, OSError):
    """An output cannot be written (full disk, read-only folder, a folder in use, ...).

    Whatever was there before is left as it was; the message says so.
    """


class TrendsWarning(UserWarning):
    """Base class of the package's warnings."""


class DataQualityWarning(TrendsWarning):
    """The data are usable but something in them deserves a look."""


class ModelWarning(TrendsWarning):
    """A model fit is questionable (did not converge, family inadequate, ...)."""
