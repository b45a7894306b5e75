"""Parametric bootstrap of the known-break test with latent AR(1) noise (the default).

Monthly conflict counts are autocorrelated beyond what a count family with a
trend and seasonality explains, and then chi-square p-values and model-based
Wald intervals are far too optimistic (docs/calibration.md). The bootstrap
replaces both:

1. NB2 fits of the break model (alternative) and of the model without the
   tested terms (null) give the means; the latent AR(1) noise (rho, variance)
   and the count theta are estimated by moments from the break model's
   Pearson residuals, with a parametric-bootstrap bias correction of the
   residual autocovariances (:mod:`trends.models.latent`; three fixed-point
   steps of 200 pilot series each).
2. p-value: B series are drawn from the fitted null mean with that noise;
   null and break model are refitted with the batched fitter (in the test's
   family) and p = (1 + #{T* >= T}) / (B + 1), T the LR statistic (the scaled
   deviance for quasi-Poisson) or, for ``alternative="increase"``, its signed
   root for ``post`` (the null is then the boundary b_post = 0 with the slope
   change free).
3. Standard errors: B series drawn from the fitted break model with the same
   noise; the break model is refitted and the standard deviations of the
   coefficients replace the model-based ones in the Wald intervals
   exp(b +- 1.96 se*).

When the estimated rho is 0 the noise is plain NB2 with the fitted theta, so
step 2 is the ordinary parametric bootstrap of the NB2 LR test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trends._deprecate import renamed_keywords
from trends.models.batched import BatchFit, fit_batch, map_threads, one_blas_thread
from trends.models.glm import deviance
from trends.models.latent import LatentAR1, latent_from_autocovariances, residual_autocovariances

PILOT = 200
ITERATIONS = 3
CoreFamily = str


@dataclass(frozen=True)
class ITSBootstrap:
    """Bootstrap p-value, statistics and coefficient covariance of a known-break test."""

    p_value: float
    observed: float
    statistics: np.ndarray
    cov: np.ndarray
    latent: LatentAR1
    n_not_converged: int


def _mean(X: np.ndarray, fit: BatchFit, offset: np.ndarray) -> np.ndarray:
    return np.exp(np.clip(fit.beta[0] @ X.T + offset, -30.0, 30.0))


def calibrated_latent(
    y: np.ndarray, X: np.ndarray, offset: np.ndarray, fit: BatchFit,
    rng: np.random.Generator, pilot: int = PILOT, iterations: int = ITERATIONS,
) -> LatentAR1:
    """Latent AR(1) noise from the residuals of the NB2 ``fit`` of ``y`` on ``X``, bias-corrected.

    The residual autocovariances c_k are bias-corrected by fixed-point
    iteration: c <- c + (c_raw - mean(c*)), c* re-estimated on ``pilot``
    series simulated from the model with the current c and refitted, so that
    at the end the model reproduces the observed c_raw on average. When the
    last step still leaves the observed lag-1 autocovariance more than one
    sampling standard deviation of c* above what the model reproduces (the
    noise would be underestimated), the result carries the flag
    ``not_converged``. (A miss downwards only says the residuals are less
    autocorrelated than a latent AR(1) with rho >= 0 can make them.)
    """
    mu = _mean(X, fit, offset)[0]
    theta = float(fit.theta[0, 0])
    raw = residual_autocovariances(y, mu, np.array(theta))
    corrected = raw.copy()
    flags: tuple[str, ...] = ()
    for step in range(iterations if pilot > 0 else 0):
        current = latent_from_autocovariances(corrected, theta)
        sims = current.simulate(rng, mu, pilot)
        refit = fit_batch(X, sims, family="negbin", offset=offset, start_beta=fit.beta)
        again = residual_autocovariances(sims, _mean(X, refit, offset), refit.theta[0])
        miss = raw - again.mean(axis=0)
        corrected = corrected + miss
        if step == iterations - 1:
            spread = again.std(axis=0)
            flags = ("not_converged",) if miss[0] > spread[0] + 1e-12 else ()
    return latent_from_autocovariances(corrected, theta, flags)


def _refits(
    family: str, offset: np.ndarray, jobs: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]
) -> list[BatchFit]:
    """Fits of ``(X, Y, start_beta)`` each, in the test's family, side by side on the cores.

    Each fit is computed as it would be alone, so the results are the same.
    """
    core = "poisson" if family == "quasipoisson" else family
    return map_threads(
        lambda job: fit_batch(job[0], job[1], family=core, offset=offset,  # type: ignore[arg-type]
                              start_beta=job[2]),
        jobs,
    )


def _statistic(
    Y: np.ndarray, X_alt: np.ndarray, X_null: np.ndarray, offset: np.ndarray, family: str,
    sign_column: int | None, null: BatchFit, alt: BatchFit,
) -> np.ndarray:
    """Test statistic of every row of ``Y`` (LR, scaled deviance, or their signed root)."""
    if family == "quasipoisson":
        mu1, mu0 = _mean(X_alt, alt, offset), _mean(X_null, null, offset)
        phi = np.sum((Y - mu1) ** 2 / mu1, axis=-1) / (Y.shape[-1] - X_alt.shape[1])
        dev1 = np.array([deviance(y, m, math.inf) for y, m in zip(Y, mu1, strict=True)])
        dev0 = np.array([deviance(y, m, math.inf) for y, m in zip(Y, mu0, strict=True)])
        stat = np.maximum((dev0 - dev1) / phi, 0.0)
    else:
        stat = np.maximum(2.0 * (alt.loglik[0] - null.loglik[0]), 0.0)
    if sign_column is not None:
        stat = np.sign(alt.beta[0, :, sign_column]) * np.sqrt(stat)
    return stat


@renamed_keywords(replicates="bootstrap")
def its_bootstrap(
    y: np.ndarray, X_alt: np.ndarray, drop: list[int], offset: np.ndarray, *, family: str,
    signed: bool, bootstrap: int, seed: int,
) -> ITSBootstrap:
    """Bootstrap test of dropping columns ``drop`` of the break design ``X_alt``.

    See :func:`_its_bootstrap`; runs with one BLAS thread (its products are
    small, see :func:`trends.models.batched.one_blas_thread`).
    """
    with one_blas_thread():
        return _its_bootstrap(y, X_alt, drop, offset, family=family, signed=signed,
                              bootstrap=bootstrap, seed=seed)


def _its_bootstrap(
    y: np.ndarray, X_alt: np.ndarray, drop: list[int], offset: np.ndarray, *, family: str,
    signed: bool, bootstrap: int, seed: int,
) -> ITSBootstrap:
    """Bootstrap test of dropping columns ``drop`` of the break design ``X_alt``.

    ``signed`` gives the one-sided test on the signed root for the single
    column ``drop[0]``. Returns the p-value, the observed and replicate
    statistics, the bootstrap covariance of the break model's coefficients
    and the fitted noise model.
    """
    rng = np.random.default_rng(seed)
    keep = [j for j in range(X_alt.shape[1]) if j not in drop]
    X_null = X_alt[:, keep]
    nb_alt = fit_batch(X_alt, y[None], family="negbin", offset=offset)
    nb_null = fit_batch(X_null, y[None], family="negbin", offset=offset)
    latent = calibrated_latent(y, X_alt, offset, nb_alt, rng)
    sign_column = drop[0] if signed else None
    observed_fits = ([nb_null, nb_alt] if family == "negbin" else
                     _refits(family, offset, [(X_null, y[None], None), (X_alt, y[None], None)]))
    observed = float(_statistic(y[None], X_alt, X_null, offset, family, sign_column,
                                *observed_fits)[0])
    null_sims = latent.simulate(rng, _mean(X_null, nb_null, offset)[0], bootstrap)
    alt_sims = latent.simulate(rng, _mean(X_alt, nb_alt, offset)[0], bootstrap)
    fit0, fit1, refit = _refits(family, offset, [(X_null, null_sims, nb_null.beta),
                                                 (X_alt, null_sims, nb_alt.beta),
                                                 (X_alt, alt_sims, nb_alt.beta)])
    stats_null = _statistic(null_sims, X_alt, X_null, offset, family, sign_column, fit0, fit1)
    tolerance = 1e-9 * max(1.0, abs(observed))
    p_value = (1.0 + np.sum(stats_null >= observed - tolerance)) / (bootstrap + 1.0)
    failed = int((~fit0.converged).sum() + (~fit1.converged).sum() + (~refit.converged).sum())
    return ITSBootstrap(
        p_value=float(p_value),
        observed=observed,
        statistics=stats_null,
        cov=np.cov(refit.beta[0], rowvar=False),
        latent=latent,
        n_not_converged=failed,
    )
