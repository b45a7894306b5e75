"""Descriptive ACLED-style change levels and surge flags (a heuristic, not a test).

Each month is compared with the mean of the ``baseline_months`` months before it
(12 by default, the monthly analogue of ACLED's "previous year" norm). Nothing
here is a statistical test: there are no p-values and no error rates, and every
row carries ``method = "acled-heuristic"``.

Change levels (``bands="acled"``) follow the categories ACLED publishes for its
Conflict Change Map / Trendfinder change-level map (acleddata.com, early-warning
hub, consulted for this module): greater than a 25% increase is a "large
increase", between 10% and 25% a "moderate increase", between -25% and +10%
"limited change", below -25% a "large decrease". ACLED's low-activity rule is
applied with the same numbers: a norm of at most 2 and a current count of at
most 5 is "limited change". ``bands="symmetric"`` gives instead +/-10% "no
significant change", 10-25% "moderate", above 25% "large", both directions.

Surge flag (``surge_rule="acled"``): ACLED's Subnational Threat Tracker flags an
increase of 100% or more over the average of the past year, restricted to
places averaging at least one event per week; here the month must reach twice
the baseline mean and the baseline mean must be at least ``min_baseline_mean``
(1 per month). ``surge_rule="one_sd"`` flags a month above the baseline mean by
more than one sample standard deviation (ddof = 1), with the same minimum.

Drop flag, the counterpart this package adds (ACLED publishes no drop rule):
with ``surge_rule="acled"`` a month at or below half the baseline mean (a fall of
50% or more, the mirror of doubling on the ratio scale); with ``"one_sd"`` a
month below the mean by more than one standard deviation. The same minimum
baseline mean applies. Like the surge flag it is a rule of thumb with no error
rate: at small baseline means a single quiet month meets it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trends.alerts.result import AlertResult, check_history, direction, resolve_months
from trends.alerts.words import verdict
from trends.errors import OptionError
from trends.options import BANDS, SIDES, SURGE_RULES, Bands, Side, SurgeRule, check_choice
from trends.validate import monthly_series

METHOD_LABEL = "acled-heuristic"


def _level(pct: float, bands: str) -> str:
    if bands == "acled":
        if pct > 25:
            return "large increase"
        if pct > 10:
            return "moderate increase"
        if pct >= -25:
            return "limited change"
        return "large decrease"
    if pct > 25:
        return "large increase"
    if pct > 10:
        return "moderate increase"
    if pct >= -10:
        return "no significant change"
    if pct >= -25:
        return "moderate decrease"
    return "large decrease"


def acled_heuristic(
    y: pd.Series,
    *,
    months: object = None,
    baseline_months: int = 12,
    bands: Bands = "acled",
    surge_rule: SurgeRule = "acled",
    min_baseline_mean: float = 1.0,
    low_activity: tuple[float, float] = (2.0, 5.0),
    side: Side = "both",
) -> AlertResult:
    """Describe each month's change against the mean of the months before it.

    This is a descriptive heuristic in the style of ACLED's dashboards; it has
    no error rate. ``upper_bound`` and ``lower_bound`` are always NaN; the
    thresholds are in ``surge_threshold`` and ``drop_threshold``.

    Parameters
    ----------
    y : pd.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    months : str, pd.Period, sequence of them, or None
        Months to describe; ``None`` means every month with a full baseline.
    baseline_months : int
        Length of the comparison period just before each month.
    bands : {"acled", "symmetric"}
        ACLED's published change categories, or symmetric +/-10% / 25% bands.
    surge_rule : {"acled", "one_sd"}
        Surge when the month reaches twice the baseline mean (ACLED's +100%
        rule), or exceeds the mean by more than one standard deviation; drop
        when it is at most half the mean, or below the mean by more than one
        standard deviation.
    min_baseline_mean : float
        No surge or drop unless the baseline mean is at least this.
    low_activity : (float, float)
        A baseline mean at most ``low_activity[0]`` together with a count at most
        ``low_activity[1]`` is reported as limited / no significant change.
    side : {"high", "low", "both"}
        Flag surges, drops or both.

    Returns
    -------
    AlertResult
        ``tidy()`` has month, observed, expected (baseline mean), upper_bound
        (NaN), alarm (surge or drop, on the sides asked for), lower_bound (NaN),
        alarm_low (drop), alarm_high (surge), direction, verdict, method,
        baseline_sd, percent_change, change_level, surge_threshold and
        drop_threshold.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.period_range("2018-01", periods=13, freq="M")
    >>> y = pd.Series([10] * 12 + [30], index=idx, name="incidents")
    >>> row = acled_heuristic(y).tidy().iloc[-1]
    >>> row["change_level"], bool(row["alarm"])
    ('large increase', True)

    """
    series = monthly_series(y)
    check_choice("bands", bands, BANDS)
    check_choice("surge_rule", surge_rule, SURGE_RULES)
    check_choice("side", side, SIDES)
    if isinstance(baseline_months, bool) or not isinstance(baseline_months, int) or (
        baseline_months < 2
    ):
        msg = f"baseline_months must be a whole number >= 2; got {baseline_months!r}"
        raise OptionError(msg)
    positions = resolve_months(series, months, default_start=baseline_months)
    check_history(
        series, positions, baseline_months,
        needs=f"acled_heuristic compares each month with the {baseline_months} months before it",
        advice="Assess later months or lower baseline_months",
    )  # fmt: skip
    values = series.to_numpy()
    neutral = "limited change" if bands == "acled" else "no significant change"
    rules = (
        ("at or above the surge threshold", "at or below the drop threshold")
        if surge_rule == "acled"
        else ("above the surge threshold", "below the drop threshold")
    )
    rows = []
    for k in positions:
        base = values[k - baseline_months : k]
        mean, sd, obs = float(base.mean()), float(base.std(ddof=1)), float(values[k])
        # rounded so that exactly +10% or -25% is not pushed across a band by float noise
        pct = round(100.0 * (obs / mean - 1.0), 9) if mean > 0 else np.nan
        if mean <= low_activity[0] and obs <= low_activity[1]:
            level = neutral
        elif mean == 0:
            level = "large increase"
        else:
            level = _level(pct, bands)
        threshold = 2.0 * mean if surge_rule == "acled" else mean + sd
        exceeds = obs >= threshold if surge_rule == "acled" else obs > threshold
        floor = 0.5 * mean if surge_rule == "acled" else mean - sd
        falls = obs <= floor if surge_rule == "acled" else obs < floor
        big_enough = mean >= min_baseline_mean
        surge = bool(side != "low" and exceeds and big_enough)
        drop = bool(side != "high" and falls and big_enough and mean > 0)
        too_small = (
            ""
            if big_enough
            else f"the baseline mean ({mean:.1f}) is below min_baseline_mean "
            f"({min_baseline_mean:g})"
        )
        rows.append(
            {
                "month": series.index[k],
                "observed": obs,
                "expected": mean,
                "upper_bound": np.nan,
                "alarm": surge or drop,
                "lower_bound": np.nan,
                "alarm_low": drop,
                "alarm_high": surge,
                "direction": direction(drop, surge),
                "verdict": verdict(
                    side,
                    alarm_low=drop,
                    alarm_high=surge,
                    lower=floor if side != "high" else np.nan,
                    upper=threshold if side != "low" else np.nan,
                    no_lower=too_small,
                    no_upper=too_small,
                    high_rule=rules[0],
                    low_rule=rules[1],
                    # a count of 0 is at or below a floor of 0, but not below it
                    low_possible=bool(mean > 0 and (floor >= 0 if surge_rule == "acled"
                                                    else floor > 0)),
                ),
                "method": METHOD_LABEL,
                "baseline_sd": sd,
                "percent_change": pct,
                "change_level": level,
                "surge_threshold": threshold if side != "low" else np.nan,
                "drop_threshold": floor if side != "high" else np.nan,
            }
        )
    settings = {
        "baseline_months": baseline_months,
        "bands": bands,
        "surge_rule": surge_rule,
        "min_baseline_mean": min_baseline_mean,
        "low_activity": tuple(low_activity),
        "side": side,
    }
    flags = {"high": "the surge flag", "low": "the drop flag", "both": "the surge or drop flag"}
    notes = (
        "descriptive heuristic in the style of ACLED's change maps: no p-values, no error "
        f"rate; 'alarm' is {flags[side]}",
    )
    return AlertResult(METHOD_LABEL, None if series.name is None else str(series.name),
                       settings, pd.DataFrame(rows), notes, side)
