"""Test for a break at an unknown month: sup-LR scan with a parametric bootstrap.

Every month with at least ``min_segment_months`` months on each side is a
candidate; the statistic is the largest likelihood-ratio statistic of a level
and slope change (sup LR). Its null distribution is not chi-square, so the
p-value comes from a parametric bootstrap: B series are simulated from the
fitted no-break model (NB2 with its theta), the null and every alternative
are refitted with the batched fitter, and p = (1 + #{sup LR_b >= sup LR}) / (B + 1).

Bootstrap noise (``inference``): "bootstrap" (default) draws NB2 counts around
the fitted no-break mean times exp(u_t), u_t latent Gaussian AR(1) noise whose
rho and variance are estimated by moments from the residuals of the best
break model, bias-corrected as in :mod:`trends.resurgence.bootstrap`. With
rho estimated as 0 this is the plain NB2 bootstrap. "model" draws
independent NB2 (or Poisson) counts from the fitted no-break model, which
ignores autocorrelation and rejects far too often on autocorrelated series
(docs/calibration.md).

Confidence set for the break month: the months whose LR lies within
chi2_1(level) = 3.84 (for 95%) of the maximum, a likelihood-ratio set for the
break location. It is approximate (the break date is not a regular
parameter); read it as the months the data cannot tell apart from the
estimate, not as an exact 95% interval.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.errors import DataError
from trends.minimums import MIN_ACTIVE_MONTHS, MIN_SEGMENT_MONTHS
from trends.models.batched import BatchFit, fit_batch, imap_processes, imap_threads
from trends.models.breakscore import break_scores, top_candidates
from trends.models.design import (
    aligned_covariates,
    build_design,
    log_exposure,
    scan_designs,
)
from trends.models.distributions import chi2_ppf
from trends.models.latent import LatentAR1
from trends.models.newton import ETA_LIMIT
from trends.options import INFERENCES, SCAN_FAMILIES, Inference, ScanFamily, check_choice
from trends.results import ResultView, smallest_p
from trends.resurgence.bootstrap import calibrated_latent
from trends.validate import OPTION_RULES, check_level, check_range, monthly_series

_BOOT_CHUNK = 100
_SLOW_CALIBRATION = 0.3  # seconds
MIN_TESTED_MONTHS = 2 * MIN_ACTIVE_MONTHS  # months with a count for a p-value (5 a side)
SideBySide = Literal["threads", "processes", "auto"]
SCREEN = 5  # months per bootstrap series refitted in full after ranking by score
ABSURD_RATIO = 100.0
"""A level ratio beyond this factor either way says the trend before cannot be carried on
(in the verdict too: :func:`trends.resurgence.checks.absurd_flags`)."""
MAX_MEAN_RATIO = 100.0
"""A break model whose fitted mean exceeds the largest count this many times does not describe
the series (52 real series stay within 2.7 times; a few spikes among zeros reach 1e7)."""


STRONG_RHO = 0.8
"""Latent autocorrelation from which an unidentified noise estimate takes the scan's power."""


@dataclass(frozen=True)
class BreakScanResult(ResultView):
    """Result of :func:`detect_break`."""

    break_month: str
    statistic: float
    p_value: float
    confidence_set: tuple[str, ...]
    bootstrap: int
    family: str
    n_months: int
    min_segment_months: int
    level_ratio: float
    scan: pd.DataFrame = field(repr=False)
    bootstrap_statistics: np.ndarray = field(repr=False)
    n_not_converged: int = 0
    inference: str = "bootstrap"
    seed: int = 0
    latent: LatentAR1 | None = None
    level_note: str = ""
    p_value_note: str = ""
    """Why there is no p-value, when the bootstrap was asked for and not run ("" otherwise)."""

    def tidy(self) -> pd.DataFrame:
        """Scan table: month, lr, in_confidence_set."""
        table = self.scan.copy()
        table["in_confidence_set"] = table["month"].isin(self.confidence_set)
        return table

    def summary(self) -> str:
        """Readable report of the scan test."""
        months = ", ".join(self.confidence_set)
        return "\n".join([
            f"Break scan ({self.family}, {self.n_months} months, candidates with >= "
            f"{self.min_segment_months} months each side)",
            f"Estimated break: {self.break_month} ("
            + (f"level ratio {self.level_ratio:.3f}: the level in the break month over the "
               "trend before it, carried on)" if not self.level_note
               else f"level ratio not estimated: {self.level_note})"),
            f"sup LR = {self.statistic:.3f}, "
            + (f"bootstrap p not computed: {self.p_value_note}" if self.p_value_note else
               f"bootstrap p = {self.p_value:.4g} ({self.bootstrap} replicates, seed "
               f"{self.seed}; {smallest_p(self.bootstrap)})"),
            *([] if self.p_value_note else [f"Inference: {self._inference_text()}"]),
            *([self.p_value_caveat] if self.p_value_caveat else []),
            f"Confidence set (LR within {chi2_ppf(0.95, 1):.2f} of the maximum): {months}"
            + ("; every candidate month: the data do not place a break"
               if len(self.confidence_set) == len(self.scan) else ""),
            *(["With no p-value, the break month and its confidence set only say where the "
               "scan's models fit best, not that anything changed."]
              if self.p_value_note else []),
        ])

    @property
    def p_value_caveat(self) -> str:
        """Why a large p-value is no evidence against a break, when the noise hit a bound.

        The bootstrap's noise is fitted to the months with the break in them; where
        that fit hits a bound (autocorrelation 0.95, all the extra variation), its
        no-break series wander enough to make break-sized statistics by themselves,
        and the test loses most of its power (the seat-belt law of February 1983 scans
        at p = 0.33). "" otherwise.
        """
        noise = self.latent
        if (noise is None or not noise.flags or self.p_value_note or not self.p_value >= 0.05
                or not ("rho_at_bound" in noise.flags or noise.rho >= STRONG_RHO)):
            return ""
        return (f"This p-value is no evidence against a break: the noise it assumes "
                f"(autocorrelation {noise.rho:.2f}) is at the edge of what these data identify, "
                "and noise that strongly autocorrelated wanders enough to make break-sized "
                "statistics by itself. For a month you have in mind, `trends assess --since "
                "YYYY-MM` tests it under the other noise settings the data allow.")

    def _inference_text(self) -> str:
        if self.inference == "bootstrap" and self.latent is not None:
            flags = (f"; the noise is not well identified by these data "
                     f"({self.latent.flag_text()}), so the p-value depends on it"
                     if self.latent.flags else "")
            return (f"parametric bootstrap with latent AR(1) noise (rho = {self.latent.rho:.2f}, "
                    f"sd = {self.latent.sd:.3f}{flags})")
        return ("parametric bootstrap with independent counts from the no-break model "
                "(ignores autocorrelation)")

    def plot(self) -> Any:
        """The likelihood ratio of a break at every candidate month, the best one marked."""
        from trends.charts.results import scan_chart

        return scan_chart(self.scan, breaks=[self.break_month],
                          confidence_set=self.confidence_set,
                          title=f"Break scan: best month {self.break_month}",
                          subtitle=f"bootstrap p = {self.p_value:.3g}")

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        return {
            "test": "detect",
            "inference": self.inference,
            "seed": self.seed,
            "latent_noise": None if self.latent is None else self.latent.to_dict(),
            "break_month": self.break_month,
            "statistic": float(self.statistic),
            "p_value": float(self.p_value),
            "confidence_set": list(self.confidence_set),
            "bootstrap": self.bootstrap,
            "family": self.family,
            "n_months": self.n_months,
            "min_segment_months": self.min_segment_months,
            "level_ratio": finite_or_none(self.level_ratio),
            "level_ratio_note": self.level_note,
            "p_value_note": self.p_value_note,
            "p_value_caveat": self.p_value_caveat,
            "n_not_converged": self.n_not_converged,
            "scan": [
                {"month": m, "lr": float(v)}
                for m, v in zip(self.scan["month"], self.scan["lr"], strict=True)
            ],
        }


@dataclass(frozen=True)
class _Scan:
    null: BatchFit
    alt: BatchFit
    lr: np.ndarray  # (K, B)


def _null_columns(names: list[str]) -> list[int]:
    return [i for i, c in enumerate(names) if c not in ("post", "tpost")]


def scan_statistics(
    X_null: np.ndarray, X_alt: np.ndarray, Y: np.ndarray, family: ScanFamily,
    offset: np.ndarray | None = None,
) -> _Scan:
    """Fit the no-break model and every candidate break to each row of ``Y``."""
    null = fit_batch(X_null, Y, family=family, offset=offset)
    keep = _null_columns(["(Intercept)", "t", "post", "tpost"] + ["s"] * (X_alt.shape[2] - 4))
    start = np.zeros((X_alt.shape[0], Y.shape[0], X_alt.shape[2]))
    start[:, :, keep] = null.beta[0][None]
    theta0 = np.where(np.isfinite(null.theta[0]), null.theta[0], 1e8)
    alt = fit_batch(X_alt, Y, family=family, offset=offset, start_beta=start,
                    start_theta=np.broadcast_to(theta0, (X_alt.shape[0], Y.shape[0])))
    lr = np.maximum(2.0 * (alt.loglik - null.loglik), 0.0)
    return _Scan(null, alt, lr)


def detect_break(
    y: pd.Series,
    *,
    min_segment_months: int = MIN_SEGMENT_MONTHS,
    bootstrap: int = 999,
    seed: int = 0,
    family: ScanFamily = "negbin",
    harmonics: int = 2,
    confidence_level: float = 0.95,
    inference: Inference = "bootstrap",
    progress: bool = False,
    offset: pd.Series | None = None,
    covariates: pd.DataFrame | None = None,
    side_by_side: SideBySide = "threads",
    min_active_months: int = MIN_TESTED_MONTHS,
    max_mean_ratio: float = MAX_MEAN_RATIO,
) -> BreakScanResult:
    """Find the most likely break month and test whether any break exists.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts on a complete monthly ``PeriodIndex``.
    min_segment_months : int
        Months required on each side of a candidate break.
    bootstrap : int
        Parametric bootstrap replicates for the p-value (0 skips the test).
    seed : int
        Seed of the bootstrap.
    family : {"negbin", "poisson"}
        Count family of the scan (NB2 re-estimates theta for every fit).
    harmonics : int
        Fourier pairs for seasonality.
    confidence_level : float
        Level of the chi-square distance defining the confidence set.
    inference : {"bootstrap", "model"}
        Bootstrap noise: NB2 with latent AR(1) noise estimated from the data
        ("bootstrap", calibrated for autocorrelated series) or independent
        counts from the fitted no-break model ("model").
    progress : bool
        Show a progress bar (tqdm, on stderr) over the bootstrap.
    offset : pandas.Series, optional
        Exposure by month (its log is the offset).
    covariates : pandas.DataFrame, optional
        Numeric regressors by month, in every model of the scan.
    min_active_months : int
        Months with a count the series needs for a p-value: with fewer, the
        scan is made but the bootstrap is not run (``p_value`` NaN, and
        ``p_value_note`` says why). A few months of counts among zeros fit
        any model of a break and none; the p-value would be an artefact of
        the model drawn from.
    max_mean_ratio : float
        When the best break model's fitted mean in some month exceeds the
        largest count this many times, the model does not describe the series
        (it chases a few spikes with means of up to 1e13 where the count was
        0): the bootstrap, whose noise is estimated from that model's
        residuals, is not run, and the level ratio is not estimated.
    side_by_side : {"threads", "processes", "auto"}
        How the bootstrap's chunks share the cores: threads, forked processes
        (for fits that creep towards infinite coefficients, whose many small
        steps threads cannot share; Linux only), or "auto": processes when
        the noise calibration took over 0.3 s, for a program that has the
        cores to itself (``trends detect``). The results are the same.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rate = np.where(np.arange(48) >= 30, 30.0, 10.0)
    >>> y = pd.Series(np.random.default_rng(2).poisson(rate), index=idx)
    >>> res = detect_break(y, bootstrap=99, family="poisson")
    >>> res.break_month in res.confidence_set, res.p_value < 0.05
    (True, True)

    """
    check_choice("family", family, SCAN_FAMILIES)
    check_choice("inference", inference, INFERENCES)
    check_choice("side_by_side", side_by_side, ("threads", "processes", "auto"))
    check_range("bootstrap", bootstrap, low=0, high=OPTION_RULES["bootstrap"].high)
    check_range("seed", seed, low=0, high=OPTION_RULES["seed"].high)
    check_range("min_segment_months", min_segment_months, low=1)
    check_level("confidence_level", confidence_level)
    series = monthly_series(y)
    n = len(series)
    positions = list(range(min_segment_months, n - min_segment_months + 1))
    if not positions or n < 2 * min_segment_months + 2 * harmonics + 4:
        msg = (
            f"series has {n} months; a break scan with min_segment_months="
            f"{min_segment_months} needs at least {2 * min_segment_months + 2 * harmonics + 4}"
        )
        raise DataError(msg)
    values = series.to_numpy()
    if not np.any(values > 0):
        msg = "series: all counts are zero; there is no break to find"
        raise DataError(msg)
    extra = aligned_covariates(covariates, series.index)
    off = log_exposure(offset, series.index)
    X_null = build_design(series.index, harmonics=harmonics, covariates=extra).to_numpy()
    X_alt = scan_designs(series.index, positions, harmonics=harmonics, covariates=extra)
    observed = scan_statistics(X_null, X_alt, values[None], family, off)
    lr = observed.lr[:, 0]
    best = int(np.argmax(lr))
    sup = float(lr[best])
    latent = None
    rng = np.random.default_rng(seed)
    processes = side_by_side == "processes"
    active = int(np.count_nonzero(values))
    too_few = (f"only {active} of the {n} months {'has' if active == 1 else 'have'} a count; "
               f"a p-value needs at least {min_active_months}"
               if 0 < bootstrap and active < min_active_months else "")
    runaway, runaway_short = ("", "") if too_few else _runaway(
        values, X_alt[best], observed.alt.beta[best, 0], off, series.index, max_mean_ratio)
    if too_few or runaway:
        bootstrap = 0
    if inference == "bootstrap" and bootstrap > 0:
        best_nb = fit_batch(X_alt[best], values[None], family="negbin", offset=off)
        start = time.perf_counter()
        latent = calibrated_latent(values, X_alt[best], off, best_nb, rng)
        # the calibration fits 600 series as the bootstrap fits 999 x 6: slow fits there are
        # fits creeping towards infinite coefficients, so the bootstrap pays for forking
        # (about 0.05 s) to run in processes
        if side_by_side == "auto":
            processes = time.perf_counter() - start > _SLOW_CALIBRATION
        null_nb = fit_batch(X_null, values[None], family="negbin", offset=off)
    else:
        null_nb = observed.null
    boot = _bootstrap(null_nb, latent, X_null, X_alt, positions, bootstrap, rng, family,
                      progress, off, processes)
    p_value = (1.0 + np.sum(boot >= sup - 1e-9 * max(1.0, sup))) / (len(boot) + 1.0)
    cutoff = float(chi2_ppf(confidence_level, 1))
    months = [str(series.index[k]) for k in positions]
    conf = tuple(m for m, v in zip(months, lr, strict=True) if v >= sup - cutoff)
    post = 2  # the level-change column of each break design
    with np.errstate(over="ignore"):
        ratio = float(np.exp(observed.alt.beta[best, 0, post]))
    level_note = (_level_note(values, positions[best]) or runaway_short
                  or _absurd_note(ratio))
    return BreakScanResult(
        break_month=months[best],
        statistic=sup,
        p_value=float(p_value) if bootstrap > 0 else math.nan,
        confidence_set=conf,
        bootstrap=bootstrap,
        family=family,
        n_months=n,
        min_segment_months=min_segment_months,
        level_ratio=math.nan if level_note else ratio,
        scan=pd.DataFrame({"month": months, "lr": lr}),
        bootstrap_statistics=boot,
        n_not_converged=int((~observed.alt.converged).sum()),
        inference=inference,
        seed=seed,
        latent=latent,
        level_note=level_note,
        p_value_note=too_few or runaway,
    )


def _runaway(
    values: np.ndarray, X: np.ndarray, beta: np.ndarray, offset: np.ndarray,
    months: pd.Index, max_ratio: float,
) -> tuple[str, str]:
    """Why the break model fitted with ``beta`` does not describe ``values``, long and short.

    Both are "" when it does.

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), np.arange(4.0)])
    >>> months = pd.period_range("2020-01", periods=4, freq="M")
    >>> _runaway(np.array([0, 5, 0, 9]), X, np.array([0.0, 1.0]), np.zeros(4), months, 100.0)
    ('', '')
    >>> _runaway(np.array([0, 5, 0, 9]), X, np.array([0.0, 3.0]), np.zeros(4), months, 100.0)[1]
    "the break model's fitted mean reaches 900 times the largest count (9)"

    """
    mean = np.exp(np.clip(X @ beta + offset, -ETA_LIMIT, ETA_LIMIT))
    top = float(values.max())
    at = int(np.argmax(mean))
    if not mean[at] > max_ratio * top:
        return "", ""
    times = f"{_large(mean[at] / top)} times the largest count ({top:,.0f})"
    return (f"the break model fits a mean of {_large(mean[at])} in {months[at]}, {times}; "
            "it does not describe these counts",
            f"the break model's fitted mean reaches {times}")


def _absurd_note(ratio: float) -> str:
    """Why a level ratio too far from 1 is not given, or "" when it is not.

    Examples
    --------
    >>> _absurd_note(0.4)
    ''
    >>> _absurd_note(2e-5).split(":")[0]
    'the trend before the break, carried on, gives a level ratio of 2e-05'

    """
    if 1.0 / ABSURD_RATIO <= ratio <= ABSURD_RATIO:
        return ""
    return (f"the trend before the break, carried on, gives a level ratio of {ratio:.2g}: "
            "the trend cannot be extrapolated that far")


def _large(x: float) -> str:
    """``x`` in digits up to a million, then in powers of ten: '192', '1.3e+07'."""
    return f"{x:,.0f}" if x < 1e6 else f"{x:.2g}"


def _level_note(values: np.ndarray, position: int) -> str:
    """Why the level ratio at a break is not estimated, or "" when it is.

    With (almost) no counts on one side the fitted level there runs off to
    zero, and the ratio (1e-11, 1e12) is an artefact of where the fit
    stopped; as in :func:`trends.resurgence.known.its_test`, a ratio needs
    ``MIN_ACTIVE_MONTHS`` months with a count on each side.

    Examples
    --------
    >>> _level_note(np.array([0, 0, 0, 0, 3, 5, 2, 4, 6, 1, 1]), 4)
    '0 months with a count before the break and 7 from it; a ratio needs 5 on each side'
    >>> _level_note(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 6)
    ''

    """
    before = int(np.count_nonzero(values[:position]))
    after = int(np.count_nonzero(values[position:]))
    if min(before, after) >= MIN_ACTIVE_MONTHS:
        return ""
    return (f"{before} month{'s' if before != 1 else ''} with a count before the break "
            f"and {after} from it; a ratio needs {MIN_ACTIVE_MONTHS} on each side")


def _bootstrap(
    null: BatchFit, latent: LatentAR1 | None, X_null: np.ndarray, X_alt: np.ndarray,
    positions: list[int], replicates: int, rng: np.random.Generator, family: ScanFamily,
    progress: bool, offset: np.ndarray, processes: bool = False,
) -> np.ndarray:
    """The sup-LR statistics of ``replicates`` series drawn from the no-break fit.

    The chunks of series run side by side on the cores, in threads, or in
    forked processes with ``processes``; the results are the same.
    """
    if replicates <= 0:
        return np.empty(0)
    # the fits cap eta at 30 (a mean of 1e13): a no-break fit that runs off to infinite
    # coefficients has the capped means, not exp(7,000) = inf
    mu = np.exp(np.minimum(X_null @ null.beta[0, 0] + offset, ETA_LIMIT))
    theta = float(null.theta[0, 0])
    if latent is not None:
        sims = latent.simulate(rng, mu, replicates)
    elif family == "negbin" and math.isfinite(theta):
        sims = rng.negative_binomial(theta, theta / (theta + mu), size=(replicates, len(mu)))
    else:
        sims = rng.poisson(mu, size=(replicates, len(mu)))
    sims = sims.astype(float)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=replicates, desc="bootstrap", file=sys.stderr)
    def chunk(start: int) -> np.ndarray:
        return sup_lr(X_null, X_alt, np.asarray(positions), sims[start:start + _BOOT_CHUNK],
                      family, offset=offset)

    # the chunks are independent, so they run on both cores (each fit batch is one series
    # per design and would otherwise keep one core)
    parts = []
    side_by_side = imap_processes if processes else imap_threads
    for part in side_by_side(chunk, range(0, replicates, _BOOT_CHUNK)):
        parts.append(part)
        if bar is not None:
            bar.update(len(part))
    if bar is not None:
        bar.close()
    return np.concatenate(parts)


def sup_lr(
    X_null: np.ndarray, X_alt: np.ndarray, positions: np.ndarray, Y: np.ndarray,
    family: ScanFamily, screen: int = SCREEN, offset: np.ndarray | None = None,
) -> np.ndarray:
    """The largest break LR statistic of each row of ``Y``, refitting only likely months.

    Each series' candidate months are ranked by their score statistics from
    the null fit (:mod:`trends.models.breakscore`); the ``screen`` best are
    refitted in full and the largest LR among them is returned. The score
    and LR statistics rank months alike, so this is the sup-LR of the full
    scan (tests/test_resurgence.py checks the two agree) at a fraction of
    its cost.
    """
    null = fit_batch(X_null, Y, family=family, offset=offset)
    scores = break_scores(X_null, Y, null.beta[0], null.theta[0], positions, offset=offset)
    top = top_candidates(scores, screen)
    count, p = top.shape[1], X_alt.shape[2]
    designs = X_alt[top.reshape(-1)]
    series = np.repeat(Y, count, axis=0)[:, None, :]
    keep = _null_columns(["(Intercept)", "t", "post", "tpost"] + ["s"] * (p - 4))
    start = np.zeros((len(designs), 1, p))
    start[:, 0, keep] = np.repeat(null.beta[0], count, axis=0)
    theta0 = np.where(np.isfinite(null.theta[0]), null.theta[0], 1e8)
    alt = fit_batch(designs, series, family=family, offset=offset, start_beta=start,
                    start_theta=np.repeat(theta0, count)[:, None])
    lr = 2.0 * (alt.loglik[:, 0].reshape(-1, count) - null.loglik[0][:, None])
    return np.maximum(lr, 0.0).max(axis=1)
