"""The pieces a verdict is built from: flags, comparison periods, alerts since the break."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from trends.errors import TrendsError
from trends.minimums import YEAR
from trends.models.latent import LatentAR1
from trends.resurgence.wording import month_name

ALERT_WINDOW = 2  # Farrington half-width in months


@dataclass(frozen=True)
class Flag:
    """Something the reader must know; ``blocks`` makes the verdict "cannot tell"."""

    code: str
    message: str
    blocks: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        return {"code": self.code, "message": self.message, "blocks_verdict": self.blocks}


@dataclass(frozen=True)
class WindowResult:
    """The test with the comparison period starting in ``start``.

    ``crosses`` lists the breaks found between ``start`` and the chosen start;
    ``stable`` is true for periods inside the stretch the rule found stable
    (starting at the chosen start or later).
    """

    start: str
    level_ratio: float
    level_ratio_ci: tuple[float, float]
    p_value: float
    verdict: str
    crosses: tuple[str, ...]
    chosen: bool
    stable: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        from trends._json import finite_or_none

        return {
            "start": self.start,
            "level_ratio": finite_or_none(self.level_ratio),
            "level_ratio_ci": [finite_or_none(v) for v in self.level_ratio_ci],
            "p_value": finite_or_none(self.p_value),
            "verdict": self.verdict,
            "crosses_breaks": list(self.crosses),
            "chosen": self.chosen,
            "stable": self.stable,
        }


@dataclass(frozen=True)
class AlertMonth:
    """A month since the break that the Farrington alerts call unusually high or low."""

    month: str
    observed: float
    expected: float
    lower_bound: float
    upper_bound: float
    direction: str

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        from trends._json import finite_or_none

        return {
            "month": self.month,
            "observed": finite_or_none(self.observed),
            "expected": finite_or_none(self.expected),
            "lower_bound": finite_or_none(self.lower_bound),
            "upper_bound": finite_or_none(self.upper_bound),
            "direction": self.direction,
        }


def alert_years(position: int) -> int:
    """Years of history the verdict's alerts use: as many as ``position`` months allow, up to 5.

    Examples
    --------
    >>> alert_years(22), alert_years(60), alert_years(200)
    (1, 4, 5)

    """
    return min(5, (position - ALERT_WINDOW) // 12)


def alert_settings(index: pd.Index, position: int) -> str:
    """How :func:`alerts_since` finds its alerts, in words, with the months it cannot check.

    Examples
    --------
    >>> months = pd.period_range("2016-01", periods=40, freq="M")
    >>> alert_settings(months, 60)
    'Farrington, 4 years back, window 2 months, both sides checked'
    >>> alert_settings(months, 22)  # doctest: +NORMALIZE_WHITESPACE
    'Farrington, 2 years back, window 2 months, both sides checked; 4 months without two years
    of history could not be checked: 2017-11 to 2018-02'

    """
    years, first = _checked(position)
    how = f"Farrington, {years} years back, window {ALERT_WINDOW} months, both sides checked"
    if first == position or first >= len(index):
        return how
    span = f"{index[position]} to {index[first - 1]}" if first - position > 1 else \
        str(index[position])
    months = first - position
    return (f"{how}; {months} month{'s' * (months != 1)} without two years of history "
            f"could not be checked: {span}")


def _checked(position: int) -> tuple[int, int]:
    """Years back the alerts use, and the first month they check, from ``position`` on.

    At least two years, so the first month checked is the first with two years of
    history and a window before it.
    """
    return max(2, alert_years(position)), max(position, 2 * YEAR + ALERT_WINDOW)


def alerts_since(series: pd.Series, position: int) -> tuple[AlertMonth, ...] | Flag:
    """Farrington alerts (both sides) for every month from ``position`` on that has the history.

    Uses as many years of history as the months before the break allow (up to
    R's 5), and at least two, with a half-width of 2 months: months with less
    than two years before them are not checked (:func:`alert_settings` says
    which), and a Flag says so when none since ``position`` has them.
    """
    from trends.alerts import alerts

    years, first = _checked(position)
    if first >= len(series):
        return Flag("alerts_unavailable", (
            f"the alerts need two years of history before {month_name(series.index[position])}; "
            f"there are {position} months"), False)
    months = [str(m) for m in series.index[first:]]
    try:
        result = alerts(series, months, method="farrington", side="both", years_back=years,
                        window_half_width=ALERT_WINDOW)
    except TrendsError as err:
        return Flag("alerts_unavailable", f"the alerts could not be computed: {err}", False)
    rows = result.tidy()
    flagged = rows[rows["alarm"].astype(bool)]
    return tuple(
        AlertMonth(str(r["month"]), float(r["observed"]), float(r["expected"]),
                   float(r["lower_bound"]), float(r["upper_bound"]), str(r["direction"]))
        for _, r in flagged.iterrows()
    )


def noise_settings(theta: float) -> tuple[LatentAR1, ...]:
    """Independent, moderately and strongly autocorrelated noise with the fitted overdispersion.

    The total extra-Poisson variation (1 / theta of the NB2 fit) is kept; the
    share put down to latent AR(1) noise and its autocorrelation span the
    range a monthly series cannot tell apart: none; rho 0.5 with half of it;
    rho 0.9 with all of it.

    Examples
    --------
    >>> [round(n.rho, 1) for n in noise_settings(10.0)]
    [0.0, 0.5, 0.9]

    """
    alpha = 1.0 / theta if math.isfinite(theta) else 0.0
    cap = math.log1p(alpha)

    def latent(rho: float, share: float) -> LatentAR1:
        variance = share * cap
        alpha_u = (1.0 + alpha) * math.exp(-variance) - 1.0
        return LatentAR1(rho, variance, 1.0 / alpha_u if alpha_u > 1e-8 else math.inf)

    return (LatentAR1(0.0, 0.0, theta), latent(0.5, 0.5), latent(0.9, 1.0))
