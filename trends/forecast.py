"""Forecasts 1-12 months ahead from a fitted count model, with honest intervals.

The predictive distribution is simulated: coefficient vectors are drawn from
their estimated sampling distribution (multivariate normal around the
estimate, with the fit's covariance), each gives a mean path for the coming
months, and counts are drawn around that mean from the fitted family
(negative binomial with the estimated theta; quasi-Poisson as a negative
binomial with the estimated dispersion; Poisson). So the intervals carry
parameter uncertainty - which grows with the horizon when the model has a
trend - as well as count noise. theta itself is held at its estimate.

The default model is a local level: a constant mean fitted to the last 12
months (negative binomial when they are overdispersed). In rolling-origin
backtests on the bundled series (IS incidents in Deir ez-Zor, Homs and Raqqa,
2016-2019; Syria's monthly deaths 2012-2026) it had the lowest or
near-lowest CRPS and the best interval coverage of the variants tried, while
a trend and seasonality fitted to the whole history, extrapolated, did worst
where the level had shifted. Trend, harmonics and the window are options.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import DataError, OptionError
from trends.models.countmodel import CountFit, CountModel, FamilyChoice
from trends.models.design import as_monthly_series, build_design, month_position

LEVELS = (0.5, 0.8, 0.95)
MIN_ACTIVE_MONTHS = 6


@dataclass(frozen=True)
class ForecastResult:
    """Simulated predictive distribution of the next ``horizon`` months."""

    history: pd.Series
    months: pd.PeriodIndex
    draws: np.ndarray = field(repr=False)
    family: str
    threshold: float | None = None

    def quantiles(self, probs: Sequence[float]) -> np.ndarray:
        """Predictive quantiles, shape (len(probs), horizon); type-1 (inverse CDF) for counts."""
        return np.quantile(self.draws, probs, axis=0, method="inverted_cdf")

    def tidy(self) -> pd.DataFrame:
        """One row per month: mean, median, central 50/80/95% intervals, P(count > threshold)."""
        table = pd.DataFrame(
            {
                "month": self.months.astype(str),
                "horizon": np.arange(1, len(self.months) + 1),
                "mean": self.draws.mean(axis=0),
                "median": self.quantiles([0.5])[0],
            }
        )
        for level in LEVELS:
            low, high = self.quantiles([(1 - level) / 2, (1 + level) / 2])
            tag = round(level * 100)
            table[f"lo{tag}"], table[f"hi{tag}"] = low, high
        if self.threshold is not None:
            table["prob_exceed"] = (self.draws > self.threshold).mean(axis=0)
        return table

    def summary(self) -> str:
        """A readable table of the forecast."""
        name = self.history.name or "count"
        head = (
            f"Forecast of {name} for {self.months[0]} to {self.months[-1]} from a {self.family} "
            f"model fitted to {self.history.index[0]}..{self.history.index[-1]} "
            f"({self.draws.shape[0]} simulated paths; intervals include parameter uncertainty)"
        )
        return head + "\n" + self.tidy().to_string(index=False, float_format=lambda v: f"{v:.3g}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe forecast table and settings."""
        rows = [
            {k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}
            for row in self.tidy().to_dict(orient="records")
        ]
        for row in rows:
            row["horizon"] = int(row["horizon"])
        return {
            "family": self.family,
            "history_end": str(self.history.index[-1]),
            "n_draws": int(self.draws.shape[0]),
            "threshold": self.threshold,
            "forecast": rows,
        }


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
    if not 1 <= horizon <= 24:
        msg = f"horizon must be between 1 and 24 months; got {horizon}"
        raise OptionError(msg)
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
    return ForecastResult(observed, months, draws.astype(np.int64), fit.family, threshold)


def forecast(
    y: pd.Series,
    horizon: int = 6,
    *,
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
        Complete monthly series (``PeriodIndex``, freq "M").
    horizon
        Months ahead, 1 to 24.
    family, trend, harmonics, break_month
        The count model (see :class:`trends.models.CountModel`).
    train_months
        Fit on the last ``train_months`` months only; None for all.
    n_draws, seed
        Simulated paths and their seed.
    threshold
        Report the probability that each month's count exceeds it.

    Examples
    --------
    >>> idx = pd.period_range("2018-01", periods=48, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).poisson(20, 48), index=idx, name="incidents")
    >>> table = forecast(y, 3, family="poisson").tidy()
    >>> table["month"].tolist(), bool((table["lo95"] <= table["median"]).all())
    (['2022-01', '2022-02', '2022-03'], True)
    """
    series = as_monthly_series(y)
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
        result = forecast(history, horizon, n_draws=n_draws, seed=seed, **settings)
        return result.draws

    return forecaster
