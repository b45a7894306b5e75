"""The counterfactual after a break: the pre-break model carried on, with its uncertainty.

Used by :func:`trends.resurgence.its_test` for the post-break excess and by
the report's series chart for the dashed line and its band.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from trends.models.countmodel import CountFit
from trends.models.latent import MAX_MEAN, LatentAR1
from trends.models.zeroinflated import ZeroInflatedFit


def _draw_counts(rng: np.random.Generator, mu: np.ndarray, fit: CountFit) -> np.ndarray:
    if fit.family in ("negbin", "zinb") and math.isfinite(fit.theta):
        return rng.negative_binomial(fit.theta, fit.theta / (fit.theta + mu)).astype(float)
    if fit.family == "quasipoisson" and fit.glm.dispersion > 1.0:
        shape = mu / (fit.glm.dispersion - 1.0)
        return rng.poisson(rng.gamma(shape, mu / shape)).astype(float)
    return rng.poisson(mu).astype(float)


def counterfactual(fit: CountFit, position: int, *, draws: int = 2000, seed: int = 0,
                   cov: np.ndarray | None = None, latent: LatentAR1 | None = None,
                   ) -> tuple[pd.DataFrame, float, tuple[float, float]]:
    """Post-break counterfactual: the break model with ``post`` and ``tpost`` set to zero.

    Coefficients are drawn from N(beta, cov) (``cov`` defaults to the model
    covariance; the bootstrap passes its own); with a lag term the
    counterfactual counts are simulated month by month. Count noise is the
    family's, or NB2 with latent AR(1) noise when ``latent`` is given. For the
    zero-inflated families the inflation logit is drawn jointly with the
    coefficients, means are (1 - pi) mu and simulated months are structural
    zeros with probability pi. Returns
    the per-month table, the total excess (observed minus counterfactual mean)
    and its 95% interval (observed total minus simulated counterfactual totals,
    count noise included).
    """
    rng = np.random.default_rng(seed)
    design = fit.design.copy()
    for term in ("post", "tpost"):
        if term in design:
            design[term] = 0.0
    # with a lag term the first month is not in the fit, so positions shift by one
    rows = np.arange(position - int(fit.model.autocorrelation == "lag"), len(fit.y))
    X = design.to_numpy()[rows]
    off = fit.offset[rows]
    observed = fit.y[rows]
    cov = fit.glm.cov if cov is None else cov
    inflated = isinstance(fit.glm, ZeroInflatedFit)
    if isinstance(fit.glm, ZeroInflatedFit):
        joint = _normal_draws(rng, np.r_[fit.glm.beta, fit.glm.inflation_logit],
                              fit.glm.joint_cov, draws)
        coef, keep = joint[:, :-1], special.expit(-joint[:, -1])
        keep_point = 1.0 - fit.glm.inflation_probability
    else:
        coef = _normal_draws(rng, fit.glm.beta, cov, draws)
        keep, keep_point = np.ones(draws), 1.0
    if "lag" in design:
        j = list(design.columns).index("lag")
        base = X.copy()
        sims = np.empty((draws, len(rows)))
        means = np.empty((draws, len(rows)))
        point = np.empty(len(rows))
        prev_sim = np.full(draws, X[0, j])
        prev_point = X[0, j]
        for i in range(len(rows)):
            row = base[i].copy()
            row[j] = prev_point
            point[i] = keep_point * math.exp(row @ fit.glm.beta + off[i])
            prev_point = math.log(point[i] + 1.0)
            rows_sim = np.tile(base[i], (draws, 1))
            rows_sim[:, j] = prev_sim
            with np.errstate(over="ignore"):
                count_mean = np.minimum(np.exp(np.sum(rows_sim * coef, axis=1) + off[i]),
                                        MAX_MEAN)
            means[:, i] = keep * count_mean
            sims[:, i] = _draw_counts(rng, count_mean, fit)
            if inflated:
                sims[:, i] *= rng.random(draws) < keep
            prev_sim = np.log(sims[:, i] + 1.0)
    else:
        point = keep_point * np.exp(X @ fit.glm.beta + off)
        with np.errstate(over="ignore"):
            count_means = np.minimum(np.exp(coef @ X.T + off), MAX_MEAN)
        sims = (_draw_counts(rng, count_means, fit) if latent is None
                else latent.simulate(rng, count_means, draws))
        means = keep[:, None] * count_means
        if inflated:
            sims *= rng.random(sims.shape) < keep[:, None]
    table = pd.DataFrame({
        "observed": observed,
        "counterfactual": point,
        "counterfactual_low": np.quantile(means, 0.025, axis=0),
        "counterfactual_high": np.quantile(means, 0.975, axis=0),
        "prediction_low": np.quantile(sims, 0.025, axis=0),
        "prediction_high": np.quantile(sims, 0.975, axis=0),
        "excess": observed - point,
    }, index=pd.Index(fit.months[rows], name="month"))
    totals = observed.sum() - sims.sum(axis=1)
    interval = (float(np.quantile(totals, 0.025)), float(np.quantile(totals, 0.975)))
    return table, float(observed.sum() - point.sum()), interval


def _normal_draws(rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray,
                  draws: int) -> np.ndarray:
    """``draws`` coefficient vectors from N(mean, cov), by Cholesky as always where it exists.

    A bootstrap covariance can be singular (every refit of a series of ones
    and one month of a billion gives one coefficient the same value); its
    draws then come from its eigen-decomposition, which needs no inverse.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> _normal_draws(rng, np.zeros(2), np.array([[1.0, 1.0], [1.0, 1.0]]), 3).shape
    (3, 2)

    """
    state = rng.bit_generator.state
    try:
        return rng.multivariate_normal(mean, cov, size=draws, method="cholesky")
    except np.linalg.LinAlgError:
        rng.bit_generator.state = state
        return rng.multivariate_normal(mean, cov, size=draws, method="eigh", check_valid="ignore")
