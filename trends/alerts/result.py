"""The result type shared by every alert method, and the series check they all use."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from trends.alerts.words import SIDE_WORDS
from trends.errors import DataError
from trends.options import SIDES, check_choice
from trends.results import ResultView
from trends.validate import month_of

#: Columns every alert table starts with, in this order.
CORE_COLUMNS = ("month", "observed", "expected", "upper_bound", "alarm")
#: Columns that follow them: the low side, the alarm on each side and the words.
SIDE_COLUMNS = ("lower_bound", "alarm_low", "alarm_high", "direction", "verdict")


@dataclass(frozen=True)
class AlertResult(ResultView):
    """Per-month alert rows from one method, immutable.

    Attributes
    ----------
    method : str
        ``"farrington"``, ``"glrnb"`` or ``"acled-heuristic"``.
    measure : str or None
        Name of the series that was assessed (``Series.name``).
    settings : Mapping
        Every option the method used, defaults included.
    notes : tuple of str
        Caveats worth repeating next to the numbers.
    side : {"high", "low", "both"}
        The sides of the usual range that were checked.

    """

    method: str
    measure: str | None
    settings: Mapping[str, Any]
    table: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    side: str = "both"

    def __post_init__(self) -> None:
        check_choice("side", self.side, SIDES)
        missing = [c for c in (*CORE_COLUMNS, *SIDE_COLUMNS) if c not in self.table.columns]
        if missing:
            msg = f"an alert table needs the columns {', '.join(missing)}"
            raise ValueError(msg)
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        table = self.table.copy()
        # None, not NaN, where a month has no alarm (pandas would infer a string dtype)
        table["direction"] = pd.Series(
            [d if isinstance(d, str) else None for d in table["direction"]],
            index=table.index,
            dtype=object,
        )
        object.__setattr__(self, "table", table)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with the settings as a plain dict (a read-only view cannot be pickled)."""
        fields = (self.method, self.measure, dict(self.settings), self.table, self.notes)
        return (type(self), (*fields, self.side))

    def tidy(self) -> pd.DataFrame:
        """Return one row per assessed month (a copy; edits do not reach the result).

        The first columns are always ``month`` (``pd.Period``), ``observed``,
        ``expected``, ``upper_bound`` and ``alarm`` (an alarm on any side checked),
        then ``lower_bound``, ``alarm_low``, ``alarm_high``, ``direction``
        (``"high"``, ``"low"`` or None) and ``verdict`` (the words for the month);
        method-specific columns follow. The bound of a side not checked is NaN.
        """
        return self.table.copy()

    @property
    def alarm_months(self) -> list[str]:
        """Months (``YYYY-MM``) with an alarm, in time order."""
        rows = self.table[self.table["alarm"].to_numpy(dtype=bool)]
        return [str(m) for m in rows["month"]]

    @property
    def alarms(self) -> list[dict[str, str]]:
        """Each alarm as ``{"month": "YYYY-MM", "direction": "high" or "low"}``, in time order."""
        rows = self.table[self.table["alarm"].to_numpy(dtype=bool)]
        return [
            {"month": str(m), "direction": str(d)}
            for m, d in zip(rows["month"], rows["direction"], strict=True)
        ]

    def verdict(self, month: object = None) -> str:
        """The words for one month (default: the last assessed), e.g. ``"unusually low (...)"``.

        Examples
        --------
        >>> import pandas as pd
        >>> from trends.alerts import alerts
        >>> idx = pd.period_range("2018-01", periods=13, freq="M")
        >>> y = pd.Series([10] * 12 + [4], index=idx, name="incidents")
        >>> alerts(y, "2019-01", method="acled").verdict()
        'unusually low (at or below the drop threshold of 5.0)'

        """
        t = self.table
        if month is None:
            return str(t["verdict"].iloc[-1])
        wanted = pd.Period(month, freq="M")  # type: ignore[arg-type]
        hit = t[t["month"] == wanted]
        if hit.empty:
            msg = f"month {wanted} was not assessed (assessed: {len(t)} months)"
            raise DataError(msg)
        return str(hit["verdict"].iloc[0])

    def summary(self) -> str:
        """Return a short plain-text report of the settings, the alarms and the last month."""
        t = self.table
        first, last = (str(t["month"].iloc[0]), str(t["month"].iloc[-1])) if len(t) else ("", "")
        opts = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        alarms = [f"{a['month']} {a['direction']}" for a in self.alarms]
        lines = [
            f"Alerts: {self.method} on {self.measure or 'series'}",
            f"Months assessed: {len(t)} ({first} to {last})",
            f"Sides checked: {SIDE_WORDS[self.side]}",
            f"Settings: {opts}",
            f"Alarms: {len(alarms)}" + (f" ({', '.join(alarms)})" if alarms else ""),
        ]
        if len(t):
            row = t.iloc[-1]
            lines.append(
                f"{last}: observed {_count(row['observed'])}, expected "
                f"{_count(row['expected'])}: {row['verdict']}"
            )
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def plot(self) -> Any:
        """Observed counts against the expected count and the threshold, alarms coloured."""
        from trends.charts import alert_chart
        from trends.measures import measure_label

        history = self.tidy()
        history = history.assign(month=history["month"].astype(str))
        name = str(self.measure or "count")
        return alert_chart(history, title=f"Alerts: {self.method}",
                                  measure_label=measure_label(name))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict: plain floats (NaN as ``None``), lists and strings."""
        rows = {col: [_plain(v) for v in self.table[col]] for col in self.table.columns}
        rows["month"] = [str(m) for m in self.table["month"]]
        return {
            "method": self.method,
            "measure": self.measure,
            "side": self.side,
            "settings": {k: _plain(v) for k, v in self.settings.items()},
            "rows": rows,
            "alarm_months": self.alarm_months,
            "alarms": self.alarms,
            "notes": list(self.notes),
        }


def _count(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def direction(alarm_low: bool, alarm_high: bool) -> str | None:
    """``"low"``, ``"high"`` or None for a month's alarms (the two sides exclude each other)."""
    return "low" if alarm_low else "high" if alarm_high else None


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def resolve_months(
    y: pd.Series, months: object, *, default_start: int, option: str = "months"
) -> np.ndarray:
    """Turn ``months`` (None, one month, or several) into sorted 0-based positions in ``y``.

    ``None`` gives every month from position ``default_start`` to the end.
    """
    n = len(y)
    if months is None:
        return np.arange(max(default_start, 0), n)
    items: Iterable[object]
    if isinstance(months, (str, pd.Period)):
        items = [months]
    elif isinstance(months, Iterable):
        items = list(months)
    else:
        items = [months]
    positions = []
    for item in items:
        period = month_of(item, option)
        pos = y.index.get_indexer(pd.PeriodIndex([period]))[0]
        if pos < 0:
            msg = (
                f"{option}: month {period} is not in series {y.name or 'series'!r} "
                f"({y.index[0]} to {y.index[-1]})"
            )
            raise DataError(msg)
        positions.append(int(pos))
    return np.array(sorted(set(positions)), dtype=int)


def check_history(
    y: pd.Series, positions: np.ndarray, need: int, *, needs: str, advice: str
) -> None:
    """Raise :class:`DataError` unless the first month asked for has ``need`` months before it.

    ``needs`` says what the method needs and why, ``advice`` what to do.

    Examples
    --------
    >>> y = pd.Series([1, 2, 3], index=pd.period_range("2020-01", periods=3, freq="M"))
    >>> check_history(y, np.array([1]), 2, needs="m needs 2 months", advice="Wait.")
    Traceback (most recent call last):
    ...
    trends.errors.DataError: m needs 2 months; series 'series' has 1 month before 2020-02 \
(3 months, 2020-01 to 2020-03). Wait.

    """
    if len(positions) and positions[0] >= need:
        return
    have = int(positions[0]) if len(positions) else len(y)
    where = f"before {y.index[positions[0]]}" if len(positions) else "in total"
    msg = (
        f"{needs}; series {y.name or 'series'!r} has {have} month{'s' * (have != 1)} {where} "
        f"({len(y)} months, {y.index[0]} to {y.index[-1]}). {advice}"
    )
    raise DataError(msg)
