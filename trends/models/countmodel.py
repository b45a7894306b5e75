"""CountModel: settings for a monthly count regression; ``fit`` returns a frozen CountFit."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from trends._options import check_choice
from trends.errors import DataError, InputError, ModelWarning
from trends.models.design import as_monthly_series, build_design, month_position
from trends.models.diagnostics import (
    TestResult,
    cameron_trivedi,
    choose_family,
    information_table,
    ljung_box,
    overdispersion_lr,
)
from trends.models.glm import GLMFit, fit_glm

FamilyChoice = Literal["auto", "poisson", "quasipoisson", "negbin"]
Autocorrelation = Literal["none", "lag", "hac"]
FAMILIES = ("auto", "poisson", "quasipoisson", "negbin")
AUTOCORRELATIONS = ("none", "lag", "hac")
Z975 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class CountFit:
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
    information: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """Coefficients: term, estimate, std_error, rate_ratio, ci_low, ci_high, p_value.

        ``ci_low``/``ci_high`` are the Wald 95% interval of the rate ratio
        exp(estimate); p-values are two-sided Wald (normal) p-values.
        """
        est, se = self.glm.beta, self.glm.se
        return pd.DataFrame(
            {
                "term": list(self.glm.names),
                "estimate": est,
                "std_error": se,
                "rate_ratio": np.exp(est),
                "ci_low": np.exp(est - Z975 * se),
                "ci_high": np.exp(est + Z975 * se),
                "p_value": 2.0 * stats.norm.sf(np.abs(est / se)),
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
        """NB2 theta (inf for Poisson and quasi-Poisson)."""
        return self.glm.theta

    def summary(self) -> str:
        """Readable report of the fit and its diagnostics."""
        lines = [
            f"Count model: {self.family} ({self.family_reason})",
            f"Months: {self.months[0]} to {self.months[-1]} (n = {len(self.y)}); "
            f"standard errors: {self.glm.cov_type}",
        ]
        if self.family == "negbin":
            lines.append(f"theta = {self.theta:.4g} (alpha = {1 / self.theta:.4g})")
        if self.family == "quasipoisson":
            lines.append(f"dispersion = {self.glm.dispersion:.4g}")
        else:
            lines.append(f"log-likelihood = {self.loglik:.4f}")
        lines += ["", self.tidy().to_string(index=False, float_format=lambda v: f"{v:.4g}"), ""]
        for test in (self.overdispersion, self.cameron_trivedi, self.ljung_box):
            lines.append(f"{test.description}: {test.statistic:.3f}, p = {test.p_value:.3g}")
        lines += ["", self.information.to_string(index=False, float_format=lambda v: f"{v:.2f}")]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + self.summary() + "</pre>"

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary: settings, family, coefficients and diagnostics."""
        return {
            "family": self.family,
            "family_reason": self.family_reason,
            "n_months": len(self.y),
            "start": str(self.months[0]),
            "end": str(self.months[-1]),
            "loglik": _json_float(self.loglik),
            "theta": _json_float(self.theta),
            "dispersion": float(self.glm.dispersion),
            "cov_type": self.glm.cov_type,
            "coefficients": [
                {k: (v if isinstance(v, str) else _json_float(v)) for k, v in row.items()}
                for row in self.tidy().to_dict(orient="records")
            ],
            "diagnostics": [
                t.to_dict() for t in (self.overdispersion, self.cameron_trivedi, self.ljung_box)
            ],
            "information": [
                {k: (v if isinstance(v, str) else _json_float(v)) for k, v in row.items()}
                for row in self.information.to_dict(orient="records")
            ],
        }


def _json_float(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class CountModel:
    """Settings of a monthly count regression with trend, seasonality and an optional break.

    Parameters
    ----------
    family : {"auto", "poisson", "quasipoisson", "negbin"}
        Count family; "auto" picks NB2 when the boundary LR test of alpha = 0
        rejects at 5%, else Poisson.
    trend : bool
        Include a linear trend in months.
    harmonics : int
        Number of Fourier pairs for seasonality (0 to 6).
    offset : pandas.Series, optional
        Exposure (e.g. population) on the same months; its log enters as offset.
    autocorrelation : {"none", "lag", "hac"}
        "lag" adds log(y[t-1] + 1) as a regressor (the first month is dropped);
        "hac" keeps the estimates and uses Newey-West standard errors.
    break_month : str, optional
        Month ("YYYY-MM") from which the level and slope may change.
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

    def __post_init__(self) -> None:
        check_choice("family", self.family, FAMILIES)
        check_choice("autocorrelation", self.autocorrelation, AUTOCORRELATIONS)
        if not 0 <= int(self.harmonics) <= 6:
            msg = f"harmonics must be between 0 and 6; got {self.harmonics}"
            raise DataError(msg)

    def _offset(self, series: pd.Series) -> np.ndarray:
        if self.offset is None:
            return np.zeros(len(series))
        exposure = self.offset.reindex(series.index) if isinstance(
            self.offset.index, pd.PeriodIndex) else self.offset
        values = np.asarray(exposure, dtype=float)
        if len(values) != len(series) or not np.all(np.isfinite(values) & (values > 0)):
            msg = (
                "offset: exposure must be positive and cover every month of the series "
                f"({series.index[0]} to {series.index[-1]}); check for missing or zero values"
            )
            raise InputError(msg)
        return np.log(values)

    def fit(self, y: pd.Series) -> CountFit:
        """Fit the model to a monthly count series and return a :class:`CountFit`."""
        series = as_monthly_series(y)
        values = series.to_numpy()
        label = series.name if series.name is not None else "y"
        if not np.any(values > 0):
            msg = f"series {label!r}: all counts are zero; a count model cannot be fitted"
            raise DataError(msg)
        position = None
        if self.break_month is not None:
            position = month_position(series.index, self.break_month)
        design = build_design(
            series.index, trend=self.trend, harmonics=self.harmonics, break_position=position,
            lagged=values if self.autocorrelation == "lag" else None,
        )
        offset = self._offset(series)
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            poisson = fit_glm(values, X, family="poisson", **kwargs)  # type: ignore[arg-type]
            negbin = fit_glm(values, X, family="negbin", **kwargs)  # type: ignore[arg-type]
        over = overdispersion_lr(poisson, negbin)
        if self.family == "auto":
            family = choose_family(over)
            reason = f"chosen automatically: overdispersion LR p = {over.p_value:.3g}"
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
            information=information_table({"poisson": poisson, "negbin": negbin}),
        )
