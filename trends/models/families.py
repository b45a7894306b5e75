"""Log-likelihoods and derivatives of the Poisson and NB2 count families.

NB2 is parameterised as R's ``MASS::glm.nb``: Var(y) = mu + mu^2 / theta, so
alpha = 1 / theta is the dispersion and theta -> infinity is the Poisson limit.
The digamma/trigamma helpers are vectorised series expansions, several times
faster than ``scipy.special`` on the large arrays of the batched fitter and
accurate to about 1e-11.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

FamilyName = Literal["poisson", "quasipoisson", "negbin"]
_SHIFT = 6


def digamma_trigamma(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return digamma(x) and trigamma(x) for x > 0 (recurrence + asymptotic series)."""
    x = np.asarray(x, dtype=float)
    dig = np.zeros_like(x)
    tri = np.zeros_like(x)
    for j in range(_SHIFT):
        r = 1.0 / (x + j)
        dig -= r
        tri += r * r
    z = x + _SHIFT
    inv = 1.0 / z
    inv2 = inv * inv
    dig += np.log(z) - 0.5 * inv - inv2 * (
        1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132)))
    )
    tail = 1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30 - inv2 * 5 / 66))
    tri += inv * (1.0 + inv * (0.5 + inv * (1 / 6 - inv2 * tail)))
    return dig, tri


def log_factorial(y: np.ndarray) -> np.ndarray:
    """log(y!) for count arrays."""
    return np.asarray(special.gammaln(np.asarray(y, dtype=float) + 1.0))


def poisson_loglik(y: np.ndarray, mu: np.ndarray, log_fact: np.ndarray) -> np.ndarray:
    """Poisson log-likelihood summed over the last axis."""
    return np.sum(special.xlogy(y, mu) - mu - log_fact, axis=-1)


_STIRLING_FROM = 1e4


def lgamma_ratio(y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Log Gamma(y + theta) - log Gamma(theta), accurate also when theta is huge.

    Subtracting two log-gamma values of size theta log(theta) loses about
    1e-7 at theta = 1e8, which is enough to make a fit near the Poisson limit
    see its log-likelihood fall at every step. For theta >= 1e4 the
    difference of Stirling's series is used instead: (theta - 1/2)
    log1p(y / theta) + y log(theta + y) - y - y / (12 theta (theta + y)).

    Examples
    --------
    >>> float(lgamma_ratio(np.array(3.0), np.array(2.0)))  # log(4! / 1!)
    3.1780538303479458
    """
    y = np.asarray(y, dtype=float)
    theta = np.asarray(theta, dtype=float)
    big = theta >= _STIRLING_FROM
    # one branch when every theta is on one side (the usual case): the same values, half the work
    if not big.any():
        return np.asarray(special.gammaln(y + theta) - special.gammaln(theta))
    small_theta = np.where(big, 1.0, theta)
    exact = special.gammaln(y + small_theta) - special.gammaln(small_theta)
    large_theta = np.where(big, theta, _STIRLING_FROM)
    series = ((large_theta - 0.5) * np.log1p(y / large_theta) + y * np.log(large_theta + y) - y
              - y / (12.0 * large_theta * (large_theta + y)))
    return np.where(big, series, exact)


def negbin_loglik(
    y: np.ndarray, mu: np.ndarray, theta: np.ndarray, log_fact: np.ndarray
) -> np.ndarray:
    """NB2 log-likelihood summed over the last axis; ``theta`` has the batch shape."""
    th = theta[..., None]
    terms = (
        lgamma_ratio(y, th)
        - log_fact
        - th * np.log1p(mu / th)
        + special.xlogy(y, mu / (th + mu))
    )
    return np.sum(terms, axis=-1)


def theta_score_info(
    y: np.ndarray, mu: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative of the NB2 log-likelihood in log(theta), mu held fixed."""
    th = theta[..., None]
    dig, tri = digamma_trigamma(y + th)
    dig0, tri0 = special.digamma(theta), special.polygamma(1, theta)
    tm = th + mu
    d1 = np.sum(dig + np.log(th / tm) + (mu - y) / tm, axis=-1) - y.shape[-1] * dig0
    d2 = np.sum(tri + 1.0 / th - 2.0 / tm + (y + th) / (tm * tm), axis=-1) - y.shape[-1] * tri0
    # chain rule to phi = log(theta)
    return theta * d1, theta * theta * d2 + theta * d1


def irls_weights(mu: np.ndarray, theta: np.ndarray | None) -> np.ndarray:
    """Fisher-scoring weights for the log link: mu (Poisson) or mu / (1 + mu / theta)."""
    if theta is None:
        return mu
    return mu / (1.0 + mu / theta[..., None])
