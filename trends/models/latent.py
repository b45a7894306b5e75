"""NB2 counts around a mean with latent Gaussian AR(1) noise: moments, bias correction, draws.

Model: y_t | u ~ NB2(mean m_t exp(u_t - s2 / 2), theta_u), with u_t a stationary
Gaussian AR(1) of autocorrelation rho and variance s2. Then E[y_t] = m_t,
Var(y_t) = m_t + m_t^2 ((1 + 1 / theta_u) exp(s2) - 1) and, for lag k >= 1,
Cov(y_t, y_t+k) = m_t m_t+k (exp(s2 rho^k) - 1).

Estimation by moments from a fitted mean ``mu`` and NB2 ``theta`` (which
measures the total overdispersion alpha = 1 / theta):

1. c_k, k = 1..3: least-squares estimates of exp(s2 rho^k) - 1 from the
   lagged products of Pearson residuals e_t e_t+k ~ a_t a_t+k c_k, where
   a_t = m_t / sqrt(m_t + alpha m_t^2).
2. Small-sample bias correction: residuals of a fitted regression are
   negatively autocorrelated (by roughly p / n of their variance), which
   would pull rho towards zero. The bias of c_k is estimated by a parametric
   bootstrap and removed by fixed-point iteration: simulate from the model
   with the current c, refit, re-estimate c*, set c <- c + (c_raw - mean(c*))
   (see :func:`trends.resurgence.bootstrap.calibrated_latent`).
3. log(1 + c_k) = s2 rho^k is fitted by least squares over a grid of rho in
   [0, 0.95], with 0 <= s2 <= log(1 + alpha) (the latent part cannot exceed
   the total overdispersion).
4. theta_u follows from matching the total overdispersion:
   1 / theta_u = (1 + alpha) exp(-s2) - 1.

When rho or s2 comes out as 0 the model is the plain NB2 with the fitted
theta, so the bootstrap built on it is the ordinary parametric bootstrap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LAGS = 3
RHO_MAX = 0.95
RHO_GRID = np.round(np.arange(0.0, RHO_MAX + 0.001, 0.01), 2)

MAX_MEAN = 1e9
CAP_BINDING = 1.2  # the cap binds when the fit wants 20% more latent variance than it allows


_FLAG_WORDS = {"rho_at_bound": "its autocorrelation reached the top of its range",
               "variance_at_cap": "all the extra variation was put down to it",
               "not_converged": "the months follow one another more closely than it can reproduce"}


@dataclass(frozen=True)
class LatentAR1:
    """Latent AR(1) noise on the log-mean plus NB2 count noise (``theta`` inf: Poisson).

    ``flags`` names the ways the estimate may not be identified by the data:
    ``rho_at_bound`` (rho at the top of its grid, RHO_MAX), ``variance_at_cap``
    (the residuals are more autocorrelated than all the overdispersion could
    make them: the fit wants CAP_BINDING times the variance it may have) and
    ``not_converged`` (the bias correction leaves the observed lag-1
    autocorrelation above what the fitted noise reproduces).
    """

    rho: float
    variance: float
    theta: float
    flags: tuple[str, ...] = ()

    @property
    def sd(self) -> float:
        """Marginal standard deviation of the latent log-mean noise."""
        return math.sqrt(self.variance)

    def flag_text(self) -> str:
        """The flags in words, "" without them.

        Examples
        --------
        >>> LatentAR1(0.95, 0.5, 4.0, ("rho_at_bound",)).flag_text()
        'its autocorrelation reached the top of its range'
        >>> LatentAR1(0.5, 0.5, 4.0, ("not_converged",)).flag_text()
        'the months follow one another more closely than it can reproduce'

        """
        return "; ".join(_FLAG_WORDS[f] for f in self.flags)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary (theta inf becomes None)."""
        return {"rho": self.rho, "sd": self.sd,
                "theta": self.theta if math.isfinite(self.theta) else None,
                "flags": list(self.flags)}

    def simulate(self, rng: np.random.Generator, mu: np.ndarray, size: int) -> np.ndarray:
        """Draw ``size`` count series of mean ``mu``; returns (size, n) floats.

        ``mu`` has shape (n,) (one mean for every series) or (size, n).

        Examples
        --------
        >>> noise = LatentAR1(rho=0.5, variance=0.04, theta=20.0)
        >>> noise.simulate(np.random.default_rng(0), np.full(24, 10.0), 3).shape
        (3, 24)

        """
        # 1e9 a month is far past any real count and inside numpy's samplers' range
        mu = np.minimum(np.asarray(mu, dtype=float), MAX_MEAN)
        n = mu.shape[-1]
        if self.variance > 0.0:
            innov = rng.standard_normal((size, n))
            u = np.empty((size, n))
            u[:, 0] = innov[:, 0] * self.sd
            scale = self.sd * math.sqrt(1.0 - self.rho**2)
            for t in range(1, n):
                u[:, t] = self.rho * u[:, t - 1] + scale * innov[:, t]
            lam = mu * np.exp(u - 0.5 * self.variance)
        else:
            lam = np.broadcast_to(mu, (size, n))
        if math.isfinite(self.theta):
            return rng.negative_binomial(self.theta, self.theta / (self.theta + lam)).astype(float)
        return rng.poisson(lam).astype(float)


def residual_autocovariances(
    y: np.ndarray, mu: np.ndarray, theta: np.ndarray, lags: int = LAGS
) -> np.ndarray:
    """Estimates of c_k = exp(s2 rho^k) - 1, k = 1..lags, for each series.

    ``y`` and ``mu`` have shape (..., n), ``theta`` the batch shape (inf for
    Poisson). Returns shape (..., lags).
    """
    alpha = np.where(np.isfinite(theta), 1.0 / theta, 0.0)[..., None]
    var = mu + alpha * mu * mu
    e = (y - mu) / np.sqrt(var)
    a = mu / np.sqrt(var)
    out = []
    for k in range(1, lags + 1):
        w = a[..., :-k] * a[..., k:]
        out.append(np.sum(e[..., :-k] * e[..., k:] * w, axis=-1) / np.sum(w * w, axis=-1))
    return np.stack(out, axis=-1)


def fit_latent_grid(c: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fit of log(1 + c_k) = s2 rho^k over the rho grid, for every row of ``c``.

    ``c`` has shape (B, lags), ``theta`` shape (B,) (inf for Poisson); s2 is
    kept within [0, log(1 + 1 / theta)]. Returns rho and s2, each shape (B,);
    a fit with rho or s2 at zero is returned as (0, 0).
    """
    c = np.atleast_2d(np.asarray(c, dtype=float))
    theta = np.broadcast_to(np.asarray(theta, dtype=float), c.shape[:1])
    s2_max = np.log1p(np.where(np.isfinite(theta), 1.0 / theta, 0.0))
    target = np.log1p(np.maximum(c, -0.99))
    powers = RHO_GRID[:, None] ** np.arange(1, c.shape[1] + 1)[None, :]
    denom = np.sum(powers * powers, axis=1)
    s2 = np.divide(target @ powers.T, denom, out=np.zeros((len(c), len(RHO_GRID))),
                   where=denom > 0)
    s2 = np.clip(s2, 0.0, s2_max[:, None])
    sse = np.sum((target[:, None, :] - s2[:, :, None] * powers[None]) ** 2, axis=2)
    best = np.argmin(sse, axis=1)
    rho, variance = RHO_GRID[best], s2[np.arange(len(c)), best]
    none = (rho <= 0.0) | (variance <= 1e-12)
    return np.where(none, 0.0, rho), np.where(none, 0.0, variance)


def latent_from_autocovariances(
    c: np.ndarray, theta: float, flags: tuple[str, ...] = ()
) -> LatentAR1:
    """Fit log(1 + c_k) = s2 rho^k (grid over rho) and match the total overdispersion.

    Examples
    --------
    >>> s2, rho = 0.06, 0.5
    >>> c = np.exp(s2 * rho ** np.arange(1, 4)) - 1.0
    >>> fit = latent_from_autocovariances(c, theta=1 / ((1 + 0.1) * np.exp(s2) - 1))
    >>> round(fit.rho, 2), round(fit.variance, 3), round(fit.theta, 1), fit.flags
    (0.5, 0.06, 10.0, ())

    """
    theta = float(theta)
    alpha = 1.0 / theta if math.isfinite(theta) else 0.0
    rhos, variances = fit_latent_grid(np.asarray(c, dtype=float)[None], np.array([theta]))
    rho, variance = float(rhos[0]), float(variances[0])
    if rho <= 0.0:
        return LatentAR1(rho=0.0, variance=0.0, theta=theta, flags=flags)
    found = list(flags)
    if rho >= RHO_MAX:
        found.append("rho_at_bound")
    powers = rho ** np.arange(1, len(c) + 1)
    wanted = float(powers @ np.log1p(np.maximum(c, -0.99)) / (powers @ powers))
    if wanted > CAP_BINDING * math.log1p(alpha):
        found.append("variance_at_cap")
    alpha_u = (1.0 + alpha) * math.exp(-variance) - 1.0
    theta_u = 1.0 / alpha_u if alpha_u > 1e-8 else math.inf
    return LatentAR1(rho=rho, variance=variance, theta=theta_u, flags=tuple(found))
