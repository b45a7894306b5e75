"""Checking values where they enter the package: counts, dates, months, ranges, names.

Every reader, the monthly-table loader, the command line and the report
definition check their values here, so that one rule gives one message:

* **Counts** are whole numbers from 0 to a plausibility ceiling per record,
  :data:`DEFAULT_MAX_COUNT` (one million deaths in one incident or one row of a
  monthly table) unless the user raises it (``--max-count``, or ``max_count``
  under ``[input]`` in a report definition). A figure beyond the largest
  64-bit integer is an error whatever the ceiling, and totals are checked so
  that no sum can overflow.
* **Dates and months** lie from :data:`EARLIEST` to :data:`LATEST` (years
  1900 to 2100) and, in a data file, no later than the day after the file was
  last written: an incident cannot be dated after its data were released.
* **Options** lie in their ranges (:data:`OPTION_RULES`): replicates >= 1
  where a p-value is asked for, horizons from 1 to 24, windows and seeds >= 0.
* **Names** that key a series (a region, a country) are not blank.

An error names the file, line, column and value (or the option and its
value), says what was expected and what to do, and ends the command with
exit status 2.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import DataError, InputError, OptionError
from trends.textops import as_text

INT64_MAX = 2**63 - 1
DEFAULT_MAX_COUNT = 1_000_000
"""Largest count accepted in one record unless the user raises it: no recorded
incident has killed a million people."""
DEFAULT_MAX_EXPANDED = 2 * 1024**3
"""Largest size (bytes) a compressed input may expand to: 2 GiB."""
DEFAULT_MAX_RATIO = 100
"""Largest expansion ratio of a compressed input; CSV files compress 5-20 times."""
RATIO_FLOOR = 64 * 1024**2
"""The ratio is enforced only once a file has expanded past 64 MiB."""
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$", re.ASCII)  # not "２０２５-01"
"""A month as every table and option writes it: YYYY-MM."""
_FIRST_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-01([ T]00:00(:00(\.0+)?)?)?$", re.ASCII)
"""A month's first day, at midnight if a time is written (as spreadsheets export dates)."""
_WHOLE = re.compile(r"^\+?(\d+)(?:\.0*)?$", re.ASCII)


@dataclass(frozen=True)
class Limits:
    """Ceilings on what one input may hold; every one can be raised by the user.

    Examples
    --------
    >>> Limits().max_count
    1000000
    """

    max_count: int = DEFAULT_MAX_COUNT
    max_expanded: int = DEFAULT_MAX_EXPANDED
    max_ratio: float = DEFAULT_MAX_RATIO


def _error(
    message: str, *, name: str, value: object, path: str | None = None
) -> InputError | OptionError:
    """An option error (``name`` is the option) or, with ``path``, an error in that file."""
    if path is not None:
        return InputError(message, path=path, column=name, value=value)
    return OptionError(f"{name} {message}; got {value!r}")


# ---- ranges ---------------------------------------------------------------------------------


def check_range(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    whole: bool = True,
    path: str | None = None,
) -> Any:
    """Return ``value`` if it is a (whole, with ``whole``) finite number in ``[low, high]``.

    ``name`` is the option or key named in the error; with ``path`` the error
    names that file (a report definition) and the key as its column.

    Examples
    --------
    >>> check_range("--horizon", 6, low=1, high=24)
    6
    >>> check_range("--seed", -1, low=0)
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --seed must be a whole number of at least 0; got -1

    """
    kind = "a whole number" if whole else "a number"
    if low is not None and high is not None:
        expected = f"{kind} from {_show(low)} to {_show(high)}"
    elif low is not None:
        expected = f"{kind} of at least {_show(low)}"
    else:
        expected = f"{kind} of at most {_show(high)}" if high is not None else kind
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (not whole or float(value).is_integer())
    ok = ok and (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        msg = f"must be {expected}"
        raise _error(msg, name=name, value=value, path=path)
    return value


def check_level(name: str, value: Any) -> float:
    """Return ``value`` if it is a confidence level: a number above 0 and below 1.

    Examples
    --------
    >>> check_level("confidence_level", 0.8)
    0.8
    >>> check_level("confidence_level", 1.5)
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: confidence_level must be a number above 0 and below 1; got 1.5

    """
    msg = "must be a number above 0 and below 1"
    if not (isinstance(value, int | float | np.integer | np.floating) and 0 < value < 1):
        raise _error(msg, name=name, value=value)
    return float(value)


def _show(number: float) -> str:
    return f"{number:,}" if abs(number) >= 10_000 else f"{number:g}"


@dataclass(frozen=True)
class Rule:
    """The range of one command-line option, by its ``argparse`` destination."""

    flag: str
    low: float | None = None
    high: float | None = None
    whole: bool = True
    above_low: bool = False
    below_high: bool = False


OPTION_RULES: dict[str, Rule] = {
    "bootstrap": Rule("--bootstrap", 1, 100_000),
    "seed": Rule("--seed", 0, 2**32 - 1),
    "horizon": Rule("--horizon", 1, 24),
    "draws": Rule("--draws", 1, 1_000_000),
    "harmonics": Rule("--harmonics", 0, 5),
    "train_months": Rule("--train-months", 0),
    "min_train": Rule("--min-train", 1),
    "min_segment": Rule("--min-segment", 1),
    "years_back": Rule("--years-back", 1, 50),
    "window": Rule("--window", 0, 11),
    "alpha": Rule("--alpha", 1e-10, 0.5, whole=False, below_high=True),
    "threshold": Rule("--threshold", 0, whole=False),
    "width": Rule("--width", 1, 20_000),
    "height": Rule("--height", 1, 20_000),
    "scale": Rule("--scale", 0, 10, whole=False, above_low=True),
    "max_count": Rule("--max-count", 1, INT64_MAX),
    "max_expanded": Rule("--max-expanded", 1),
    "max_ratio": Rule("--max-ratio", 1, whole=False),
}
"""Ranges of the numeric options, applied to every command that has them."""
MONTH_OPTIONS = ("since", "month", "start", "end")
"""Options that take a month (YYYY-MM)."""


def check_options(options: Mapping[str, Any]) -> None:
    """Check the month options and every numeric option of a parsed command line.

    Months must be written YYYY-MM within the years the package reads;
    numbers must lie in the ranges of :data:`OPTION_RULES`.

    ``--bootstrap 0`` is allowed only where no bootstrap p-value is asked
    for (``trends test --inference model``). ``--alpha`` must be at least
    1e-10 (below, the bounds' quantile loses its digits to rounding) and below
    0.5, and ``--scale`` must be above 0.

    Examples
    --------
    >>> check_options({"horizon": 3, "seed": 0})
    >>> check_options({"bootstrap": 0, "inference": "model", "command": "test"})
    >>> check_options({"bootstrap": 0, "command": "detect"})
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --bootstrap must be a whole number from 1 to ...; got 0

    """
    for dest in MONTH_OPTIONS:
        if isinstance(options.get(dest), str):
            parse_month(options[dest], f"--{dest}")
    for dest, rule in OPTION_RULES.items():
        value = options.get(dest)
        if value is None:
            continue
        low = rule.low
        if dest == "bootstrap" and options.get("inference") == "model":
            low = 0 if options.get("command") == "test" else low
        if rule.below_high and not (low or 0) <= value < (rule.high or 0):
            # "from 1e-10 to 0.5" would read as if 0.5 were allowed
            msg = (f"must be a number of at least {_show(low or 0)} and below "
                   f"{_show(rule.high or 0)}")
            raise _error(msg, name=rule.flag, value=value)
        check_range(rule.flag, value, low=low, high=rule.high, whole=rule.whole)
        if rule.above_low and value == low:
            msg = f"must be above {_show(low or 0)}"
            raise _error(msg, name=rule.flag, value=value)
    if options.get("chart_format") == "png":
        _png_size(options)


MAX_PIXELS = 100_000_000
"""Largest PNG a chart is drawn into (about 400 MB of memory)."""


def _png_size(options: Mapping[str, Any]) -> None:
    """Refuse a PNG too large to draw (a width or height not given is taken as 1,000)."""
    scale = options.get("scale") or 1.0
    pixels = (options.get("width") or 1000) * (options.get("height") or 1000) * scale * scale
    if pixels > MAX_PIXELS:
        msg = (f"--width, --height and --scale ask for a PNG of {pixels / 1e6:,.0f} million "
               f"pixels; at most {MAX_PIXELS // 1_000_000} million can be drawn: lower them, "
               "or ask for --format svg")
        raise OptionError(msg)


def parse_size(text: str) -> int:
    """A size in bytes from ``500M``, ``2G``, ``1.5G`` or a plain number of bytes.

    Examples
    --------
    >>> parse_size("2G"), parse_size("64k"), parse_size("1000")
    (2147483648, 65536, 1000)

    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)[iI]?[bB]?\s*", text, re.ASCII)
    if not match:
        msg = f"expected a size such as 500M or 2G; got {text!r}"
        raise OptionError(msg)
    factor = 1024 ** " KMGT".index(match.group(2).upper() or " ")
    return int(float(match.group(1)) * factor)


# ---- months and dates -----------------------------------------------------------------------


def parse_month(value: str, name: str, *, path: str | None = None) -> pd.Period:
    """A ``YYYY-MM`` option or definition value as a monthly period, years 1900-2100.

    Examples
    --------
    >>> parse_month("2023-11", "--since")
    Period('2023-11', 'M')
    >>> parse_month("9999-12", "--since")
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --since must be a month from 1900-01 to 2100-12; got '9999-12'

    """
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not MONTH_PATTERN.fullmatch(text):
        msg = "must be a month written YYYY-MM"
        if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}", text, re.ASCII):
            msg += ", the month from 01 to 12"
        raise _error(msg, name=name, value=value, path=path)
    if not EARLIEST.year <= int(text[:4]) <= LATEST.year:
        msg = f"must be a month from {EARLIEST:%Y-%m} to {LATEST:%Y-%m}"
        raise _error(msg, name=name, value=value, path=path)
    return pd.Period(text, freq="M")


def preliminary_start(text: str | None, start: Any, end: Any, name: str) -> pd.Period | None:
    """The first preliminary month, written ``text`` (YYYY-MM), in data of ``start`` to ``end``.

    None when none was given. After the data it is an error (a typo: no
    month would be marked); before them it is their first month. ``name``
    is the option or argument named in an error.

    Examples
    --------
    >>> start, end = pd.Period("2020-01", freq="M"), pd.Period("2021-12", freq="M")
    >>> str(preliminary_start("2019-06", start, end, "--preliminary-from"))
    '2020-01'
    >>> preliminary_start(None, start, end, "preliminary") is None
    True

    """
    if text is None:
        return None
    first = parse_month(text, name)
    if first > end:
        msg = (f"{name} {first} lies after the data ({start} to {end}): no month of it is "
               "preliminary")
        raise OptionError(msg)
    return max(first, start)


def latest_date(path: str | Path) -> date:
    """The last date a file's records may carry: the day after it was last written.

    A record cannot describe a day after its data were released; the day
    after allows for time zones. Never later than :data:`LATEST`.
    """
    try:
        written = datetime.fromtimestamp(os.stat(path).st_mtime).date()
    except (OSError, OverflowError, ValueError):
        return LATEST
    return min(written + timedelta(days=1), LATEST)


def parse_month_column(
    raw: pd.Series, *, column: str, path: str, lines: pd.Series, latest: date = LATEST
) -> pd.Series:
    """Months written ``YYYY-MM`` in a table, each within the dates a file may hold.

    A month's first day (``YYYY-MM-01``, as a spreadsheet or a Parquet date
    column gives it) is read as the month.

    Examples
    --------
    >>> parse_month_column(pd.Series(["2020-01", "2020-02-01", "2020-03-01 00:00:00"]),
    ...                    column="month", path="f", lines=pd.Series([2, 3, 4])).tolist()
    ['2020-01', '2020-02', '2020-03']

    """
    text = as_text(raw)
    text = text.where(~text.str.fullmatch(_FIRST_DAY), text.str[:7])
    bad = ~text.str.fullmatch(MONTH_PATTERN)
    if bad.any():
        msg = "expected a month written YYYY-MM, or its first day"
        raise first_bad(msg, path, lines, bad, column, text)
    years = text.str[:4].astype(int)
    early = years < EARLIEST.year
    if early.any():
        msg = f"month before {EARLIEST:%Y-%m}, the earliest the package reads"
        raise first_bad(msg, path, lines, early, column, text)
    beyond = years > LATEST.year
    if beyond.any():
        msg = f"month after {LATEST:%Y-%m}, the latest the package reads"
        raise first_bad(msg, path, lines, beyond, column, text)
    late = text > f"{latest:%Y-%m}"
    if late.any():
        raise first_bad(_too_late(latest), path, lines, late, column, text)
    return text


def _too_late(latest: date) -> str:
    if latest >= LATEST:
        return f"date after {LATEST:%Y-%m-%d}, the latest the package reads"
    return (
        f"dated after the file was last written ({latest - timedelta(days=1):%Y-%m-%d}): "
        "a record cannot describe a later day; correct the date"
    )


def parse_dates(
    raw: pd.Series,
    *,
    column: str,
    path: str,
    lines: pd.Series,
    formats: tuple[str, ...],
    expected: str | None = None,
    latest: date = LATEST,
) -> pd.Series:
    """Parse dates trying each ``strptime`` format in turn; every value must parse and lie in range.

    Examples
    --------
    >>> lines = pd.Series([2, 3])
    >>> s = parse_dates(pd.Series(["2023-11-09", "2024-03-26 00:00:00.000"]), column="d",
    ...                 path="f", lines=lines, formats=("%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f"))
    >>> [str(d.date()) for d in s]
    ['2023-11-09', '2024-03-26']

    """
    text = as_text(raw)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if formats[0] == "%Y-%m-%d":
        # Once per distinct text: a column of a million dates holds a few thousand days.
        codes, uniques = pd.factorize(text, use_na_sentinel=False)
        if len(uniques) < len(text) // 2:
            days = pd.Series(uniques, dtype=text.dtype)
            found = _iso_days(days, pd.Series(pd.NaT, index=days.index, dtype="datetime64[ns]"))
            parsed = pd.Series(found.to_numpy()[codes], index=raw.index, dtype="datetime64[ns]")
        else:
            parsed = _iso_days(text, parsed)
    for fmt in formats:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        # A year pandas holds only at a coarser unit (9999, say) is left for the range check.
        got = got.where(got.dt.year.between(1678, 2261))
        parsed[todo] = got.astype("datetime64[ns]")
    missing = parsed.isna()
    if missing.any():
        # A date pandas cannot hold (year 9999, say) parses in Python: out of range, not garbled.
        real = text[missing].map(lambda v: _strptime(v, formats) is not None)
        if real.any():
            bad = missing & real.reindex(text.index, fill_value=False)
            raise first_bad(_outside(latest), path, lines, bad, column, text)
        message = "missing date" if (text[missing] == "").all() else "unparseable date"
        expected = expected or " or ".join(map(human_format, formats))
        msg = f"{message}; expected {expected}"
        raise first_bad(msg, path, lines, missing, column, text)
    parsed = parsed.dt.normalize()
    check_dates(parsed, column=column, path=path, lines=lines, shown=text, latest=latest)
    return parsed


def _iso_days(text: pd.Series, parsed: pd.Series) -> pd.Series:
    """Dates written exactly YYYY-MM-DD, read by arithmetic; NaT for anything else.

    Only real calendar days within the years pandas holds are taken; the rest
    are left to ``pd.to_datetime`` as before.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(text.dtype, pd.StringDtype) and hasattr(text.array, "_pa_array"):
        arr = text.array._pa_array
    else:
        arr = pa.chunked_array([pa.array(text.to_numpy(dtype=object), type=pa.string())])
    shaped = pc.match_substring_regex(arr, r"^\d{4}-\d{2}-\d{2}$").to_numpy(zero_copy_only=False)
    if not shaped.any():
        return parsed
    safe = pc.if_else(pa.array(shaped), arr, "1970-01-01")

    def part(start: int, stop: int) -> np.ndarray:
        piece = pc.utf8_slice_codeunits(safe, start, stop).cast(pa.int64())
        return piece.to_numpy(zero_copy_only=False)

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    ok = shaped & (year >= 1678) & (year <= 2261) & (month >= 1) & (month <= 12) & (day >= 1)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    ok &= day <= length
    if not ok.any():
        return parsed
    days = first + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    values = np.where(ok, days.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))
    return pd.Series(values, index=text.index, dtype="datetime64[ns]")


def _outside(latest: date) -> str:
    return f"date outside {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, the range the package reads" + (
        "" if latest >= LATEST else f" (and no later than {latest:%Y-%m-%d} for this file)"
    )


def _strptime(value: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def check_dates(
    dates: pd.Series,
    *,
    column: str,
    path: str,
    lines: pd.Series,
    shown: pd.Series,
    latest: date = LATEST,
) -> None:
    """Raise for the first date before :data:`EARLIEST` or after ``latest``."""
    early = (dates < pd.Timestamp(EARLIEST)).fillna(False)
    if early.any():
        msg = f"date before {EARLIEST:%Y-%m-%d}, the earliest the package reads"
        raise first_bad(msg, path, lines, early, column, shown)
    late = (dates > pd.Timestamp(latest)).fillna(False)
    if late.any():
        raise first_bad(_too_late(latest), path, lines, late, column, shown)


def human_format(fmt: str) -> str:
    """A ``strptime`` format as users write it.

    Examples
    --------
    >>> human_format("%Y-%m-%d %H:%M:%S.%f")
    'YYYY-MM-DD hh:mm:ss.fff'

    """
    for code, shown in (
        ("%Y", "YYYY"),
        ("%m", "MM"),
        ("%d", "DD"),
        ("%H", "hh"),
        ("%M", "mm"),
        ("%S", "ss"),
        ("%f", "fff"),
        ("%B", "Month"),
    ):
        fmt = fmt.replace(code, shown)
    return fmt


# ---- counts ---------------------------------------------------------------------------------


def parse_count(text: str, max_count: int = DEFAULT_MAX_COUNT) -> int | str:
    """The count written as ``text``, or the reason it is not one.

    Whole numbers are read exactly (no rounding through floating point), so
    2**53 + 1 stays itself and is refused by the ceiling, not rounded.

    Examples
    --------
    >>> parse_count("12"), parse_count("4.0"), parse_count("1e3")
    (12, 4, 1000)
    >>> parse_count("2.5"), parse_count("1_000")
    ('casualty counts must be whole numbers', 'not a number')

    """
    match = _WHOLE.fullmatch(text)
    if match:
        value = int(match.group(1))
    elif "_" in text:  # Python reads 1_000; no data source writes numbers so
        return "not a number"
    else:
        try:
            number = float(text)
        except ValueError:
            return "not a number"
        if not math.isfinite(number):
            return "not a number"
        if number < 0:
            return "casualty counts cannot be negative"
        if not number.is_integer():
            return "casualty counts must be whole numbers"
        value = int(number)
    if value > INT64_MAX:
        return (
            f"beyond the largest count the package can hold ({INT64_MAX:,}); "
            "the figure is corrupt or in the wrong column"
        )
    if value > max_count:
        return (
            f"above the plausibility ceiling of {max_count:,} per record; if the figure is "
            "genuine, raise the ceiling with --max-count (max_count under [input] in a report "
            "definition)"
        )
    return value


def parse_counts(
    raw: pd.Series,
    *,
    column: str,
    path: str,
    lines: pd.Series,
    max_count: int = DEFAULT_MAX_COUNT,
) -> pd.Series:
    """Parse a column of counts (see :func:`parse_count`); empty text is missing.

    Examples
    --------
    >>> lines = pd.Series([2, 3, 4])
    >>> parse_counts(pd.Series(["3", "", "4.0"]), column="k", path="f", lines=lines).tolist()
    [3, <NA>, 4]

    """
    text = as_text(raw)
    fast = _plain_counts(text, max_count)
    if fast is not None:
        return fast
    parsed = {value: parse_count(value, max_count) for value in pd.unique(text) if value != ""}
    reasons = {value: why for value, why in parsed.items() if isinstance(why, str)}
    if reasons:
        bad = text.isin(list(reasons))
        first = text[bad].iloc[0]
        raise first_bad(reasons[first], path, lines, bad, column, text)
    numbers = {value: n for value, n in parsed.items() if isinstance(n, int)}
    if max(numbers.values(), default=0) < 2**53:  # exact in floating point: the fast way
        return pd.Series(text.map(numbers).astype("Float64").astype("Int64"), index=raw.index)
    values: list[Any] = [numbers.get(v, pd.NA) for v in text]
    return pd.Series(pd.array(values, dtype="Int64"), index=raw.index)


def parse_numbers(raw: pd.Series, *, column: str, path: str, lines: pd.Series) -> pd.Series:
    """Parse a column of real numbers (a price, a population); every cell must hold one.

    Examples
    --------
    >>> parse_numbers(pd.Series([" 0.12", "1e3"]), column="price", path="f",
    ...               lines=pd.Series([2, 3])).tolist()
    [0.12, 1000.0]

    """
    text = raw.fillna("").astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        msg = "expected a finite number"
        raise first_bad(msg, path, lines, pd.Series(bad, index=raw.index), column, text)
    return values


def _plain_counts(text: pd.Series, max_count: int) -> pd.Series | None:
    """Counts when every value is empty or plain digits within the ceiling, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (isinstance(text.dtype, pd.StringDtype) and hasattr(text.array, "_pa_array")):
        return None
    arr = text.array._pa_array
    if not pc.all(pc.match_substring_regex(arr, r"^\d{0,18}$")).as_py():
        return None
    empty = pc.equal(arr, "")
    numbers = pc.if_else(empty, None, arr).cast(pa.int64())
    if (pc.max(numbers).as_py() or 0) > max_count:
        return None
    filled = pc.fill_null(numbers, 0).to_numpy().astype("int64")
    mask = pc.is_null(numbers).to_numpy(zero_copy_only=False).astype(bool)
    return pd.Series(pd.arrays.IntegerArray(filled, mask), index=text.index)


def exact_total(values: pd.Series) -> int:
    """The exact sum of non-negative counts (missing values left out), past 64 bits if need be.

    Examples
    --------
    >>> exact_total(pd.Series([2**62, 2**62, None], dtype="Int64")) == 2**63
    True

    """
    known = values.dropna()
    if float(known.astype(float).sum()) < 2**62:
        return int(known.sum())
    return sum(int(v) for v in known)


def check_total(values: pd.Series, what: str) -> None:
    """Raise a DataError when the sum of ``values`` would not fit in a 64-bit integer.

    Checking the total of non-negative counts bounds every partial sum.

    Examples
    --------
    >>> check_total(pd.Series([2**62, 2**62], dtype="Int64"), "killed_best")
    Traceback (most recent call last):
    ...
    trends.errors.DataError: the killed_best figures add up to more than ...

    """
    if exact_total(values) > INT64_MAX:
        msg = (
            f"the {what} figures add up to more than {INT64_MAX:,}, the largest total the "
            "package can hold; lower --max-count to find the implausible records"
        )
        raise DataError(msg)


# ---- names ----------------------------------------------------------------------------------


def require_names(raw: pd.Series, *, column: str, path: str, lines: pd.Series) -> pd.Series:
    """Stripped names, none blank: a blank region would be analysed as a region called ''.

    Examples
    --------
    >>> require_names(pd.Series([" Homs "]), column="region", path="f",
    ...               lines=pd.Series([2])).tolist()
    ['Homs']

    """
    text = as_text(raw)
    blank = text == ""
    if blank.any():
        msg = f"a {column} name is required; write the name, or leave the {column} column out"
        raise first_bad(msg, path, lines, blank, column, text)
    return text


def first_bad(
    message: str, path: str, lines: pd.Series, mask: pd.Series, column: str, raw: pd.Series
) -> InputError:
    """An InputError for the first row of ``mask``, naming its line and value."""
    first = int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])
    return InputError(
        message, path=path, line=int(lines.iloc[first]), column=column, value=raw.iloc[first]
    )


# ---- monthly series ---------------------------------------------------------------------------


def monthly_series(y: object, *, name: str = "y", integer: bool = False) -> pd.Series:
    """Check that ``y`` is a complete monthly count series and return it as floats.

    The one check every analysis makes of the series it is given: a
    ``pd.Series`` indexed by consecutive months (a monthly ``PeriodIndex``, or
    a ``DatetimeIndex`` that is turned into one), at least one month, counts
    finite and not negative (and whole numbers with ``integer``).

    Examples
    --------
    >>> s = pd.Series([1, 2], index=pd.period_range("2020-01", periods=2, freq="M"))
    >>> monthly_series(s).tolist()
    [1.0, 2.0]
    >>> monthly_series(s.iloc[[1, 0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trends.errors.InputError: series 'y': months must be consecutive and in order; 2020-02 is ...

    """
    if not isinstance(y, pd.Series):
        msg = (
            f"series {name!r}: expected a pandas Series indexed by monthly periods, got "
            f"{type(y).__name__}; build one with pd.Series(values, index=pd.PeriodIndex(months, "
            "freq='M'))"
        )
        raise InputError(msg)
    label = str(y.name) if y.name is not None else name
    if len(y) == 0:
        msg = f"series {label!r} is empty; expected monthly counts"
        raise DataError(msg)
    index = y.index
    if isinstance(index, pd.DatetimeIndex):
        index = index.to_period("M")
    if not isinstance(index, pd.PeriodIndex) or index.freqstr not in ("M", "ME"):
        msg = (f"series {label!r}: index must be a monthly PeriodIndex (freq 'M'), got "
               f"{type(index).__name__}; convert with pd.PeriodIndex(months, freq='M')")
        raise InputError(msg)
    if len(index) > 1:
        steps = np.diff(index.asi8)
        if np.any(steps != 1):
            at = int(np.flatnonzero(steps != 1)[0])
            msg = (
                f"series {label!r}: months must be consecutive and in order; "
                f"{index[at]} is followed by {index[at + 1]}; fill missing months with 0 and "
                "sort the index"
            )
            raise InputError(msg)
    values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if integer:
        bad |= np.isfinite(values) & (values != np.round(values))
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        kind = "finite non-negative whole numbers" if integer else "finite non-negative numbers"
        msg = f"series {label!r}: counts must be {kind}; month {index[at]} has {y.iloc[at]!r}"
        raise InputError(msg)
    return pd.Series(values, index=index, name=y.name)


def month_of(value: object, name: str = "month") -> pd.Period:
    """A month given to an analysis: a ``pd.Period`` or text written YYYY-MM (strictly).

    Examples
    --------
    >>> month_of("2017-11")
    Period('2017-11', 'M')
    >>> month_of("2017")
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: month must be a month written YYYY-MM; got '2017'

    """
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    return parse_month(str(value), name)


def month_position(index: pd.Index, month: object) -> int:
    """Return the 0-based position of ``month`` (``"YYYY-MM"``, Period or int) in ``index``.

    Examples
    --------
    >>> month_position(pd.period_range("2020-01", periods=12, freq="M"), "2020-03")
    2

    """
    if isinstance(month, int | np.integer) and not isinstance(month, bool):
        position = int(month)
    else:
        position = int(month_of(month, "break month").ordinal - index[0].ordinal)
    if not 0 <= position < len(index):
        msg = (
            f"break month {month!r} lies outside the data ({index[0]} to {index[-1]}); "
            "choose a month inside the series"
        )
        raise DataError(msg)
    return position
