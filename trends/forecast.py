"""Forecasts 1-24 months ahead, never worse than a simple baseline on the series' own history.

The default method ("auto", :mod:`trends.ensemble`) mixes a robust local
level, a fast-adapting robust level, a negative binomial 12-month mean and the
baselines of :mod:`trends.baselines` (zero, last value, Poisson 12-month mean,
12-month empirical resampling), with weights that minimise the CRPS of the
mixture in a rolling backtest on the series itself, and a conformal interval
adjustment applied only where it lowered that CRPS. Every choice at a backtest
origin uses earlier months only, so the backtest of the whole procedure is out
of sample; its CRPS against the best baseline and its interval coverage come
with every forecast (``ForecastResult.skill``), or a warning that the history
is too short to check.

The count model ("count_model") stays available: a model from
:class:`trends.models.CountModel` (by default a constant mean over the last 12
months, negative binomial when overdispersed) whose predictive distribution
is simulated by drawing coefficient vectors from their estimated sampling
distribution and counts around each mean path from the fitted family. A
single extreme month pulls its mean, and in the backtests of docs/forecast.md
its intervals covered less than their level; passing any count-model option
(family, trend, harmonics, break_month, train_months) selects it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from trends._options import check_choice
from trends.ensemble import FIRST_ORIGIN, ensemble_draws, fit_ensemble
from trends.errors import DataError, OptionError
from trends.forecast_result import LEVELS, ForecastResult
from trends.models.countmodel import CountFit, CountModel, FamilyChoice
from trends.models.design import build_design, month_position
from trends.validate import monthly_series

__all__ = [
    "LEVELS", "ForecastResult", "auto_forecaster", "count_model_forecaster", "forecast",
    "forecast_fit",
]

Method = Literal["auto", "count_model"]
METHODS = ("auto", "count_model")
MIN_ACTIVE_MONTHS = 6
MAX_HORIZON = 24
COUNT_MODEL_NOTE = (
    "the count model is not backtested here; run trends backtest to compare it with the "
    "baselines"
)


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


def forecast_fit(
    fit: CountFit,
    horizon: int,
    *,
    n_draws: int = 4000,
    seed: int = 0,
    threshold: float | None = None,
    history: pd.Series | None = None,
) -> ForecastResult:
    """Simulate ``horizon`` months ahead from a fitted :class:`CountModel`."""
    _check_horizon(horizon)
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
    beta = rng.multivariate_normal(fit.glm.beta, fit.glm.cov, size=n_draws, method="eigh")
    # exp(20) is about 5e8 a month: far past any real count, and inside numpy's samplers
    mu = np.exp(np.clip(beta @ X.T, -50, 20))
    draws = simulate_counts(mu, fit.family, fit.glm.theta, fit.glm.dispersion, rng)
    observed = history if history is not None else pd.Series(fit.y, index=fit.months)
    return ForecastResult(
        observed,
        months,
        draws.astype(np.int64),
        fit.family,
        threshold,
        method="count_model",
        warning=COUNT_MODEL_NOTE,
    )


def _check_horizon(horizon: int) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        msg = f"horizon must be between 1 and {MAX_HORIZON} months; got {horizon}"
        raise OptionError(msg)


def _resolve_method(method: Method | None, settings: dict[str, Any]) -> str:
    defaults = {
        "family": "auto", "trend": False, "harmonics": 0, "break_month": None, "train_months": 12,
    }  # fmt: skip
    changed = [key for key, value in defaults.items() if settings[key] != value]
    if method is None:
        return "count_model" if changed else "auto"
    check_choice("method", method, METHODS)
    if method == "auto" and changed:
        msg = (
            f"{', '.join(changed)} set the count model; they do not apply to method='auto'. "
            "Pass method='count_model' or drop them"
        )
        raise OptionError(msg)
    return method


def _auto_forecast(
    series: pd.Series, horizon: int, n_draws: int, seed: int, threshold: float | None
) -> ForecastResult:
    if len(series) < FIRST_ORIGIN:
        msg = (
            f"a forecast needs at least {FIRST_ORIGIN} months of history; got {len(series)} "
            f"({series.index[0]} to {series.index[-1]})"
        )
        raise DataError(msg)
    fit = fit_ensemble(series, horizon, seed=seed)
    draws = ensemble_draws(fit, series, horizon, n_draws, seed=seed)
    months = pd.period_range(series.index[-1] + 1, periods=horizon, freq="M")
    weights = tuple(
        (name, float(weight)) for name, weight in zip(fit.names, fit.weights, strict=True)
        if weight > 0
    )  # fmt: skip
    return ForecastResult(
        series,
        months,
        draws,
        "mixture",
        threshold,
        method="auto",
        weights=weights,
        width_adjusted=fit.adjust,
        skill=fit.skill,
        warning=fit.warning,
    )


def forecast(
    y: pd.Series,
    horizon: int = 6,
    *,
    method: Method | None = None,
    family: FamilyChoice = "auto",
    trend: bool = False,
    harmonics: int = 0,
    break_month: str | None = None,
    train_months: int | None = 12,
    n_draws: int = 4000,
    seed: int = 0,
    threshold: float | None = None,
) -> ForecastResult:
    """Forecast a monthly count series ``horizon`` months ahead.

    Parameters
    ----------
    y
        Complete monthly series (``PeriodIndex``, freq "M"), at least 12 months.
    horizon
        Months ahead, 1 to 24.
    method
        "auto" (the default): the backtested mixture of :mod:`trends.ensemble`,
        using the whole history (at most its last 144 months). "count_model":
        the count model below. Default: "count_model" when a count-model
        option is given, else "auto".
    family, trend, harmonics, break_month
        The count model (see :class:`trends.models.CountModel`).
    train_months
        The count model is fitted to the last ``train_months`` months only; None for all.
    n_draws, seed
        Simulated paths and their seed.
    threshold
        Report the probability that each month's count exceeds it.

    Examples
    --------
    >>> idx = pd.period_range("2018-01", periods=48, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).poisson(20, 48), index=idx, name="incidents")
    >>> result = forecast(y, 3)
    >>> table = result.tidy()
    >>> table["month"].tolist(), bool((table["lo95"] <= table["median"]).all())
    (['2022-01', '2022-02', '2022-03'], True)
    >>> result.method, result.skill is not None
    ('auto', True)
    >>> forecast(y, 3, family="poisson").method
    'count_model'
    """
    settings = {
        "family": family, "trend": trend, "harmonics": harmonics,
        "break_month": break_month, "train_months": train_months,
    }  # fmt: skip
    chosen = _resolve_method(method, settings)
    _check_horizon(horizon)
    if n_draws < 1:
        msg = f"n_draws must be at least 1; got {n_draws}"
        raise OptionError(msg)
    series = monthly_series(y)
    if chosen == "auto":
        return _auto_forecast(series, horizon, n_draws, seed, threshold)
    if train_months is not None:
        series = series.iloc[-train_months:]
    needed = 12 if train_months else 24
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
        fit, horizon, n_draws=n_draws, seed=seed, threshold=threshold, history=series
    )


def count_model_forecaster(**settings: Any) -> Callable[..., np.ndarray]:
    """A forecaster for :func:`trends.baselines.rolling_origin` that refits the count model.

    Examples
    --------
    >>> f = count_model_forecaster(family="negbin", trend=True)
    >>> callable(f)
    True
    """

    def forecaster(
        history: pd.Series, horizon: int, n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        seed = int(rng.integers(0, 2**31 - 1))
        result = forecast(
            history, horizon, method="count_model", n_draws=n_draws, seed=seed, **settings
        )
        return result.draws

    return forecaster


def auto_forecaster() -> Callable[..., np.ndarray]:
    """A forecaster for :func:`trends.baselines.rolling_origin` that reruns the default method.

    At each origin the whole procedure (its own nested backtest, weights and
    interval adjustment) is rerun on the history up to that origin.

    Examples
    --------
    >>> callable(auto_forecaster())
    True
    """

    def forecaster(
        history: pd.Series, horizon: int, n_draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        seed = int(rng.integers(0, 2**31 - 1))
        return forecast(history, horizon, method="auto", n_draws=n_draws, seed=seed).draws

    return forecaster
