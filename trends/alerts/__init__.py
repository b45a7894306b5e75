"""Monthly aberration alerts: Farrington-flexible, NB GLR/CUSUM and ACLED-style heuristics.

:func:`alerts` is the common entry point; each method is also available on its own.
Every method checks the high side, the low side or both (``side``).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd

from trends.alerts.acled import acled_heuristic
from trends.alerts.farrington import farrington
from trends.alerts.glrnb import glrnb
from trends.alerts.result import CORE_COLUMNS, SIDE_COLUMNS, AlertResult
from trends.options import ALERT_METHODS, SIDES, AlertMethod, Side, check_choice

__all__ = [
    "CORE_COLUMNS",
    "SIDE_COLUMNS",
    "AlertResult",
    "Side",
    "acled_heuristic",
    "alerts",
    "baseline_positions",
    "farrington",
    "glrnb",
]


def alerts(
    y: pd.Series,
    months: object = None,
    method: AlertMethod = "farrington",
    side: Side = "both",
    **options: Any,
) -> AlertResult:
    """Assess months of a monthly count series with one alert method.

    Parameters
    ----------
    y : pd.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    months : str, pd.Period, sequence of them, or None
        Months to assess (for ``"glrnb"``: consecutive months to monitor).
        ``None`` uses each method's default.
    method : {"farrington", "glrnb", "acled"}
        ``"farrington"`` (:func:`farrington`), ``"glrnb"`` (:func:`glrnb`) or the
        descriptive ``"acled"`` heuristic (:func:`acled_heuristic`, no p-values).
    side : {"high", "low", "both"}
        Look for unusually high months, unusually low ones, or both (default).
    **options
        Passed to the chosen method.

    Returns
    -------
    AlertResult
        ``tidy()`` starts with month, observed, expected, upper_bound, alarm
        (any alarm on the sides checked), then lower_bound, alarm_low,
        alarm_high, direction and verdict.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.period_range("2018-01", periods=13, freq="M")
    >>> y = pd.Series([10] * 12 + [30], index=idx, name="incidents")
    >>> alerts(y, "2019-01", method="acled").alarms
    [{'month': '2019-01', 'direction': 'high'}]
    >>> alerts(y, "2019-01", method="acled", side="low").verdict()
    'not unusually low (only lows were checked)'

    """
    check_choice("method", method, ALERT_METHODS)
    check_choice("side", side, SIDES)
    if method == "farrington":
        return farrington(y, months=months, side=side, **options)
    if method == "glrnb":
        return glrnb(y, months=months, side=side, **options)
    return acled_heuristic(y, months=months, side=side, **options)


def baseline_positions(
    k: int, method: AlertMethod = "farrington", **options: Any
) -> np.ndarray:
    """Positions of the earlier months whose counts the expected level of month ``k`` draws on.

    Farrington's reference windows in past years (its current window left
    out), ACLED's ``baseline_months`` before it, and for GLR (monitoring
    from ``k``) every month before it.

    Examples
    --------
    >>> baseline_positions(40, "farrington", years_back=2, window_half_width=1).tolist()
    [15, 16, 17, 27, 28, 29]
    >>> baseline_positions(40, "acled").tolist()[:2], len(baseline_positions(40, "glrnb"))
    ([28, 29], 40)

    """
    if method == "farrington":
        from trends.alerts.farrington import reference_positions

        years, half = (_option(farrington, options, key)
                       for key in ("years_back", "window_half_width"))
        return reference_positions(k, years, half)
    if method == "acled":
        return np.arange(max(0, k - _option(acled_heuristic, options, "baseline_months")), k)
    return np.arange(k)


def _option(method: Any, options: dict[str, Any], key: str) -> int:
    """``options[key]``, or the method's own default for it."""
    return int(options.get(key, inspect.signature(method).parameters[key].default))
