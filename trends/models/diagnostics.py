"""Model checks: overdispersion, information criteria, residual autocorrelation, family choice.

Automatic family rule (``family="auto"``): fit Poisson and NB2 to the same
design and test alpha = 1/theta = 0 by likelihood ratio. Because alpha = 0
lies on the boundary of the parameter space, the LR statistic is a 50:50
mixture of a point mass at 0 and chi2(1) under the null (chi-bar-squared), so
p = 0.5 * P(chi2(1) >= LR). NB2 is chosen when p < 0.05, Poisson otherwise.
Users can override the choice by naming the family.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trends.models.distributions import chi2_sf, t_sf
from trends.models.glm import GLMFit

OVERDISPERSION_LEVEL = 0.05


@dataclass(frozen=True)
class TestResult:
    """A named test statistic with its p-value and what it tests."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    statistic: float
    p_value: float
    description: str

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        return {
            "name": self.name,
            "statistic": float(self.statistic),
            "p_value": float(self.p_value),
            "description": self.description,
        }


def overdispersion_lr(poisson: GLMFit, negbin: GLMFit) -> TestResult:
    """LR test of alpha = 0 (Poisson) against NB2, boundary-corrected (chi-bar-squared).

    Examples
    --------
    >>> from trends.models.glm import fit_glm
    >>> X = np.ones((6, 1)); y = np.array([0.0, 9, 1, 12, 0, 7])
    >>> test = overdispersion_lr(fit_glm(y, X, family="poisson"), fit_glm(y, X, family="negbin"))
    >>> test.p_value < 0.05
    True

    """
    lr = max(0.0, 2.0 * (negbin.loglik - poisson.loglik))
    p = 1.0 if lr == 0.0 else 0.5 * float(chi2_sf(lr, 1))
    return TestResult(
        "overdispersion_lr", lr, p,
        "LR test of NB2 alpha = 0 (Poisson); p = 0.5 P(chi2_1 >= LR) for the boundary",
    )


def cameron_trivedi(y: np.ndarray, mu: np.ndarray) -> TestResult:
    """Cameron-Trivedi auxiliary regression ((y - mu)^2 - y) / mu = alpha mu + e, one-sided."""
    aux = ((y - mu) ** 2 - y) / mu
    # least squares through the origin on one regressor, in closed form
    slope = float(mu @ aux) / float(mu @ mu)
    df_resid = len(y) - 1
    scale = float(np.sum((aux - slope * mu) ** 2)) / df_resid
    spread = math.sqrt(scale / float(mu @ mu))
    t_value = slope / spread if spread > 0 else math.copysign(math.inf, slope)
    return TestResult(
        "cameron_trivedi", t_value, float(t_sf(t_value, df_resid)),
        "t test of alpha > 0 in the NB2 auxiliary regression on the Poisson fit",
    )


def ljung_box(residuals: np.ndarray, lags: int | None = None) -> TestResult:
    """Ljung-Box test for autocorrelation of (Pearson) residuals up to ``lags`` months."""
    x = np.asarray(residuals, dtype=float)
    n = len(x)
    lags = lags or max(1, min(12, n // 5))
    # statsmodels' acorr_ljungbox, step for step (its import takes 0.5 s)
    xo = x - x.mean()
    acov = np.array([xo @ xo, *(xo[k:] @ xo[:-k] for k in range(1, lags + 1))]) / n
    with np.errstate(invalid="ignore", divide="ignore"):  # constant residuals: no test (NaN)
        acf = acov / acov[0]
    q = n * (n + 2) * np.cumsum(acf[1:] ** 2 / (n - np.arange(1, lags + 1)))[lags - 1]
    return TestResult(
        "ljung_box", float(q), float(chi2_sf(q, lags)),
        f"Ljung-Box test of no autocorrelation in Pearson residuals, lags 1..{lags}",
    )


def information_table(fits: dict[str, GLMFit]) -> pd.DataFrame:
    """AIC/BIC of the likelihood-based fits, best AIC first."""
    rows = [
        {
            "family": name,
            "loglik": fit.loglik,
            "n_params": fit.n_params,
            "aic": fit.aic,
            "bic": fit.bic,
        }
        for name, fit in fits.items()
        if math.isfinite(fit.loglik)
    ]
    return pd.DataFrame(rows).sort_values("aic", kind="stable").reset_index(drop=True)


def choose_family(test: TestResult, level: float = OVERDISPERSION_LEVEL) -> str:
    """Return "negbin" when the overdispersion test rejects at ``level``, else "poisson"."""
    return "negbin" if test.p_value < level else "poisson"
