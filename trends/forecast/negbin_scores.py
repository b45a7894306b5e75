"""Proper scores of negative binomial predictive distributions, in closed form.

A forecast here is a negative binomial with mean ``mean`` and size ``size``
(variance ``mean + mean**2 / size``; ``size`` is R's ``theta``; ``numpy.inf``
is a Poisson forecast). The CRPS comes from :mod:`scoringrules`; its
negative binomial log score (``logs_negbinom``, version 0.10) returns ``inf``
whenever ``size < 1``, the usual case for conflict counts, so the log score
uses :func:`scipy.stats.nbinom.logpmf` instead. Scores of predictive samples
are in :mod:`trends.forecast.scoring`.
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr
from scipy import stats

from trends.errors import OptionError


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
