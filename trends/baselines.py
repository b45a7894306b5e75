"""Baseline forecasters and the rolling-origin backtest (moved to :mod:`trends.forecast`).

Kept so that ``trends.baselines`` imports keep working; new code imports from
:mod:`trends.forecast.baselines` and :mod:`trends.forecast.rolling`.
"""

from trends.forecast.baselines import (
    BASELINES,
    WINDOW_MONTHS,
    Forecaster,
    empirical_forecast,
    last_value_forecast,
    poisson_mean_forecast,
    zero_forecast,
)
from trends.forecast.rolling import BacktestResult, rolling_origin

__all__ = [
    "BASELINES", "WINDOW_MONTHS", "BacktestResult", "Forecaster", "empirical_forecast",
    "last_value_forecast", "poisson_mean_forecast", "rolling_origin", "zero_forecast",
]  # fmt: skip
