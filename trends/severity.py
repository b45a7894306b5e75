"""Severity of incidents: the heavy tail of deaths per incident.

Deaths per incident are heavy-tailed: most incidents kill few, a handful
kill hundreds. :func:`fit_power_law` fits a discrete power law
``P(X = x) = x**-alpha / zeta(alpha, xmin)`` for ``x >= xmin`` following
Clauset, Shalizi and Newman (2009, "CSN"). The split of a change in
monthly deaths into frequency and deaths per incident is in
``trends.decompose``. See docs/severity.md.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from trends._deprecate import renamed_keywords
from trends.errors import DataError, ModelWarning, OptionError
from trends.results import ResultView

MIN_TAIL_SIZE = 10
_ALPHA_BOUNDS = (1.0001, 50.0)
_STEP = 1e-5


def sample_discrete_power_law(
    alpha: float, xmin: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw from the discrete power law ``P(X = x) ∝ x**-alpha``, ``x >= xmin``.

    Exact inversion of the survival function ``P(X >= x) = zeta(alpha, x) /
    zeta(alpha, xmin)`` by integer bisection. Draws are capped at ``2**52``.

    Examples
    --------
    >>> x = sample_discrete_power_law(2.5, 3, 1000, np.random.default_rng(0))
    >>> int(x.min()) >= 3
    True

    """
    if alpha <= 1 or xmin < 1 or size < 0:
        msg = f"need alpha > 1, xmin >= 1 and size >= 0; got {alpha}, {xmin}, {size}"
        raise OptionError(msg)
    target = 1.0 - rng.random(size)  # uniform on (0, 1]
    norm = special.zeta(alpha, xmin)

    def survival(x: np.ndarray) -> np.ndarray:
        return np.asarray(special.zeta(alpha, x) / norm)

    cap = 2.0**52
    lo = np.full(size, float(xmin))
    guess = np.floor((xmin - 0.5) * target ** (-1.0 / (alpha - 1.0)) + 0.5)
    hi = np.minimum(np.maximum(2.0 * guess, xmin + 1.0), cap)
    while np.any(grow := (survival(hi) >= target) & (hi < cap)):
        hi[grow] = np.minimum(2.0 * hi[grow], cap)
    while np.any(active := hi - lo > 1):
        mid = np.floor((lo + hi) / 2)
        above = survival(mid) >= target
        lo = np.where(active & above, mid, lo)
        hi = np.where(active & ~above, mid, hi)
    return lo.astype(np.int64)


def _mle_alpha(mean_log: np.ndarray, xmin: np.ndarray) -> np.ndarray:
    """Discrete MLE of alpha for each (mean log x, xmin) pair.

    The log-likelihood ``-n log zeta(alpha, xmin) - alpha sum(log x)`` is
    concave in alpha; its maximum solves ``E_alpha[log X] = mean(log x)``
    with ``E_alpha[log X] = -d/dalpha log zeta(alpha, xmin)``, decreasing in
    alpha, found by 60 bisection steps. NaN where the tail is all at ``xmin``.
    A pair whose bracket has closed to one number is left alone (a further
    step would not move it), so only open brackets are evaluated.
    """

    def mean_log_model(alpha: np.ndarray, at: np.ndarray) -> np.ndarray:
        upper = np.log(special.zeta(alpha + _STEP, at))
        lower = np.log(special.zeta(alpha - _STEP, at))
        return -(upper - lower) / (2 * _STEP)

    lo = np.full(mean_log.shape, _ALPHA_BOUNDS[0])
    hi = np.full(mean_log.shape, _ALPHA_BOUNDS[1])
    solvable = mean_log > mean_log_model(hi, xmin)
    open_ = np.arange(mean_log.size)
    for _ in range(60):
        open_ = open_[lo[open_] != hi[open_]]
        if not open_.size:
            break
        low, high = lo[open_], hi[open_]
        mid = (low + high) / 2
        too_heavy = mean_log_model(mid, xmin[open_]) > mean_log[open_]
        lo[open_] = np.where(too_heavy, mid, low)
        hi[open_] = np.where(too_heavy, high, mid)
    return np.where(solvable, (lo + hi) / 2, np.nan)


def _ks_distance(values: np.ndarray, counts: np.ndarray, alpha: float, xmin: int) -> float:
    """Largest gap between the empirical and fitted CDF of the tail, over all integers.

    Both CDFs are step functions; between data values the empirical one is
    flat, so the supremum is at a data value ``u`` or at ``u - 1``.
    """
    cum = np.cumsum(counts) / counts.sum()
    before = np.concatenate([[0.0], cum[:-1]])
    norm = special.zeta(alpha, xmin)
    model_at = 1.0 - special.zeta(alpha, values + 1.0) / norm
    model_before = 1.0 - special.zeta(alpha, values) / norm
    return float(max(np.max(np.abs(cum - model_at)), np.max(np.abs(before - model_before))))


def _ks_distances(
    values: np.ndarray, counts: np.ndarray, alphas: np.ndarray, starts: np.ndarray,
    limit: int | None = None,
) -> np.ndarray:
    """:func:`_ks_distance` of each tail ``values[j:]`` (xmin ``values[j]``), j = ``starts[i]``.

    The same numbers as one call per tail, from one evaluation of the
    Hurwitz zeta function per (alpha, integer) pair: the CDFs at ``u`` and
    ``u - 1`` share their zeta values wherever ``u + 1`` is also a data value,
    and the normalising zeta(alpha, xmin) is the first of them. With
    ``limit``, only the first ``limit`` data values of each tail are looked
    at: a lower bound of its distance.
    """
    grid = np.union1d(values, values + 1.0)  # sorted; holds every u and u + 1
    stops = np.full(starts.shape, values.size) if limit is None else np.minimum(
        starts + limit, values.size)
    first = np.searchsorted(grid, values[starts])
    sizes = np.searchsorted(grid, values[stops - 1] + 1.0) + 1 - first
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    spots = np.arange(offsets[-1]) - np.repeat(offsets[:-1] - first, sizes)
    zetas = special.zeta(np.repeat(alphas, sizes), grid[spots])
    at_u = np.searchsorted(grid, values)
    at_next = np.searchsorted(grid, values + 1.0)
    lengths = stops - starts
    tails = np.concatenate([np.arange(j, stop) for j, stop in zip(starts, stops, strict=True)])
    base = np.repeat(offsets[:-1] - first, lengths)  # a tail's grid spot -> its zeta value
    norm = np.repeat(zetas[offsets[:-1]], lengths)
    model_at = 1.0 - zetas[base + at_next[tails]] / norm
    model_before = 1.0 - zetas[base + at_u[tails]] / norm
    total = np.concatenate([[0], np.cumsum(counts)])
    below = np.repeat(total[starts], lengths)
    size = np.repeat(total[-1] - total[starts], lengths)
    cum = (total[tails + 1] - below) / size
    before = (total[tails] - below) / size
    edges = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    gap_at = np.maximum.reduceat(np.abs(cum - model_at), edges)
    gap_before = np.maximum.reduceat(np.abs(before - model_before), edges)
    return np.array([max(a, b) for a, b in zip(gap_at, gap_before, strict=True)])


PROBE = 12
"""Data values of each candidate tail whose CDF gaps bound its KS distance from below."""


def _closest(values: np.ndarray, counts: np.ndarray, alphas: np.ndarray,
             fitted: np.ndarray) -> tuple[int, float] | None:
    """The first candidate (index into ``fitted``) with the smallest KS distance, and that distance.

    The distance of every candidate is bounded from below by its first
    ``PROBE`` data values; only candidates whose bound does not exceed the
    distance of the most promising one can be the closest (or tie with it),
    so only their whole distances are computed. The result is that of
    comparing every whole distance in order.
    """
    bound = _ks_distances(values, counts, alphas, fitted, PROBE)
    hopeful = np.flatnonzero(bound == np.nanmin(bound)) if np.any(bound == bound) else None
    if hopeful is None:
        return None  # every bound is NaN, and so is every distance
    lead = int(hopeful[0])
    limit = _ks_distances(values, counts, alphas[[lead]], fitted[[lead]])[0]
    check = np.flatnonzero(bound <= limit) if limit == limit else np.arange(fitted.size)
    distances = _ks_distances(values, counts, alphas[check], fitted[check])
    best: tuple[int, float] | None = None
    for i, ks in zip(check, distances, strict=True):
        if ks < (math.inf if best is None else best[1]):
            best = (int(i), ks)
    return best


@dataclass(frozen=True)
class _Tails:
    """A sorted sample's distinct values and counts, and its candidate xmins (a prefix)."""

    values: np.ndarray
    counts: np.ndarray
    n_at_or_above: np.ndarray
    candidates: int
    mean_log: np.ndarray


def _tails(positive: np.ndarray, min_tail_size: int) -> _Tails:
    values, counts = np.unique(positive, return_counts=True)
    n_at_or_above = np.cumsum(counts[::-1])[::-1]
    log_sum = np.cumsum((np.log(values) * counts)[::-1])[::-1]
    keep = n_at_or_above >= min_tail_size
    return _Tails(values, counts, n_at_or_above, int(keep.sum()),
                  log_sum[keep] / n_at_or_above[keep])


def _fit_tails(tails: list[_Tails]) -> list[tuple[float, int, int, float] | None]:
    """:func:`_fit_tail` with xmin estimated, of every sample at once (None: no fit possible).

    The bisections of every sample's candidates run together; the results are
    those of one call per sample.
    """
    if not tails:
        return []
    alphas = _mle_alpha(np.concatenate([t.mean_log for t in tails]),
                        np.concatenate([t.values[:t.candidates] for t in tails]))
    out: list[tuple[float, int, int, float] | None] = []
    at = 0
    for t in tails:
        mine = alphas[at:at + t.candidates]
        at += t.candidates
        fitted = np.flatnonzero(np.isfinite(mine))
        found = _closest(t.values, t.counts, mine[fitted], fitted) if fitted.size else None
        if found is None:
            out.append(None)
            continue
        j, ks = int(fitted[found[0]]), found[1]
        out.append((mine[j], int(t.values[j]), int(t.n_at_or_above[j]), ks))
    return out


def _fit_tail(
    positive: np.ndarray, xmin: int | None, min_tail_size: int
) -> tuple[float, int, int, float]:
    """Return (alpha, xmin, n_tail, ks) for sorted positive counts."""
    if xmin is None:
        found = _fit_tails([_tails(positive, min_tail_size)])[0]
        if found is None:
            msg = (
                f"no candidate xmin leaves {min_tail_size} or more incidents in the tail "
                f"with at least two distinct values ({positive.size} incidents with deaths); "
                "a power-law fit needs more incidents"
            )
            raise DataError(msg)
        return found
    values, counts = np.unique(positive, return_counts=True)
    in_tail = values >= xmin
    n_tail = int(counts[in_tail].sum())
    if n_tail < min_tail_size:
        msg = (
            f"only {n_tail} incidents have {xmin} or more deaths; the fit needs at least "
            f"{min_tail_size}. Lower xmin or use more incidents"
        )
        raise DataError(msg)
    mean_log = np.sum(np.log(values[in_tail]) * counts[in_tail]) / n_tail
    alpha = float(_mle_alpha(np.array([mean_log]), np.array([float(xmin)]))[0])
    if math.isnan(alpha):
        msg = f"every tail incident has exactly {xmin} deaths; alpha cannot be estimated"
        raise DataError(msg)
    return alpha, xmin, n_tail, _ks_distance(values[in_tail], counts[in_tail], alpha, xmin)


def _counts(deaths: object) -> tuple[np.ndarray, int]:
    """Known death counts as floats, and how many were missing."""
    series = pd.Series(deaths).astype("Float64")
    missing = int(series.isna().sum())
    values = series.dropna().to_numpy(dtype=float)
    if np.any(values < 0) or np.any(values != np.floor(values)) or np.any(np.isinf(values)):
        bad = values[(values < 0) | (values != np.floor(values)) | np.isinf(values)][0]
        msg = (
            f"deaths per incident must be non-negative whole numbers; found {bad}. "
            "The discrete power law needs integer counts (e.g. killed_best)"
        )
        raise DataError(msg)
    return values, missing


def quantile_interval(draws: np.ndarray, level: float) -> tuple[float, float] | None:
    """Central ``level`` interval of bootstrap draws, or None when there are none."""
    if draws.size == 0:
        return None
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@dataclass(frozen=True)
class PowerLawResult(ResultView):
    """A discrete power-law fit to the tail of deaths per incident.

    ``n`` counts incidents with a known number of deaths, ``n_zero`` those
    with none (never in the tail), ``n_tail`` those with at least ``xmin``.
    Intervals are bootstrap percentile intervals over the whole procedure
    (``xmin`` re-chosen in each replicate); ``None`` with no replicates.
    """

    alpha: float
    alpha_se: float
    alpha_ci: tuple[float, float] | None
    xmin: int
    xmin_ci: tuple[float, float] | None
    xmin_estimated: bool
    n: int
    n_zero: int
    n_missing: int
    n_tail: int
    ks_distance: float
    gof_p_value: float | None
    bootstrap_replicates: int
    gof_replicates: int
    failed_replicates: int
    confidence_level: float
    seed: int

    def tidy(self) -> pd.DataFrame:
        """One row per parameter (alpha, xmin): estimate, std_error, ci_low, ci_high."""
        alpha_ci = self.alpha_ci or (math.nan, math.nan)
        xmin_ci = self.xmin_ci or (math.nan, math.nan)
        return pd.DataFrame(
            {
                "term": ["alpha", "xmin"],
                "estimate": [self.alpha, float(self.xmin)],
                "std_error": [self.alpha_se, math.nan],
                "ci_low": [alpha_ci[0], xmin_ci[0]],
                "ci_high": [alpha_ci[1], xmin_ci[1]],
            }
        )

    def plot(self) -> Any:
        """The exponent and xmin with their bootstrap intervals."""
        from trends.charts.results import estimates_chart

        return estimates_chart(self.tidy(), label="Estimate (95% CI)",
                               title=f"Power-law tail above {self.xmin} deaths",
                               subtitle=f"{self.n_tail} incidents in the tail")

    def summary(self) -> str:
        """Plain-text report of the fit and its goodness of fit."""
        pct = round(100 * self.confidence_level)
        ci = (
            ""
            if self.alpha_ci is None
            else (f"; {pct}% bootstrap CI {self.alpha_ci[0]:.2f} to {self.alpha_ci[1]:.2f}")
        )
        how = "chosen by minimum KS distance" if self.xmin_estimated else "fixed by the user"
        lines = [
            "Power-law tail of deaths per incident (discrete MLE; Clauset, Shalizi & Newman 2009)",
            f"Incidents with known deaths: {self.n} ({self.n_zero} with no deaths, excluded; "
            f"{self.n_missing} missing, dropped).",
            f"Tail: {self.n_tail} incidents with {self.xmin} or more deaths (xmin {how}).",
            f"alpha = {self.alpha:.3f} (SE {self.alpha_se:.3f}{ci}).",
        ]
        if self.gof_p_value is None:
            lines.append(f"KS distance {self.ks_distance:.4f}; goodness of fit not tested.")
        else:
            verdict = "plausible" if self.gof_p_value >= 0.1 else "ruled out (p < 0.1)"
            lines.append(
                f"KS distance {self.ks_distance:.4f}; goodness-of-fit p = {self.gof_p_value:.2f} "
                f"({self.gof_replicates} bootstrap replicates): a power-law tail is {verdict}."
            )
        lines.append(
            "A plausible power law is not proof of one; other heavy tails may fit as well."
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of every field."""
        out = asdict(self)
        for key in ("alpha_ci", "xmin_ci"):
            out[key] = None if out[key] is None else [float(v) for v in out[key]]
        return out


def _refit(
    samples: Iterable[np.ndarray], xmin: int | None, min_tail_size: int
) -> list[tuple[float, int, int, float] | None]:
    """The fit of every bootstrap sample, in order (None where it cannot be fitted).

    The draws do not depend on the fits, so drawing every sample first (each
    kept as its distinct values only) and fitting them together gives the
    results of drawing and fitting in turn.
    """
    if xmin is None:
        return _fit_tails([_tails(sample, min_tail_size) for sample in samples])
    out: list[tuple[float, int, int, float] | None] = []
    for sample in samples:
        try:
            out.append(_fit_tail(sample, xmin, min_tail_size))
        except DataError:
            out.append(None)
    return out


@renamed_keywords(bootstrap_replicates="bootstrap", gof_replicates="gof_bootstrap")
def fit_power_law(
    deaths: object,
    *,
    xmin: int | None = None,
    bootstrap: int = 200,
    gof_bootstrap: int = 200,
    min_tail_size: int = MIN_TAIL_SIZE,
    confidence_level: float = 0.95,
    seed: int = 0,
) -> PowerLawResult:
    """Fit a discrete power law to the tail of deaths per incident (CSN 2009).

    For each candidate ``xmin`` (each distinct death count leaving at least
    ``min_tail_size`` incidents at or above it) alpha is the discrete maximum
    likelihood estimate, maximising the Hurwitz-zeta likelihood; ``xmin`` is
    the candidate whose fit has the smallest Kolmogorov-Smirnov distance to
    the tail. Incidents with zero deaths are excluded and counted.

    Parameters
    ----------
    deaths : array_like
        Deaths per incident (e.g. ``incidents["killed_best"]``); missing values
        are dropped and counted.
    xmin : int, optional
        Fix the lower bound of the tail instead of estimating it.
    bootstrap : int
        Resamples of the incidents for the percentile intervals of alpha and
        xmin (whole procedure repeated); 0 skips them.
    gof_bootstrap : int
        Synthetic data sets for the goodness-of-fit p-value (CSN section 4.1,
        semi-parametric: body resampled, tail drawn from the fit); 0 skips it.
        200 replicates give the p-value to about +-0.035.
    min_tail_size : int
        Fewest incidents a tail may have.
    confidence_level : float
        Level of the bootstrap intervals.
    seed : int
        Seed of both bootstraps.

    Returns
    -------
    PowerLawResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> deaths = sample_discrete_power_law(2.4, 1, 2000, rng)
    >>> fit = fit_power_law(deaths, xmin=1, bootstrap=0, gof_bootstrap=0)
    >>> round(fit.alpha, 1)
    2.4

    """
    if xmin is not None and (xmin < 1 or xmin != int(xmin)):
        msg = f"xmin must be a whole number >= 1; got {xmin}"
        raise OptionError(msg)
    if not 0 < confidence_level < 1 or bootstrap < 0 or gof_bootstrap < 0:
        msg = "confidence_level must be in (0, 1) and replicate counts >= 0"
        raise OptionError(msg)
    values, missing = _counts(deaths)
    positive = np.sort(values[values > 0])
    fixed = None if xmin is None else int(xmin)
    if positive.size < min_tail_size:
        msg = (
            f"{positive.size} incidents have one or more deaths ({values.size - positive.size} "
            f"have none, {missing} missing); a power-law fit needs at least {min_tail_size}"
        )
        raise DataError(msg)
    alpha, xmin_hat, n_tail, ks = _fit_tail(positive, fixed, min_tail_size)
    rng = np.random.default_rng(seed)

    def samples() -> Iterator[np.ndarray]:
        for _ in range(bootstrap):
            yield np.sort(rng.choice(positive, size=positive.size, replace=True))
        body = positive[positive < xmin_hat]
        for _ in range(gof_bootstrap):
            n_from_tail = rng.binomial(positive.size, n_tail / positive.size)
            tail = sample_discrete_power_law(alpha, xmin_hat, n_from_tail, rng)
            rest = rng.choice(body, size=positive.size - n_from_tail) if body.size else np.empty(0)
            yield np.sort(np.concatenate([rest, tail.astype(float)]))

    fits = _refit(samples(), fixed, min_tail_size)
    boot = [(fit[0], fit[1]) for fit in fits[:bootstrap] if fit is not None]
    synthetic_ks = [fit[3] for fit in fits[bootstrap:] if fit is not None]
    failed = sum(fit is None for fit in fits)
    boot_arr = np.array(boot, dtype=float).reshape(-1, 2)
    if failed > 0.05 * (bootstrap + gof_bootstrap):
        warnings.warn(
            f"{failed} bootstrap replicates could not be fitted (tail too small); "
            "the intervals and p-value rest on the others",
            ModelWarning,
            stacklevel=2,
        )
    return PowerLawResult(
        alpha=float(alpha),
        alpha_se=float((alpha - 1) / math.sqrt(n_tail)),
        alpha_ci=quantile_interval(boot_arr[:, 0], confidence_level),
        xmin=int(xmin_hat),
        xmin_ci=quantile_interval(boot_arr[:, 1], confidence_level),
        xmin_estimated=fixed is None,
        n=int(values.size),
        n_zero=int(np.sum(values == 0)),
        n_missing=missing,
        n_tail=int(n_tail),
        ks_distance=float(ks),
        gof_p_value=float(np.mean(np.array(synthetic_ks) >= ks)) if synthetic_ks else None,
        bootstrap_replicates=bootstrap,
        gof_replicates=gof_bootstrap,
        failed_replicates=failed,
        confidence_level=confidence_level,
        seed=seed,
    )
