"""The studentized parametric bootstrap (bootstrap-t) behind the verdict's tests.

1. The statistic is t = b / se for one coefficient b, se the sandwich
   standard error under latent AR(1) noise fitted to the series' own residual
   autocorrelation (:func:`trends.models.robust.studentizer`).
2. B series are simulated from the fitted model with latent AR(1) noise,
   bias-corrected by :func:`trends.resurgence.bootstrap.calibrated_latent`
   (or the noise given), and refitted; t* = (b* - b) / se* by the same rule.
3. p-values compare t with the t*: p_rise = (1 + #{t* >= t}) / (B + 1),
   p_fall likewise with <=, two-sided 2 min(p_rise, p_fall). The interval is
   the set of values the two one-sided tests at (1 - level) / 2 do not
   reject, so a 95% interval excludes 0 exactly when the two-sided p-value is
   below 0.05 (and its lower end is above 0 when p_rise < 0.025).

Studentizing makes the statistic's distribution depend little on the noise
parameters, which monthly series identify poorly (docs/calibration.md), so
the p-value does not rest on one estimate of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trends.models.batched import BatchFit, fit_batch
from trends.models.latent import LatentAR1, fit_latent_grid
from trends.models.robust import latent_standard_error, plausibility, residual_moments
from trends.resurgence.bootstrap import calibrated_latent


@dataclass(frozen=True)
class Pivot:
    """A coefficient's estimate with bootstrap-t p-values and intervals (log scale).

    ``ci`` is the two-sided interval at the confidence level; ``ci_one_sided``
    holds the one-sided bounds at that level (the lower one answers "at least
    how much?" for a rise, the upper one "at most?" for a fall).
    """

    estimate: float
    std_error: float
    p_rise: float
    p_fall: float
    ci: tuple[float, float]
    ci_one_sided: tuple[float, float]

    @property
    def p_two_sided(self) -> float:
        """Two-sided p-value, 2 min(p_rise, p_fall) capped at 1."""
        return min(1.0, 2.0 * min(self.p_rise, self.p_fall))


def bootstrap_t(
    estimate: float, std_error: float, boot: np.ndarray, boot_se: np.ndarray,
    confidence_level: float,
) -> Pivot:
    """p-values and interval from the bootstrap distribution of (b* - b) / se*.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> b = 0.3 + rng.normal(0.0, 0.1, 999)
    >>> piv = bootstrap_t(0.3, 0.1, b, np.full(999, 0.1), 0.95)
    >>> piv.p_rise < 0.01 < piv.p_fall, piv.ci[0] > 0
    (True, True)

    """
    # on the estimate's scale, so that the interval's ends and the p-values make the
    # very same comparisons (the interval excludes 0 exactly when a p-value is small)
    shifts = np.sort(std_error * (boot - estimate) / boot_se)
    shifts = shifts[np.isfinite(shifts)]
    count = len(shifts)
    p_rise = (1.0 + np.sum(shifts >= estimate)) / (count + 1.0)
    p_fall = (1.0 + np.sum(shifts <= estimate)) / (count + 1.0)
    ci = _endpoints(estimate, shifts, (1.0 - confidence_level) / 2.0)
    one_sided = _endpoints(estimate, shifts, 1.0 - confidence_level)
    return Pivot(estimate, std_error, float(p_rise), float(p_fall), ci, one_sided)


def _endpoints(estimate: float, shifts: np.ndarray, tail: float) -> tuple[float, float]:
    """The values where p_fall and p_rise cross ``tail`` (``shifts`` sorted)."""
    count = len(shifts)
    # the number of shifts that may lie beyond the estimate while p < tail (exact at integers)
    need = math.ceil(tail * (count + 1.0) - 1.0 - 1e-9)
    if need < 1:
        return (-math.inf, math.inf)
    return (float(estimate - shifts[count - need]), float(estimate - shifts[need - 1]))


@dataclass(frozen=True)
class Bootstrapped:
    """One bootstrap-t fit: the pivot, the noise used, the fits and the simulated series."""

    pivot: Pivot
    latent: LatentAR1
    fit: BatchFit
    refit: BatchFit
    sims: np.ndarray
    mean: np.ndarray
    plausibility: float


def pivot(
    values: np.ndarray, X: np.ndarray, column: int, log_offset: np.ndarray, bootstrap: int,
    seed: int, confidence_level: float, noise: LatentAR1 | None = None,
) -> Bootstrapped:
    """Fit ``values`` on ``X`` and bootstrap-t coefficient ``column`` (see the module notes).

    ``plausibility`` says how well the simulated series reproduce the observed
    residual autocorrelation (:func:`trends.models.robust.plausibility`). The
    bootstrap series draw from their own stream of ``seed`` (the noise
    estimate's pilot series from another), so the same seed gives the same
    underlying draws whatever the noise: answers under different noise
    settings differ by the setting, not by chance.
    """
    pilot_rng, sim_rng = (np.random.default_rng([seed, k]) for k in (0, 1))
    fit = fit_batch(X, values[None], family="negbin", offset=log_offset)
    beta, theta = fit.beta[0], fit.theta[0]
    mu, moments = residual_moments(X, values[None], beta, theta, log_offset)
    rho, variance = fit_latent_grid(moments, theta)
    se = latent_standard_error(X, mu, theta, column, rho, variance)[0]
    latent = noise if noise is not None else calibrated_latent(values, X, log_offset, fit,
                                                               pilot_rng)
    with np.errstate(over="ignore"):  # a fit heading to an infinite level: its series say so
        mean = np.exp(X @ beta[0] + log_offset)
    sims = latent.simulate(sim_rng, mean, bootstrap)
    refit = fit_batch(X, sims, family="negbin", offset=log_offset)
    mu_s, moments_s = residual_moments(X, sims, refit.beta[0], refit.theta[0], log_offset)
    rho_s, variance_s = fit_latent_grid(moments_s, refit.theta[0])
    boot_se = latent_standard_error(X, mu_s, refit.theta[0], column, rho_s, variance_s)
    result = bootstrap_t(float(beta[0, column]), float(se), refit.beta[0, :, column], boot_se,
                         confidence_level)
    return Bootstrapped(result, latent, fit, refit, sims, mean, plausibility(moments[0], moments_s))


def band(
    means: np.ndarray, shifts: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Basic-bootstrap band of ``means`` from the refits' log-scale ``shifts`` (B, n)."""
    high, low = np.quantile(shifts, [(1 + confidence_level) / 2, (1 - confidence_level) / 2],
                            axis=0)
    with np.errstate(over="ignore", invalid="ignore"):  # a mean of 0 by an infinite shift: NaN
        return means * np.exp(-high), means * np.exp(-low)


def exp_value(value: float) -> float:
    """Exp of a log-scale estimate, inf past the float range (math.exp raises there).

    Examples
    --------
    >>> exp_value(0.0), exp_value(1000.0)
    (1.0, inf)

    """
    with np.errstate(over="ignore"):
        return float(np.exp(value))


def exp_pair(pair: tuple[float, float]) -> tuple[float, float]:
    """Exp of both ends of an interval (inf past the float range)."""
    with np.errstate(over="ignore"):
        low, high = np.exp(np.asarray(pair, dtype=float))
    return float(low), float(high)
