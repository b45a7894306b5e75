"""Interrupted time-series test at a known break month.

Two-sided test (``alternative="two-sided"``): H0 no change against a change in
level and slope at the break (df 2; df 1 without a trend).
- Poisson / NB2: likelihood ratio, both models fitted by maximum likelihood
  (NB2 re-estimates theta under each model, as R's ``glm.nb``); chi2(df).
- quasi-Poisson: scaled deviance difference (D0 - D1) / phi, phi the Pearson
  dispersion of the break model; reported as ``lr_statistic``, p-value from
  F = lr_statistic / df on (df, n - p) degrees of freedom (R's anova F test).
- ``autocorrelation="hac"``: Wald statistic with Newey-West covariance; chi2(df).

One-sided test (``alternative="increase"``): H0 level change <= 0 against a
level increase, the slope change left free. Statistic: the signed root
r = sign(b_post) sqrt(LR) of the LR test of ``post`` alone (the model
without ``post`` keeps ``tpost``); p = 1 - Phi(r) (t(n - p) for quasi-Poisson,
the Wald z with HAC). ``lr_statistic`` is then r^2 (df 1).

Zero-inflated families ("zip", "zinb"): the LR test refits the zero-inflated
model without the tested terms; intervals are Wald intervals of the count
part (with a constant structural-zero probability its rate ratios are also
those of the overall mean). Only ``inference="model"`` is available; with
``family="auto"`` and the bootstrap, a zero-inflated choice falls back to NB2
(or Poisson) with a ``ModelWarning``.

Inference (``inference``): "bootstrap" (default) takes the p-value and the
standard errors of the Wald intervals from a parametric bootstrap with latent
AR(1) noise (:mod:`trends.resurgence.bootstrap`), because the chi-square
p-values above are far too small for autocorrelated series
(docs/calibration.md). "model" reports the chi-square / F / normal p-values
and model-based Wald intervals (R's numbers); they are always kept in
``model_based`` for comparison.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import TypeVar

import numpy as np
import pandas as pd

from trends.errors import DataError, ModelWarning, OptionError
from trends.minimums import MIN_ACTIVE_MONTHS, MIN_KNOWN_SEGMENT_MONTHS
from trends.models.countmodel import Z975, CountModel, FamilyChoice
from trends.models.design import ChangeChoice
from trends.models.diagnostics import choose_family
from trends.options import (
    ALTERNATIVES,
    CHANGES,
    INFERENCES,
    ZERO_INFLATED,
    Alternative,
    Autocorrelation,
    Inference,
    check_choice,
)
from trends.resurgence.bootstrap import ITSBootstrap, its_bootstrap
from trends.resurgence.counterfactual import counterfactual
from trends.resurgence.its_result import ITSResult
from trends.resurgence.known_tests import model_test
from trends.validate import month_position, monthly_series

AutocorrelationChoice = Autocorrelation
MIN_BOOTSTRAP = 19


Aligned = TypeVar("Aligned", pd.Series, pd.DataFrame)


def by_month(values: Aligned | None, index: pd.Index) -> Aligned | None:
    """An offset or covariate table given one row a month, indexed by those months.

    So that it still lines up after the series is cut to fewer months.
    """
    if values is not None and not isinstance(values.index, pd.PeriodIndex):
        if len(values) == len(index):
            return values.set_axis(index)
    return values


def its_test(
    y: pd.Series,
    break_month: str,
    *,
    family: FamilyChoice = "auto",
    alternative: Alternative = "two-sided",
    harmonics: int = 2,
    trend: bool = True,
    offset: pd.Series | None = None,
    autocorrelation: AutocorrelationChoice = "none",
    min_segment_months: int = MIN_KNOWN_SEGMENT_MONTHS,
    max_before_months: int | None = 60,
    change: ChangeChoice = "both",
    covariates: pd.DataFrame | None = None,
    inference: Inference = "bootstrap",
    bootstrap: int = 999,
    draws: int = 2000,
    seed: int = 0,
) -> ITSResult:
    """Test for a change in level and slope at a known month (interrupted time series).

    Parameters
    ----------
    y : pandas.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    break_month : str
        First month of the post-break period, "YYYY-MM".
    family : {"auto", "poisson", "quasipoisson", "negbin", "zip", "zinb"}
        Count family; "auto" chooses on the break model (see ``trends.models.diagnostics``
        and ``trends.models.zeroinflated``). The zero-inflated "zip"/"zinb" need
        ``inference="model"``.
    alternative : {"two-sided", "increase"}
        Joint test of level and slope change, or one-sided test of a level increase.
    harmonics, trend, offset, autocorrelation
        As in :class:`trends.models.CountModel`; with ``inference="bootstrap"``
        ``autocorrelation`` must be "none" (the bootstrap carries the
        autocorrelation itself).
    min_segment_months : int
        Months required before and after the break.
    max_before_months : int or None
        Use at most this many months before the break (default 60): one
        log-linear trend fitted across decades of a conflict series gives an
        absurd counterfactual. None uses the whole series.
    change : {"both", "level", "slope"}
        What the break may change, and what the two-sided test tests: level and
        slope jointly (df 2), the level alone or the slope alone (df 1).
    covariates : pandas.DataFrame, optional
        Numeric regressors by month (indexed by month, or one row a month).
    inference : {"bootstrap", "model"}
        "bootstrap": p-value and interval standard errors from a parametric
        bootstrap with latent AR(1) noise (calibrated for autocorrelated
        series); "model": chi-square / F / normal p-value and model-based
        Wald intervals, as R's ``glm``/``glm.nb``.
    bootstrap : int
        Bootstrap replicates (at least 19) for ``inference="bootstrap"``.
    draws : int
        Coefficient draws for the counterfactual intervals.
    seed : int
        Seed of the bootstrap and of the counterfactual draws.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rate = np.where(np.arange(48) >= 24, 30.0, 10.0)
    >>> y = pd.Series(np.random.default_rng(3).poisson(rate), index=idx)
    >>> res = its_test(y, "2018-01", family="poisson", bootstrap=199, draws=200)
    >>> res.level_ratio > 2 and res.p_value < 0.01
    True
    >>> its_test(y, "2018-01", family="poisson", inference="model").p_value < 1e-6
    True

    """
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("inference", inference, INFERENCES)
    if inference == "bootstrap" and family in ZERO_INFLATED:
        msg = (
            f"inference='bootstrap' supports the families poisson, quasipoisson and negbin, "
            f"not family={family!r}; pass inference='model' for the likelihood-ratio test "
            "and Wald intervals of the zero-inflated model"
        )
        raise OptionError(msg)
    if inference == "bootstrap" and autocorrelation != "none":
        msg = (
            f"autocorrelation={autocorrelation!r} is a model-based correction and cannot be "
            "combined with inference='bootstrap' (which already models autocorrelated noise); "
            "use autocorrelation='none', or inference='model' to keep the correction"
        )
        raise OptionError(msg)
    if inference == "bootstrap" and bootstrap < MIN_BOOTSTRAP:
        msg = (
            f"bootstrap (--bootstrap) must be at least {MIN_BOOTSTRAP} replicates with "
            f"inference='bootstrap'; got {bootstrap} (999 is the default; use inference='model', "
            "--inference model, for chi-square p-values)"
        )
        raise OptionError(msg)
    check_choice("change", change, CHANGES)
    if alternative == "increase" and change == "slope":
        msg = ("alternative='increase' tests a rise in level; with change='slope' there is no "
               "level change to test (use change='both' or 'level')")
        raise OptionError(msg)
    series = monthly_series(y)
    offset, covariates = by_month(offset, series.index), by_month(covariates, series.index)
    position = month_position(series.index, break_month)
    if max_before_months is not None and position > max_before_months:
        series = series.iloc[position - max_before_months:]
        position = max_before_months
    n = len(series)
    if min(position, n - position) < min_segment_months:
        msg = (
            f"break month {break_month} leaves {position} months before and {n - position} "
            f"after it; the test needs at least {min_segment_months} on each side "
            "(choose another month; in Python, min_segment_months= sets the minimum)"
        )
        raise DataError(msg)
    active = (series.iloc[:position] > 0).sum(), (series.iloc[position:] > 0).sum()
    if sum(active) == 0:
        msg = f"series {series.name or 'y'!r}: all counts are zero; there is no change to test"
        raise DataError(msg)
    if min(active) < MIN_ACTIVE_MONTHS:
        msg = (
            f"series {series.name or 'y'!r} has {active[0]} month{'' if active[0] == 1 else 's'} "
            f"with a non-zero count before {break_month} and {active[1]} from it; a rate ratio "
            f"needs at least {MIN_ACTIVE_MONTHS} on each side"
        )
        raise DataError(msg)
    n_coef = (1 + int(trend) + (change != "slope") + (trend and change != "level")
              + 2 * harmonics + (autocorrelation == "lag")
              + (0 if covariates is None else covariates.shape[1]))
    if n < n_coef + 6:
        msg = (
            f"series has {n} months; the break model has {n_coef} coefficients and needs "
            f"at least {n_coef + 6} months"
        )
        raise DataError(msg)
    model = CountModel(
        family=family,
        trend=trend,
        harmonics=harmonics,
        offset=offset,
        autocorrelation=autocorrelation,
        break_month=str(break_month),
        change=change,
        covariates=covariates,
    )
    fit = model.fit(series)
    chosen = fit.family
    if inference == "bootstrap" and chosen in ZERO_INFLATED:
        chosen = choose_family(fit.overdispersion)
        warnings.warn(
            f"series {series.name or 'y'!r}: {fit.family_reason}; the bootstrap supports "
            f"poisson, quasipoisson and negbin only, so the test uses {chosen}. Pass "
            f"family={fit.family!r} and inference='model' for the zero-inflated model",
            ModelWarning,
            stacklevel=2,
        )
    if chosen != fit.family:  # "auto" chose what it fitted, or the bootstrap needs another
        fit = replace(model, family=chosen).fit(series)  # type: ignore[arg-type]
    names = list(fit.glm.names)
    terms = tuple(t for t in ("post", "tpost") if t in names)

    def coefficient(term: str, scale: float, values: np.ndarray) -> float:
        return scale * float(values[names.index(term)]) if term in names else math.nan

    b_post, b_t = coefficient("post", 1.0, fit.glm.beta), coefficient("tpost", 12.0, fit.glm.beta)
    model_se = (coefficient("post", 1.0, fit.glm.se), coefficient("tpost", 12.0, fit.glm.se))
    stat, df, p, kind, what = model_test(fit, terms, alternative)
    model_based: dict[str, object] = {
        "p_value": p,
        "lr_statistic": stat,
        "df": df,
        "test_description": what,
        "level_ratio_ci": _wald(b_post, model_se[0]),
        "slope_ratio_per_year_ci": _wald(b_t, model_se[1]),
    }
    se = model_se
    boot: ITSBootstrap | None = None
    if inference == "bootstrap":
        drop = [names.index(t) for t in (terms if alternative == "two-sided" else ("post",))]
        boot = its_bootstrap(
            fit.y,
            fit.design.to_numpy(),
            drop,
            fit.offset,
            family=fit.family,
            signed=alternative == "increase",
            bootstrap=bootstrap,
            seed=seed,
        )
        p = boot.p_value
        boot_se = np.sqrt(np.diag(boot.cov))
        se = (coefficient("post", 1.0, boot_se), coefficient("tpost", 12.0, boot_se))
        what = f"{what}, parametric bootstrap p-value (latent AR(1) noise)"
    table_cf, excess, excess_ci = counterfactual(
        fit,
        position,
        draws=draws,
        seed=seed,
        cov=None if boot is None else boot.cov,
        latent=None if boot is None else boot.latent,
    )
    return ITSResult(
        break_month=str(pd.Period(series.index[position], freq="M")),
        family=fit.family,
        alternative=alternative,
        n_months=len(fit.y),
        level_ratio=math.exp(b_post),
        level_ratio_ci=_wald(b_post, se[0]),
        slope_ratio_per_year=math.exp(b_t),
        slope_ratio_per_year_ci=_wald(b_t, se[1]),
        lr_statistic=stat,
        df=df,
        p_value=p,
        statistic_kind=kind,
        test_description=what,
        excess_total=excess,
        excess_total_ci=excess_ci,
        inference=inference,
        bootstrap=bootstrap if boot is not None else 0,
        seed=seed,
        std_errors=se,
        model_based=model_based,
        latent=None if boot is None else boot.latent,
        counterfactual=table_cf,
        fit=fit,
        bootstrap_statistics=np.empty(0) if boot is None else boot.statistics,
    )


def _wald(estimate: float, se: float) -> tuple[float, float]:
    """95% Wald interval of exp(estimate) (NaN for a missing term, inf past float range)."""
    with np.errstate(over="ignore", invalid="ignore"):
        low, high = np.exp([estimate - Z975 * se, estimate + Z975 * se])
    return float(low), float(high)
