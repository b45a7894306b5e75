"""Standard errors of count-regression coefficients that allow for latent AR(1) noise.

The NB2 (or Poisson) fit treats months as independent. Under the latent
model of :mod:`trends.models.latent`, counts of different months are
correlated: Cov(y_t, y_s) = mu_t mu_s c_|t-s| with c_k = exp(s2 rho^k) - 1.
The score of the log-link fit is U = sum_t x_t (y_t - mu_t) mu_t / V_t, so the
sandwich covariance of the estimate is

    A^-1 (A + Z' C Z) A^-1,   A = X' diag(mu^2 / V) X,   z_t = x_t mu_t^2 / V_t,

C the matrix of c_|t-s| off the diagonal (Zeger 1988, Biometrika 75:621, with
an independence working model). With c = 0 it is the model-based A^-1.
"""

from __future__ import annotations

import contextlib

import numpy as np

from trends.models.latent import fit_latent_grid, residual_autocovariances

_NEGLIGIBLE = 1e-10


def latent_standard_error(
    X: np.ndarray,
    mu: np.ndarray,
    theta: np.ndarray,
    column: int,
    rho: np.ndarray,
    variance: np.ndarray,
) -> np.ndarray:
    """Sandwich standard error of coefficient ``column`` for every row of ``mu``.

    Parameters
    ----------
    X : numpy.ndarray
        Design, shape (n, p), shared by all rows.
    mu : numpy.ndarray
        Fitted means, shape (B, n).
    theta : numpy.ndarray
        NB2 theta of each fit, shape (B,) (inf for Poisson).
    column : int
        Coefficient whose standard error is wanted.
    rho, variance : numpy.ndarray
        Latent AR(1) autocorrelation and variance of each row, shape (B,).

    Examples
    --------
    >>> X = np.column_stack([np.ones(24), np.r_[np.zeros(12), np.ones(12)]])
    >>> mu = np.full((1, 24), 10.0)
    >>> plain = latent_standard_error(X, mu, np.array([np.inf]), 1, np.zeros(1), np.zeros(1))
    >>> round(float(plain[0]), 4) == round(float(np.sqrt(2 / 120)), 4)
    True
    >>> noisy = latent_standard_error(X, mu, np.array([np.inf]), 1, np.array([0.8]),
    ...                               np.array([0.1]))
    >>> bool(noisy[0] > plain[0])
    True

    """
    mu = np.atleast_2d(mu)
    theta = np.asarray(theta, dtype=float)[:, None]
    var = mu + np.where(np.isfinite(theta), mu * mu / theta, 0.0)
    weight = mu * mu / var
    info = np.einsum("np,bn,nq->bpq", X, weight, X)
    unit = np.zeros((len(mu), X.shape[1]))
    unit[:, column] = 1.0
    a = _solve_each(info, unit)
    base = a[:, column]
    v = weight * (a @ X.T)
    extra = np.zeros(len(mu))
    rho = np.asarray(rho, dtype=float)
    variance = np.asarray(variance, dtype=float)
    for k in range(1, X.shape[0]):
        c = np.expm1(variance * rho**k)
        if not np.any(c > _NEGLIGIBLE):
            break
        extra += 2.0 * c * np.sum(v[:, :-k] * v[:, k:], axis=1)
    with np.errstate(invalid="ignore"):  # a singular refit's NaN (see _solve_each)
        return np.sqrt(np.maximum(base + extra, base))


def _solve_each(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``info[b] x = rhs[b]`` for every b; NaN where ``info[b]`` is singular.

    A refit whose means all but vanish (a level run off to zero among a few
    spikes) has a singular information matrix: its standard error is not a
    number, and the bootstrap leaves that replicate out.

    Examples
    --------
    >>> info = np.stack([np.eye(2), np.zeros((2, 2))])
    >>> _solve_each(info, np.ones((2, 2))).tolist()
    [[1.0, 1.0], [nan, nan]]

    """
    try:
        return np.linalg.solve(info, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:  # the same solves one by one (the same digits)
        out = np.full(rhs.shape, np.nan)
        for b in range(len(info)):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[b] = np.linalg.solve(info[b], rhs[b])
        return out


def residual_moments(
    X: np.ndarray, Y: np.ndarray, beta: np.ndarray, theta: np.ndarray,
    offset: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fitted means (B, n) and residual autocovariance estimates c_1..c_3 (B, 3) of each fit."""
    off = 0.0 if offset is None else offset
    mu = np.exp(np.clip(beta @ X.T + off, -30.0, 30.0))
    return mu, residual_autocovariances(Y, mu, theta)


def studentizer(
    X: np.ndarray, Y: np.ndarray, beta: np.ndarray, theta: np.ndarray, column: int,
    offset: np.ndarray | None = None,
) -> np.ndarray:
    """Standard error of ``column`` with the latent noise estimated from each series' residuals.

    The noise is the raw moment fit (lags 1-3, no bias correction): the same
    rule is applied to the data and to every bootstrap series, so the bootstrap
    distribution of the studentized estimate carries its bias.
    """
    mu, moments = residual_moments(X, Y, beta, theta, offset)
    rho, variance = fit_latent_grid(moments, theta)
    return latent_standard_error(X, mu, theta, column, rho, variance)


def plausibility(observed: np.ndarray, simulated: np.ndarray) -> float:
    """Share of simulated moment vectors at least as far from their mean as ``observed``.

    Distances are Mahalanobis distances with the simulated covariance; a
    small value says the noise the series were simulated with does not
    reproduce the observed residual autocorrelation.

    Examples
    --------
    >>> sims = np.random.default_rng(0).normal(size=(500, 3))
    >>> plausibility(np.zeros(3), sims) > 0.9, plausibility(np.full(3, 4.0), sims) < 0.01
    (True, True)

    """
    centre = simulated.mean(axis=0)
    cov = np.cov(simulated, rowvar=False) + 1e-12 * np.eye(simulated.shape[1])
    inverse = np.linalg.inv(cov)
    d_sims = np.einsum("bi,ij,bj->b", simulated - centre, inverse, simulated - centre)
    d_obs = float((observed - centre) @ inverse @ (observed - centre))
    return float(np.mean(d_sims >= d_obs))
