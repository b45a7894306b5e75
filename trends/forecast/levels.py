"""Local-level forecasters whose spread is their own past errors.

Each forecaster has a centre computed from the months before the origin, on
the scale ``log(1 + count)``: a robust recent level (the weighted median of
the last 12 months, weights halving every 3 months), a fast one (6 months,
halving every month) or the last month (a random walk). Its predictive
distribution ``h`` months ahead is the centre plus the errors that the same
centre made ``h`` months ahead at the origins of the last 60 months (weights
halving every 24 months): a conformal predictive distribution, so its spread
grows with the horizon as far as the series' own errors did and its tails are
as heavy as they were. Because 60 months hold few extreme errors, half of the
draws come from a Student t (3 degrees of freedom) with the errors' robust
scale; the lower half of the distribution is widened by ``LOWER_STRETCH``
(without it the mixture's lower 80% and 95% bounds were crossed by 12.5% and
4.6% of backtest forecasts instead of 10% and 2.5%, pooled over the real
bundled series and the dense series of ``benchmarks/forecast_backtest.py
--more``; docs/forecast.md). Errors beyond 5 robust scales are
capped and no draw exceeds 3 times the largest of the last 36 months.

Centres see the history with a one-off spike capped (:func:`despike`); errors
are measured against the months as observed. All forecasters follow the
protocol of :mod:`trends.forecast.baselines`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

ERROR_WINDOW = 60  # past origins whose errors make the spread
ERROR_HALF_LIFE = 24.0
MIN_ERRORS = 12  # fewer errors at a horizon: borrow the shorter horizons', scaled by sqrt
ERROR_CAP = 5.0  # robust scales
T_SHARE = 0.5
T_DOF = 3.0
JITTER = 0.25  # robust scales of normal noise added to resampled errors
LOWER_STRETCH = 1.3
TOP_FACTOR = 3.0
TOP_WINDOW = 36
SPIKE_FACTOR = 5.0
MIN_SCALE = 0.05


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The lower weighted median: the first value where the cumulative weight reaches half.

    Examples
    --------
    >>> weighted_median(np.array([1.0, 2.0, 10.0]), np.array([1.0, 1.0, 1.0]))
    2.0
    """
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def robust_level(z: np.ndarray, *, window_months: int = 12, half_life: float = 3.0) -> float:
    """Weighted median of the last ``window_months`` values, weights halving every ``half_life``.

    Examples
    --------
    >>> z = np.log1p(np.array([100, 110, 90, 2500, 105, 95]))
    >>> 90 <= float(np.expm1(robust_level(z))) <= 110
    True
    """
    values = np.asarray(z, dtype=float)[-window_months:]
    age = np.arange(values.size)[::-1]
    return weighted_median(values, 0.5 ** (age / half_life))


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
    >>> from trends.forecast.baselines import empirical_forecast
    >>> y = pd.Series([3, 4, 40000, 5, 2])
    >>> int(despiked(empirical_forecast)(y, 1, 500, np.random.default_rng(0)).max())
    25
    """

    def forecaster_on_despiked(
        history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        return forecaster(despike(history), horizon, draws, rng)

    return forecaster_on_despiked


Centre = Callable[[np.ndarray], float]
Errors = list[tuple[np.ndarray, np.ndarray]]


def _slow(z: np.ndarray) -> float:
    return robust_level(z, window_months=12, half_life=3.0)


def _fast(z: np.ndarray) -> float:
    return robust_level(z, window_months=6, half_life=1.0)


def _last(z: np.ndarray) -> float:
    return float(z[-1])


def past_errors(history: pd.Series, centre: Centre, horizon: int) -> tuple[float, Errors]:
    """The centre at the origin and, per horizon, past errors and their ages in months.

    The error of the origin ``s`` at horizon ``h`` is ``log1p(y[s + h - 1]) -
    centre(months before s)``; only origins of the last ``ERROR_WINDOW``
    months whose target has been observed count.

    Examples
    --------
    >>> y = pd.Series(np.full(30, 9))
    >>> level, errors = past_errors(y, _last, 2)
    >>> round(float(np.expm1(level)), 6), [e.size for e, _ in errors], float(errors[1][0].max())
    (9.0, [29, 28], 0.0)
    """
    observed = np.log1p(np.asarray(history, dtype=float))
    z = np.log1p(np.asarray(despike(history), dtype=float))
    n = z.size
    first = max(1, n - ERROR_WINDOW - horizon)
    centres = {s: centre(z[:s]) for s in range(first, n + 1)}
    errors = []
    for h in range(1, horizon + 1):
        origins = np.arange(max(first, n - ERROR_WINDOW - h + 1), n - h + 1)
        error = np.array([observed[s + h - 1] - centres[s] for s in origins])
        errors.append((error, (n - (origins + h - 1)).astype(float)))
    return centres[n], errors


def _errors_at(errors: Errors, h: int) -> tuple[np.ndarray, np.ndarray]:
    error, age = errors[h - 1]
    if error.size >= MIN_ERRORS:
        return error, age
    parts, ages = [error], [age]
    for shorter in range(h - 1, 0, -1):
        parts.append(errors[shorter - 1][0] * np.sqrt(h / shorter))
        ages.append(errors[shorter - 1][1])
    error, age = np.concatenate(parts), np.concatenate(ages)
    return (error, age) if error.size else (np.zeros(1), np.zeros(1))


def error_draws(
    error: np.ndarray, age: np.ndarray, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Draws of the next error: resampled past errors and a Student t, lower half stretched.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> error = rng.normal(0, 0.5, 60)
    >>> draws = error_draws(error, np.arange(60.0), 20000, rng)
    >>> bool(np.quantile(draws, 0.025) < np.quantile(error, 0.025) < 0)
    True
    """
    weight = 0.5 ** (age / ERROR_HALF_LIFE)
    weight = weight / weight.sum()
    centre = weighted_median(error, weight)
    scale = max(1.4826 * weighted_median(np.abs(error - centre), weight), MIN_SCALE)
    capped = np.clip(error, centre - ERROR_CAP * scale, centre + ERROR_CAP * scale)
    paths = rng.choice(capped, size=draws, p=weight) + rng.normal(0.0, JITTER * scale, draws)
    n_t = round(T_SHARE * draws)
    paths[:n_t] = centre + scale * rng.standard_t(T_DOF, n_t)
    return np.where(paths < centre, centre + LOWER_STRETCH * (paths - centre), paths)


def dressed_forecast(
    history: pd.Series, horizon: int, draws: int, rng: np.random.Generator, centre: Centre
) -> np.ndarray:
    """Counts drawn from the centre plus its own past errors, horizon by horizon."""
    level, errors = past_errors(history, centre, horizon)
    recent = np.asarray(despike(history), dtype=float)[-TOP_WINDOW:]
    top = np.log1p(TOP_FACTOR * max(float(recent.max()), 10.0))
    out = np.empty((draws, horizon), dtype=np.int64)
    for h in range(1, horizon + 1):
        z = level + error_draws(*_errors_at(errors, h), draws, rng)
        out[:, h - 1] = np.rint(np.expm1(np.clip(z, 0.0, top)))
    return out


def robust_level_forecast(
    history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """The robust level of the last 12 months (weights halving every 3) with its past errors.

    Examples
    --------
    >>> y = pd.Series([120, 90, 2521, 110, 100, 95, 105, 100, 98, 102, 99, 101] * 3)
    >>> draws = robust_level_forecast(y, 2, 4000, np.random.default_rng(0))
    >>> 80 <= float(np.median(draws)) <= 130
    True
    """
    return dressed_forecast(history, horizon, draws, rng, _slow)


def fast_robust_level_forecast(
    history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """The robust level of the last 6 months (weights halving every month): follows shifts fast.

    Examples
    --------
    >>> y = pd.Series([50, 52, 48, 51, 49, 50, 53, 47, 50, 3, 2, 3])
    >>> float(np.median(fast_robust_level_forecast(y, 1, 2000, np.random.default_rng(2)))) < 20
    True
    """
    return dressed_forecast(history, horizon, draws, rng, _fast)


def random_walk_forecast(
    history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """The last month with the past changes over ``h`` months: a random walk on log(1 + count).

    Examples
    --------
    >>> y = pd.Series(np.r_[np.full(24, 100), np.full(6, 400)])
    >>> 300 <= float(np.median(random_walk_forecast(y, 1, 2000, np.random.default_rng(3)))) <= 500
    True
    """
    return dressed_forecast(history, horizon, draws, rng, _last)
