"""The words that say what an alert check found, and which side of the range it looked at.

One sentence fragment per month, shared by ``AlertResult.summary()``, the
``trends alerts`` command and the report page, so that the three never disagree.
"within the usual range" is said only when both sides were checked; with one
side checked the words say which.
"""

from __future__ import annotations

import math

from trends.options import Side

SIDE_WORDS = {"high": "highs only", "low": "lows only", "both": "both sides"}
NO_LOW_POSSIBLE = "the lower bound is below 1, so no count can be unusually low"


def _num(value: float) -> str:
    return f"{value:,.1f}"


def _usable(value: float) -> bool:
    return value is not None and math.isfinite(value)


def verdict(
    side: Side,
    *,
    alarm_low: bool,
    alarm_high: bool,
    lower: float,
    upper: float,
    no_lower: str = "",
    no_upper: str = "",
    high_rule: str = "above the upper bound",
    low_rule: str = "below the lower bound",
    low_possible: bool | None = None,
) -> str:
    """Say whether one month was unusually low, unusually high or within the usual range.

    Parameters
    ----------
    side : {"high", "low", "both"}
        The sides that were checked.
    alarm_low, alarm_high : bool
        The month's alarms on each side.
    lower, upper : float
        The bounds (NaN where not computed).
    low_possible : bool, optional
        Whether any count could raise a low alarm; by default whether the
        lower bound is at least 1 (Farrington's rule). When none could, the
        words say so.
    no_lower, no_upper : str
        Why a side could not be decided this month (empty when it could).
    high_rule, low_rule : str
        How the count relates to the bound when a side alarms.

    Returns
    -------
    str
        e.g. ``"unusually low (below the lower bound of 36.5)"``.

    Examples
    --------
    >>> verdict("both", alarm_low=True, alarm_high=False, lower=36.5, upper=266.3)
    'unusually low (below the lower bound of 36.5)'
    >>> verdict("both", alarm_low=False, alarm_high=False, lower=36.5, upper=266.3)
    'within the usual range of 36.5 to 266.3 (both sides checked)'
    >>> verdict("high", alarm_low=False, alarm_high=False, lower=float("nan"), upper=266.3)
    'not unusually high (only highs were checked)'

    """
    found = []
    if alarm_low:
        found.append(f"unusually low ({low_rule} of {_num(lower)})")
    if alarm_high:
        found.append(f"unusually high ({high_rule} of {_num(upper)})")
    if found:
        return " and ".join(found)
    high_ok = side != "low" and not no_upper and _usable(upper)
    low_ok = side != "high" and not no_lower and _usable(lower)
    no_low = NO_LOW_POSSIBLE
    if low_possible is None:  # Farrington: only a zero lies below it, and zeros are common then
        low_possible = lower >= 1
    elif not low_possible:
        no_low = f"the lower bound is {_num(lower)}, so no count can be unusually low"
    low_zero = low_ok and not low_possible
    why_high = no_upper or "no upper bound was computed"
    why_low = no_lower or "no lower bound was computed"
    if side == "high":
        if high_ok:
            return "not unusually high (only highs were checked)"
        return f"cannot tell whether unusually high: {why_high} (only highs were checked)"
    if side == "low":
        if low_zero:
            return (
                f"not unusually low, and could not be: {no_low} "
                "(only lows were checked)"
            )
        if low_ok:
            return "not unusually low (only lows were checked)"
        return f"cannot tell whether unusually low: {why_low} (only lows were checked)"
    if high_ok and low_zero:
        return (
            f"within the usual range of 0 to {_num(upper)} (both sides checked; "
            f"{no_low})"
        )
    if high_ok and low_ok:
        return f"within the usual range of {_num(lower)} to {_num(upper)} (both sides checked)"
    if high_ok:
        return f"not unusually high; cannot tell whether unusually low: {why_low}"
    if low_zero:
        return f"cannot tell whether unusually high: {why_high}; and {no_low}"
    if low_ok:
        return f"not unusually low; cannot tell whether unusually high: {why_high}"
    return f"cannot tell: {why_high}" + ("" if why_low == why_high else f"; {why_low}")
