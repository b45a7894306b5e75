"""The default forecaster's out-of-sample backtest on its own series, and what it says in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.forecast.baselines import BASELINES
from trends.minimums import MIN_FORECAST_MONTHS

FIRST_ORIGIN = MIN_FORECAST_MONTHS  # months of history at the first backtest origin
LEARN_MONTHS = 12  # origins after the first before the procedure is scored
MIN_CHECKED_ORIGINS = 12  # scored origins needed to report a backtest
MIN_CHECK_MONTHS = FIRST_ORIGIN + LEARN_MONTHS + MIN_CHECKED_ORIGINS


@dataclass(frozen=True)
class Skill:
    """Out-of-sample scores of the procedure on its own series, against every baseline."""

    first_origin: str
    last_origin: str
    n_origins: int
    n_forecasts: int
    horizon: int
    crps: float
    baseline_crps: dict[str, float]
    best_baseline: str
    ratio: float
    coverage: dict[str, float]
    quiet_origins: int = 0
    """Origins left out: no count in the 12 months before them nor in the months forecast.
    Forecasting zeros after a quiet year tells nothing about the intervals, and decades of
    them (Syria 1989-2010) made every interval look as if it covered."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (NaN as None)."""
        return {
            "first_origin": self.first_origin,
            "last_origin": self.last_origin,
            "n_origins": self.n_origins,
            "n_forecasts": self.n_forecasts,
            "horizon": self.horizon,
            "crps": finite_or_none(self.crps),
            "baseline_crps": {k: finite_or_none(v) for k, v in self.baseline_crps.items()},
            "best_baseline": self.best_baseline,
            "crps_ratio": finite_or_none(self.ratio),
            "coverage": {k: finite_or_none(v) for k, v in self.coverage.items()},
            "quiet_origins": self.quiet_origins,
        }


def too_short(n_origins: int) -> str:
    """The warning for a history too short to check the forecaster."""
    return (
        f"the history is too short to check the forecaster: a backtest needs "
        f"{MIN_CHECK_MONTHS} months ({FIRST_ORIGIN} before the first forecast, "
        f"{LEARN_MONTHS} to learn the weights, {MIN_CHECKED_ORIGINS} to score them); "
        f"this series gives {n_origins} scored origins. Treat the intervals as unchecked"
    )


def quiet_origins(values: np.ndarray, horizon: int) -> np.ndarray:
    """Whether each origin t (forecasting values[t:]) has no count in the year before nor after.

    Examples
    --------
    >>> quiet_origins(np.r_[np.zeros(20), 5.0, np.zeros(3)], 2)[[14, 19, 20]]
    array([ True, False, False])

    """
    counted = np.r_[0.0, np.cumsum(values > 0)]
    t = np.arange(len(values) + 1)
    before = counted[t] - counted[np.maximum(t - 12, 0)]
    after = counted[np.minimum(t + horizon, len(values))] - counted[t]
    return (before == 0) & (after == 0)


def skill_of(checked: pd.DataFrame, horizon: int, quiet: int = 0,
             ) -> tuple[Skill | None, str | None]:
    """Skill over the scored rows of a nested backtest, and a warning when it is bad or missing.

    ``checked`` has one row per scored forecast: ``origin``, ``crps``,
    ``crps_<baseline>`` for every baseline and ``covered_<level>`` columns;
    ``quiet`` origins were left out of it (:func:`quiet_origins`).

    Examples
    --------
    >>> rows = pd.DataFrame({"origin": ["2020-01"] * 2, "crps": [1.0, 1.0],
    ...     **{f"crps_{b}": [2.0, 2.0] for b in BASELINES}, "covered_80": [True, False]})
    >>> skill, warning = skill_of(rows, 2)
    >>> skill is None and "too short" in warning
    True
    """
    n_origins = int(checked["origin"].nunique())
    if n_origins < MIN_CHECKED_ORIGINS and quiet:
        return None, (
            f"only {n_origins} of the {n_origins + quiet} origins the backtest could score had a "
            "count in the year before them or in the months forecast; the others forecast zeros "
            f"after zeros, which checks nothing. At least {MIN_CHECKED_ORIGINS} are needed: treat "
            "the intervals as unchecked")
    if n_origins < MIN_CHECKED_ORIGINS:
        return None, too_short(n_origins)
    baseline_crps = {name: float(checked[f"crps_{name}"].mean()) for name in BASELINES}
    best = min(baseline_crps, key=lambda name: baseline_crps[name])
    crps = float(checked["crps"].mean())
    ratio = crps / baseline_crps[best] if baseline_crps[best] > 0 else float("nan")
    skill = Skill(
        first_origin=str(checked["origin"].iloc[0]),
        last_origin=str(checked["origin"].iloc[-1]),
        n_origins=n_origins,
        n_forecasts=len(checked),
        horizon=horizon,
        crps=crps,
        baseline_crps=baseline_crps,
        best_baseline=best,
        ratio=ratio,
        coverage={
            col.removeprefix("covered_"): float(checked[col].mean())
            for col in checked.columns
            if col.startswith("covered_")
        },
        quiet_origins=quiet,
    )
    warning = None
    if round(ratio, 3) > 1:  # as printed: "ratio 1.000, as good as the best" is no warning
        warning = (
            f"in its backtest on this series the default forecaster did worse than the "
            f"{best} baseline (CRPS ratio {ratio:.3f}); prefer that baseline's forecast here"
        )
    elif not np.isfinite(ratio) and crps > 0:
        warning = (
            f"the {best} baseline forecast every backtest month exactly (CRPS 0) and the "
            f"default forecaster did not (CRPS {crps:.3g}); prefer that baseline's forecast here"
        )
    return skill, warning
