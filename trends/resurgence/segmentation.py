"""Several breaks at unknown months: binary segmentation with a BIC stopping rule.

Model: NB2 (or Poisson) log-linear, piecewise in time. With breaks at months
t_1 < ... < t_m the design is ``y ~ t + post_1 + tpost_1 + ... + post_m +
tpost_m + s1 + c1 + ...``: every segment has its own level and slope, the
seasonal harmonics and (NB2) theta are shared, theta by maximum likelihood.

Search (binary segmentation): start with no break. At each step every
admissible month (at least ``min_segment_months`` from every break found so far
and from both ends of the series) is tried as one more break; all candidate
models are fitted at once with the batched fitter, each started from the
current model's estimate. The month that raises the log-likelihood most is
added if that lowers the BIC; the search stops at the first step that does
not, when no admissible month is left, or at ``max_breaks``. Breaks found
earlier are kept where they are (they are not re-placed after later breaks).

Zeros: within its segment a candidate must leave, on each side, either at
least 5 months with a non-zero count (the rule of ``its_test``) or none at
all. A side with 1-4 active months would let a segment's own level and slope
fit a handful of counts at its edge and nothing else (the estimates diverge),
so such months are skipped. A segment with no counts at all is allowed, so
that activity starting from nothing (or stopping) is found at the right month;
its level ratio is then reported as inf (or 0) and its slope ratio as NaN
(``None`` in JSON), since a rate ratio against zero has no finite value.

BIC = -2 loglik + log(n) * k, with k = the regression coefficients
(2 + 2 harmonics + 2 per break), theta (NB2) and one per break month: the
break month is estimated too, and is counted as strucchange's
``breakpoints()`` counts it. Adding a break therefore costs 3 log(n).

The number of breaks is chosen by BIC, not tested: no p-value is given for
it, and none should be read into the LR gains (the best month of a scan is
selected, so its LR is not chi-square). Whether there is any break at all is
tested by :func:`trends.resurgence.detect_break` (sup-LR with a bootstrap).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import DataError, ModelWarning, OptionError
from trends.minimums import MIN_ACTIVE_MONTHS, MIN_SEGMENT_MONTHS
from trends.models.batched import BatchFit, fit_batch
from trends.models.design import break_columns, build_design
from trends.options import PENALTIES, SCAN_FAMILIES, Penalty, ScanFamily, check_choice
from trends.results import ResultView
from trends.validate import monthly_series

SegmentFamily = ScanFamily
_THETA_START_LIMIT = 1e8


@dataclass(frozen=True)
class MultiBreakResult(ResultView):
    """Result of :func:`detect_breaks`; breaks are in time order."""

    breaks: tuple[str, ...]
    order_found: tuple[int, ...]
    level_ratios: tuple[float, ...]
    slope_ratios_per_year: tuple[float, ...]
    lr_gains: tuple[float, ...]
    bic_changes: tuple[float, ...]
    bic: tuple[float, ...]
    loglik: tuple[float, ...]
    rejected_month: str | None
    stop_reason: str
    theta: float
    family: str
    n_months: int
    min_segment_months: int
    max_breaks: int
    harmonics: int
    penalty: str
    n_not_converged: int
    coefficients: pd.Series = field(repr=False)
    scans: tuple[pd.DataFrame, ...] = field(repr=False)

    @property
    def n_breaks(self) -> int:
        """Number of breaks chosen."""
        return len(self.breaks)

    def tidy(self) -> pd.DataFrame:
        """One row per break (time order): month, order_found, level_ratio, ..., bic_change."""
        return pd.DataFrame({
            "month": list(self.breaks),
            "order_found": list(self.order_found),
            "level_ratio": list(self.level_ratios),
            "slope_ratio_per_year": list(self.slope_ratios_per_year),
            "lr_gain": list(self.lr_gains),
            "bic_change": list(self.bic_changes),
        })

    def summary(self) -> str:
        """Readable report of the search."""
        lines = [
            f"Breaks by binary segmentation ({self.family}, {self.n_months} months, segments "
            f">= {self.min_segment_months} months, at most {self.max_breaks} breaks)",
            f"Breaks chosen by BIC: {self.n_breaks} (chosen, not tested: no p-value; the "
            "single-break bootstrap test is `trends detect`)",
        ]
        for row in self.tidy().itertuples(index=False):
            lines.append(
                f"  {row.month} (found {row.order_found}): level ratio {row.level_ratio:.3f}, "
                f"slope ratio per year {row.slope_ratio_per_year:.3f}, LR gain "
                f"{row.lr_gain:.2f}, BIC change {row.bic_change:.2f}"
            )
        if not all(map(math.isfinite, self.level_ratios + self.slope_ratios_per_year)):
            lines.append("  (inf / 0 / nan: a segment next to the break has no counts)")
        if self.n_breaks > 1:
            lines.append(f"  Each ratio is read from one model with all {self.n_breaks} breaks, "
                         "each segment with its own trend, so it can differ from a single-break "
                         "fit at that month (such as `trends detect`'s)")
        if self.n_not_converged:
            lines.append(f"  Warning: {self.n_not_converged} chosen fit(s) did not converge")
        bics = ", ".join(f"{k}: {b:.2f}" for k, b in enumerate(self.bic))
        lines.append(f"BIC by number of breaks: {bics}")
        lines.append(f"Stopped: {_STOP_TEXT[self.stop_reason]}")
        return "\n".join(lines)

    def plot(self) -> Any:
        """The first scan's likelihood ratio by month, with every break chosen marked."""
        from trends.charts.results import scan_chart

        first = self.scans[0] if self.scans else pd.DataFrame({"month": [], "lr_gain": []})
        scan = first.rename(columns={"lr_gain": "lr"})
        return scan_chart(scan, breaks=list(self.breaks),
                          title=f"Breaks by binary segmentation: {self.n_breaks}")

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        return {
            "method": "binary segmentation, BIC",
            "n_breaks": self.n_breaks,
            "breaks": [
                {
                    "month": month,
                    "order_found": found,
                    "level_ratio": _finite_or_none(level),
                    "slope_ratio_per_year": _finite_or_none(slope),
                    "lr_gain": gain,
                    "bic_change": change,
                }
                for month, found, level, slope, gain, change in zip(
                    self.breaks, self.order_found, self.level_ratios,
                    self.slope_ratios_per_year, self.lr_gains, self.bic_changes, strict=True,
                )
            ],
            "bic": [float(b) for b in self.bic],
            "loglik": [float(v) for v in self.loglik],
            "rejected_month": self.rejected_month,
            "stop_reason": self.stop_reason,
            "theta": None if math.isinf(self.theta) else float(self.theta),
            "family": self.family,
            "n_months": self.n_months,
            "min_segment_months": self.min_segment_months,
            "max_breaks": self.max_breaks,
            "harmonics": self.harmonics,
            "penalty": self.penalty,
            "n_not_converged": self.n_not_converged,
        }


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


_STOP_TEXT = {
    "bic": "the best further break did not lower the BIC",
    "max_breaks": "reached max_breaks",
    "no_candidate": "no month left with min_segment_months to every break and both ends "
    f"and {MIN_ACTIVE_MONTHS} months with a count on each side (or none on one side)",
}


def segment_design(base: np.ndarray, positions: list[int]) -> np.ndarray:
    """``base`` (intercept, t, harmonics) followed by post_k, tpost_k for each break position."""
    n = base.shape[0]
    cols = [base]
    for position in positions:
        post, tpost = break_columns(n, position)
        cols.append(np.column_stack([post, tpost]))
    return np.hstack(cols)


def admissible(
    n_months: int, breaks: list[int], min_segment_months: int,
    active: np.ndarray | None = None,
) -> list[int]:
    """Candidate positions for one more break.

    A position must leave >= ``min_segment_months`` months to every break and to
    both ends; with ``active`` (months with a non-zero count) each side of it
    within its segment must hold >= ``MIN_ACTIVE_MONTHS`` active months, or
    none while the other side holds enough.
    """
    edges = [0, *sorted(breaks), n_months]
    cum = None if active is None else np.concatenate([[0], np.cumsum(active)])
    out = []
    for c in range(min_segment_months, n_months - min_segment_months + 1):
        if any(abs(c - b) < min_segment_months for b in breaks):
            continue
        if cum is not None:
            lo = max(e for e in edges if e <= c)
            hi = min(e for e in edges if e > c)
            sides = sorted((cum[c] - cum[lo], cum[hi] - cum[c]))
            if sides[1] < MIN_ACTIVE_MONTHS or 0 < sides[0] < MIN_ACTIVE_MONTHS:
                continue
        out.append(c)
    return out


def _n_parameters(base_columns: int, n_breaks: int, family: str) -> int:
    return base_columns + 3 * n_breaks + (1 if family == "negbin" else 0)


def _best_addition(
    base: np.ndarray, values: np.ndarray, breaks: list[int], current: BatchFit,
    candidates: list[int], family: SegmentFamily,
) -> BatchFit:
    """Fit the current model plus one break at every candidate month."""
    X_cur = segment_design(base, breaks)
    stack = np.stack([segment_design(X_cur, [c]) for c in candidates])
    start = np.zeros((len(candidates), 1, stack.shape[2]))
    start[:, :, : X_cur.shape[1]] = current.beta[0]
    theta0 = np.minimum(current.theta[0], _THETA_START_LIMIT)
    fits = fit_batch(stack, values[None], family=family, start_beta=start,
                     start_theta=np.broadcast_to(theta0, (len(candidates), 1)))
    return fits


def detect_breaks(
    y: pd.Series,
    *,
    max_breaks: int = 3,
    min_segment_months: int = MIN_SEGMENT_MONTHS,
    family: SegmentFamily = "negbin",
    harmonics: int = 2,
    penalty: Penalty = "bic",
) -> MultiBreakResult:
    """Find several level-and-slope breaks at unknown months by binary segmentation.

    The number of breaks is chosen by BIC (break months counted as parameters);
    it is not a test and no p-value is given. Use :func:`detect_break` to test
    whether there is any break.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    max_breaks : int
        Largest number of breaks to add (>= 1).
    min_segment_months : int
        Months required between breaks and between a break and either end (>= 3).
    family : {"negbin", "poisson"}
        Count family; NB2 re-estimates theta for every fit.
    harmonics : int
        Fourier pairs for seasonality, shared by all segments.
    penalty : {"bic"}
        Stopping rule: add a break only while it lowers
        -2 loglik + log(n) * (coefficients + theta + break months).

    Returns
    -------
    MultiBreakResult
        Breaks in time order, with the level and slope ratios of the final
        joint fit and the LR gain and BIC change at the step each was found.

    Examples
    --------
    >>> idx = pd.period_range("2015-01", periods=72, freq="M")
    >>> rate = np.select([np.arange(72) < 24, np.arange(72) < 48], [20.0, 80.0], 30.0)
    >>> y = pd.Series(np.random.default_rng(1).poisson(rate), index=idx)
    >>> detect_breaks(y, family="poisson").breaks
    ('2017-01', '2019-01')

    """
    check_choice("family", family, SCAN_FAMILIES)
    check_choice("penalty", penalty, PENALTIES)
    if isinstance(max_breaks, bool) or not isinstance(max_breaks, int) or max_breaks < 1:
        msg = f"max_breaks must be a whole number >= 1; got {max_breaks!r}"
        raise OptionError(msg)
    if isinstance(min_segment_months, bool) or not isinstance(min_segment_months, int) \
            or min_segment_months < 3:
        msg = (f"min_segment_months must be a whole number >= 3 (a level and a slope per "
               f"segment); got {min_segment_months!r}")
        raise OptionError(msg)
    series = monthly_series(y)
    n = len(series)
    base = build_design(series.index, harmonics=harmonics).to_numpy()
    needed = max(2 * min_segment_months, base.shape[1] + 3 + 2)
    if n < needed:
        msg = (f"series has {n} months; a break search with min_segment_months="
               f"{min_segment_months} and {harmonics} harmonics needs at least {needed}; "
               "lower min_segment_months or use a longer series")
        raise DataError(msg)
    values = series.to_numpy()
    if not np.any(values > 0):
        msg = "series: all counts are zero; there is no break to find"
        raise DataError(msg)

    log_n = math.log(n)
    current = fit_batch(base, values[None], family=family)
    breaks: list[int] = []
    lls = [float(current.loglik[0, 0])]
    bics = [-2.0 * lls[0] + log_n * _n_parameters(base.shape[1], 0, family)]
    gains: list[float] = []
    scans: list[pd.DataFrame] = []
    rejected: str | None = None
    stop = "max_breaks"
    not_converged = int((~current.converged).sum())
    while len(breaks) < max_breaks:
        candidates = admissible(n, breaks, min_segment_months, values > 0)
        if not candidates:
            stop = "no_candidate"
            break
        fits = _best_addition(base, values, breaks, current, candidates, family)
        ll = fits.loglik[:, 0]
        scans.append(pd.DataFrame({
            "month": [str(series.index[c]) for c in candidates],
            "loglik": ll,
            "lr_gain": 2.0 * (ll - lls[-1]),
        }))
        best = int(np.argmax(ll))
        new_ll = float(ll[best])
        new_bic = -2.0 * new_ll + log_n * _n_parameters(base.shape[1], len(breaks) + 1, family)
        lls.append(new_ll)
        bics.append(new_bic)
        if new_bic >= bics[-2]:
            rejected = str(series.index[candidates[best]])
            stop = "bic"
            break
        breaks.append(candidates[best])
        gains.append(max(2.0 * (new_ll - lls[-2]), 0.0))
        not_converged += int(not fits.converged[best, 0])
        current = BatchFit(fits.beta[best : best + 1], fits.loglik[best : best + 1],
                           fits.theta[best : best + 1], fits.converged[best : best + 1],
                           fits.iterations)
    result = _result(series, base, values, breaks, current, lls, bics, gains, scans, rejected,
                     stop, not_converged, family, min_segment_months, max_breaks, harmonics,
                     penalty)
    if result.n_not_converged:
        warnings.warn(
            f"series {series.name or 'y'!r}: {result.n_not_converged} of the chosen break "
            "models did not converge; treat the breaks and ratios with caution",
            ModelWarning,
            stacklevel=2,
        )
    return result


def _result(
    series: pd.Series, base: np.ndarray, values: np.ndarray, breaks: list[int],
    current: BatchFit, lls: list[float], bics: list[float], gains: list[float],
    scans: list[pd.DataFrame], rejected: str | None, stop: str, not_converged: int,
    family: SegmentFamily, min_segment_months: int, max_breaks: int, harmonics: int,
    penalty: str,
) -> MultiBreakResult:
    """Refit the chosen breaks in time order and collect the result."""
    order = np.argsort(breaks).astype(int)
    ordered = [breaks[i] for i in order]
    p0 = base.shape[1]
    start = np.asarray(current.beta[0, 0], dtype=float).copy()
    for slot, i in enumerate(order):
        start[p0 + 2 * slot : p0 + 2 * slot + 2] = current.beta[0, 0, p0 + 2 * i : p0 + 2 * i + 2]
    final = fit_batch(segment_design(base, ordered), values[None], family=family,
                      start_beta=start[None, None],
                      start_theta=np.minimum(current.theta, _THETA_START_LIMIT))
    beta = final.beta[0, 0]
    theta = float(final.theta[0, 0])
    if final.loglik[0, 0] < current.loglik[0, 0] - 1e-9 * abs(current.loglik[0, 0]):
        beta, theta = start, float(current.theta[0, 0])  # the search's fit, reordered
    names = list(build_design(series.index[:1], harmonics=harmonics).columns)
    for k in range(1, len(ordered) + 1):
        names += [f"post_{k}", f"tpost_{k}"]
    found = [int(i) + 1 for i in order]
    levels, slopes = _ratios(beta[p0:], values, ordered)
    return MultiBreakResult(
        breaks=tuple(str(series.index[b]) for b in ordered),
        order_found=tuple(found),
        level_ratios=levels,
        slope_ratios_per_year=slopes,
        lr_gains=tuple(gains[i - 1] for i in found),
        bic_changes=tuple(bics[i] - bics[i - 1] for i in found),
        bic=tuple(bics),
        loglik=tuple(lls),
        rejected_month=rejected,
        stop_reason=stop,
        theta=theta,
        family=family,
        n_months=len(series),
        min_segment_months=min_segment_months,
        max_breaks=max_breaks,
        harmonics=harmonics,
        penalty=penalty,
        n_not_converged=not_converged + int((~final.converged).sum()),
        coefficients=pd.Series(beta, index=names, name="coefficient"),
        scans=tuple(scans),
    )


def _ratios(
    break_terms: np.ndarray, values: np.ndarray, positions: list[int],
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """exp(b_post_k) and exp(12 b_tpost_k); inf / 0 and NaN next to a segment of zeros."""
    edges = [0, *positions, len(values)]
    levels, slopes = [], []
    for k in range(len(positions)):
        before = np.any(values[edges[k] : edges[k + 1]] > 0)
        after = np.any(values[edges[k + 1] : edges[k + 2]] > 0)
        if before and after:
            levels.append(float(np.exp(break_terms[2 * k])))
            slopes.append(float(np.exp(12.0 * break_terms[2 * k + 1])))
        else:
            levels.append(math.inf if after else 0.0)
            slopes.append(math.nan)
    return tuple(levels), tuple(slopes)
