"""Forecasts from the count model: simulated paths of a fitted :class:`trends.models.CountModel`.

The predictive distribution is simulated by drawing coefficient vectors from
their estimated sampling distribution and counts around each mean path from
the fitted family. By default the model is a constant mean over the last 12
months, negative binomial when overdispersed. A single extreme month pulls its
mean, and in the backtests of docs/forecast.md its intervals covered less than
their level; it is selected by ``method="count_model"`` or any count-model
option of :func:`trends.forecast.forecast`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from trends._deprecate import renamed_keywords
from trends.errors import DataError, OptionError
from trends.forecast.result import ForecastResult
from trends.minimums import MIN_FORECAST_ACTIVE_MONTHS, MIN_FORECAST_ALL_MONTHS, MIN_FORECAST_MONTHS
from trends.models.countmodel import CountFit, CountModel, FamilyChoice
from trends.models.design import build_design
from trends.validate import month_position

MIN_ACTIVE_MONTHS = MIN_FORECAST_ACTIVE_MONTHS
MAX_HORIZON = 24
COUNT_MODEL_NOTE = (
    "the count model is not backtested here; run trends backtest to compare it with the "
    "baselines"
)


def check_horizon(horizon: int) -> None:
    """Refuse a horizon outside 1..MAX_HORIZON months."""
    if not 1 <= horizon <= MAX_HORIZON:
        msg = f"horizon must be between 1 and {MAX_HORIZON} months; got {horizon}"
        raise OptionError(msg)


def simulate_counts(
    mu: np.ndarray, family: str, theta: float, dispersion: float, rng: np.random.Generator
) -> np.ndarray:
    """Draw counts around means ``mu`` from the fitted family."""
    if family == "negbin" and math.isfinite(theta):
        return rng.negative_binomial(theta, theta / (theta + mu))
    if family == "quasipoisson" and dispersion > 1:
        size = mu / (dispersion - 1)
        return rng.negative_binomial(size, 1 / dispersion)
    return rng.poisson(mu)


@renamed_keywords(n_draws="draws")
def forecast_fit(
    fit: CountFit,
    horizon: int,
    *,
    draws: int = 4000,
    seed: int = 0,
    threshold: float | None = None,
    history: pd.Series | None = None,
) -> ForecastResult:
    """Simulate ``horizon`` months ahead from a fitted :class:`CountModel`.

    Examples
    --------
    >>> idx = pd.period_range("2020-01", periods=24, freq="M")
    >>> fit = CountModel(family="poisson").fit(pd.Series(np.full(24, 5), index=idx))
    >>> forecast_fit(fit, 2, draws=100).draws.shape
    (100, 2)
    """
    check_horizon(horizon)
    model = fit.model
    if model.autocorrelation == "lag" or model.offset is not None:
        msg = "forecasts need a model without a lag term or exposure offset"
        raise OptionError(msg)
    start = fit.months[0]
    months = pd.period_range(fit.months[-1] + 1, periods=horizon, freq="M")
    extended = pd.period_range(start, months[-1], freq="M")
    position = None if model.break_month is None else month_position(fit.months, model.break_month)
    design = build_design(
        extended, trend=model.trend, harmonics=model.harmonics, break_position=position
    )
    X = design[list(fit.glm.names)].to_numpy()[-horizon:]
    rng = np.random.default_rng(seed)
    beta = rng.multivariate_normal(fit.glm.beta, fit.glm.cov, size=draws, method="eigh")
    # exp(20) is about 5e8 a month: far past any real count, and inside numpy's samplers
    mu = np.exp(np.clip(beta @ X.T, -50, 20))
    paths = simulate_counts(mu, fit.family, fit.glm.theta, fit.glm.dispersion, rng)
    observed = history if history is not None else pd.Series(fit.y, index=fit.months)
    return ForecastResult(
        observed,
        months,
        paths.astype(np.int64),
        fit.family,
        threshold,
        method="count_model",
        warning=COUNT_MODEL_NOTE,
    )


def count_model_forecast(
    series: pd.Series,
    horizon: int,
    *,
    family: FamilyChoice,
    trend: bool,
    harmonics: int,
    break_month: str | None,
    train_months: int | None,
    draws: int,
    seed: int,
    threshold: float | None,
) -> ForecastResult:
    """Fit the count model to a checked monthly series (its last ``train_months``) and simulate."""
    if train_months is not None:
        series = series.iloc[-train_months:]
    needed = MIN_FORECAST_MONTHS if train_months else MIN_FORECAST_ALL_MONTHS
    if len(series) < needed:
        msg = (
            f"a forecast needs at least {needed} months of history; got {len(series)} "
            f"({series.index[0]} to {series.index[-1]})"
        )
        raise DataError(msg)
    active = int((series > 0).sum())
    if active < MIN_ACTIVE_MONTHS:
        msg = (
            f"a forecast needs at least {MIN_ACTIVE_MONTHS} months with a non-zero count; "
            f"{series.name or 'the series'} has {active} in {series.index[0]}..{series.index[-1]}"
        )
        raise DataError(msg)
    try:
        fit = CountModel(
            family=family, trend=trend, harmonics=harmonics, break_month=break_month
        ).fit(series)
    except np.linalg.LinAlgError as err:
        msg = f"the count model cannot be fitted to {series.name or 'the series'}: {err}"
        raise DataError(msg) from err
    return forecast_fit(
        fit, horizon, draws=draws, seed=seed, threshold=threshold, history=series
    )
