"""CountModel: settings for a monthly count regression; ``fit`` returns a frozen CountFit."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.errors import DataError, ModelWarning, OptionError
from trends.models.design import (
    ChangeChoice,
    aligned_covariates,
    build_design,
    log_exposure,
)
from trends.models.diagnostics import (
    TestResult,
    cameron_trivedi,
    choose_family,
    information_table,
    ljung_box,
    overdispersion_lr,
)
from trends.models.distributions import norm_ppf, norm_sf
from trends.models.glm import GLMFit, fit_glm
from trends.models.zeroinflated import (
    INFLATION_TERM,
    ZERO_EXCESS_LEVEL,
    ZeroInflatedFit,
    fit_zero_inflated,
    zero_excess_test,
)
from trends.options import (
    AUTOCORRELATIONS,
    CHANGES,
    FAMILIES,
    ZERO_INFLATED,
    Autocorrelation,
    Family,
    check_choice,
)
from trends.results import ResultView
from trends.validate import check_level, month_position, monthly_series

FamilyChoice = Family
Z975 = float(norm_ppf(0.975))


@dataclass(frozen=True)
class CountFit(ResultView):
    """A fitted count model; build with :meth:`CountModel.fit`."""

    model: CountModel
    months: pd.Index
    y: np.ndarray
    design: pd.DataFrame
    offset: np.ndarray
    glm: GLMFit
    family: str
    family_reason: str
    overdispersion: TestResult
    cameron_trivedi: TestResult
    ljung_box: TestResult
    zero_excess: TestResult
    information: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """Coefficients: term, estimate, std_error, rate_ratio, ci_low, ci_high, p_value.

        ``ci_low``/``ci_high`` are the Wald 95% interval of the rate ratio
        exp(estimate); p-values are two-sided Wald (normal) p-values. For the
        zero-inflated families the count-part coefficients come first and a
        last row ``zero_inflation`` holds the logit of the structural-zero
        probability (its ``rate_ratio`` column is then the odds pi / (1 - pi)).
        """
        est, se, names = self.glm.beta, self.glm.se, list(self.glm.names)
        if isinstance(self.glm, ZeroInflatedFit):
            est = np.r_[est, self.glm.inflation_logit]
            se = np.r_[se, self.glm.inflation_se]
            names.append(INFLATION_TERM)
        return pd.DataFrame(
            {
                "term": names,
                "estimate": est,
                "std_error": se,
                "rate_ratio": np.exp(est),
                "ci_low": np.exp(est - Z975 * se),
                "ci_high": np.exp(est + Z975 * se),
                "p_value": 2.0 * norm_sf(np.abs(est / se)),
            }
        )

    @property
    def params(self) -> pd.Series:
        """Coefficient estimates by term (read from :meth:`tidy`)."""
        table = self.tidy()
        return pd.Series(table["estimate"].to_numpy(), index=table["term"], name="estimate")

    @property
    def loglik(self) -> float:
        """Log-likelihood (NaN for quasi-Poisson)."""
        return self.glm.loglik

    @property
    def theta(self) -> float:
        """NB2 theta (inf for Poisson, quasi-Poisson and zero-inflated Poisson)."""
        return self.glm.theta

    @property
    def zero_inflation(self) -> float:
        """Probability of a structural zero month (0 outside the zero-inflated families)."""
        return self.glm.inflation_probability if isinstance(self.glm, ZeroInflatedFit) else 0.0

    def predict(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """Fitted mean of every month with its confidence band (delta method on the log scale).

        Columns: month ("YYYY-MM"), observed, fitted, fitted_low, fitted_high.
        The band is for the mean, from the coefficients' covariance (times the
        structural-zero factor for the zero-inflated families, whose band
        ignores that factor's own uncertainty).

        Examples
        --------
        >>> idx = pd.period_range("2018-01", periods=36, freq="M")
        >>> y = pd.Series(np.random.default_rng(1).poisson(10, 36), index=idx)
        >>> band = CountModel(family="poisson").fit(y).predict()
        >>> bool((band["fitted_low"] < band["fitted"]).all()), list(band.columns)[:2]
        (True, ['month', 'observed'])

        """
        check_level("confidence_level", confidence_level)
        X = self.design.to_numpy()
        eta = X @ self.glm.beta + self.offset
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self.glm.cov, X))
        z = float(norm_ppf((1.0 + confidence_level) / 2.0))
        keep = 1.0 - self.zero_inflation
        return pd.DataFrame({
            "month": self.months.astype(str),
            "observed": self.y,
            "fitted": keep * np.exp(eta),
            "fitted_low": keep * np.exp(eta - z * se),
            "fitted_high": keep * np.exp(eta + z * se),
        })

    def summary(self) -> str:
        """Readable report of the fit and its diagnostics."""
        lines = [
            f"Count model: {self.family} ({self.family_reason})",
            f"Months: {self.months[0]} to {self.months[-1]} (n = {len(self.y)}); "
            f"standard errors: {self.glm.cov_type}",
        ]
        if self.family in ("negbin", "zinb"):
            lines.append(f"theta = {self.theta:.4g} (alpha = {1 / self.theta:.4g})")
        if self.family in ZERO_INFLATED:
            lines.append(f"structural-zero probability = {self.zero_inflation:.4g}")
        if self.family == "quasipoisson":
            lines.append(f"dispersion = {self.glm.dispersion:.4g}")
        else:
            lines.append(f"log-likelihood = {self.loglik:.4f}")
        lines += ["", self.tidy().to_string(index=False, float_format=lambda v: f"{v:.4g}"), ""]
        for test in self._diagnostics():
            lines.append(f"{test.description}: {test.statistic:.3f}, p = {test.p_value:.3g}")
        lines += ["", self.information.to_string(index=False, float_format=lambda v: f"{v:.2f}")]
        return "\n".join(lines)

    def _diagnostics(self) -> tuple[TestResult, ...]:
        return self.overdispersion, self.cameron_trivedi, self.ljung_box, self.zero_excess

    def plot(self) -> Any:
        """Observed counts with the fitted mean and its 95% band (an ``altair`` chart)."""
        from trends.charts import series_chart

        return series_chart(self.predict(), break_month=self.model.break_month,
                                   measure_label="Count per month",
                                   title=f"Count model ({self.family})")

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary: settings, family, coefficients and diagnostics."""
        return {
            "family": self.family,
            "family_reason": self.family_reason,
            "n_months": len(self.y),
            "start": str(self.months[0]),
            "end": str(self.months[-1]),
            "loglik": finite_or_none(self.loglik),
            "theta": finite_or_none(self.theta),
            "dispersion": float(self.glm.dispersion),
            "cov_type": self.glm.cov_type,
            "coefficients": [
                {k: (v if isinstance(v, str) else finite_or_none(v)) for k, v in row.items()}
                for row in self.tidy().to_dict(orient="records")
            ],
            "diagnostics": [t.to_dict() for t in self._diagnostics()],
            "zero_inflation": finite_or_none(self.zero_inflation),
            "information": [
                {k: (v if isinstance(v, str) else finite_or_none(v)) for k, v in row.items()}
                for row in self.information.to_dict(orient="records")
            ],
        }


@dataclass(frozen=True)
class CountModel:
    """Settings of a monthly count regression with trend, seasonality and an optional break.

    Parameters
    ----------
    family : {"auto", "poisson", "quasipoisson", "negbin", "zip", "zinb"}
        Count family; "zip"/"zinb" are zero-inflated Poisson / NB2 with a
        constant structural-zero probability. "auto" picks NB2 when the
        boundary LR test of alpha = 0 rejects at 5%, else Poisson; and a
        zero-inflated family instead when the zero-excess test rejects at 5%
        and the better (by AIC) of zip and zinb has a lower AIC than both
        (see :mod:`trends.models.zeroinflated`).
    trend : bool
        Include a linear trend in months.
    harmonics : int
        Number of Fourier pairs for seasonality (0 to 6).
    offset : pandas.Series, optional
        Exposure (e.g. population) on the same months; its log enters as offset.
    autocorrelation : {"none", "lag", "hac"}
        "lag" adds log(y[t-1] + 1) as a regressor (the first month is dropped);
        "hac" keeps the estimates and uses Newey-West standard errors (not
        with the zero-inflated families).
    break_month : str, optional
        Month ("YYYY-MM") from which the level and slope may change.
    change : {"both", "level", "slope"}
        What the break changes: level and slope (default), the level alone, or
        the slope alone.
    covariates : pandas.DataFrame, optional
        Numeric regressors by month (e.g. a price, a share of the population).
    hac_lags : int, optional
        HAC truncation lag (default floor(4 (n/100)^(2/9))).

    Examples
    --------
    >>> idx = pd.period_range("2018-01", periods=36, freq="M")
    >>> y = pd.Series(np.random.default_rng(1).poisson(10, 36), index=idx)
    >>> CountModel(family="poisson").fit(y).family
    'poisson'

    """

    family: FamilyChoice = "auto"
    trend: bool = True
    harmonics: int = 2
    offset: pd.Series | None = field(default=None, compare=False)
    autocorrelation: Autocorrelation = "none"
    break_month: str | None = None
    hac_lags: int | None = None
    change: ChangeChoice = "both"
    covariates: pd.DataFrame | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_choice("family", self.family, FAMILIES)
        check_choice("change", self.change, CHANGES)
        if self.change == "slope" and not self.trend:
            msg = "change='slope' needs trend=True: without a trend there is no slope to change"
            raise OptionError(msg)
        check_choice("autocorrelation", self.autocorrelation, AUTOCORRELATIONS)
        if self.family in ZERO_INFLATED and self.autocorrelation == "hac":
            msg = (
                f"autocorrelation='hac' is not available for family={self.family!r}; use "
                "autocorrelation='lag' or 'none', or a family without zero inflation"
            )
            raise OptionError(msg)
        if not 0 <= int(self.harmonics) <= 6:
            msg = f"harmonics must be between 0 and 6; got {self.harmonics}"
            raise DataError(msg)

    def fit(self, y: pd.Series) -> CountFit:
        """Fit the model to a monthly count series and return a :class:`CountFit`."""
        series = monthly_series(y)
        values = series.to_numpy()
        label = series.name if series.name is not None else "y"
        if not np.any(values > 0):
            msg = f"series {label!r}: all counts are zero; a count model cannot be fitted"
            raise DataError(msg)
        position = None
        if self.break_month is not None:
            position = month_position(series.index, self.break_month)
        design = build_design(
            series.index,
            trend=self.trend,
            harmonics=self.harmonics,
            break_position=position,
            lagged=values if self.autocorrelation == "lag" else None,
            change=self.change,
            covariates=aligned_covariates(self.covariates, series.index),
        )
        offset = log_exposure(self.offset, series.index)
        if self.autocorrelation == "lag":
            design, values, offset = design.iloc[1:], values[1:], offset[1:]
        n, p = design.shape
        if n < p + 3:
            msg = (
                f"series {label!r}: {n} months is too short for {p} coefficients; "
                f"need at least {p + 3} months or fewer harmonics"
            )
            raise DataError(msg)
        X, names = design.to_numpy(), tuple(design.columns)
        cov_type = "hac" if self.autocorrelation == "hac" else "fisher"
        kwargs = {"names": names, "offset": offset, "hac_lags": self.hac_lags}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ModelWarning)
                poisson = fit_glm(values, X, family="poisson", **kwargs)  # type: ignore[arg-type]
                negbin = fit_glm(values, X, family="negbin", **kwargs)  # type: ignore[arg-type]
        except DataError as err:
            active = int(np.count_nonzero(values))
            msg = (f"series {label!r}: the count model's fitted means run off to infinity; "
                   f"{active} month{'s' * (active != 1)} with a count among {len(values)} "
                   f"cannot fix its {p} coefficients")
            raise DataError(msg) from err
        over = overdispersion_lr(poisson, negbin)
        base = choose_family(over)
        zeros = zero_excess_test(values, X, negbin if base == "negbin" else poisson, offset=offset)
        candidates: dict[str, GLMFit] = {"poisson": poisson, "negbin": negbin}
        if self.family == "auto":
            family = base
            reason = f"chosen automatically: overdispersion LR p = {over.p_value:.3g}"
            if zeros.p_value < ZERO_EXCESS_LEVEL and self.autocorrelation != "hac":
                family, reason = _zero_inflated_choice(
                    values, X, names, offset, candidates, zeros, family, reason
                )
        else:
            family, reason = self.family, "chosen by the user"
        if family == "poisson" and self.family == "poisson" and over.p_value < 0.05:
            warnings.warn(
                f"series {label!r}: Poisson is inadequate (overdispersion LR = "
                f"{over.statistic:.1f}, p = {over.p_value:.2g}); its standard errors are too "
                "small. Use family='negbin' or 'quasipoisson'",
                ModelWarning,
                stacklevel=2,
            )
        if family in ZERO_INFLATED:
            chosen = candidates.get(family) or fit_zero_inflated(
                values, X, family=family, names=names, offset=offset  # type: ignore[arg-type]
            )
            candidates[family] = chosen
        else:
            chosen = fit_glm(values, X, family=family, cov_type=cov_type, **kwargs)  # type: ignore[arg-type]
        residuals = chosen.pearson_residuals(values)
        return CountFit(
            model=self,
            months=design.index,
            y=values,
            design=design,
            offset=offset,
            glm=chosen,
            family=family,
            family_reason=reason,
            overdispersion=over,
            cameron_trivedi=cameron_trivedi(values, poisson.mu),
            ljung_box=ljung_box(residuals),
            zero_excess=zeros,
            information=information_table(candidates),
        )


def _zero_inflated_choice(
    values: np.ndarray,
    X: np.ndarray,
    names: tuple[str, ...],
    offset: np.ndarray,
    candidates: dict[str, GLMFit],
    zeros: TestResult,
    family: str,
    reason: str,
) -> tuple[str, str]:
    """Fit zip and zinb (adding them to ``candidates``) and pick the better if its AIC wins."""
    for name in ZERO_INFLATED:
        try:
            candidates[name] = fit_zero_inflated(
                values,
                X,
                family=name,  # type: ignore[arg-type]
                names=names,
                offset=offset,
            )
        except DataError:
            continue
    inflated = [name for name in ZERO_INFLATED if name in candidates]
    plain = min(candidates["poisson"].aic, candidates["negbin"].aic)
    if not inflated:
        return family, reason + (
            f"; excess zeros (zero-excess p = {zeros.p_value:.3g}) but "
            "no zero-inflated model could be fitted"
        )
    best = min(inflated, key=lambda name: candidates[name].aic)
    if candidates[best].aic >= plain:
        return family, reason + (
            f"; excess zeros (zero-excess p = {zeros.p_value:.3g}) but "
            f"{best} AIC {candidates[best].aic:.1f} is not below "
            f"{plain:.1f}"
        )
    return best, (
        f"chosen automatically: excess zero months (zero-excess p = {zeros.p_value:.3g}) and "
        f"{best} AIC {candidates[best].aic:.1f} below {plain:.1f} without zero inflation"
    )
