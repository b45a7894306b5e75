"""Farrington-flexible outbreak detection for monthly counts.

A port of ``surveillance::farringtonFlexible`` (R package surveillance 1.20,
threshold method ``"delta"``, no population offset) for series with 12 periods a
year. For each month ``k`` assessed, the reference values are the months
``k - 12 i - w, ..., k - 12 i + w`` for ``i = 1..b`` (and, with ``no_periods > 1``,
the months between those windows as extra factor levels). A quasi-Poisson GLM
(log link) is fitted to them, past outbreaks are down-weighted once, and the
upper bound of a one-sided ``1 - alpha`` prediction interval is computed on the
2/3-power scale. The GLM is fitted with the same iteratively reweighted least
squares steps, start values and stopping rule as R's ``glm.fit``, so the results
agree with R to rounding.

R computes only the upper bound. The lower bound here is the lower end of the
same predictive distribution: on the power scale the prediction is normal with
mean ``mu0**e`` and the same standard error as the upper bound, and the lower
bound is its ``alpha`` quantile transformed back, or 0 where that quantile is
negative (then no count can be unusually low). Each bound is one-sided at
``alpha``, so checking both sides flags an in-control month with probability
about ``2 * alpha``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trends.alerts.result import AlertResult, check_history, direction, resolve_months
from trends.alerts.words import verdict
from trends.errors import ModelWarning, OptionError
from trends.models.distributions import norm_ppf, t_sf
from trends.models.surveillance_fits import QuasiPoissonFit, fit_quasipoisson
from trends.options import POWER_TRANSFORMS, SIDES, PowerTransform, Side, check_choice
from trends.validate import monthly_series

_EXPONENT = {"2/3": 2.0 / 3.0, "1/2": 0.5, "none": 1.0}
_FREQ = 12


def _reweight(fit: QuasiPoissonFit, y: np.ndarray, phi: float, threshold: float) -> np.ndarray:
    """Anscombe-residual weights of ``algo.farrington.assign.weights`` (they sum to n)."""
    hat = np.sum(fit.q**2, axis=1)
    hat[hat > 1 - 10 * np.finfo(float).eps] = 1.0
    mu = fit.mu
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu)) / np.sqrt(phi * (1 - hat))
        big = s > threshold
        raw = np.where(big, s**-2.0, 1.0)
    gamma = len(s) / raw.sum()
    return gamma * raw


@dataclass(frozen=True)
class _Model:
    fit: QuasiPoissonFit
    x_names: tuple[str, ...]
    phi: float
    weights: np.ndarray | None  # reweighting weights; R stores them over the working weights


def _fit_flexible(
    x: np.ndarray, y: np.ndarray, names: tuple[str, ...], reweight: bool, threshold: float
) -> _Model | None:
    """``algo.farrington.fitGLM.flexible``: fit, drop the trend if no convergence, reweight."""
    fit = fit_quasipoisson(x, y, np.ones_like(y))
    if not fit.converged:
        if "trend" in names:
            keep = [i for i, nm in enumerate(names) if nm != "trend"]
            x, names = x[:, keep], tuple(names[i] for i in keep)
            fit = fit_quasipoisson(x, y, np.ones_like(y))
        if not fit.converged:
            return None
    phi = max(fit.dispersion, 1.0)
    if not reweight:
        return _Model(fit, names, phi, None)
    omega = _reweight(fit, y, phi, threshold)
    fit = fit_quasipoisson(x, y, omega)
    return _Model(fit, names, max(fit.dispersion, 1.0), omega)


def _summary_dispersion(model: _Model, y: np.ndarray) -> float:
    """The dispersion R's ``summary.glm`` and ``predict.glm`` see after the fit.

    R's fitting function overwrites the model's working weights with the
    reweighting weights, so later summaries use ``sum(omega * r^2) / df`` with
    working residuals ``r = (y - mu) / mu``; without reweighting it is Pearson's.
    """
    if model.weights is None:
        return model.fit.dispersion
    r = (y - model.fit.mu) / model.fit.mu
    w = model.weights
    return float(np.sum((w * r**2)[w > 0]) / model.fit.df_residual)


def _predict(model: _Model, x0: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error on the response scale, as ``predict.glm(se.fit = TRUE)``."""
    eta0 = float(x0 @ model.fit.coef)
    xr = x0 @ model.fit.r_inv
    se_eta = float(np.sqrt(np.sum(xr**2) * _summary_dispersion(model, y)))
    mu0 = float(np.exp(eta0))
    return mu0, se_eta * mu0


def _reference_mask(
    n: int, k: int, b: int, w: int, no_periods: int, past_excluded: int
) -> np.ndarray:
    """Factor level of every month for assessing month ``k`` (0 = not used), as R's ``blocks``."""
    levels = np.zeros(n, dtype=int)
    levels[k - w : k + 1] = no_periods
    refs = [k - _FREQ * i for i in range(b + 1)]
    for i in range(1, b + 1):
        ref = refs[i]
        levels[ref - w : ref + w + 1] = no_periods
        if no_periods != 1:
            period = refs[i - 1] - 2 * w - 1 - ref
            if period < no_periods - (2 * w + 1):
                msg = (
                    f"no_periods={no_periods} is too many for window_half_width={w}: "
                    "each gap between reference windows must hold a block per level"
                )
                raise OptionError(msg)
            size, rest = divmod(period, no_periods - 1)
            lengths = np.full(no_periods - 1, size)
            lengths[:rest] += 1
            starts = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)])
            for j in range(no_periods - 1):
                levels[starts[j] : starts[j + 1]] = j + 1
    levels[max(k - past_excluded, 0) : k + 1] = 0
    return levels


def reference_positions(k: int, years_back: int, window_half_width: int) -> np.ndarray:
    """Months the expected level of month ``k`` is fitted to (one period, R's defaults).

    Examples
    --------
    >>> reference_positions(30, 2, 1).tolist()
    [5, 6, 7, 17, 18, 19]

    """
    w = window_half_width
    return np.flatnonzero(_reference_mask(k + w + 1, k, years_back, w, 1, w))


def _assess(
    y: np.ndarray, k: int, opts: dict[str, object]
) -> tuple[float, tuple[float, float], bool | None, float, bool]:
    """Expected count, raw (lower, upper) bounds, trend used, phi and convergence for ``k``."""
    b, w = int(opts["years_back"]), int(opts["window_half_width"])  # type: ignore[call-overload]
    p = int(opts["no_periods"])  # type: ignore[call-overload]
    levels = _reference_mask(len(y), k, b, w, p, int(opts["past_months_excluded"]))  # type: ignore[call-overload]
    idx = np.flatnonzero(levels)
    yy = y[idx]
    columns: list[np.ndarray] = [np.ones(len(idx))]
    names = ["intercept"]
    x0 = [1.0]
    if opts["trend"]:
        columns.append(idx + 1.0)  # R's wtime: 1-based position in the series
        names.append("trend")
        x0.append(k + 1.0)
    if p != 1:
        present = np.unique(levels[idx])
        for lev in present[1:]:
            columns.append((levels[idx] == lev).astype(float))
            names.append(f"level{lev}")
            x0.append(1.0 if lev == p else 0.0)
    x = np.column_stack(columns)
    x0_arr = np.array(x0)
    reweight, thr = bool(opts["reweight"]), float(opts["weights_threshold"])  # type: ignore[arg-type]
    model = _fit_flexible(x, yy, tuple(names), reweight, thr)
    if model is None:
        return np.nan, (np.nan, np.nan), None, np.nan, False
    trend_used = False
    if "trend" in model.x_names:
        mu0, _ = _predict(model, x0_arr, yy)
        j = model.x_names.index("trend")
        se = np.sqrt(model.fit.r_inv[j] @ model.fit.r_inv[j] * _summary_dispersion(model, yy))
        with np.errstate(divide="ignore"):  # a reference series fitted exactly: se 0, t infinite
            pval = 2 * t_sf(abs(model.fit.coef[j] / se), model.fit.df_residual)
        trend_used = bool(b >= 3 and pval < 0.05 and mu0 <= yy.max())
        if not trend_used:
            keep = [i for i, nm in enumerate(names) if nm != "trend"]
            model = _fit_flexible(x[:, keep], yy, tuple(names[i] for i in keep), reweight, thr)
            x0_arr = x0_arr[keep]
            if model is None:
                return np.nan, (np.nan, np.nan), None, np.nan, False
    elif opts["trend"]:
        x0_arr = x0_arr[[i for i, nm in enumerate(names) if nm != "trend"]]
    mu0, se_fit = _predict(model, x0_arr, yy)
    bounds = _bounds(mu0, se_fit, model.phi, str(opts["power_transform"]), float(opts["alpha"]))  # type: ignore[arg-type]
    return mu0, bounds, trend_used, model.phi, True


def _bounds(
    mu0: float, se_fit: float, phi: float, transform: str, alpha: float
) -> tuple[float, float]:
    """One-sided ``alpha`` bounds below and above ``mu0``, built on the power scale.

    The upper one is ``algo.farrington.threshold.farrington``. The lower one is
    the ``alpha`` quantile of the same normal predictive distribution on the
    power scale, transformed back; it is 0 where that quantile is not positive.
    """
    tau = phi + se_fit**2 / mu0
    e = _EXPONENT[transform]
    se = {"2/3": np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau), "1/2": np.sqrt(tau / 4)}.get(
        transform, np.sqrt(mu0 * tau)
    )
    z = norm_ppf(1 - alpha)
    top, bottom = mu0**e + z * se, mu0**e - z * se
    upper = float(top ** (1 / e)) if top >= 0 else np.nan
    lower = float(bottom ** (1 / e)) if bottom > 0 else 0.0
    return (lower if np.isfinite(bottom) else np.nan), upper


def farrington(
    y: pd.Series,
    *,
    months: object = None,
    years_back: int = 5,
    window_half_width: int = 3,
    alpha: float = 0.05,
    trend: bool = True,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    power_transform: PowerTransform = "2/3",
    limit54: tuple[int, int] = (5, 4),
    no_periods: int = 1,
    past_months_excluded: int | None = None,
    side: Side = "both",
) -> AlertResult:
    """Flag months whose count is above the Farrington-flexible upper bound or below its lower one.

    Defaults are those of R's ``surveillance::farringtonFlexible``, which checks
    highs only (``side="high"``); the default here checks both sides.

    Parameters
    ----------
    y : pd.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    months : str, pd.Period, sequence of them, or None
        Months to assess. ``None`` assesses every month with enough history,
        i.e. from position ``12 * years_back + window_half_width`` on (R's
        default ``range``).
    years_back : int
        Years of history used for the reference values (R's ``b``).
    window_half_width : int
        Months either side of the same calendar month in each past year (``w``).
    alpha : float
        The upper bound is the upper end of a one-sided ``1 - alpha`` prediction
        interval (``qnorm(1 - alpha)``, as in R); the lower bound is the lower end
        of the other one-sided ``1 - alpha`` interval from the same predictive
        distribution. With ``side="both"`` an in-control month is flagged with
        probability about ``2 * alpha``.
    trend : bool
        Try a linear time trend. It is kept only if its p-value is below 0.05,
        the prediction does not exceed the largest reference count, and
        ``years_back >= 3`` (R's three rules); otherwise the model is refitted
        without it.
    reweight : bool
        Refit once with past outbreaks down-weighted: reference months whose
        standardised Anscombe residual exceeds ``weights_threshold`` get weight
        proportional to ``s**-2``, the others a constant; the weights sum to the
        number of reference months.
    weights_threshold : float
        Anscombe-residual threshold for reweighting.
    power_transform : {"2/3", "1/2", "none"}
        Scale on which the normal prediction interval is built.
    limit54 : (int, int)
        No high alarm, and no upper bound reported, unless the last
        ``limit54[1]`` months (the assessed month included) hold at least
        ``limit54[0]`` counts. R's rule guards against alarms on a few counts; it
        does not apply to the low side, where a fall to few counts is the signal
        and small expected counts give a lower bound of 0 instead.
    no_periods : int
        Number of factor levels splitting each year (1: reference windows only).
    past_months_excluded : int or None
        Months before the assessed one left out of the fit; ``None`` means
        ``window_half_width`` (R's default).
    side : {"high", "low", "both"}
        Which alarms to raise: above the upper bound, below the lower bound, or
        either. The bound of a side not checked is NaN.

    Returns
    -------
    AlertResult
        ``tidy()`` has columns month, observed, expected, upper_bound, alarm
        (either side), lower_bound, alarm_low, alarm_high, direction, verdict,
        trend_used, dispersion and min_count_met. A low alarm needs
        ``observed < lower_bound`` and the bound is at least 1 (below 1 only a zero lies
        under it, which a small expected count makes common).

    Raises
    ------
    DataError
        If a month to assess has fewer than ``12 * years_back + window_half_width``
        months before it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2015-01", periods=72, freq="M")
    >>> y = pd.Series(np.random.default_rng(1).poisson(20, 72), index=idx, name="incidents")
    >>> res = farrington(y, years_back=5, window_half_width=3)
    >>> list(res.tidy().columns[:5])
    ['month', 'observed', 'expected', 'upper_bound', 'alarm']

    """
    series = monthly_series(y)
    check_choice("power_transform", power_transform, POWER_TRANSFORMS)
    check_choice("side", side, SIDES)
    _check_int("years_back", years_back, 1)
    _check_int("window_half_width", window_half_width, 0)
    _check_int("no_periods", no_periods, 1)
    if past_months_excluded is None:
        past_months_excluded = window_half_width
    _check_int("past_months_excluded", past_months_excluded, 0)
    if not 1e-10 <= alpha < 0.5:
        # each bound is a one-sided (1 - alpha) quantile: from 0.5 on the bounds cross, and
        # below 1e-10 the quantile of 1 - alpha, as R computes it, loses its digits to rounding
        msg = (f"alpha must be at least 1e-10 and below 0.5 (0.05: a false alarm in about 1 "
               f"month in 20 on each side); got {alpha!r}")
        raise OptionError(msg)
    if len(limit54) != 2 or limit54[0] < 0 or limit54[1] < 1:
        msg = f"limit54 must be (cases >= 0, months >= 1); got {limit54!r}"
        raise OptionError(msg)
    need = _FREQ * years_back + window_half_width
    positions = resolve_months(series, months, default_start=need)
    check_history(
        series, positions, need,
        needs=f"farrington needs {need} months of history before each month assessed "
        f"({years_back} years back and a window of {window_half_width} months: 12 x "
        f"{years_back} + {window_half_width})",
        advice="Assess later months, lower years_back (--years-back), or use a longer series",
    )  # fmt: skip
    opts: dict[str, object] = {
        "years_back": years_back,
        "window_half_width": window_half_width,
        "alpha": alpha,
        "trend": trend,
        "reweight": reweight,
        "weights_threshold": weights_threshold,
        "power_transform": power_transform,
        "limit54": tuple(limit54),
        "no_periods": no_periods,
        "past_months_excluded": past_months_excluded,
        "side": side,
    }
    values = series.to_numpy()
    rows = []
    failed = []
    high, low = side != "low", side != "high"
    for k in positions:
        mu0, (lower, upper), trend_used, phi, ok = _assess(values, int(k), opts)
        if not ok:
            failed.append(str(series.index[k]))
        recent = values[max(k - limit54[1] + 1, 0) : k + 1].sum()
        enough = bool(recent >= limit54[0])
        obs = values[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (obs - mu0) / (upper - mu0)
        alarm_high = bool(high and enough and ok and np.isfinite(upper) and score > 1 and obs != 0)
        # a count below a bound under 1 is a zero, which a small mean makes common: a low
        # alarm needs a bound of at least 1 (a discreteness correction of the reflected bound)
        alarm_low = bool(low and ok and lower >= 1 and obs < lower)
        upper_shown = upper if enough and high else np.nan
        lower_shown = lower if low else np.nan
        no_upper = (
            "the reference-value model did not converge" if not ok
            else "" if enough
            else f"fewer than {limit54[0]} counts in the last {limit54[1]} months, R's "
            "minimum for an upper bound"
        )
        rows.append(
            {
                "month": series.index[k],
                "observed": obs,
                "expected": mu0,
                "upper_bound": upper_shown,
                "alarm": alarm_high or alarm_low,
                "lower_bound": lower_shown,
                "alarm_low": alarm_low,
                "alarm_high": alarm_high,
                "direction": direction(alarm_low, alarm_high),
                "verdict": verdict(
                    side,
                    alarm_low=alarm_low,
                    alarm_high=alarm_high,
                    lower=lower_shown,
                    upper=upper_shown,
                    no_lower="" if ok else "the reference-value model did not converge",
                    no_upper=no_upper,
                ),
                "trend_used": bool(trend_used),
                "dispersion": phi,
                "min_count_met": enough,
            }
        )
    if failed:
        warnings.warn(
            f"farrington: the reference-value GLM did not converge, with or without trend, "
            f"for {', '.join(failed)}; these months have no bound and no alarm",
            ModelWarning,
            stacklevel=2,
        )
    table = pd.DataFrame(rows)
    notes = []
    if high:
        notes.append(
            f"upper_bound: one-sided {100 * (1 - alpha):g}% prediction bound (R's); it is left "
            f"empty where fewer than {limit54[0]} counts fall in the last {limit54[1]} months"
        )
    if low:
        zero = int((table["lower_bound"] == 0).sum())
        notes.append(
            f"lower_bound: the lower one-sided {100 * (1 - alpha):g}% bound of the same "
            "predictive distribution (R computes only the upper one); a month is unusually "
            "low when its count is below it"
            + (
                f"; it is 0 in {zero} of {len(table)} months, where the expected count is too "
                "small for any count to be unusually low"
                if zero
                else ""
            )
        )
    if side == "both":
        notes.append(
            f"both sides checked, each at alpha = {alpha:g}: an ordinary month is flagged "
            f"on one side or the other with probability about {2 * alpha:g}"
        )
    if trend and years_back < 3:
        notes.append("trend is never used with years_back < 3 (R's rule)")
    return AlertResult(
        method="farrington",
        measure=None if series.name is None else str(series.name),
        settings=opts,
        table=table,
        notes=tuple(notes),
        side=side,
    )


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        msg = f"{name} must be a whole number >= {minimum}; got {value!r}"
        raise OptionError(msg)
