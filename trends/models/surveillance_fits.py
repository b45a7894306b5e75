"""Count GLMs fitted exactly as R fits them for the surveillance alerts.

The Farrington bounds (:mod:`trends.alerts.farrington`) need R's ``glm.fit``
for a quasi-Poisson model, step for step, and the GLR chart
(:mod:`trends.alerts.glrnb`) the joint maximum-likelihood NB2 fit of
``MASS::glm.nb``; reproducing R's numbers to rounding is how those ports are
checked (tests/results). General count models live in :mod:`trends.models.glm`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QuasiPoissonFit:
    """A quasi-Poisson fit with what the Farrington algorithm reads of R's ``glm`` object."""

    coef: np.ndarray
    mu: np.ndarray
    work_w: np.ndarray  # IRLS working weights of the last iteration (R's ``weights``)
    r_inv: np.ndarray  # inverse of R in the QR of sqrt(work_w) * X
    q: np.ndarray  # Q of that QR (for hat values)
    df_residual: int
    converged: bool
    dispersion: float  # Pearson estimate, as summary.glm gives it


def poisson_deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """Weighted Poisson deviance, 0 log 0 taken as 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ylog = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.sum(2.0 * w * (ylog - (y - mu))))


def fit_quasipoisson(x: np.ndarray, y: np.ndarray, prior: np.ndarray) -> QuasiPoissonFit:
    """Fit ``y ~ x`` as R's ``glm.fit`` does for ``quasipoisson(link = "log")``.

    Same start values (``mu = y + 0.1``), IRLS steps, stopping rule (relative
    deviance change below 1e-8, at most 25 iterations) and Pearson dispersion
    as R, with prior weights ``prior``, so the Farrington bounds agree with R's.

    Examples
    --------
    An intercept-only fit gives the mean and the Pearson dispersion
    ``sum((y - m)**2 / m) / (n - 1)``:

    >>> y = np.array([2.0, 3, 5, 8, 13, 21])
    >>> fit = fit_quasipoisson(np.ones((6, 1)), y, np.ones(6))
    >>> m = y.mean()
    >>> fit.converged, bool(np.isclose(np.exp(fit.coef[0]), m))
    (True, True)
    >>> bool(np.isclose(fit.dispersion, np.sum((y - m) ** 2 / m) / 5))
    True
    """
    mu = y + 0.1
    eta = np.log(mu)
    devold = poisson_deviance(y, mu, prior)
    good = prior > 0
    converged = False
    coef = np.zeros(x.shape[1])
    sw = np.sqrt(prior * mu)
    for _ in range(25):
        z = eta[good] + (y[good] - mu[good]) / mu[good]
        sw = np.sqrt(prior[good] * mu[good])
        coef = np.linalg.lstsq(x[good] * sw[:, None], z * sw, rcond=None)[0]
        eta = x @ coef
        # R's log link: linkinv(eta) = pmax(exp(eta), .Machine$double.eps); without the floor a
        # reference of zeros and one count sends mu to 0 and the next step to NaN
        mu = np.maximum(np.exp(eta), np.finfo(float).eps)
        dev = poisson_deviance(y, mu, prior)
        if abs(dev - devold) / (abs(dev) + 0.1) < 1e-8:
            converged = True
            break
        devold = dev
    q, r = np.linalg.qr(x[good] * sw[:, None])
    work_w = np.zeros_like(y)
    work_w[good] = sw**2
    df_residual = int(good.sum()) - x.shape[1]
    resid = (y - mu) / mu
    dispersion = (
        float(np.sum((work_w * resid**2)[work_w > 0]) / df_residual) if df_residual > 0 else np.nan
    )
    inverse = np.linalg.inv(r)
    return QuasiPoissonFit(coef, mu, work_w, inverse, q, df_residual, converged, dispersion)


def fit_negbin_ml(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float | None]:
    """Maximum-likelihood NB2 fit of ``y ~ x`` (log link): ``(coef, theta)``.

    ``theta`` is R's ``size`` (variance ``mu + mu**2 / theta``), as
    ``MASS::glm.nb`` reports it. It is None, and ``coef`` the Poisson fit's,
    when the data show no overdispersion or the fit does not converge.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> y = rng.negative_binomial(2, 2 / 12, 400).astype(float)
    >>> coef, theta = fit_negbin_ml(np.ones((400, 1)), y)
    >>> bool(np.isclose(np.exp(coef[0]), y.mean())), 1 < theta < 3  # the MLE mean is the mean
    (True, True)
    """
    from statsmodels.discrete.discrete_model import NegativeBinomial  # on use: 0.5 s import
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    start = GLM(y, x, family=families.Poisson()).fit().params
    model = NegativeBinomial(y, x, loglike_method="nb2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(start_params=np.append(start, 0.1), method="newton", maxiter=300, disp=0)
        if not res.mle_retvals.get("converged", False):
            res = model.fit(start_params=res.params, method="bfgs", maxiter=2000, disp=0)
    params = np.asarray(res.params)
    ok = bool(res.mle_retvals.get("converged", False)) and bool(np.all(np.isfinite(params)))
    if ok and params[-1] > 1e-8:
        return params[:-1], 1.0 / float(params[-1])
    return np.asarray(start), None
