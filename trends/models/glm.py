"""Single count-regression fits with standard errors, as R's glm / MASS::glm.nb.

The estimates come from the batched fitter with a batch of one, so single
fits and bootstrap refits share one implementation. Standard errors are
R's: the inverse Fisher information (X'WX)^-1 at the estimate (theta held
fixed for NB2), times the Pearson dispersion for quasi-Poisson; or
Newey-West (HAC) sandwich errors computed by statsmodels.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special

from trends.errors import DataError, ModelWarning
from trends.models.batched import fit_batch
from trends.models.families import irls_weights
from trends.models.newton import ETA_LIMIT
from trends.options import CovType, GlmFamily

Family = GlmFamily


@dataclass(frozen=True)
class GLMFit:
    """One fitted count regression (arrays are read-only views of the fit)."""

    family: str
    names: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    loglik: float
    theta: float
    dispersion: float
    deviance: float
    pearson_chi2: float
    n_obs: int
    df_resid: int
    mu: np.ndarray
    converged: bool
    cov_type: str

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the coefficients."""
        return np.sqrt(np.diag(self.cov))

    @property
    def n_params(self) -> int:
        """Number of estimated parameters (coefficients plus theta for NB2)."""
        return len(self.beta) + (1 if self.family == "negbin" and math.isfinite(self.theta) else 0)

    @property
    def aic(self) -> float:
        """Akaike information criterion (NaN for quasi-Poisson)."""
        if self.family == "quasipoisson":
            return float("nan")
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        """Bayesian information criterion (NaN for quasi-Poisson)."""
        if self.family == "quasipoisson":
            return float("nan")
        return -2.0 * self.loglik + math.log(self.n_obs) * self.n_params

    def pearson_residuals(self, y: np.ndarray) -> np.ndarray:
        """(y - mu) / sqrt(V(mu)) for the fitted family."""
        return (y - self.mu) / np.sqrt(variance(self.mu, self.theta))


def variance(mu: np.ndarray, theta: float) -> np.ndarray:
    """Variance function mu + mu^2 / theta (theta = inf gives the Poisson mu)."""
    return mu if not math.isfinite(theta) else mu + mu * mu / theta


def deviance(y: np.ndarray, mu: np.ndarray, theta: float) -> float:
    """Unit deviances summed: Poisson, or NB2 at fixed theta."""
    if not math.isfinite(theta):
        return float(2.0 * np.sum(special.xlogy(y, y / mu) - (y - mu)))
    return float(
        2.0 * np.sum(special.xlogy(y, y / mu) - (y + theta) * np.log((y + theta) / (mu + theta)))
    )


def newey_west_lags(n_obs: int) -> int:
    """Newey-West (1994) rule of thumb floor(4 (n / 100)^(2/9))."""
    return max(1, math.floor(4.0 * (n_obs / 100.0) ** (2.0 / 9.0)))


def _hac_cov(
    y: np.ndarray, X: np.ndarray, offset: np.ndarray, beta: np.ndarray, theta: float, lags: int
) -> np.ndarray:
    from statsmodels.genmod import families  # on use: statsmodels takes 0.5 s to import
    from statsmodels.genmod.generalized_linear_model import GLM

    family = (
        families.Poisson()
        if not math.isfinite(theta)
        else families.NegativeBinomial(alpha=1.0 / theta)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = GLM(y, X, family=family, offset=offset).fit(
            start_params=beta, cov_type="HAC", cov_kwds={"maxlags": lags}
        )
    return np.asarray(res.cov_params())


def fit_glm(
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: Family,
    names: tuple[str, ...] | None = None,
    offset: np.ndarray | None = None,
    cov_type: CovType = "fisher",
    hac_lags: int | None = None,
) -> GLMFit:
    """Fit one Poisson, quasi-Poisson or NB2 regression with a log link.

    Parameters
    ----------
    y : numpy.ndarray
        Counts, shape (n,).
    X : numpy.ndarray
        Design, shape (n, p).
    family : {"poisson", "quasipoisson", "negbin"}
        Count family; NB2 estimates theta by maximum likelihood.
    names : tuple of str, optional
        Coefficient names (default x0, x1, ...).
    offset : numpy.ndarray, optional
        Log-exposure, shape (n,).
    cov_type : {"fisher", "hac"}
        Model-based (R's) or Newey-West standard errors.
    hac_lags : int, optional
        HAC truncation lag (default Newey-West rule of thumb).

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), np.arange(6.0)])
    >>> fit = fit_glm(np.array([1.0, 2, 2, 4, 5, 7]), X, family="poisson")
    >>> round(float(fit.beta[1]), 3)  # statsmodels GLM(Poisson) gives 0.3607
    0.361

    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    core = "poisson" if family == "quasipoisson" else family
    res = fit_batch(X, y[None], family=core, offset=off, workers=1)
    beta, theta = res.beta[0, 0], float(res.theta[0, 0])
    converged = bool(res.converged[0, 0])
    if not converged:
        warnings.warn(
            f"{family} fit did not converge in {res.iterations} iterations; estimates may be "
            "unreliable (often a segment of all-zero counts)",
            ModelWarning,
            stacklevel=2,
        )
    eta = X @ beta + off
    if not np.all(eta <= ETA_LIMIT):  # past the fitter's own cap, a mean of 1e13
        msg = (f"the {family} fit's means run off to infinity: the counts cannot fix its "
               f"{X.shape[1]} coefficients")
        raise DataError(msg)
    mu = np.exp(eta)
    w = irls_weights(mu, None if not math.isfinite(theta) else np.array(theta))
    info = X.T @ (w[:, None] * X)
    cov = np.linalg.inv(info)
    n, p = X.shape
    pearson = float(np.sum((y - mu) ** 2 / variance(mu, theta)))
    dispersion = pearson / (n - p) if family == "quasipoisson" else 1.0
    if cov_type == "hac":
        cov = _hac_cov(y, X, off, beta, theta, hac_lags or newey_west_lags(n))
    else:
        cov = cov * dispersion
    loglik = float(res.loglik[0, 0]) if family != "quasipoisson" else float("nan")
    return GLMFit(
        family=family,
        names=names or tuple(f"x{i}" for i in range(p)),
        beta=beta,
        cov=cov,
        loglik=loglik,
        theta=theta,
        dispersion=dispersion,
        deviance=deviance(y, mu, theta),
        pearson_chi2=pearson,
        n_obs=n,
        df_resid=n - p,
        mu=mu,
        converged=converged,
        cov_type=cov_type,
    )
