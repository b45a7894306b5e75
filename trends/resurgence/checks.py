"""The checks a verdict passes before it is given, and the rule that gives it.

Each check returns :class:`~trends.resurgence.verdict_parts.Flag` objects;
a flag that ``blocks`` makes the verdict "cannot tell". The thresholds are
documented in docs/models.md ("The verdict").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from trends.errors import DataError
from trends.minimums import MIN_ACTIVE_MONTHS, YEAR
from trends.resurgence.bootstrap_t import Pivot, exp_pair
from trends.resurgence.gates import Borderline, Gates, refined
from trends.resurgence.level import LevelChange, later_step, level_change
from trends.resurgence.scan import ABSURD_RATIO
from trends.resurgence.verdict_parts import Flag, WindowResult, noise_settings
from trends.resurgence.window import MIN_STABLE, FoundBreak, PrePeriod, sensitivity_starts
from trends.resurgence.wording import count_words, month_name
from trends.validate import month_position

LEVEL = 0.05
MIN_AFTER = 3
MAX_AFTER = 24  # months from the break month that the test compares (see docs/models.md)
NEAR = 6  # a break found this close to the month asked about is taken to be the same one
FIRST_YEAR = 12  # months from the month asked about checked on their own (see first_year)
MIN_ACTIVE = MIN_ACTIVE_MONTHS  # months with a non-zero count before the break
MIN_EVENTS = 20  # counted before the break
WIDE = 25.0  # an interval spanning more than this factor answers nothing
NOT_FINDINGS = ("none_after", "absurd_counterfactual", "uninformative")


def data_flags(series: pd.Series, position: int) -> list[Flag]:
    flags = []
    after = len(series) - position
    if position < MIN_STABLE:
        when = month_name(series.index[position])
        few = (f"the data start in {when}, so no month before it" if position == 0 else
               f"only {position} month{'s' * (position != 1)} before {when}")
        flags.append(Flag("too_short", (
            f"{few}; the trend before it needs at least {MIN_STABLE}"), True))
    if after < MIN_AFTER:
        flags.append(Flag("too_short", (
            f"only {after} month(s) from {month_name(series.index[position])} on; a level needs "
            "at least "
            f"{MIN_AFTER} (to judge single months, see the alerts)"), True))
    before = series.iloc[max(0, position - 120):position]
    active, events = int((before > 0).sum()), float(before.sum())
    if position >= MIN_STABLE and (active < MIN_ACTIVE or events < MIN_EVENTS):
        counted = (f"only {active} month{'s' * (active != 1)} with any count and {events:,.0f} "
                   "counted" if active else "no month with any count")
        flags.append(Flag("sparse", (
            f"{counted} in the {len(before)} months before {month_name(series.index[position])}; "
            "too few "
            "to tell a trend"), True))
    return flags


def absurd_flags(test: LevelChange) -> list[Flag]:
    """Flags for a counterfactual that is absurd or that pins nothing down."""
    ratio = test.level_ratio
    window_total = float(test.counterfactual["observed"].sum())
    before = "trend" if test.trend else "level"
    if test.observed_after == 0:  # a ratio of 1e-12 says where the fit stopped, not how far
        months = test.n_after
        return [Flag("none_after", (
            f"none were counted in the {months} month{'s' * (months != 1)} from "
            f"{month_name(test.break_month)} to {month_name(test.end)}, against "
            f"{count_words(test.expected_after)} expected from the {before} before: either they "
            "stopped or those months are not yet in the data (check the source); no ratio can "
            "measure a fall to zero"), True)]
    if (ratio < 1.0 / ABSURD_RATIO or ratio > ABSURD_RATIO
            or abs(test.excess) > window_total):
        return [Flag("absurd_counterfactual", (
            f"the {before} before {month_name(test.break_month)}, carried on, expects "
            f"{count_words(test.expected_after)} from {month_name(test.break_month)} to "
            f"{month_name(test.end)} against "
            f"{count_words(test.observed_after)} observed (level ratio {ratio:.3g}): the {before} "
            "cannot be extrapolated that far, and no level change is reported"), True)]
    low, high = test.level_ratio_ci
    if high > WIDE * low and low <= 1.0 <= high:
        return [Flag("uninformative", (
            f"the {before} before {month_name(test.break_month)} does not pin down what to "
            "expect after it: "
            f"the level ratio could be anything from {low:.2g} to {high:.3g}"), True)]
    if high > WIDE * low:  # the whole interval on one side of 1: the direction is clear
        return [Flag("imprecise", (
            f"the size of the change is very uncertain (the level ratio could be anything "
            f"from {low:.2g} to {high:.3g}); only its direction is clear"), False)]
    return []


def first_year(
    series: pd.Series, since: str, test: LevelChange, bootstrap: int,
    options: dict[str, object], gates: Gates,
) -> tuple[LevelChange, Flag] | None:
    """The first 12 months alone, when the level moved again after them.

    A change that comes a year or more after the month asked about (a later
    escalation, say) would be read as one at that month. The months after
    the first 12 are tested against the first 12 (:func:`later_step`); when
    they differ (two-sided p < 0.05, a check in ``gates``), the test keeps to
    the first 12 months.
    """
    if test.n_after < FIRST_YEAR + NEAR:
        return None
    step, used = refined(
        lambda b: later_step(series, since, FIRST_YEAR, start=test.start, end=test.end,
                             bootstrap=b, **options),  # type: ignore[arg-type]
        lambda s: s.p_two_sided, bootstrap, LEVEL)
    check = Borderline("later", f"whether the level moved again after the first {FIRST_YEAR} "
                       "months", "test", step.p_two_sided, used, LEVEL,
                       f"keeping to the first {FIRST_YEAR} months", "taking all the months")
    if not gates.decide(check):
        return None
    last = str(pd.Period(since, freq="M") + FIRST_YEAR - 1)
    first = level_change(series, since, start=test.start, end=last, bootstrap=bootstrap,
                         **options)  # type: ignore[arg-type]
    low, high = first.level_ratio_ci
    whole_low, whole_high = test.level_ratio_ci
    baseline = ("the level the trend before predicted" if options.get("trend", True)
                else "the average level before")
    return first, Flag("later_change", (
        f"the {test.n_after} months to {month_name(test.end)} were {test.level_ratio:.2f} times "
        f"{baseline} (95% CI {whole_low:.2f} to {whole_high:.2f}), against "
        f"{first.level_ratio:.2f} ({low:.2f} to {high:.2f}) in the first {FIRST_YEAR}; the "
        f"months after those {_step_words(step, test)}: the level moved again after the first "
        f"year, and the verdict is about the first {FIRST_YEAR} months"), False)


def _step_words(step: Pivot, test: LevelChange) -> str:
    """The later months against the first 12 as a ratio, or as counts when one side has none."""
    counts = test.counterfactual["observed"].iloc[test.n_before:].to_numpy()
    first, later = counts[:FIRST_YEAR].sum(), counts[FIRST_YEAR:].sum()
    low, high = exp_pair(step.ci)
    if first > 0 and later > 0 and 0.0 < low and math.isfinite(high):
        return (f"were {math.exp(step.estimate):.2f} times the first {FIRST_YEAR} (95% CI "
                f"{low:.2f} to {high:.2f}, p = {step.p_two_sided:.3f})")
    return (f"counted {later:,.0f} against {first:,.0f} in the first {FIRST_YEAR} "
            f"(p = {step.p_two_sided:.3f})")


def elsewhere(
    found: FoundBreak, since: str, series: pd.Series
) -> tuple[str | None, Flag] | None:
    """What to do when the scan puts the break away from the month asked about.

    A break within NEAR months of it (or whose confidence set holds it) is
    taken to be the same change. One more than 12 months earlier leaves no
    stable trend to compare with (the verdict is "cannot tell"); one 7-12
    months earlier is reported. One at least 12 months later ends the
    compared months before it, so that a later change is not read as one at
    the month asked about.
    """
    gap = month_position(series.index, found.month) - month_position(series.index, since)
    if since in found.confidence_set or abs(gap) <= NEAR:
        return None
    span = f"{found.confidence_set[0]} to {found.confidence_set[-1]}"
    at, when = month_name(found.month), month_name(since)
    where = (f"the series changed around {at} (confidence set {span}, scan p = "
             f"{found.p_value:.3f})")
    if gap < 0:
        far = -gap > 12
        return None, Flag("earlier_break", (
            f"{where}, {-gap} months before {when}: "
            + ("the months before it are not a stable trend to compare with" if far else
               f"the change may have begun before {when}")), far)
    if gap < YEAR:
        return None, Flag("later_break", f"{where}, {gap} months after {when}", False)
    last = month_before(found.month)
    return last, Flag("later_break", (
        f"the series changed again around {at} (confidence set {span}, scan p = "
        f"{found.p_value:.3f}); the test at {when} uses the months up to {month_name(last)}, "
        "so that a "
        "later change is not read as one at the month asked about"), False)


def month_before(month: str) -> str:
    return str(pd.Period(month, freq="M") - 1)


def p_value_for(test: LevelChange, direction: str, *, opposite: bool = False) -> float:
    """The test's p-value for the question (a rise, a fall or either), or its opposite."""
    if direction == "either":
        return test.level.p_two_sided
    rise = (direction == "rise") != opposite
    return test.level.p_rise if rise else test.level.p_fall


def decide(test: LevelChange, direction: str) -> str:
    """rise, fall or no_change from one test (before any flag is applied)."""
    return decide_from(test.level.p_rise, test.level.p_fall, test.level.estimate, direction)


def decide_from(p_rise: float, p_fall: float, estimate: float, direction: str) -> str:
    """The verdict rule: one-sided at LEVEL in the direction asked, LEVEL / 2 for the other.

    Examples
    --------
    >>> decide_from(0.03, 0.97, 0.2, "rise"), decide_from(0.97, 0.03, -0.2, "rise")
    ('rise', 'no_change')
    >>> decide_from(0.03, 0.97, 0.2, "either"), decide_from(0.99, 0.01, -0.2, "rise")
    ('no_change', 'fall')

    """
    if direction == "rise":
        return "rise" if p_rise < LEVEL else ("fall" if p_fall < LEVEL / 2 else "no_change")
    if direction == "fall":
        return "fall" if p_fall < LEVEL else ("rise" if p_rise < LEVEL / 2 else "no_change")
    if min(1.0, 2.0 * min(p_rise, p_fall)) < LEVEL:
        return "rise" if estimate > 0 else "fall"
    return "no_change"


@dataclass(frozen=True)
class NoiseCheck:
    """What :func:`noise_check` found: the p-values' range, its flag, and a verdict it settles.

    ``p_range`` is on the scale ``side`` names ("rise", "fall": one-sided;
    "either": two-sided). ``verdict`` is "no_change" when every setting
    answers the question asked the same way, no, and only whether the level
    went the other way depends on the setting; None otherwise.
    """

    p_range: tuple[float, float]
    side: str
    flag: Flag
    other_way: str = ""
    """Whether the level went the other way, in a sentence, when only that depends on the
    setting ("" otherwise)."""

    @property
    def verdict(self) -> str | None:
        """"no_change" when only whether the level went the other way depends on the setting."""
        return "no_change" if self.other_way else None


def noise_check(
    series: pd.Series, since: str, test: LevelChange, direction: str, bootstrap: int,
    options: dict[str, object],
) -> NoiseCheck:
    """p-values with the bootstrap noise set to other settings the data cannot rule out.

    Each setting of :func:`noise_settings` is kept if its simulated series
    reproduce the observed residual autocorrelation (plausibility >= 0.05). The
    settings share the test's seed, so their bootstrap series share their
    underlying draws and the p-values differ by the setting, not by chance.
    """
    tests = [test]
    kept = []
    for label, noise in zip(("independent", "moderately", "strongly"),
                            noise_settings(test.theta), strict=True):
        alt = level_change(series, since, start=test.start, end=test.end, bootstrap=bootstrap,
                           noise=noise, slope=False, **options)  # type: ignore[arg-type]
        if alt.plausibility < LEVEL:
            continue
        kept.append(label)
        tests.append(alt)
    verdicts = {decide(t, direction) for t in tests}
    # "did it rise?" has one answer, no, when only whether it fell moves with the setting
    settled = direction in ("rise", "fall") and direction not in verdicts and len(verdicts) > 1
    # a change against the direction asked is judged, and quoted, by its two-sided p-value
    verdict = decide(test, direction)
    side = "either" if verdict not in ("no_change", direction) and not settled else direction
    low, high = _span([p_value_for(t, side) for t in tests])
    reasons = test.latent.flag_text()
    blocks = len(verdicts) > 1 and not settled
    if not kept:
        checked = ("no other setting (independent, moderately or strongly autocorrelated "
                   "noise) reproduces the residual autocorrelation of these months")
    else:
        checked = (f"with the other settings the data allow ({', '.join(kept)} autocorrelated"
                   f" noise) the {_WHICH[side]} (this series alone, before any adjustment for "
                   f"regions) {_spread(low, high)}")
        if settled:
            other = "fell" if direction == "rise" else "rose"
            two_sided = _spread(*_span([t.level.p_two_sided for t in tests]))
            checked += (f": none finds a {direction}, but whether they {other} depends on the "
                        f"setting (two-sided p-value {two_sided})")
            other_way = (f"Whether they {other} depends on the noise assumed (two-sided p-value "
                         f"{two_sided.replace('stays ', '')} under the settings the data allow)")
        else:
            checked += (", which changes the answer" if blocks else
                        ", and the answer stays the same")
    message = (f"the month-to-month noise is not well identified by these data ({reasons}); "
               + checked)
    return NoiseCheck((low, high), side, Flag("noise_unidentified", message, blocks),
                      other_way if settled else "")


_WHICH = {"rise": "one-sided p-value for a rise", "fall": "one-sided p-value for a fall",
          "either": "two-sided p-value"}


def _span(ps: list[float]) -> tuple[float, float]:
    return min(ps), max(ps)


def _spread(low: float, high: float) -> str:
    """``stays 0.002`` or ``ranges from 0.924 to 0.997``."""
    return (f"stays {low:.3f}" if f"{low:.3f}" == f"{high:.3f}"
            else f"ranges from {low:.3f} to {high:.3f}")


def windows(
    series: pd.Series, position: int, pre: PrePeriod, direction: str, bootstrap: int,
    options: dict[str, object], chosen: LevelChange,
) -> tuple[WindowResult, ...]:
    crossing = [b.month for b in pre.breaks]
    out = []
    for start in sensitivity_starts(series, position, chosen.start):
        if start == chosen.start:
            test = chosen
        else:
            try:
                test = level_change(series, chosen.break_month, start=start, end=chosen.end,
                                    bootstrap=max(99, bootstrap // 5), noise=chosen.latent,
                                    slope=False, **options)  # type: ignore[arg-type]
            except DataError:
                continue
        crosses = [m for m in crossing if start < m]
        out.append(WindowResult(start, test.level_ratio, test.level_ratio_ci,
                                p_value_for(test, direction), decide(test, direction),
                                tuple(crosses), start == chosen.start,
                                start >= chosen.start))
    return tuple(out)


def window_flags(windows: tuple[WindowResult, ...], direction: str) -> list[Flag]:
    stable = [w for w in windows if w.stable]
    seen = {w.verdict for w in stable} & {"rise", "fall"}
    if len(seen) > 1:
        return [Flag("window_dependent", (
            "comparison periods starting in different months give a significant rise and a "
            "significant fall: " + ", ".join(f"from {month_name(w.start)}: {w.verdict}"
                                            for w in stable)),
            True)]
    chosen = next(w for w in windows if w.chosen)
    agree = sum(w.verdict == chosen.verdict for w in stable)
    if agree * 2 < len(stable):
        # a rise or fall that most comparison periods do not find is not an answer
        return [Flag("window_sensitive", (
            f"the answer depends on the months compared: only {agree} of {len(stable)} "
            f"comparison periods within the stable stretch give the same answer "
            f"({chosen.verdict.replace('_', ' ')}); see window_sensitivity"),
            chosen.verdict in ("rise", "fall"))]
    return []
