"""Local-level forecasters: a robust recent level, or the 12-month mean, with NB noise.

Both follow the forecaster protocol of :mod:`trends.baselines`
(``forecaster(history, horizon, n_draws, rng) -> (n_draws, horizon)``) and
are fast enough to be refitted at every origin of a backtest.

The robust level is the weighted median of ``log(1 + count)`` over the last
``window_months`` months, with weights halving every ``half_life`` months, so
a single extreme month moves it no more than any other month above the
median. Its spread is the weighted median absolute deviation on the same
scale; the negative binomial around it has the log-scale variance that this
spread implies (Poisson part plus ``1/theta``), and its mean is set so that
its median sits at the robust level. The level's own uncertainty (a normal
error on the log scale with the standard error of a median) is drawn once
per simulated path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

MIN_LOG_SPREAD = 0.1


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def robust_level(
    history: pd.Series | np.ndarray, *, window_months: int = 12, half_life: float = 3.0
) -> tuple[float, float, float]:
    """Robust level, log-scale spread and effective sample size of the recent months.

    Returns ``(level, spread, n_eff)``: the back-transformed weighted median of
    ``log1p(count)``, 1.4826 times the weighted median absolute deviation on
    that scale, and ``sum(w)**2 / sum(w**2)``.

    Examples
    --------
    >>> level, spread, n_eff = robust_level(np.array([100, 110, 90, 2500, 105, 95]))
    >>> 90 <= level <= 110
    True
    """
    values = np.asarray(history, dtype=float)[-window_months:]
    age = np.arange(values.size)[::-1]
    weights = 0.5 ** (age / half_life)
    z = np.log1p(values)
    center = _weighted_median(z, weights)
    spread = 1.4826 * _weighted_median(np.abs(z - center), weights)
    n_eff = float(weights.sum() ** 2 / (weights**2).sum())
    return float(np.expm1(center)), spread, n_eff


def robust_level_forecast(
    history: pd.Series,
    horizon: int,
    n_draws: int,
    rng: np.random.Generator,
    *,
    window_months: int = 12,
    half_life: float = 3.0,
) -> np.ndarray:
    """Negative binomial draws whose median is the robust recent level.

    Examples
    --------
    >>> y = pd.Series([120, 90, 2521, 110, 100, 95, 105, 100, 98, 102, 99, 101])
    >>> draws = robust_level_forecast(y, 2, 4000, np.random.default_rng(0))
    >>> 80 <= float(np.median(draws)) <= 130
    True
    """
    values = np.asarray(history, dtype=float)[-window_months:]
    if values.size == 0 or not np.any(values > 0):
        return np.zeros((n_draws, horizon), dtype=np.int64)
    level, spread, n_eff = robust_level(
        values, window_months=window_months, half_life=half_life
    )
    level = max(level, 0.1)
    inv_theta = max(spread**2 - 1.0 / max(level, 0.5), 0.01)
    theta = 1.0 / inv_theta
    gamma_median = float(stats.gamma.ppf(0.5, theta)) / theta
    mean = level / gamma_median
    se = 1.2533 * max(spread, MIN_LOG_SPREAD) / np.sqrt(n_eff)
    mu = mean * np.exp(rng.normal(0.0, se, size=(n_draws, 1)))
    mu = np.broadcast_to(np.minimum(mu, 1e9), (n_draws, horizon))
    return rng.negative_binomial(theta, theta / (theta + mu)).astype(np.int64)


def negbin_mean_forecast(
    history: pd.Series,
    horizon: int,
    n_draws: int,
    rng: np.random.Generator,
    *,
    window_months: int = 12,
) -> np.ndarray:
    """Negative binomial around the mean of the last ``window_months`` months.

    The local-level count model with moment estimates (mean, and theta from
    the variance) instead of maximum likelihood, and the mean's standard error
    drawn once per path; fast enough to refit at every backtest origin.

    Examples
    --------
    >>> y = pd.Series([10, 12, 9, 11, 10, 13, 8, 10, 11, 9, 12, 10])
    >>> draws = negbin_mean_forecast(y, 3, 2000, np.random.default_rng(1))
    >>> draws.shape, 8 <= float(draws.mean()) <= 12
    ((2000, 3), True)
    """
    values = np.asarray(history, dtype=float)[-window_months:]
    if values.size == 0 or not np.any(values > 0):
        return np.zeros((n_draws, horizon), dtype=np.int64)
    mean = float(values.mean())
    variance = float(values.var(ddof=1)) if values.size > 1 else mean
    inv_theta = max((variance - mean) / mean**2, 1e-3)
    theta = 1.0 / inv_theta
    se = np.sqrt((1.0 / mean + inv_theta) / values.size)
    mu = mean * np.exp(rng.normal(0.0, se, size=(n_draws, 1)))
    mu = np.broadcast_to(np.minimum(mu, 1e9), (n_draws, horizon))
    return rng.negative_binomial(theta, theta / (theta + mu)).astype(np.int64)


def fast_robust_level_forecast(
    history: pd.Series, horizon: int, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """The robust level over the last 6 months with a one-month half-life: follows shifts fast.

    Examples
    --------
    >>> y = pd.Series([50, 52, 48, 51, 3, 2])
    >>> float(np.median(fast_robust_level_forecast(y, 1, 2000, np.random.default_rng(2)))) < 20
    True
    """
    return robust_level_forecast(history, horizon, n_draws, rng, window_months=6, half_life=1.0)


SPIKE_FACTOR = 5.0


def despike(history: pd.Series, *, window_months: int = 12) -> pd.Series:
    """Cap a one-off spike: a month above ``SPIKE_FACTOR`` times every other recent month.

    Within the last ``window_months`` months, a largest count more than
    ``SPIKE_FACTOR`` times the second largest is set to that multiple of the
    second largest (never below ``SPIKE_FACTOR``). Repeated large months are
    left alone: only a month unlike every other one in the window is capped.

    Examples
    --------
    >>> y = pd.Series([3, 0, 40000, 5, 2])
    >>> despike(y).tolist()
    [3, 0, 25, 5, 2]
    >>> despike(pd.Series([100, 2521, 1486, 120])).tolist()
    [100, 2521, 1486, 120]
    """
    values = np.asarray(history, dtype=float)
    recent = values[-window_months:]
    if recent.size < 2:
        return history
    order = np.argsort(recent, kind="stable")
    top, second = recent[order[-1]], recent[order[-2]]
    cap = SPIKE_FACTOR * max(second, 1.0)
    if top <= cap:
        return history
    out = history.copy()
    out.iloc[len(values) - recent.size + int(order[-1])] = round(cap)
    return out


def despiked(forecaster: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """The same forecaster fed a history whose one-off spike is capped (see :func:`despike`).

    Examples
    --------
    >>> from trends.baselines import empirical_forecast
    >>> y = pd.Series([3, 4, 40000, 5, 2])
    >>> int(despiked(empirical_forecast)(y, 1, 500, np.random.default_rng(0)).max())
    25
    """

    def forecaster_on_despiked(
        history: pd.Series, horizon: int, n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        return forecaster(despike(history), horizon, n_draws, rng)

    return forecaster_on_despiked
