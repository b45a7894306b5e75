"""Proper scores of predictive samples of monthly counts.

A forecast is a predictive sample: draws on axis 0, one column per forecast
target. Lower scores are better for the CRPS, the log score and the absolute
error. The CRPS comes from :mod:`scoringrules`. Closed-form scores of negative
binomial forecasts are in :mod:`trends.forecast.negbin_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scoringrules as sr

from trends.errors import DataError, OptionError

DEFAULT_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)


def _as_draws(sample: object) -> np.ndarray:
    """Return ``sample`` as a finite (n_draws, k) float array."""
    draws = np.asarray(sample, dtype=float)
    if draws.ndim == 1:
        draws = draws[:, np.newaxis]
    if draws.ndim != 2 or draws.shape[0] == 0:
        msg = (
            "sample must have shape (n_draws,) or (n_draws, k) with n_draws >= 1; "
            f"got {draws.shape}"
        )
        raise DataError(msg)
    if not np.all(np.isfinite(draws)):
        msg = "sample draws must be finite; the forecaster returned NaN or infinite values"
        raise DataError(msg)
    return draws


def _as_sample(observed: object, sample: object) -> tuple[np.ndarray, np.ndarray]:
    """Return ``observed`` as a 1-d float array and ``sample`` as (n_draws, k)."""
    obs = np.atleast_1d(np.asarray(observed, dtype=float))
    draws = _as_draws(sample)
    if obs.ndim != 1 or obs.shape[0] != draws.shape[1]:
        msg = (
            f"observed has {obs.size} values but the sample has {draws.shape[1]} columns; "
            "pass one observed value per column of the sample (draws on axis 0)"
        )
        raise DataError(msg)
    if not np.all(np.isfinite(obs)):
        msg = "observed values must be finite; drop or fill missing values first"
        raise DataError(msg)
    return obs, draws


def crps_sample(observed: object, sample: object) -> np.ndarray:
    """CRPS of predictive samples, one per observed value.

    Uses :func:`scoringrules.crps_ensemble` with its default estimator
    (equal to ``E|X - y| - E|X - X'|/2`` under the empirical distribution).

    Parameters
    ----------
    observed : array_like, shape (k,)
        Observed counts.
    sample : array_like, shape (n_draws, k) or (n_draws,)
        Predictive draws, draws on axis 0.

    Returns
    -------
    numpy.ndarray, shape (k,)

    Examples
    --------
    >>> crps_sample([3], [[3], [3]]).tolist()
    [0.0]

    """
    obs, draws = _as_sample(observed, sample)
    return np.asarray(sr.crps_ensemble(obs, draws, m_axis=0), dtype=float)

def log_score_sample(observed: object, sample: object) -> np.ndarray:
    """Negative log of the sample's empirical probability of the observed count.

    The estimate is ``p = #{draws == y} / n_draws``; when no draw equals ``y``
    it is ``1 / (n_draws + 1)``, so a miss scores ``log(n_draws + 1)``, slightly
    worse than a count seen once. Scores from samples of different sizes are
    therefore comparable only when misses are rare; use
    :func:`log_score_negbinom` where the predictive distribution is known.

    Examples
    --------
    >>> log_score_sample([1], [[1], [1], [2], [2]]).round(4).tolist()
    [0.6931]

    """
    obs, draws = _as_sample(observed, sample)
    n_draws = draws.shape[0]
    hits = np.sum(draws == obs[np.newaxis, :], axis=0)
    prob = np.where(hits > 0, hits / n_draws, 1.0 / (n_draws + 1))
    return -np.log(prob)


def absolute_error_median(observed: object, sample: object) -> np.ndarray:
    """Absolute error of the sample median (mid-point of the two middle draws if even).

    Examples
    --------
    >>> absolute_error_median([4], [[1], [2], [3]]).tolist()
    [2.0]

    """
    obs, draws = _as_sample(observed, sample)
    return np.abs(np.median(draws, axis=0) - obs)


def central_interval(sample: object, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval of each sample column.

    The bounds are sample quantiles at ``(1 - level)/2`` and ``(1 + level)/2``
    by inverting the empirical CDF, so they are draws themselves. For counts
    the interval holds at least ``level`` of the sample, so a calibrated count
    forecast covers somewhat more often than ``level``.

    Examples
    --------
    >>> lower, upper = central_interval(np.arange(101)[:, None], 0.5)
    >>> float(lower[0]), float(upper[0])
    (25.0, 75.0)

    """
    if not 0 < level < 1:
        msg = f"interval level must be strictly between 0 and 1; got {level}"
        raise OptionError(msg)
    draws = _as_draws(sample)
    bounds = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0, method="inverted_cdf")
    return bounds[0], bounds[1]


def interval_coverage(observed: object, sample: object, level: float) -> np.ndarray:
    """Whether each observed value lies inside the central ``level`` interval.

    Examples
    --------
    >>> interval_coverage([5, 500], np.tile(np.arange(11), (2, 1)).T, 0.8).tolist()
    [True, False]

    """
    obs, draws = _as_sample(observed, sample)
    lower, upper = central_interval(draws, level)
    return (lower <= obs) & (obs <= upper)


def pit_sample(observed: object, sample: object, rng: np.random.Generator) -> np.ndarray:
    """Randomised probability integral transform for count forecasts.

    ``u = F(y - 1) + v * (F(y) - F(y - 1))`` with ``v ~ Uniform(0, 1)`` and
    ``F`` the empirical CDF of the sample; uniform for a calibrated forecast.

    Examples
    --------
    >>> float(pit_sample([0], [[1], [2]], np.random.default_rng(0))[0])
    0.0

    """
    obs, draws = _as_sample(observed, sample)
    below = np.mean(draws <= obs - 1, axis=0)
    at_or_below = np.mean(draws <= obs, axis=0)
    return below + rng.random(obs.size) * (at_or_below - below)

def score_sample(
    observed: object,
    sample: object,
    *,
    levels: Sequence[float] = DEFAULT_LEVELS,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """All sample scores at once: CRPS, log score, absolute error, coverage and PIT.

    Parameters
    ----------
    observed : array_like, shape (k,)
        Observed counts.
    sample : array_like, shape (n_draws, k)
        Predictive draws, draws on axis 0.
    levels : sequence of float
        Central interval levels; each gives a key ``covered_<percent>``.
    rng : numpy.random.Generator, optional
        Source of the PIT randomisation; without it the ``pit`` key is omitted.

    Returns
    -------
    dict of str to numpy.ndarray
        Keys ``crps``, ``log_score``, ``absolute_error``, ``covered_50`` ...,
        and ``pit`` when ``rng`` is given.

    Examples
    --------
    >>> scores = score_sample([2], [[2], [2]])
    >>> float(scores["crps"][0]), bool(scores["covered_95"][0])
    (0.0, True)

    """
    obs, draws = _as_sample(observed, sample)
    scores = {
        "crps": crps_sample(obs, draws),
        "log_score": log_score_sample(obs, draws),
        "absolute_error": absolute_error_median(obs, draws),
    }
    for level in levels:
        scores[f"covered_{round(100 * level)}"] = interval_coverage(obs, draws, level)
    if rng is not None:
        scores["pit"] = pit_sample(obs, draws, rng)
    return scores
