"""Baseline forecasters for monthly counts: what any forecast must beat.

Every forecaster follows one protocol::

    forecaster(history, horizon, draws, rng) -> numpy.ndarray (draws, horizon)

``history`` is a monthly series (``pd.Series`` with a ``PeriodIndex`` of freq
"M") ending at the forecast origin; the result holds non-negative integer
draws of the next ``horizon`` months. Baselines are what any model must beat
before its forecasts are worth repeating.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from trends.errors import DataError

WINDOW_MONTHS = 12


class Forecaster(Protocol):
    """A callable returning predictive draws for the months after ``history``."""

    def __call__(
        self, history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Return an integer array of shape (draws, horizon)."""
        ...


def _recent(history: pd.Series, window_months: int) -> np.ndarray:
    values = np.asarray(history, dtype=float)
    if values.size == 0:
        msg = "the forecast history is empty; a baseline needs at least one observed month"
        raise DataError(msg)
    return values[-window_months:]


def zero_forecast(
    history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Forecast zero for every month (the "nothing happens" baseline).

    Examples
    --------
    >>> y = pd.Series([3, 4], index=pd.period_range("2020-01", periods=2, freq="M"))
    >>> zero_forecast(y, 2, 3, np.random.default_rng(0)).tolist()
    [[0, 0], [0, 0], [0, 0]]

    """
    return np.zeros((draws, horizon), dtype=np.int64)


def last_value_forecast(
    history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Forecast the last observed count for every month, with no uncertainty.

    Examples
    --------
    >>> y = pd.Series([3, 4], index=pd.period_range("2020-01", periods=2, freq="M"))
    >>> last_value_forecast(y, 2, 1, np.random.default_rng(0)).tolist()
    [[4, 4]]

    """
    last = _recent(history, 1)[-1]
    return np.full((draws, horizon), round(last), dtype=np.int64)


def poisson_mean_forecast(
    history: pd.Series,
    horizon: int,
    draws: int,
    rng: np.random.Generator,
    *,
    window_months: int = WINDOW_MONTHS,
) -> np.ndarray:
    """Poisson draws around the mean of the last ``window_months`` months.

    The Poisson spread is the least a count can vary; monthly conflict counts
    are usually over-dispersed, so this baseline's intervals are too narrow
    and its coverage shows it. Fewer months are used if the history is shorter.

    Examples
    --------
    >>> y = pd.Series([0, 0, 0], index=pd.period_range("2020-01", periods=3, freq="M"))
    >>> poisson_mean_forecast(y, 2, 2, np.random.default_rng(0)).tolist()
    [[0, 0], [0, 0]]

    """
    mean = float(np.mean(_recent(history, window_months)))
    return rng.poisson(mean, size=(draws, horizon)).astype(np.int64)


def empirical_forecast(
    history: pd.Series,
    horizon: int,
    draws: int,
    rng: np.random.Generator,
    *,
    window_months: int = WINDOW_MONTHS,
) -> np.ndarray:
    """Resample the counts of the last ``window_months`` months, independently per month.

    Examples
    --------
    >>> y = pd.Series([5, 5, 5], index=pd.period_range("2020-01", periods=3, freq="M"))
    >>> empirical_forecast(y, 2, 2, np.random.default_rng(0)).tolist()
    [[5, 5], [5, 5]]

    """
    recent = np.rint(_recent(history, window_months)).astype(np.int64)
    return rng.choice(recent, size=(draws, horizon), replace=True)


BASELINES: dict[str, Forecaster] = {
    "zero": zero_forecast,
    "last_value": last_value_forecast,
    "poisson_mean_12": poisson_mean_forecast,
    "empirical_12": empirical_forecast,
}
"""The built-in baselines by name; :func:`trends.forecast.rolling.rolling_origin` treats
these names as baselines."""
