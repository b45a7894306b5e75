"""Negative-binomial GLR and CUSUM charts for sustained rises or falls in monthly counts.

A port of ``surveillance::glrnb`` (R package surveillance 1.20, ``change =
"intercept"``, ``dir = "inc"`` and ``dir = "dec"``, ``ret = "value"``; C routines
``glr_nb_window`` and ``lr_cusum_nb``). The in-control mean ``mu0`` comes from a
negative binomial GLM fitted by maximum likelihood (coefficients and ``theta``
jointly, as ``MASS::glm.nb``) to every month before the first month monitored.
Under the alternative the mean is multiplied by ``exp(kappa)`` from some month
``k`` on: ``kappa >= 0`` for the rise chart, ``kappa <= 0`` for the fall chart.

* ``method="glr"``: at month ``n`` the statistic is
  ``max_k max_{kappa} l_{n,k}(kappa)`` with
  ``l_{n,k} = sum_{i=k}^{n} kappa x_i + (x_i + 1/alpha) log((1 + alpha mu0_i) /
  (1 + alpha mu0_i exp(kappa)))``; alarm when it reaches ``c_arl``.
* ``method="cusum"``: ``kappa = log(shift_ratio)`` (rise) or ``-log(shift_ratio)``
  (fall) is fixed and the statistic is the recursive
  ``S_n = max(0, S_{n-1} + l_{n,n}(kappa))``; alarm when it exceeds ``c_arl``.

After an alarm a chart starts afresh from the next month, as in R. With
``side="both"`` the rise and the fall chart run side by side, each restarting
after its own alarms.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from trends.alerts.result import AlertResult, check_history, direction, resolve_months
from trends.alerts.words import verdict
from trends.errors import DataError, ModelWarning, OptionError
from trends.minimums import MIN_ALERT_BASELINE_MONTHS
from trends.models.surveillance_fits import fit_negbin_ml
from trends.options import GLR_METHODS, SIDES, GlrMethod, Side, check_choice
from trends.validate import monthly_series


def fit_negbin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The in-control NB2 fit of ``y ~ x``: ``(coef, theta)``, as ``MASS::glm.nb`` gives them.

    Without overdispersion (or when the fit fails) the Poisson fit is used with
    ``theta = 1e8`` (alpha = 1e-8), with a :class:`ModelWarning`.
    """
    coef, theta = fit_negbin_ml(x, y)
    if theta is not None:
        return coef, theta
    warnings.warn(
        "glrnb: the baseline shows no overdispersion (or the negative binomial fit did not "
        "converge); using the Poisson fit for the in-control mean and alpha = 1e-8",
        ModelWarning,
        stacklevel=3,
    )
    return coef, 1e8


def _design(t: np.ndarray, harmonics: int, trend: bool) -> np.ndarray:
    cols = [np.ones(len(t))]
    if trend:
        cols.append(t)
    for s in range(1, harmonics + 1):
        cols += [np.cos(2 * s * np.pi / 12 * t), np.sin(2 * s * np.pi / 12 * t)]
    return np.column_stack(cols)


WILD_ALPHA = 4.0
"""An in-control alpha (1 / theta) past this says the baseline is no single regime: every
governorate's IS incidents in the bundled GED file stay below 2.7, Syria's deaths since 1989
reach 16.7."""


def _log_ratio(kappa: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """``log((1 + alpha mu) / (1 + alpha mu exp(kappa)))``, accurate for small alpha."""
    return np.log1p(alpha * mu) - np.log1p(alpha * mu * np.exp(kappa))


def _lnk(kappa: np.ndarray, x: np.ndarray, mu: np.ndarray, alpha: float, mask: np.ndarray):
    """``l_{n,k}`` for each row ``k`` (``kappa`` per row; ``mask`` marks i >= k)."""
    k = kappa[:, None]
    term = k * x + (x + 1 / alpha) * _log_ratio(k, mu, alpha)
    return np.sum(np.where(mask, term, 0.0), axis=1)


def _kappa_ml(
    x: np.ndarray, mu: np.ndarray, alpha: float, mask: np.ndarray, sign: int = 1
) -> np.ndarray:
    """MLE of ``kappa`` for every start ``k`` at once, clamped at 0 on the chart's side.

    ``sign=1`` (rise) keeps ``kappa >= 0``, ``sign=-1`` (fall) keeps ``kappa <= 0``,
    as R's ``dir * fmax(0, dir * kappa)``.

    Newton-Raphson with R's score, Fisher information, start (0.5), tolerance
    (1e-6) and floor (-18), as in ``glr_nb_window``. The log-likelihood is concave
    in ``kappa``, so a step that leaves the bracket ``[-18, 50]`` known to hold
    the root is replaced by bisection; this only matters where R's plain Newton
    would overflow. For the fall chart R's plain Newton can also jump below the
    floor from a start far above the root and stop there; the bracket keeps the
    root instead (see docs/alerts.md).
    """
    rows = mask.shape[0]
    kappa, lo, hi = np.full(rows, 0.5), np.full(rows, -18.0), np.full(rows, 50.0)
    active = np.ones(rows, dtype=bool)
    xx, mm = x[None, :], mu[None, :]
    for _ in range(1000):
        a = np.flatnonzero(active)
        k, m = kappa[a][:, None], mask[a]
        e = np.exp(k)
        score = np.sum(np.where(m, (xx - e * mm) / (1 + alpha * e * mm), 0.0), axis=1)
        fisher = e[:, 0] * np.sum(
            np.where(m, mm * (alpha * xx + 1) / (1 + alpha * e * mm) ** 2, 0.0), axis=1
        )
        lo[a] = np.where(score > 0, kappa[a], lo[a])
        hi[a] = np.where(score > 0, hi[a], kappa[a])
        with np.errstate(divide="ignore", invalid="ignore"):
            new = kappa[a] + score / fisher
        outside = ~np.isfinite(new) | (new < lo[a]) | (new > hi[a])
        new = np.where(outside, 0.5 * (lo[a] + hi[a]), new)
        done = (np.abs(new - kappa[a]) <= 1e-6) | (new <= -18 + 1e-9)
        kappa[a] = new
        active[a[done]] = False
        if not active.any():
            break
    return np.maximum(kappa, 0.0) if sign > 0 else np.minimum(kappa, 0.0)


def _glr_at(
    x: np.ndarray, mu: np.ndarray, alpha: float, window: int | None, sign: int = 1
) -> float:
    """GLR statistic at the last position of ``x`` (chart started at position 0)."""
    n = len(x) - 1
    low = 0 if window is None else max(0, n - window)
    ks = np.arange(low, n + 1)
    mask = np.arange(n + 1)[None, :] >= ks[:, None]
    kappa = _kappa_ml(x, mu, alpha, mask, sign)
    # a likelihood ratio at its maximum is >= 0; at kappa = 0 rounding can leave -1e-16
    return max(0.0, float(np.max(_lnk(kappa, x, mu, alpha, mask))))


def _glr_bound(
    x: np.ndarray, mu: np.ndarray, alpha: float, window: int | None, c: float, sign: int = 1
) -> float:
    """Count at the last position where the GLR statistic reaches ``c``.

    Rise chart: the smallest such count (0 if even 0 alarms). Fall chart: the
    crossing below which counts alarm (to within 1e-7, from above, so that a
    fall alarm means ``count < bound``), or 0 if not even a count of 0 would.
    The statistic is monotone in that count (non-decreasing for the rise chart,
    non-increasing for the fall chart), so bisection finds the crossing.
    """
    trial = x.astype(float).copy()

    def alarms(value: float) -> bool:
        trial[-1] = value
        return _glr_at(trial, mu, alpha, window, sign) >= c

    lo, hi = 0.0, max(2.0 * mu[-1], 10.0)
    if alarms(lo) == (sign > 0):
        return 0.0
    while alarms(hi) != (sign > 0):
        lo, hi = hi, 2 * hi
    while hi - lo > 1e-7 * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if alarms(mid) == (sign > 0) else (mid, hi)
    return hi


def _run_glr(x, mu, alpha, c, window, bounds=True, sign=1):
    """Statistic, count bound and alarm for each month, restarting after alarms."""
    stat, bound, alarm = np.zeros(len(x)), np.zeros(len(x)), np.zeros(len(x), dtype=bool)
    start = 0
    for n in range(len(x)):
        seg_x, seg_mu = x[start : n + 1], mu[start : n + 1]
        stat[n] = _glr_at(seg_x, seg_mu, alpha, window, sign)
        bound[n] = _glr_bound(seg_x, seg_mu, alpha, window, c, sign) if bounds else np.nan
        if stat[n] >= c:
            alarm[n] = True
            start = n + 1
    return stat, bound, alarm


def _run_cusum(x, mu, alpha, c, kappa):
    """R's ``lr_cusum_nb`` recursion with its closed-form count bound (``ret = "cases"``).

    The bound is the count at which ``S_n`` would equal ``c``: a rise chart
    (``kappa > 0``) alarms above it, a fall chart (``kappa < 0``) below it; it is
    set to 0 where it would be negative, as R does.
    """
    stat, bound, alarm = np.zeros(len(x)), np.zeros(len(x)), np.zeros(len(x), dtype=bool)
    prev = 0.0
    for n in range(len(x)):
        log_a = float(_log_ratio(np.array(kappa), mu[n], alpha))
        z = kappa * x[n] + (x[n] + 1 / alpha) * log_a
        stat[n] = max(0.0, prev + z)
        bound[n] = max(0.0, (c - prev - log_a / alpha) / (kappa + log_a))
        if stat[n] > c:
            alarm[n] = True
            prev = 0.0
        else:
            prev = stat[n]
    return stat, bound, alarm


def _restarts(months: pd.Index, high: np.ndarray, low: np.ndarray, i: int) -> str:
    """Words on a chart that restarted after an earlier alarm and has not alarmed since."""
    out = []
    for name, flags in (("rise", high), ("fall", low)):
        before = np.flatnonzero(flags[:i])
        if len(before) and not flags[i]:
            out.append(f"the {name} chart restarted after its alarm in {months[before[-1]]}")
    return "; " + "; ".join(out) if out else ""


def glrnb(
    y: pd.Series,
    *,
    months: object = None,
    baseline_months: int = 36,
    method: GlrMethod = "glr",
    c_arl: float = 5.0,
    shift_ratio: float | None = None,
    harmonics: int = 1,
    baseline_trend: bool = False,
    window_months: int | None = None,
    in_control_mean: np.ndarray | None = None,
    dispersion: float | None = None,
    side: Side = "both",
) -> AlertResult:
    """Flag sustained rises or falls with negative binomial GLR (or CUSUM) charts.

    Defaults follow R's ``surveillance::glrnb`` (``c.ARL = 5``, ``mu0`` model with
    one harmonic pair and no trend, ``alpha`` estimated, ``M = -1``, ``Mtilde = 1``),
    which watches one direction per call (``dir``); ``side="both"`` runs R's
    ``dir = "inc"`` and ``dir = "dec"`` charts side by side.

    Parameters
    ----------
    y : pd.Series
        Monthly counts (whole numbers) on a complete monthly ``PeriodIndex``.
    months : str, pd.Period, sequence of them, or None
        Consecutive months to monitor. Every month before the first is the
        baseline for the in-control model. ``None`` monitors every month after
        the first ``baseline_months``.
    baseline_months : int
        Length of the baseline when ``months`` is None.
    method : {"glr", "cusum"}
        ``"glr"`` estimates the size of the change (R's default, ``theta = NULL``);
        ``"cusum"`` looks for a change of fixed size: a rise by the factor
        ``shift_ratio`` (R's ``theta = log(shift_ratio)``) or a fall by the same
        factor (``theta = -log(shift_ratio)``).
    c_arl : float
        Alarm threshold for the statistic (R's ``c.ARL``).
    shift_ratio : float or None
        Multiplicative change the CUSUM is tuned to (> 1); needed for ``"cusum"``.
    harmonics : int
        Sine/cosine pairs (period 12) in the in-control model (R's ``S``).
    baseline_trend : bool
        Add a linear time trend to the in-control model (extrapolated into the
        monitored months).
    window_months : int or None
        Only changes that began at most this many months ago are considered
        (R's ``M``); ``None`` considers all since the chart last restarted.
    in_control_mean : array or None
        In-control means for the monitored months, instead of the fitted model.
    dispersion : float or None
        NB2 dispersion ``alpha = 1 / theta``; ``None`` estimates it from the baseline.
    side : {"high", "low", "both"}
        Watch for rises (R's ``dir = "inc"``), falls (``dir = "dec"``) or both,
        each chart at threshold ``c_arl``.

    Returns
    -------
    AlertResult
        ``tidy()`` has columns month, observed, expected (the in-control mean),
        upper_bound (smallest count that would raise a rise alarm this month,
        given the months since that chart last restarted), alarm (either side),
        lower_bound (the largest count that would raise a fall alarm, 0 if none
        would), alarm_low, alarm_high, direction, verdict, statistic (rise
        chart), statistic_low (fall chart) and threshold. Columns of a side not
        watched are NaN.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rng = np.random.default_rng(3)
    >>> mean = np.r_[np.full(40, 10.0), np.full(8, 40.0)]
    >>> y = pd.Series(rng.negative_binomial(5, 5 / (5 + mean)), index=idx, name="incidents")
    >>> glrnb(y, months=idx[36:]).alarm_months[:1]
    ['2019-05']

    """
    series = monthly_series(y, integer=True)
    check_choice("method", method, GLR_METHODS)
    check_choice("side", side, SIDES)
    if not c_arl > 0:
        msg = f"c_arl must be positive; got {c_arl!r}"
        raise OptionError(msg)
    kappa = 0.0
    if method == "cusum":
        if shift_ratio is None or not shift_ratio > 1:
            msg = f"method='cusum' needs shift_ratio > 1 (the rise to detect); got {shift_ratio!r}"
            raise OptionError(msg)
        kappa = float(np.log(shift_ratio))
    if window_months is not None and window_months < 0:
        msg = f"window_months must be None or >= 0; got {window_months!r}"
        raise OptionError(msg)
    if dispersion is not None and not dispersion > 0:
        msg = f"dispersion must be positive (small for near-Poisson); got {dispersion!r}"
        raise OptionError(msg)
    positions = resolve_months(series, months, default_start=baseline_months)
    n_params = 1 + int(baseline_trend) + 2 * harmonics
    need = max(MIN_ALERT_BASELINE_MONTHS, n_params + 2) if in_control_mean is None else 0
    check_history(
        series, positions, need,
        needs=f"glrnb needs at least {need} baseline months before the first month monitored "
        "to fit the in-control model",
        advice="Monitor later months or give in_control_mean",
    )  # fmt: skip
    if np.any(np.diff(positions) != 1):
        msg = "glrnb: months to monitor must be consecutive"
        raise DataError(msg)
    values = series.to_numpy()
    train = np.arange(1, positions[0] + 1, dtype=float)  # R's t: 1-based positions
    alpha = dispersion
    if in_control_mean is None:
        base = values[: positions[0]]
        if base.sum() == 0:
            msg = (
                f"glrnb: the baseline of series {series.name or 'series'!r} is all zero "
                f"({series.index[0]} to {series.index[positions[0] - 1]}); no in-control "
                "mean can be fitted. Give in_control_mean or use a longer baseline"
            )
            raise DataError(msg)
        coef, theta = fit_negbin(_design(train, harmonics, baseline_trend), base)
        mu0 = np.exp(_design(positions + 1.0, harmonics, baseline_trend) @ coef)
        if alpha is None:
            alpha = 1.0 / theta
    else:
        mu0 = np.asarray(in_control_mean, dtype=float)
        if mu0.shape != positions.shape or np.any(~(mu0 > 0)):
            msg = (
                f"in_control_mean must hold {len(positions)} positive values, one per month "
                f"monitored; got shape {mu0.shape}"
            )
            raise OptionError(msg)
        if alpha is None:
            msg = "in_control_mean needs dispersion (alpha = 1/theta) as well"
            raise OptionError(msg)
    x = values[positions]
    charts = {}
    for name, sign in (("high", 1), ("low", -1)):
        if side in (name, "both"):
            charts[name] = (
                _run_glr(x, mu0, alpha, c_arl, window_months, sign=sign)
                if method == "glr"
                else _run_cusum(x, mu0, alpha, c_arl, sign * kappa)
            )
        else:
            charts[name] = (np.full(len(x), np.nan),) * 2 + (np.zeros(len(x), dtype=bool),)
    stat, upper, high = charts["high"]
    stat_low, lower, low = charts["low"]
    rule = "at or above the upper bound" if method == "glr" else "above the upper bound"
    months_out = series.index[positions]
    words = [
        verdict(side, alarm_low=bool(low[i]), alarm_high=bool(high[i]), lower=lower[i],
                upper=upper[i], high_rule=rule, low_possible=bool(lower[i] > 0))
        + _restarts(months_out, high, low, i)
        for i in range(len(x))
    ]
    table = pd.DataFrame(
        {
            "month": months_out,
            "observed": x,
            "expected": mu0,
            "upper_bound": upper,
            "alarm": high | low,
            "lower_bound": lower,
            "alarm_low": low,
            "alarm_high": high,
            "direction": [direction(lo, hi) for lo, hi in zip(low, high, strict=True)],
            "verdict": words,
            "statistic": stat,
            "statistic_low": stat_low,
            "threshold": np.full(len(x), float(c_arl)),
        }
    )
    settings = {
        "method": method,
        "c_arl": c_arl,
        "shift_ratio": shift_ratio,
        "harmonics": harmonics,
        "baseline_trend": baseline_trend,
        "window_months": window_months,
        "dispersion": float(alpha),
        "baseline": f"{series.index[0]} to {series.index[positions[0] - 1]}",
        "in_control_mean": "given" if in_control_mean is not None else "fitted",
        "side": side,
    }
    notes = []
    if in_control_mean is None and dispersion is None and alpha > WILD_ALPHA:
        wild = (
            f"the in-control model fitted to {settings['baseline']} is extremely overdispersed "
            f"(alpha {alpha:.3g}): the baseline mixes quiet and violent stretches, so the "
            "bounds are too wide for the charts to alarm; start the baseline where the series "
            "is stable (--start YYYY-MM), or use farrington"
        )
        warnings.warn(wild, ModelWarning, stacklevel=2)
        notes.append(wild)
    if side != "low":
        notes.append(
            "upper_bound is the smallest count that would raise a rise alarm in that month "
            "given the months since the rise chart last restarted"
        )
    if side != "high":
        zero = int(np.sum(lower == 0))
        notes.append(
            "lower_bound is the largest count that would raise a fall alarm in that month "
            "given the months since the fall chart last restarted"
            + (f"; it is 0 in {zero} of {len(x)} months, where no count could" if zero else "")
        )
    if side != "high" and alpha > 0.05:
        notes.append(
            "with overdispersed counts the fall chart raises more false alarms than the rise "
            "chart at the same c_arl (mean 20, alpha 0.2: about 20% against 8% of in-control "
            "5-year runs; see docs/alerts.md)"
        )
    notes.append(
        "each chart restarts after its own alarms"
        + ("; with both sides watched, false alarms come from either chart" if side == "both"
           else "")
    )
    return AlertResult("glrnb", None if series.name is None else str(series.name), settings,
                       table, tuple(notes), side)
