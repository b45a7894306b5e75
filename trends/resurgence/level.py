"""Has the level changed since a known month? The test behind :func:`trends.assess`.

Model: NB2 (Poisson in the limit) with log link on one window of months,
``y ~ t + post + seasonal harmonics [+ covariates] [+ offset]``: the trend
before the break, carried on, is the counterfactual, and ``post`` is the
average shift of the months since the break against it (the level ratio
exp(b_post)). A second fit adds ``tpost`` to report how the yearly trend
changed; it does not enter the p-value, which answers the question asked: has
the level moved? Inference is the bootstrap-t of
:mod:`trends.resurgence.bootstrap_t`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trends.errors import DataError, OptionError
from trends.minimums import MIN_PAST_YEAR_MONTHS
from trends.models.batched import fit_batch
from trends.models.design import (
    aligned_covariates,
    build_design,
    log_exposure,
)
from trends.models.latent import LatentAR1
from trends.models.robust import studentizer
from trends.resurgence.bootstrap_t import Pivot, band, bootstrap_t, exp_pair, exp_value, pivot
from trends.validate import month_position, monthly_series

MIN_BOOTSTRAP = 99


@dataclass(frozen=True)
class Drift:
    """The last 12 months against the 12 before them: a ratio with its interval."""

    ratio: float
    ci: tuple[float, float]
    months: tuple[str, str]
    totals: tuple[float, float] = (math.nan, math.nan)
    """The counts of the 12 months before and of the last 12 months."""


@dataclass(frozen=True)
class LevelChange:
    """Result of :func:`level_change`: the level shift since ``break_month`` in one window."""

    break_month: str
    start: str
    end: str
    n_before: int
    n_after: int
    level: Pivot
    slope: Pivot
    observed_after: float
    expected_after: float
    excess_ci: tuple[float, float]
    family: str
    theta: float
    latent: LatentAR1
    plausibility: float
    bootstrap: int
    seed: int
    confidence_level: float
    counterfactual: pd.DataFrame = field(repr=False)
    """By month of the window: observed, fitted (with the level change) and expected (the
    trend before the break carried on), each with its band (``_low``/``_high``)."""
    harmonics: int = 2
    trend: bool = True
    """The model's seasonal pairs, and whether it carries a trend forward (else the level)."""

    @property
    def level_ratio(self) -> float:
        """exp(b_post): months since the break against the trend before, carried on."""
        return exp_value(self.level.estimate)

    @property
    def level_ratio_ci(self) -> tuple[float, float]:
        """Interval of the level ratio."""
        return exp_pair(self.level.ci)

    @property
    def slope_ratio_per_year(self) -> float:
        """Change in the yearly trend factor at the break (1: unchanged)."""
        return exp_value(12.0 * self.slope.estimate)

    @property
    def slope_ratio_per_year_ci(self) -> tuple[float, float]:
        """Interval of the yearly slope ratio."""
        return exp_pair((12.0 * self.slope.ci[0], 12.0 * self.slope.ci[1]))

    @property
    def excess(self) -> float:
        """Observed minus expected count over the months since the break."""
        return self.observed_after - self.expected_after


def level_change(
    y: pd.Series,
    break_month: str,
    *,
    start: str | None = None,
    end: str | None = None,
    harmonics: int = 2,
    trend: bool = True,
    offset: pd.Series | None = None,
    covariates: pd.DataFrame | None = None,
    bootstrap: int = 999,
    seed: int = 0,
    confidence_level: float = 0.95,
    noise: LatentAR1 | None = None,
    slope: bool = True,
) -> LevelChange:
    """Estimate and test the level shift of ``y`` since ``break_month``.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    break_month : str
        First month of the period after the change, "YYYY-MM".
    start, end : str, optional
        First and last month of the window (default: the whole series).
    harmonics : int
        Seasonal Fourier pairs.
    trend : bool
        Carry a linear trend of the months before forward (False compares with
        their average level; there is then no change of trend to estimate).
    offset : pandas.Series, optional
        Exposure on the same months (its log is the offset).
    covariates : pandas.DataFrame, optional
        Numeric regressors by month.
    bootstrap : int
        Bootstrap series (at least 99).
    seed : int
        Seed of the simulations.
    confidence_level : float
        Level of the intervals.
    noise : LatentAR1, optional
        Simulate the bootstrap series with this noise instead of the one
        estimated from the data (to see how much the answer rests on it).
    slope : bool
        Also estimate the change of trend (False leaves ``slope`` NaN).

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=60, freq="M")
    >>> rate = np.where(np.arange(60) >= 36, 40.0, 20.0)
    >>> y = pd.Series(np.random.default_rng(3).poisson(rate), index=idx)
    >>> res = level_change(y, "2019-01", bootstrap=199)
    >>> 1.6 < res.level_ratio < 2.5, res.level.p_rise < 0.01
    (True, True)

    """
    if bootstrap < MIN_BOOTSTRAP:
        msg = f"bootstrap (--bootstrap) must be at least {MIN_BOOTSTRAP} series; got {bootstrap}"
        raise OptionError(msg)
    if not 0.5 <= confidence_level < 1.0:
        msg = f"confidence_level must be in [0.5, 1); got {confidence_level}"
        raise OptionError(msg)
    series = window_of(monthly_series(y), start, end)
    position = month_position(series.index, break_month)
    log_offset = log_exposure(offset, series.index)
    X = build_design(series.index, trend=trend, harmonics=harmonics, break_position=position,
                     covariates=aligned_covariates(covariates, series.index))
    names = list(X.columns)
    X_level = X.drop(columns=["tpost"], errors="ignore").to_numpy()
    X_slope = X[names].to_numpy()
    j_level = names.index("post")
    slope = slope and trend
    values = series.to_numpy()
    if len(values) < X_slope.shape[1] + 6:
        msg = (
            f"the window {series.index[0]} to {series.index[-1]} has {len(values)} months; "
            f"the model needs at least {X_slope.shape[1] + 6}"
        )
        raise DataError(msg)
    boot = pivot(values, X_level, j_level, log_offset, bootstrap, seed, confidence_level, noise)
    level, latent, sims, mean = boot.pivot, boot.latent, boot.sims, boot.mean
    beta, theta, refit = boot.fit.beta[0], boot.fit.theta[0], boot.refit
    trend_change = (_slope(X_slope, names.index("tpost"), values, sims, log_offset,
                           confidence_level)
                    if slope else Pivot(math.nan, math.nan, math.nan, math.nan,
                                        (math.nan, math.nan), (math.nan, math.nan)))
    cf_design = X_level.copy()
    cf_design[:, j_level] = 0.0
    with np.errstate(over="ignore"):  # a trend before run off to infinity: an absurd baseline
        expected = np.exp(cf_design @ beta[0] + log_offset)
    after = slice(position, None)
    # each bootstrap series' excess minus the excess its own model implies
    # a refit heading to an infinite level expects inf: its excess is -inf, and a quantile
    # between it and a finite one is NaN (an interval with no end there)
    with np.errstate(over="ignore", invalid="ignore"):
        boot_expected = np.exp(refit.beta[0] @ cf_design[after].T + log_offset[after]).sum(axis=1)
        boot_excess = sims[:, after].sum(axis=1) - boot_expected
        true_excess = mean[after].sum() - expected[after].sum()
        shift = np.quantile(boot_excess - true_excess, [(1 + confidence_level) / 2,
                                                         (1 - confidence_level) / 2])
    observed_after = float(values[after].sum())
    excess = observed_after - float(expected[after].sum())
    fitted_band = band(mean, refit.beta[0] @ X_level.T - X_level @ beta[0], confidence_level)
    expected_band = band(expected, refit.beta[0] @ cf_design.T - cf_design @ beta[0],
                          confidence_level)
    table = pd.DataFrame(
        {"observed": values, "fitted": mean, "fitted_low": fitted_band[0],
         "fitted_high": fitted_band[1], "expected": expected,
         "expected_low": expected_band[0], "expected_high": expected_band[1]},
        index=pd.Index(series.index.astype(str), name="month"),
    )
    return LevelChange(
        break_month=str(series.index[position]),
        start=str(series.index[0]),
        end=str(series.index[-1]),
        n_before=position,
        n_after=len(values) - position,
        level=level,
        slope=trend_change,
        observed_after=observed_after,
        expected_after=float(expected[after].sum()),
        # a basic interval can pass the observed count, which would need a negative expected one
        excess_ci=(float(np.minimum(excess - shift[0], observed_after)),
                   float(np.minimum(excess - shift[1], observed_after))),
        family="poisson" if not math.isfinite(float(theta[0])) else "negbin",
        theta=float(theta[0]),
        latent=latent,
        plausibility=boot.plausibility,
        bootstrap=bootstrap,
        seed=seed,
        confidence_level=confidence_level,
        counterfactual=table,
        harmonics=harmonics,
        trend=trend,
    )


def later_step(
    y: pd.Series, break_month: str, after: int, *, start: str | None = None,
    end: str | None = None, harmonics: int = 2, trend: bool = True,
    offset: pd.Series | None = None, covariates: pd.DataFrame | None = None,
    bootstrap: int = 999, seed: int = 0, confidence_level: float = 0.95,
) -> Pivot:
    """Bootstrap-t of the months from ``after`` months past the break against the ones before.

    The model of :func:`level_change` with a second step at ``after`` months
    from ``break_month``: its coefficient is the log of the later months'
    level over the level of the first ``after`` months, with the same latent
    noise; a small two-sided p-value says the level moved again.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=72, freq="M")
    >>> rate = np.select([np.arange(72) >= 60, np.arange(72) >= 48], [80.0, 40.0], 20.0)
    >>> y = pd.Series(np.random.default_rng(3).poisson(rate), index=idx)
    >>> step = later_step(y, "2020-01", 12, harmonics=0, bootstrap=199)
    >>> 1.6 < math.exp(step.estimate) < 2.5, step.p_two_sided <= 0.01
    (True, True)

    """
    series = window_of(monthly_series(y), start, end)
    position = month_position(series.index, break_month)
    X = build_design(series.index, trend=trend, harmonics=harmonics, break_position=position,
                     covariates=aligned_covariates(covariates, series.index))
    X = X.drop(columns=["tpost"], errors="ignore")
    X["later"] = (np.arange(len(series)) >= position + after).astype(float)
    boot = pivot(series.to_numpy(), X.to_numpy(), X.shape[1] - 1,
                 log_exposure(offset, series.index), bootstrap, seed, confidence_level)
    return boot.pivot


def curvature_p_value(
    y: pd.Series, *, harmonics: int = 2, offset: pd.Series | None = None,
    covariates: pd.DataFrame | None = None, bootstrap: int = 199, seed: int = 0,
) -> float:
    """Two-sided bootstrap-t p-value of a quadratic term added to the log-linear trend of ``y``.

    A small p-value says one straight trend (on the log scale) does not fit
    these months, so carrying it forward would mislead.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> t = np.arange(48)
    >>> bent = pd.Series(np.random.default_rng(0).poisson(5 + 0.04 * (t - 24) ** 2), index=idx)
    >>> curvature_p_value(bent, harmonics=0, bootstrap=99) < 0.05
    True

    """
    series = monthly_series(y)
    X = build_design(series.index, harmonics=harmonics,
                     covariates=aligned_covariates(covariates, series.index))
    t = X["t"].to_numpy()
    X["t2"] = ((t - t.mean()) / max(t.std(), 1.0)) ** 2
    boot = pivot(series.to_numpy(), X.to_numpy(), X.shape[1] - 1,
                 log_exposure(offset, series.index), bootstrap, seed, 0.95)
    return boot.pivot.p_two_sided


def window_of(series: pd.Series, start: str | None, end: str | None) -> pd.Series:
    """The months of ``series`` from ``start`` to ``end`` (either may be None)."""
    first = 0 if start is None else month_position(series.index, start)
    last = len(series) if end is None else month_position(series.index, end) + 1
    return series.iloc[first:last]


def _slope(
    X: np.ndarray, column: int, values: np.ndarray, sims: np.ndarray, log_offset: np.ndarray,
    confidence_level: float,
) -> Pivot:
    """The change of trend, from the model with ``tpost`` refitted to the same series."""
    fit = fit_batch(X, values[None], family="negbin", offset=log_offset)
    se = studentizer(X, values[None], fit.beta[0], fit.theta[0], column, log_offset)[0]
    refit = fit_batch(X, sims, family="negbin", offset=log_offset)
    boot_se = studentizer(X, sims, refit.beta[0], refit.theta[0], column, log_offset)
    # the simulated series have no slope change, so b* itself is centred at 0
    return bootstrap_t(float(fit.beta[0, 0, column]), float(se),
                       refit.beta[0, :, column] + float(fit.beta[0, 0, column]), boot_se,
                       confidence_level)


def past_year(
    y: pd.Series, *, offset: pd.Series | None = None, bootstrap: int = 999, seed: int = 0,
    confidence_level: float = 0.95,
) -> Drift | None:
    """The last 12 months of ``y`` against the 12 before them, with a bootstrap-t interval.

    A step between the two years in a model of the last 24 months with
    seasonal terms (the same calendar months are on both sides), with the
    latent noise of :func:`pivot`. The negative binomial fit weighs months by
    their noise, so its ratio can differ from that of the two years' totals,
    which are kept beside it.
    None when there are fewer than 24 months or either year has no count.

    Examples
    --------
    >>> idx = pd.period_range("2020-01", periods=36, freq="M")
    >>> y = pd.Series(np.r_[np.full(24, 20.0), np.full(12, 30.0)], index=idx)
    >>> round(past_year(y, bootstrap=99).ratio, 2)
    1.5

    """
    series = monthly_series(y)
    if len(series) < MIN_PAST_YEAR_MONTHS:
        return None
    last = series.iloc[-24:]
    values = last.to_numpy()
    if values[:12].sum() <= 0 or values[12:].sum() <= 0:
        return None
    X = build_design(last.index, trend=False)
    X.insert(1, "year", np.r_[np.zeros(12), np.ones(12)])
    boot = pivot(values, X.to_numpy(), 1, log_exposure(offset, last.index), bootstrap,
                 seed, confidence_level)
    return Drift(exp_value(boot.pivot.estimate), exp_pair(boot.pivot.ci),
                 (str(last.index[12]), str(last.index[-1])),
                 (float(values[:12].sum()), float(values[12:].sum())))
