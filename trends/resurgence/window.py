"""Which months to compare with: the stable stretch before the break, and how much it matters.

One log-linear trend carried across a regime change gives absurd
counterfactuals: fitted from 2018 to a series that collapsed in 2018-2020 and
then drifted, it predicts a continuing fall, and every later month looks like
a jump. The rule used here (documented in docs/models.md):

1. Look back at most ``MAX_BEFORE`` months (5 years) before the break month:
   a straight trend on the log scale seldom holds longer in conflict data.
2. Scan those months for a break at an unknown month
   (:func:`trends.resurgence.detect_break`, sup-LR with the latent-AR(1)
   bootstrap, ``SCAN_BOOTSTRAP`` series). If one is found at the 5% level,
   start after it and scan the months that remain; repeat until none is found.
3. Check that one straight trend fits what is left (a quadratic term,
   :func:`trends.resurgence.level.curvature_p_value`); if it does not, drop
   the oldest 12 months and go back to step 2, down to ``MIN_BEFORE`` months.
4. The comparison period is what remains: the longest stretch ending at the
   break month that the scans find stable and a straight trend fits. With
   fewer than ``MIN_BEFORE`` months (a break found close to the month asked
   about) the trend is fitted without a seasonal term; with fewer than
   ``MIN_STABLE`` there is nothing to compare with.

:func:`sensitivity_starts` gives the other start months whose answers are
reported next to the chosen one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from trends.errors import DataError
from trends.minimums import MIN_BEFORE_MONTHS, MIN_SEGMENT_MONTHS, MIN_STABLE_MONTHS, YEAR
from trends.resurgence.gates import Borderline, Gates, refined
from trends.resurgence.level import curvature_p_value
from trends.resurgence.scan import BreakScanResult, detect_break
from trends.resurgence.wording import month_name

MAX_BEFORE = 60
MIN_BEFORE = MIN_BEFORE_MONTHS
MIN_STABLE = MIN_STABLE_MONTHS
SCAN_SEGMENT = MIN_SEGMENT_MONTHS  # months on each side of a candidate break in the scans
SCAN_BOOTSTRAP = 199
SCAN_LEVEL = 0.05


@dataclass(frozen=True)
class FoundBreak:
    """A break found by a scan: its month, confidence set and bootstrap p-value."""

    month: str
    confidence_set: tuple[str, ...]
    p_value: float
    scanned: tuple[str, str]
    bootstrap: int = SCAN_BOOTSTRAP

    def p_text(self) -> str:
        """``p = 0.021``, or at the floor of its replicates ``p = 0.005 (the smallest ...)``.

        Examples
        --------
        >>> FoundBreak("2017-01", ("2017-01",), 0.005, ("2015-01", "2018-12"), 199).p_text()
        'p = 0.005, the smallest 199 bootstrap series can give'

        """
        text = f"p = {self.p_value:.3f}"
        if self.bootstrap and self.p_value <= 1.0 / (self.bootstrap + 1) + 1e-12:
            text += f", the smallest {self.bootstrap} bootstrap series can give"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        return {
            "month": self.month,
            "confidence_set": [self.confidence_set[0], self.confidence_set[-1]],
            "p_value": self.p_value,
            "scanned": list(self.scanned),
        }


@dataclass(frozen=True)
class PrePeriod:
    """The chosen comparison period and what the checks found on the way.

    ``breaks``: breaks found before the break month, oldest first;
    ``bent``: start months dropped because one straight trend did not fit;
    ``misfit``: a straight trend does not fit even the shortest period;
    ``too_short``: the break that left fewer than MIN_STABLE months.
    """

    start: str
    breaks: tuple[FoundBreak, ...]
    bent: tuple[str, ...]
    misfit: bool
    too_short: FoundBreak | None


def scan(
    y: pd.Series, *, bootstrap: int = SCAN_BOOTSTRAP, seed: int = 0,
    offset: pd.Series | None = None, covariates: pd.DataFrame | None = None,
) -> FoundBreak | None:
    """The best break of ``y`` with its p-value, or None when ``y`` is too short to scan.

    Examples
    --------
    >>> idx = pd.period_range("2015-01", periods=48, freq="M")
    >>> y = pd.Series([5.0] * 24 + [25.0] * 24, index=idx)
    >>> scan(y, bootstrap=99).month
    '2017-01'

    """
    try:
        result: BreakScanResult = detect_break(
            y, min_segment_months=SCAN_SEGMENT, bootstrap=bootstrap, seed=seed,
            offset=offset, covariates=covariates, min_active_months=0,
            max_mean_ratio=math.inf,
        )
    except DataError:
        return None
    return FoundBreak(
        month=result.break_month,
        confidence_set=result.confidence_set,
        p_value=result.p_value,
        scanned=(str(y.index[0]), str(y.index[-1])),
        bootstrap=bootstrap,
    )


def gated_scan(
    y: pd.Series, gates: Gates, *, bootstrap: int = SCAN_BOOTSTRAP, seed: int = 0,
    offset: pd.Series | None = None, covariates: pd.DataFrame | None = None,
) -> tuple[FoundBreak | None, bool]:
    """:func:`scan` and whether its break counts (p < SCAN_LEVEL), refined when near the level.

    A p-value within the Monte Carlo error of SCAN_LEVEL is simulated again
    with REFINED series; one still that close is recorded in ``gates``
    (:mod:`trends.resurgence.gates`).
    """
    key = f"scan {y.index[0]} to {y.index[-1]}"

    def run() -> FoundBreak | None:
        return refined(lambda b: scan(y, bootstrap=b, seed=seed, offset=offset,
                                      covariates=covariates),
                       lambda f: 1.0 if f is None else f.p_value, bootstrap, SCAN_LEVEL)[0]

    found = gates.remember(key, run)
    if found is None:
        return None, False
    check = Borderline(key, f"whether the series changed around {month_name(found.month)} (in "
                       f"a scan of {month_name(y.index[0])} to {month_name(y.index[-1])})", "scan",
                       found.p_value, found.bootstrap, SCAN_LEVEL, "counting that change",
                       "not counting it")
    return found, gates.decide(check)


def choose_pre_period(
    y: pd.Series, position: int, *, bootstrap: int = SCAN_BOOTSTRAP, seed: int = 0,
    offset: pd.Series | None = None, covariates: pd.DataFrame | None = None,
    gates: Gates | None = None,
) -> PrePeriod:
    """The longest stable, straight stretch of at most MAX_BEFORE months before ``position``.

    ``gates`` records the scans and trend checks too close to call, and
    decides the ones it names the other way (:mod:`trends.resurgence.gates`).
    """
    gates = gates if gates is not None else Gates()
    start = max(0, position - MAX_BEFORE)
    found: list[FoundBreak] = []
    bent: list[str] = []
    while True:
        best, counts = None, False
        if position - start >= 2 * SCAN_SEGMENT + 8:
            best, counts = gated_scan(y.iloc[start:position], gates, bootstrap=bootstrap,
                                      seed=seed, offset=offset, covariates=covariates)
        if best is not None and counts:
            found.append(best)
            at = int(pd.Period(best.month, freq="M").ordinal - y.index[0].ordinal)
            if position - at < MIN_STABLE:
                return PrePeriod(str(y.index[start]), tuple(found), tuple(bent), False, best)
            start = at
            continue
        if position - start < MIN_BEFORE:
            break
        if not _bent(y.iloc[start:position], gates, bootstrap=bootstrap, seed=seed,
                     offset=offset, covariates=covariates):
            break
        if position - start - YEAR < MIN_BEFORE:
            return PrePeriod(str(y.index[start]), tuple(found), tuple(bent), True, None)
        bent.append(str(y.index[start]))
        start += 12
    return PrePeriod(str(y.index[start]), tuple(found), tuple(bent), False, None)


def _bent(
    y: pd.Series, gates: Gates, *, bootstrap: int, seed: int, offset: pd.Series | None,
    covariates: pd.DataFrame | None,
) -> bool:
    """Whether one straight trend misfits ``y`` (quadratic term p < SCAN_LEVEL), refined."""
    key = f"curvature {y.index[0]} to {y.index[-1]}"

    def run() -> tuple[float, int]:
        return refined(lambda b: curvature_p_value(y, offset=offset, covariates=covariates,
                                                   bootstrap=b, seed=seed),
                       lambda p: p, bootstrap, SCAN_LEVEL)

    p, used = gates.remember(key, run)
    months = f"{month_name(y.index[0])} to {month_name(y.index[-1])}"
    check = Borderline(key, f"whether one straight trend fits the months from {months}",
                       "quadratic term", p, used, SCAN_LEVEL, "if it does not", "if it does")
    return gates.decide(check)


def sensitivity_starts(y: pd.Series, position: int, chosen: str) -> list[str]:
    """Start months every 12 months back from the break (MIN_BEFORE..MAX_BEFORE) and ``chosen``.

    Examples
    --------
    >>> idx = pd.period_range("2018-01", periods=72, freq="M")
    >>> sensitivity_starts(pd.Series(0.0, index=idx), 60, "2019-06")
    ['2018-01', '2019-01', '2019-06', '2020-01', '2021-01']

    """
    starts = {str(y.index[position - back]) for back in range(MIN_BEFORE, MAX_BEFORE + 1, YEAR)
              if position - back >= 0}
    starts.add(chosen)
    return sorted(starts)
