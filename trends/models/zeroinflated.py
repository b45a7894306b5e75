"""Zero inflation: a test for excess zero months and zero-inflated Poisson / NB2 fits.

Zero-excess test: Z = number of zero months, E = sum_t P(Y_t = 0 | mu_t, theta)
under the fitted NB2 (or Poisson) model, statistic T = Z - E (excess zero
months). Its p-value is one-sided (more zeros than the model expects) and
comes from a parametric bootstrap: B series are drawn from the fitted model,
the model is refitted to each with the batched fitter and T* = Z* - E* is
recomputed with the refitted means, p = (1 + #{T* >= T}) / (B + 1). Refitting
matters: the fit adapts to the zeros it sees (a small theta absorbs some of
them), so comparing Z with draws from the fitted model alone would be
conservative. With a lag term the lagged counts are held at their observed
values. A series without zero months gets p = 1 (no excess is possible) and
no bootstrap. Replicates that are all zero or whose refit does not converge
are dropped; ``replicates`` reports how many were used. Simulated size at 5%
and power: tests/test_zeroinflated.py and docs/models.md.

Zero-inflated families: Y_t = 0 with probability pi (a structural zero, the
same in every month), otherwise Poisson(mu_t) ("zip") or NB2(mu_t, theta)
("zinb"), log mu_t = X b + offset. The model is statsmodels'
``ZeroInflatedPoisson`` / ``ZeroInflatedNegativeBinomialP`` (p = 2) with a
constant ``exog_infl``; the maximum is found by BFGS on (logit pi, b,
log alpha) from the NB2 / Poisson estimates, then polished by guarded Newton
steps with statsmodels' score and Hessian. Standard errors: inverse of the
negative Hessian. Because pi is constant, exp(b) is also the ratio of the
overall means E(Y_t) = (1 - pi) mu_t.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from trends._deprecate import renamed_keywords
from trends.errors import DataError
from trends.models.batched import fit_batch
from trends.models.diagnostics import TestResult
from trends.models.glm import GLMFit, fit_glm
from trends.options import ZeroInflatedFamily

if TYPE_CHECKING:
    from statsmodels.discrete.count_model import ZeroInflatedPoisson

INFLATION_TERM = "zero_inflation"
ZERO_EXCESS_LEVEL = 0.05
ZERO_EXCESS_REPLICATES = 499
_MIN_LOGIT = -12.0  # pi below 6e-6: no structural zeros to speak of
_MIN_ALPHA = 1e-5  # NB2 alpha = 1 / theta below this: the Poisson limit
_SCORE_TOL = 1e-4


def zero_probability(mu: np.ndarray, theta: float | np.ndarray) -> np.ndarray:
    """P(Y = 0) under NB2(mu, theta), or Poisson(mu) where theta is infinite.

    Examples
    --------
    >>> zero_probability(np.array([1.0]), math.inf).round(4).tolist()
    [0.3679]
    >>> zero_probability(np.array([2.0]), 2.0).tolist()  # (2 / (2 + 2))^2
    [0.25]

    """
    mu = np.asarray(mu, dtype=float)
    theta = np.asarray(theta, dtype=float)[..., None]  # one theta per series (last axis)
    finite = np.isfinite(theta)
    safe = np.where(finite, theta, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # mu / theta past 1e308: 0
        nb = np.exp(-safe * np.log1p(mu / safe))
    return np.asarray(np.where(finite, nb, np.exp(-mu)))


@dataclass(frozen=True)
class ZeroExcessResult(TestResult):
    """Zero-excess test: observed against expected zero months, bootstrap p-value."""

    observed_zeros: int = 0
    expected_zeros: float = 0.0
    replicates: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary (the TestResult keys plus the counts behind the statistic)."""
        out = super().to_dict()
        out.update(observed_zeros=int(self.observed_zeros),
                   expected_zeros=float(self.expected_zeros), replicates=int(self.replicates))
        return out


@renamed_keywords(replicates="bootstrap")
def zero_excess_test(
    y: np.ndarray,
    X: np.ndarray,
    fit: GLMFit,
    *,
    offset: np.ndarray | None = None,
    bootstrap: int = ZERO_EXCESS_REPLICATES,
    seed: int = 0,
) -> ZeroExcessResult:
    """Test for more zero months than a fitted NB2 or Poisson model expects.

    Parametric bootstrap with refits (see the module docstring); one-sided.

    Parameters
    ----------
    y : numpy.ndarray
        Counts, shape (n,).
    X : numpy.ndarray
        Design of ``fit``, shape (n, p).
    fit : GLMFit
        The NB2 or Poisson fit of ``y`` on ``X`` (theta = inf means Poisson).
    offset : numpy.ndarray, optional
        Log-exposure of ``fit``.
    bootstrap : int
        Bootstrap series.
    seed : int
        Seed of the bootstrap draws.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.poisson(4.0, 60) * (rng.random(60) > 0.4)).astype(float)
    >>> X = np.ones((60, 1))
    >>> test = zero_excess_test(y, X, fit_glm(y, X, family="negbin"), bootstrap=199)
    >>> test.observed_zeros > test.expected_zeros and test.p_value < 0.05
    True

    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    negbin = math.isfinite(fit.theta)
    observed = int(np.sum(y == 0))
    expected = float(np.sum(zero_probability(fit.mu, fit.theta)))
    model = "NB2" if negbin else "Poisson"
    if observed == 0:
        return ZeroExcessResult(
            "zero_excess", -expected, 1.0,
            f"Excess zero months (none observed, {expected:.1f} expected under {model}); no "
            "excess is possible, p = 1 without bootstrap",
            observed_zeros=0, expected_zeros=expected, replicates=0,
        )
    rng = np.random.default_rng(seed)
    shape = (bootstrap, len(y))
    if negbin:
        sims = rng.negative_binomial(fit.theta, fit.theta / (fit.theta + fit.mu), size=shape)
    else:
        sims = rng.poisson(fit.mu, size=shape)
    sims = sims.astype(float)
    usable = np.any(sims > 0, axis=1)  # an all-zero series has no fit; it is dropped
    if not usable.any():
        return ZeroExcessResult(
            "zero_excess", observed - expected, 1.0,
            f"Excess zero months ({observed} observed - {expected:.1f} expected under "
            f"{model}); every bootstrap series was all zero, p = 1",
            observed_zeros=observed, expected_zeros=expected, replicates=0,
        )
    refit = fit_batch(X, sims[usable], family="negbin" if negbin else "poisson", offset=off)
    ok = refit.converged[0]
    with np.errstate(over="ignore"):
        mu_star = np.exp(refit.beta[0][ok] @ X.T + off)
    stars = np.sum(sims[usable][ok] == 0, axis=1) - np.sum(
        zero_probability(mu_star, refit.theta[0][ok]), axis=1)
    statistic = observed - expected
    count = len(stars)
    p_value = (1.0 + np.sum(stars >= statistic - 1e-9)) / (count + 1.0)
    return ZeroExcessResult(
        "zero_excess", statistic, float(p_value),
        f"Excess zero months ({observed} observed - {expected:.1f} expected under {model}); "
        f"one-sided parametric bootstrap p, {count} refitted replicates",
        observed_zeros=observed, expected_zeros=expected, replicates=count,
    )


@dataclass(frozen=True)
class ZeroInflatedFit(GLMFit):
    """A zero-inflated Poisson or NB2 fit; ``beta``/``cov``/``names`` are the count part.

    ``mu`` is the overall mean (1 - pi) mu_t; :attr:`count_mean` is mu_t.
    ``joint_cov`` is the covariance of (count coefficients, inflation logit).
    """

    inflation_logit: float = math.nan
    inflation_se: float = math.nan
    joint_cov: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)

    @property
    def inflation_probability(self) -> float:
        """Probability pi of a structural zero."""
        return float(special.expit(self.inflation_logit))

    @property
    def count_mean(self) -> np.ndarray:
        """Mean mu_t of the count part."""
        return self.mu / (1.0 - self.inflation_probability)

    @property
    def n_params(self) -> int:
        """Count coefficients, the inflation logit and theta for ZINB."""
        return len(self.beta) + 1 + int(self.family == "zinb")

    def pearson_residuals(self, y: np.ndarray) -> np.ndarray:
        """(y - E y) / sd(y) under the zero-inflated model."""
        return _pearson(y, self.count_mean, self.inflation_probability, self.theta)


def _pearson(y: np.ndarray, mu: np.ndarray, pi: float, theta: float) -> np.ndarray:
    """Pearson residuals; Var y = (1 - pi) mu (1 + mu (1 / theta + pi))."""
    extra = 0.0 if not math.isfinite(theta) else 1.0 / theta
    var = (1.0 - pi) * mu * (1.0 + mu * (extra + pi))
    return np.asarray((y - (1.0 - pi) * mu) / np.sqrt(var))


def fit_zero_inflated(
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: ZeroInflatedFamily,
    names: tuple[str, ...] | None = None,
    offset: np.ndarray | None = None,
) -> ZeroInflatedFit:
    """Fit a zero-inflated Poisson or NB2 regression with a constant inflation probability.

    Raises :class:`~trends.errors.DataError` when the fit fails to converge or
    runs to the edge of the family (no structural zeros; for ZINB no
    overdispersion beyond them).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> y = (rng.poisson(5.0, 200) * (rng.random(200) > 0.3)).astype(float)
    >>> fit = fit_zero_inflated(y, np.ones((200, 1)), family="zip")
    >>> round(fit.inflation_probability, 2), round(float(np.exp(fit.beta[0])), 1)
    (0.3, 5.2)

    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    nb = family == "zinb"
    label = "zero-inflated NB2 (zinb)" if nb else "zero-inflated Poisson (zip)"
    if not np.any(y == 0):
        msg = f"{label}: the series has no zero months; use family='negbin' or 'poisson'"
        raise DataError(msg)
    from statsmodels.discrete import count_model  # on use: statsmodels takes 0.5 s to import

    model_class = (count_model.ZeroInflatedNegativeBinomialP if nb
                   else count_model.ZeroInflatedPoisson)
    extra = {"p": 2} if nb else {}
    model = model_class(y, X, exog_infl=np.ones((n, 1)), offset=off, inflation="logit", **extra)
    params = _maximise(model, y, X, off, nb)
    with np.errstate(all="ignore"):
        score = model.score(params)
        hessian = model.hessian(params)
    alpha = params[-1] if nb else 0.0
    if not np.all(np.isfinite(params)):
        msg = (
            f"{label} fit did not converge on {n} months (non-finite estimates); use "
            "family='negbin' or 'poisson', or fewer harmonics"
        )
        raise DataError(msg)
    if params[0] < _MIN_LOGIT:
        msg = (
            f"{label}: the zero-inflation probability goes to 0 (logit {params[0]:.1f}); the "
            "data have no zeros beyond the count model's; use family='negbin' or 'poisson'"
        )
        raise DataError(msg)
    if nb and alpha < _MIN_ALPHA:
        msg = (
            f"{label}: theta goes to infinity (alpha = {alpha:.2g}); the counts show no "
            "overdispersion beyond the structural zeros; use family='zip'"
        )
        raise DataError(msg)
    flat = not np.all(np.isfinite(hessian)) or np.max(np.linalg.eigvalsh(hessian)) >= 0
    if flat or np.max(np.abs(score)) > _SCORE_TOL:
        msg = (
            f"{label} fit did not converge on {n} months (largest score "
            f"{np.max(np.abs(score)):.2g}); the likelihood may be flat (few non-zero months) - "
            "use family='negbin' or 'poisson', or fewer harmonics"
        )
        raise DataError(msg)
    cov_all = np.linalg.inv(-hessian)
    joint = np.r_[np.arange(1, p + 1), 0]
    beta = params[1:p + 1]
    theta = 1.0 / alpha if nb else math.inf
    pi = float(special.expit(params[0]))
    count_mean = np.exp(X @ beta + off)
    return ZeroInflatedFit(
        family=family,
        names=names or tuple(f"x{i}" for i in range(p)),
        beta=beta,
        cov=cov_all[1:p + 1, 1:p + 1],
        loglik=float(model.loglike(params)),
        theta=theta,
        dispersion=1.0,
        deviance=math.nan,
        pearson_chi2=float(np.sum(_pearson(y, count_mean, pi, theta) ** 2)),
        n_obs=n,
        df_resid=n - p - 1 - int(nb),
        mu=(1.0 - pi) * count_mean,
        converged=True,
        cov_type="hessian",
        inflation_logit=float(params[0]),
        inflation_se=float(math.sqrt(cov_all[0, 0])),
        joint_cov=cov_all[np.ix_(joint, joint)],
    )


def _maximise(model: ZeroInflatedPoisson, y: np.ndarray, X: np.ndarray, off: np.ndarray,
              nb: bool) -> np.ndarray:
    """BFGS in (logit pi, b, log alpha) from the count-model fit, then guarded Newton steps."""
    from scipy import optimize  # on use: it takes 0.3 s to import, and most runs fit no ZIP

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = fit_glm(y, X, family="negbin" if nb else "poisson", offset=off)
    zeros = float(np.mean(y == 0))
    expected = float(np.mean(zero_probability(base.mu, base.theta)))
    start_pi = min(max(zeros - expected, 0.05), 0.8)
    start = np.r_[special.logit(start_pi), base.beta]
    if nb:
        alpha0 = 1.0 / base.theta if math.isfinite(base.theta) else 0.05
        start = np.r_[start, math.log(min(max(alpha0, 1e-3), 1e2))]
    n = len(y)

    def natural(u: np.ndarray) -> np.ndarray:
        return np.r_[u[:-1], np.exp(u[-1])] if nb else u

    def objective(u: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = -float(model.loglike(natural(u))) / n
        return value if math.isfinite(value) else math.inf

    def gradient(u: np.ndarray) -> np.ndarray:
        params = natural(u)
        with np.errstate(all="ignore"):
            g = -np.asarray(model.score(params), dtype=float) / n
        if nb:
            g[-1] *= params[-1]
        return np.nan_to_num(g)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = optimize.minimize(objective, start, jac=gradient, method="BFGS",
                                  options={"gtol": 1e-9, "maxiter": 2000})
    params = natural(found.x)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        current = float(model.loglike(params))
        for _ in range(20):
            hessian = model.hessian(params)
            if not np.all(np.isfinite(hessian)) or np.max(np.linalg.eigvalsh(hessian)) >= 0:
                break
            step = np.linalg.solve(hessian, model.score(params))
            trial = params - step
            value = float(model.loglike(trial))
            if (nb and trial[-1] <= 0) or not math.isfinite(value) or value < current - 1e-9:
                break
            params, current = trial, value
            if np.max(np.abs(step)) < 1e-10:
                break
    return np.asarray(params, dtype=float)
