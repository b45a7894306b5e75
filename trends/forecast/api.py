"""Forecasts 1-24 months ahead, never worse than a simple baseline on the series' own history.

The default method ("auto", :mod:`trends.forecast.ensemble`) mixes a robust
recent level, a fast-adapting one and a random walk on ``log(1 + count)``,
each with the spread of its own past errors (:mod:`trends.forecast.levels`),
and the 12-month empirical distribution, zero and the last value, with
weights that minimise the CRPS of the mixture in a rolling backtest on the
series itself. Every choice at a backtest origin uses earlier months only, so
the backtest of the whole procedure is out of sample; its CRPS against the
best baseline and its interval coverage come with every forecast
(``ForecastResult.skill``), or a warning that the history is too short to
check. The count model ("count_model", :mod:`trends.forecast.count_model`)
stays available.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from trends._deprecate import renamed_keywords
from trends.errors import DataError, OptionError
from trends.forecast.baselines import Forecaster
from trends.forecast.count_model import check_horizon, count_model_forecast
from trends.forecast.ensemble import EnsembleFit, ensemble_draws, fit_ensemble
from trends.forecast.result import ForecastResult
from trends.forecast.skill import FIRST_ORIGIN
from trends.models.countmodel import FamilyChoice
from trends.options import FORECAST_METHODS, ForecastMethod, check_choice
from trends.validate import OPTION_RULES, check_range, monthly_series, preliminary_start

Method = ForecastMethod
METHODS = FORECAST_METHODS


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


def _auto_result(
    series: pd.Series,
    fit: EnsembleFit,
    horizon: int,
    draws: int,
    seed: int,
    threshold: float | None,
) -> ForecastResult:
    paths = ensemble_draws(fit.names, fit.weights, series, horizon, draws, seed=seed)
    months = pd.period_range(series.index[-1] + 1, periods=horizon, freq="M")
    shares = tuple(
        (name, float(weight))
        for name, weight in zip(fit.names, fit.weights, strict=True)
        if weight > 0
    )
    return ForecastResult(
        series, months, paths, "mixture", threshold, method="auto", weights=shares,
        skill=fit.skill, warning=fit.warning,
    )  # fmt: skip


@renamed_keywords(n_draws="draws")
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
    draws: int = 4000,
    seed: int = 0,
    threshold: float | None = None,
    preliminary: str | None = None,
) -> ForecastResult:
    """Forecast a monthly count series ``horizon`` months ahead.

    Parameters
    ----------
    y
        Complete monthly series (``PeriodIndex``, freq "M"), at least 12 months.
    horizon
        Months ahead, 1 to 24.
    method
        "auto" (the default): the backtested mixture of
        :mod:`trends.forecast.ensemble`, using the whole history.
        "count_model": the count model of :mod:`trends.forecast.count_model`.
        Default: "count_model" when a count-model option is given, else "auto".
    family, trend, harmonics, break_month
        The count model (see :class:`trends.models.CountModel`).
    train_months
        The count model is fitted to the last ``train_months`` months only; None for all.
    draws, seed
        Simulated paths and their seed.
    threshold
        Report the probability that each month's count exceeds it.
    preliminary
        The first month ("YYYY-MM") whose figures are preliminary and may be
        revised: the result says how many months of its history are
        (``preliminary_from``; a month before the history means all of them,
        one after it is an error).

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
    check_range("horizon", horizon)  # a whole number; check_horizon gives its range
    check_horizon(horizon)
    check_range("draws", draws, low=1, high=OPTION_RULES["draws"].high)
    check_range("seed", seed, low=0, high=OPTION_RULES["seed"].high)
    if threshold is not None:
        check_range("threshold", threshold, low=0, whole=False)
    series = monthly_series(y)
    first = preliminary_start(preliminary, series.index[0], series.index[-1], "preliminary")
    marked = None if first is None else str(first)
    if chosen == "count_model":
        result = count_model_forecast(
            series, horizon, family=family, trend=trend, harmonics=harmonics,
            break_month=break_month, train_months=train_months, draws=draws, seed=seed,
            threshold=threshold,
        )  # fmt: skip
        return replace(result, preliminary_from=marked)
    fit = fit_ensemble(_long_enough(series), horizon, seed=seed)
    return replace(_auto_result(series, fit, horizon, draws, seed, threshold),
                   preliminary_from=marked)


def _long_enough(series: pd.Series) -> pd.Series:
    """``series``, or an error when it is too short for the default forecaster."""
    if len(series) < FIRST_ORIGIN:
        msg = (
            f"a forecast needs at least {FIRST_ORIGIN} months of history; got {len(series)} "
            f"({series.index[0]} to {series.index[-1]})"
        )
        raise DataError(msg)
    return series


def count_model_forecaster(**settings: Any) -> Forecaster:
    """A forecaster for :func:`trends.forecast.rolling.rolling_origin` that refits the count model.

    Examples
    --------
    >>> f = count_model_forecaster(family="negbin", trend=True)
    >>> callable(f)
    True
    """

    def forecaster(
        history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        seed = int(rng.integers(0, 2**31 - 1))
        result = forecast(
            history, horizon, method="count_model", draws=draws, seed=seed, **settings
        )
        return result.draws

    return forecaster


def auto_forecaster(*, seed: int = 0) -> Forecaster:
    """A forecaster for :func:`trends.forecast.rolling.rolling_origin` that reruns the default.

    At each origin the whole procedure (its own nested backtest and weights)
    is rerun on the history up to that origin with ``seed``; the generator
    that ``rolling_origin`` passes is not used. :func:`auto_backtest_forecaster`
    gives the same draws from one nested backtest of the whole series.

    Examples
    --------
    >>> callable(auto_forecaster())
    True
    """

    def forecaster(
        history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        return forecast(history, horizon, method="auto", draws=draws, seed=seed).draws

    return forecaster


def auto_backtest_forecaster(y: pd.Series, horizon: int, *, seed: int = 0) -> Forecaster:
    """The default forecaster at every origin of ``y``, from one nested backtest of ``y``.

    The weights the default method uses at an origin depend on the months
    before it only, so one nested backtest of the whole series holds the
    weights that a run on every prefix would end with. The returned forecaster
    accepts the prefixes of ``y`` (as :func:`trends.forecast.rolling.rolling_origin`
    passes them) with this ``horizon`` and draws from the mixture with the
    weights of that origin: the same draws as :func:`auto_forecaster` with
    ``seed``, computed once instead of once per origin.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=40, freq="M")
    >>> y = pd.Series(np.random.default_rng(1).poisson(20, 40), index=idx)
    >>> fast, slow = auto_backtest_forecaster(y, 2), auto_forecaster()
    >>> rng = np.random.default_rng(0)
    >>> bool(np.array_equal(fast(y.iloc[:30], 2, 100, rng), slow(y.iloc[:30], 2, 100, rng)))
    True
    """
    series = _long_enough(monthly_series(y))
    check_horizon(horizon)
    fit = fit_ensemble(series, horizon, seed=seed)
    fitted = horizon

    def forecaster(
        history: pd.Series, horizon: int, draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        prefix = series.iloc[: len(history)]
        if horizon != fitted or not (
            history.index.equals(prefix.index)
            and np.array_equal(history.to_numpy(dtype=float), prefix.to_numpy(dtype=float))
        ):
            msg = (
                f"this forecaster replays the backtest of {series.name or 'its series'} "
                f"({series.index[0]}..{series.index[-1]}, horizon {fitted}); it got a history "
                f"of {len(history)} months that is not a prefix of it, or horizon {horizon}"
            )
            raise OptionError(msg)
        if len(history) < FIRST_ORIGIN:
            msg = f"a forecast needs at least {FIRST_ORIGIN} months of history; got {len(history)}"
            raise DataError(msg)
        weights = fit.weights_at(history.index[-1])
        return ensemble_draws(fit.names, weights, prefix, horizon, draws, seed=seed)

    return forecaster
