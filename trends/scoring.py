"""Proper scores for probabilistic forecasts of monthly counts.

A forecast is either a predictive sample (draws on axis 0, one column per
forecast target) or a negative binomial predictive distribution given by its
mean and size (variance ``mean + mean**2 / size``; ``size`` is R's ``theta``).
Lower scores are better for the CRPS, the log score and the absolute error.

The CRPS comes from :mod:`scoringrules`. Its negative binomial log score
(``logs_negbinom``, version 0.10) returns ``inf`` whenever ``size < 1``, the
usual case for conflict counts, so the log score uses
:func:`scipy.stats.nbinom.logpmf` instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scoringrules as sr
from scipy import stats

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


def _as_negbinom(
    observed: object, mean: object, size: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    obs, mu, theta = np.broadcast_arrays(
        np.atleast_1d(np.asarray(observed, dtype=float)),
        np.asarray(mean, dtype=float),
        np.asarray(size, dtype=float),
    )
    if np.any(~np.isfinite(mu)) or np.any(mu < 0):
        msg = "negative binomial mean must be finite and >= 0"
        raise OptionError(msg)
    if np.any(np.isnan(theta)) or np.any(theta <= 0):
        msg = "negative binomial size must be > 0 (use numpy.inf for a Poisson forecast)"
        raise OptionError(msg)
    return obs.astype(float), mu.astype(float), theta.astype(float)


def _nbinom_cdf(k: np.ndarray, mean: float, size: float) -> np.ndarray:
    if np.isinf(size):
        return np.asarray(stats.poisson.cdf(k, mean))
    return np.asarray(stats.nbinom.cdf(k, size, size / (size + mean)))


def crps_by_cdf_sum(observed: float, mean: float, size: float) -> float:
    """CRPS of a negative binomial forecast as ``sum_k (F(k) - 1{y <= k})**2``.

    Exact for integer-valued forecasts up to truncation of the sum where
    ``1 - F(k) < 1e-16``. Used where the closed form is not finite.

    Examples
    --------
    >>> round(crps_by_cdf_sum(2, mean=5.0, size=5.0), 6)
    1.553363

    """
    if mean == 0:
        return float(abs(observed))
    if np.isinf(size):
        upper = stats.poisson.isf(1e-16, mean)
    else:
        upper = stats.nbinom.isf(1e-16, size, size / (size + mean))
    k = np.arange(0, int(max(upper, observed)) + 2)
    cdf = _nbinom_cdf(k, mean, size)
    return float(np.sum((cdf - (observed <= k)) ** 2))


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


def crps_negbinom(observed: object, mean: object, size: object) -> np.ndarray:
    """Closed-form CRPS of negative binomial forecasts (Wei and Held 2014).

    Calls :func:`scoringrules.crps_negbinom` with ``n=size, mu=mean``. Where
    its hypergeometric term is not finite (large size with a large mean) or
    ``size`` is infinite, the score is the exact sum over the CDF
    (:func:`crps_by_cdf_sum`).

    Parameters
    ----------
    observed : array_like
        Observed counts.
    mean, size : array_like
        Predictive mean and size; variance is ``mean + mean**2 / size``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> round(float(crps_negbinom(2, mean=5.0, size=5.0)[0]), 6)
    1.553363

    """
    obs, mu, theta = _as_negbinom(observed, mean, size)
    finite_size = np.where(np.isinf(theta), 1.0, theta)
    with np.errstate(all="ignore"):
        score = np.asarray(sr.crps_negbinom(obs, finite_size, mu=mu), dtype=float)
    bad = ~np.isfinite(score) | np.isinf(theta)
    for i in np.flatnonzero(bad):
        score[i] = crps_by_cdf_sum(obs[i], mu[i], theta[i])
    return score


def log_score_negbinom(observed: object, mean: object, size: object) -> np.ndarray:
    """Negative log predictive probability of the observed counts under NB(mean, size).

    Examples
    --------
    >>> round(float(log_score_negbinom(0, mean=2.0, size=np.inf)[0]), 6)
    2.0

    """
    obs, mu, theta = _as_negbinom(observed, mean, size)
    poisson = np.isinf(theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(poisson, 0.5, theta / (theta + mu))
        logpmf = np.where(
            poisson,
            stats.poisson.logpmf(obs, mu),
            stats.nbinom.logpmf(obs, np.where(poisson, 1.0, theta), prob),
        )
    return -np.asarray(logpmf, dtype=float)


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


def pit_negbinom(
    observed: object, mean: object, size: object, rng: np.random.Generator
) -> np.ndarray:
    """Randomised PIT of counts under negative binomial forecasts.

    Examples
    --------
    >>> u = pit_negbinom([0, 3], 2.0, 1.5, np.random.default_rng(0))
    >>> bool(np.all((u >= 0) & (u <= 1)))
    True

    """
    obs, mu, theta = _as_negbinom(observed, mean, size)
    cdf = np.array(
        [_nbinom_cdf(np.array([y - 1, y]), m, s) for y, m, s in zip(obs, mu, theta, strict=True)]
    )
    lower, upper = cdf[:, 0], cdf[:, 1]
    return lower + rng.random(obs.size) * (upper - lower)


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
