"""Forecasts of monthly counts, their baselines, scores and backtests.

One concept per module:

- :mod:`~trends.forecast.api`: :func:`forecast`, the entry point, and the
  adapters that let :func:`rolling_origin` score the default forecaster.
- :mod:`~trends.forecast.baselines`: zero, last value, Poisson mean and
  empirical baselines (the forecaster protocol).
- :mod:`~trends.forecast.levels`: robust local levels and a random walk
  whose spread is their own past errors.
- :mod:`~trends.forecast.stacking`: CRPS stacking of predictive samples.
- :mod:`~trends.forecast.ensemble`: the default forecaster, fitted by a
  nested rolling-origin backtest on the series itself.
- :mod:`~trends.forecast.skill`: that backtest's scores and warnings.
- :mod:`~trends.forecast.count_model`: forecasts simulated from the count model.
- :mod:`~trends.forecast.result`: :class:`ForecastResult`.
- :mod:`~trends.forecast.rolling`: the rolling-origin backtest of any forecasters.
- :mod:`~trends.forecast.scoring`, :mod:`~trends.forecast.negbin_scores`:
  proper scores of samples and of negative binomial forecasts.
"""

from trends.forecast.api import (
    auto_backtest_forecaster,
    auto_forecaster,
    count_model_forecaster,
    forecast,
)
from trends.forecast.baselines import BASELINES, Forecaster
from trends.forecast.count_model import MAX_HORIZON, forecast_fit
from trends.forecast.ensemble import EnsembleFit, fit_ensemble
from trends.forecast.result import LEVELS, ForecastResult
from trends.forecast.rolling import BacktestResult, rolling_origin
from trends.forecast.skill import Skill

__all__ = [
    "BASELINES", "LEVELS", "MAX_HORIZON", "BacktestResult", "EnsembleFit", "ForecastResult",
    "Forecaster", "Skill", "auto_backtest_forecaster", "auto_forecaster",
    "count_model_forecaster", "fit_ensemble", "forecast", "forecast_fit", "rolling_origin",
]  # fmt: skip
