"""One Poisson / NB2 regression over many regions without a dense block design.

The pooled regions model stacks R regions' series; each region has its own
coefficients on its own columns ``X_r`` (intercept, trend, seasonality, ...)
and all regions share the coefficients of the common columns ``C_r`` and,
for NB2, one theta. Written out, the design is block-diagonal with R blocks
beside q shared columns: at 3,000 regions it would have 250,000 rows and
more than 20,000 columns. Here the regions are held as padded arrays
``X`` (R, n, p), ``C`` (R, n, q), ``Y`` (R, n) with a 0/1 ``mask`` for the
months a region does not have, and each Fisher-scoring step solves the
arrow-shaped information matrix by its Schur complement:

    S = sum_r (C_r'WC_r - B_r' A_r^-1 B_r),  A_r = X_r'WX_r,  B_r = X_r'WC_r.

theta is estimated by alternation as ``MASS::glm.nb`` does: Newton steps
in log(theta) at fixed means, then scoring in the coefficients at fixed
theta, until the log-likelihood is steady. The Poisson limit follows the
rule of :mod:`trends.models.batched`: no overdispersion at the Poisson fit,
or theta above half its bound, gives the Poisson fit with theta ``inf``.
The estimates are those of :func:`trends.models.glm.fit_glm` on the dense
design (the tests compare both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

from trends.models.families import negbin_loglik, poisson_loglik, theta_score_info
from trends.models.glm import deviance

_ETA_LIMIT = 30.0
THETA_MIN, THETA_MAX = 1e-4, 1e8


@dataclass(frozen=True)
class BlockFit:
    """A pooled fit: own coefficients (R, p), common ones (q,), their covariance (q, q)."""

    own: np.ndarray
    common: np.ndarray
    common_cov: np.ndarray
    theta: float
    loglik: float
    deviance: float
    pearson_chi2: float
    n_obs: int
    df_resid: int
    converged: bool


def _eta(X: np.ndarray, C: np.ndarray, own: np.ndarray, common: np.ndarray) -> np.ndarray:
    eta = np.einsum("rnp,rp->rn", X, own) + C @ common
    return np.clip(eta, -_ETA_LIMIT, _ETA_LIMIT)


def _loglik(Y: np.ndarray, mu: np.ndarray, mask: np.ndarray, theta: float,
            log_fact: np.ndarray) -> float:
    y, m, lf = Y[mask], mu[mask], log_fact[mask]
    if not math.isfinite(theta):
        return float(poisson_loglik(y, m, lf))
    return float(negbin_loglik(y, m, np.array(theta), lf))


def _solve(X: np.ndarray, C: np.ndarray, w: np.ndarray, z: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares of ``z`` on the block design; also the common block's inverse."""
    wX = w[..., None] * X
    A = np.einsum("rnp,rnk->rpk", wX, X)
    u = np.einsum("rnp,rn->rp", wX, z)
    q = C.shape[-1]
    if q == 0:
        return np.linalg.solve(A, u[..., None])[..., 0], np.zeros(0), np.zeros((0, 0))
    B = np.einsum("rnp,rnk->rpk", wX, C)
    wC = w[..., None] * C
    D = np.einsum("rnp,rnk->pk", wC, C)
    v = np.einsum("rnp,rn->p", wC, z)
    rhs = np.concatenate([u[..., None], B], axis=-1)
    sol = np.linalg.solve(A, rhs)  # A^-1 u and A^-1 B together
    schur = D - np.einsum("rpk,rpj->kj", B, sol[..., 1:])
    schur_inv = np.linalg.inv(schur)
    common = schur_inv @ (v - np.einsum("rpk,rp->k", B, sol[..., 0]))
    own = sol[..., 0] - np.einsum("rpk,k->rp", sol[..., 1:], common)
    return own, common, schur_inv


def _scoring(X: np.ndarray, C: np.ndarray, Y: np.ndarray, mask: np.ndarray, theta: float,
             own: np.ndarray, common: np.ndarray, log_fact: np.ndarray, max_iter: int,
             tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, bool]:
    """Fisher scoring of the coefficients at fixed theta, with step halving."""
    eta = _eta(X, C, own, common)
    mu = np.exp(eta)
    ll = _loglik(Y, mu, mask, theta, log_fact)
    for _ in range(max_iter):
        w = mask * (mu if not math.isfinite(theta) else mu / (1.0 + mu / theta))
        z = eta + (Y - mu) / mu
        new_own, new_common, _ = _solve(X, C, w, z)
        for _ in range(30):
            eta_new = _eta(X, C, new_own, new_common)
            mu_new = np.exp(eta_new)
            ll_new = _loglik(Y, mu_new, mask, theta, log_fact)
            if not math.isfinite(ll) or ll_new >= ll - 1e-12 * abs(ll):
                break
            new_own, new_common = 0.5 * (new_own + own), 0.5 * (new_common + common)
        done = math.isfinite(ll) and abs(ll_new - ll) <= tol * (abs(ll_new) + 1.0)
        own, common, eta, mu, ll = new_own, new_common, eta_new, mu_new, ll_new
        if done:
            return own, common, mu, ll, True
    return own, common, mu, ll, False


def _theta_step(Y: np.ndarray, mu: np.ndarray, mask: np.ndarray, theta: float) -> float:
    """Maximum-likelihood theta at fixed means (Newton in log theta, safeguarded)."""
    y, m = Y[mask], mu[mask]
    phi = math.log(theta)
    for _ in range(100):
        score, curv = theta_score_info(y, m, np.array(math.exp(phi)))
        step = -float(score) / float(curv) if float(curv) < 0 else math.copysign(1.0, score)
        step = max(-3.0, min(3.0, step))
        phi = min(max(phi + step, math.log(THETA_MIN)), math.log(THETA_MAX))
        if abs(step) < 1e-12 or phi >= math.log(THETA_MAX):
            break
    return math.exp(phi)


def fit_blocks(
    X: np.ndarray,
    C: np.ndarray,
    Y: np.ndarray,
    mask: np.ndarray,
    *,
    family: Literal["poisson", "negbin"],
    max_iter: int = 200,
    tol: float = 1e-13,
) -> BlockFit:
    """Fit region-specific columns ``X`` and common columns ``C`` to the counts ``Y``.

    Parameters
    ----------
    X, C : numpy.ndarray
        Own columns (R, n, p) and common columns (R, n, q) (q may be 0),
        zero where ``mask`` is false.
    Y : numpy.ndarray
        Counts (R, n), zero where ``mask`` is false.
    mask : numpy.ndarray
        True for the months each region has.
    family : {"poisson", "negbin"}
        Poisson, or NB2 with one theta shared by all regions.
    max_iter, tol : int, float
        Iteration limit and relative log-likelihood tolerance.

    Returns
    -------
    BlockFit

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.ones((3, 20, 1))
    >>> C = np.tile((np.arange(20) >= 10).astype(float)[None, :, None], (3, 1, 1))
    >>> Y = rng.poisson(np.where(np.arange(20) >= 10, 10.0, 5.0), size=(3, 20)).astype(float)
    >>> fit = fit_blocks(X, C, Y, np.ones((3, 20), bool), family="poisson")
    >>> round(math.exp(fit.common[0]), 1)
    2.1

    """
    mask = np.asarray(mask, dtype=bool)
    X = np.where(mask[..., None], np.asarray(X, dtype=float), 0.0)
    C = np.where(mask[..., None], np.asarray(C, dtype=float), 0.0)
    Y = np.where(mask, np.asarray(Y, dtype=float), 0.0)
    log_fact = special.gammaln(Y + 1.0)
    n_regions, p, q = X.shape[0], X.shape[-1], C.shape[-1]
    # start from the means as the batched fitter does: one weighted least-squares step
    z0 = np.log(Y + 0.1)
    own, common, _ = _solve(X, C, mask * (Y + 0.1), z0)
    own, common, mu, ll, ok = _scoring(X, C, Y, mask, math.inf, own, common, log_fact,
                                       max_iter, tol)
    theta = math.inf
    if family == "negbin":
        y, m = Y[mask], mu[mask]
        if float(np.sum((y - m) ** 2 - y)) > 0:
            pois = (own, common, mu, ll, ok)
            theta = float(np.clip(len(y) / max(float(np.sum((y / m - 1.0) ** 2)), 1e-300),
                                  THETA_MIN, THETA_MAX))
            for _ in range(max_iter):
                theta = _theta_step(Y, mu, mask, theta)
                ll_theta = _loglik(Y, mu, mask, theta, log_fact)
                own, common, mu, ll, ok = _scoring(X, C, Y, mask, theta, own, common,
                                                   log_fact, max_iter, tol)
                if ok and abs(ll - ll_theta) <= tol * (abs(ll) + 1.0):
                    break
            if theta >= 0.5 * THETA_MAX:
                own, common, mu, ll, ok = pois
                theta = math.inf
    w = mask * (mu if not math.isfinite(theta) else mu / (1.0 + mu / theta))
    cov = _solve(X, C, w, np.zeros_like(Y))[2]
    y, m = Y[mask], mu[mask]
    var = m if not math.isfinite(theta) else m + m * m / theta
    dev = deviance(y, m, theta)
    n_obs = int(mask.sum())
    return BlockFit(
        own=own, common=common, common_cov=cov, theta=theta, loglik=ll, deviance=float(dev),
        pearson_chi2=float(np.sum((y - m) ** 2 / var)), n_obs=n_obs,
        df_resid=n_obs - n_regions * p - q, converged=ok,
    )
