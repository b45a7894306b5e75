"""The sentences of a verdict: one to quote, and a paragraph of evidence that reconciles.

The verdict sentence is one of four forms (docs/models.md, "The verdict"):

- rise / fall: "Deaths (Syria) rose after November 2023: since then they have
  been 1.52 times the level the trend before it predicted (95% CI 1.10 to
  2.10; one-sided p = 0.004 for a rise)."
- no change: "No detectable change in deaths (Syria) at November 2023: ...",
  followed by the drift of the past year.
- cannot tell: "Cannot tell whether deaths (Syria) rose at November 2023:
  <the reason>."
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from trends.measures import noun, noun_of

if TYPE_CHECKING:
    from trends.resurgence.level import LevelChange
    from trends.resurgence.verdict import Assessment

VERBS = {"rise": "rose", "fall": "fell", "either": "changed"}
LEVEL = 0.05  # the verdict's level (trends.resurgence.checks.LEVEL)
SHORT_REASONS = {
    "none_after": "none counted after it",
    "absurd_counterfactual": "the trend before gives an implausible baseline",
    "uninformative": "the interval is too wide to tell",
    "sparse": "too few incidents before",
    "too_short": "too few months",
    "noise_unidentified": "the answer depends on the noise assumed",
    "pre_trend_misfit": "the trend before fits badly",
    "short_stable_period": "the stable period is too short",
    "earlier_break": "a break at another month",
    "later_break": "a break at another month",
    "window_dependent": "depends on the months compared",
    "borderline_check": "depends on a check too close to call",
}
"""A few words for each reason a verdict is "cannot tell", for a table cell or an aside."""
WIDE = (0.5, 2.0)
"""A no-change interval reaching below half or above double the predicted level is called wide."""


def month_name(month: object) -> str:
    """'November 2023' for '2023-11' (or a monthly period).

    Examples
    --------
    >>> month_name("2023-11")
    'November 2023'

    """
    return pd.Period(str(month), freq="M").strftime("%B %Y")


def count_words(value: float) -> str:
    """A count in digits up to a trillion, then in powers of ten.

    Examples
    --------
    >>> count_words(1020919.4), count_words(5.378e30), count_words(float("inf"))
    ('1,020,919', '5.4e+30', 'infinitely many')

    """
    if math.isinf(value):
        return "infinitely many"
    return f"{value:,.0f}" if abs(value) < 1e12 else f"{value:.2g}"


def _num(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"


def _whole(value: float, sign: bool = False) -> str:
    """A count-like number in whole units, never "-0".

    Examples
    --------
    >>> _whole(-0.4, sign=True), _whole(-65.53), _whole(604.2, sign=True), _whole(float("nan"))
    ('0', '-66', '+604', 'n/a')

    """
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:+,.0f}" if sign else f"{value:,.0f}"
    return "0" if text in ("-0", "+0") else text


def _ci(pair: tuple[float, float]) -> str:
    return f"95% CI {_num(pair[0])} to {_num(pair[1])}"


def _p(p: float) -> str:
    """'p = 0.021', 'p < 0.001'; a p-value that rounds to the 0.05 level keeps a fourth digit.

    Examples
    --------
    >>> _p(0.0213), _p(0.0004), _p(0.04987), _p(0.0503), _p(0.05)
    ('p = 0.021', 'p < 0.001', 'p = 0.0499', 'p = 0.0503', 'p = 0.050')

    """
    if p < 0.001:
        return "p < 0.001"
    if round(p, 3) == LEVEL and p != LEVEL:
        return f"p = {p:.4f}"
    return f"p = {p:.3f}"


def _percent_on(ratio: float) -> str:
    """A ratio of totals in words, before "the 12 months before".

    Examples
    --------
    >>> _percent_on(1.39), _percent_on(0.28), _percent_on(243902.3), _percent_on(1.002)
    ('up about 39% on', 'down about 72% on', 'up about 243,902-fold on', 'about level with')

    """
    if ratio >= 10.0:
        return f"up about {ratio:,.0f}-fold on"
    change = 100.0 * (ratio - 1.0)
    if round(abs(change)) == 0:
        return "about level with"
    return f"{'up' if change >= 0 else 'down'} about {abs(change):.0f}% on"


def _subject(result: Assessment) -> str:
    # a series named after its place is its own subject: not "Syria (Syria)"
    if not result.name or result.name == result.measure:
        return noun(result.measure)
    return noun_of(result.measure, result.name)


def sentence(result: Assessment) -> str:
    """The verdict in one sentence a briefing can quote.

    When the change came a year or more after the month asked about, the
    sentence says so: the verdict is about the first 12 months, and a reader
    quoting it alone would otherwise miss the later change.
    """
    text = _verdict(result)
    later = [f.message for f in result.flags if f.code == "later_change"]
    if later and result.verdict != "cannot_tell":
        text += f" Later months differ: {later[0]}."
    early = [f.message for f in result.flags if f.code == "preliminary"]
    if early:
        text += f" {early[0][0].upper()}{early[0][1:]}."
    return text


def _verdict(result: Assessment) -> str:
    when = month_name(result.since)
    subject = _subject(result)
    if result.verdict == "cannot_tell":
        # a close check says both answers, so it leads when it is one of the reasons
        blocking = sorted((f for f in result.flags if f.blocks),
                          key=lambda f: f.code != "borderline_check")
        reason = blocking[0].message
        return f"Cannot tell whether {subject} {VERBS[result.direction]} at {when}: {reason}."
    test = result.test
    assert test is not None
    cut = window_cut(result)
    span = ("they were" if cut and result.verdict == "no_change"  # its opening says which months
            else f"in the {test.n_after} months from then they were" if cut
            else "since then they have been")
    baseline = ("the average level before it" if flat_comparison(result)
                else "the level the trend before it predicted")
    level = f"{span} {_num(test.level_ratio)} times {baseline} ({_ci(test.level_ratio_ci)}"
    if result.verdict == "no_change":
        # the opening clause a reader quotes says which months it is about
        scope = f"in the {test.n_after} months from {when}" if cut else f"at {when}"
        text = f"No detectable change in {subject} {scope}: {level}; {_p_words(result)})."
        if result.other_way:
            text += f" {result.other_way}."
        low, high = test.level_ratio_ci
        if adjusted_away(result):
            text += _adjusted_away(result)
        elif low < WIDE[0] or high > WIDE[1]:
            text += (" The interval is wide: the data fit no change and a large change alike, "
                     "so this is no evidence that the level held steady.")
        drift = result.drift
        if drift is not None:
            before, last = drift.totals
            noise = (f"; a model that weighs each month by its noise gives a ratio of "
                     f"{_num(drift.ratio)}, {_ci(drift.ci)}" if math.isfinite(drift.ratio)
                     else "")
            text += (f" Over the 12 months to {month_name(drift.months[1])} they were "
                     f"{_percent_on(last / before)} the 12 months before ({last:,.0f} against "
                     f"{before:,.0f}{noise}).")
        return text
    capital = subject[:1].upper() + subject[1:]
    if result.against_direction:
        asked = {"rise": "rise", "fall": "fall"}[result.direction]
        return (f"{capital} did not {asked} after {when}; they "
                f"{VERBS[result.verdict]}: {level}; two-sided "
                f"{_p(result.p_two_sided_against)}{_holm_words(result)}).")
    text = f"{capital} {VERBS[result.verdict]} after {when}: {level}; {_p_words(result)})."
    if any(flag.code == "imprecise" for flag in result.flags):
        text += " How much is very uncertain; only the direction is clear."
    low, high = test.level_ratio_ci
    if low <= 1.0 <= high:
        bound = test.level.ci_one_sided
        side = ("at least", math.exp(bound[0])) if result.verdict == "rise" else \
            ("at most", math.exp(bound[1]))
        text += (f" The 95% interval asks about both directions and just includes no change; "
                 f"the one-sided 95% bound for the question asked is {side[0]} "
                 f"{_num(side[1])} times.")
    return text


def answer_words(result: Assessment) -> str:
    """The verdict in a few words, for saying how it changes with a check.

    "no detectable change in the 12 months from November 2023 (1.29 times,
    p = 0.209)", "a rise (2.76 times, p = 0.001)", or "cannot tell (<why>)".
    """
    if result.verdict == "cannot_tell":
        code = next(f.code for f in result.flags if f.blocks)
        return f"cannot tell ({SHORT_REASONS.get(code, code.replace('_', ' '))})"
    words = {"rise": "a rise", "fall": "a fall", "no_change": "no detectable change"}
    text = words[result.verdict]
    test = result.test
    assert test is not None
    if window_cut(result):
        text += f" in the {test.n_after} months from {month_name(result.since)}"
    # a change against the direction asked is quoted with its two-sided p-value, as the verdict
    p = (f"two-sided {_p(result.p_two_sided_against)}" if result.against_direction
         else _p(result.p_value))
    return f"{text} ({_num(test.level_ratio)} times, {p})"


def window_cut(result: Assessment) -> bool:
    """Whether the months compared end before the data do, so "since then" would overstate them.

    A later change or break ends them, or the 24 months the test compares at most.
    """
    if any(f.code in ("later_change", "later_break") for f in result.flags):
        return True
    test = result.test
    return bool(test is not None and result.data_end and test.end < result.data_end)


def adjusted_away(result: Assessment) -> bool:
    """Whether "no detectable change" comes only from the adjustment for the regions tested.

    That is, the region's own 95% interval excludes 1 (no interval without a test).
    """
    if result.verdict != "no_change" or result.test is None:
        return False
    low, high = result.test.level_ratio_ci
    return not low <= 1.0 <= high


def holm_sides(result: Assessment) -> int:
    """Sides of the p-value a region adjusted away is judged by.

    2 for "either", or for a change against the direction asked (its two-sided
    p-value is quoted); else 1.
    """
    assert result.test is not None
    change = "fall" if result.test.level_ratio_ci[1] < 1.0 else "rise"
    return 1 if result.direction == change else 2


def _adjusted_away(result: Assessment) -> str:
    """Why a region whose own interval excludes 1 is "no detectable change"."""
    count, bootstrap = result.regions_tested, result.bootstrap
    assert result.test is not None
    change = "fall" if result.test.level_ratio_ci[1] < 1.0 else "rise"
    what = f"the {change}"
    against = result.direction not in ("either", change)
    if against:  # the p-value quoted before is the other side's
        what += (f" (against the {result.direction} asked about; two-sided "
                 f"{_p(result.p_two_sided_against)}, Holm-adjusted)")
    text = (f" For this region alone the 95% interval excludes no change, but allowing for the "
            f"{count} regions tested {what} is not significant")
    return text + floor_words(bootstrap, count, holm_sides(result)) + "."


def floor_words(bootstrap: int, regions: int, sides: int,
                advice: str = "use at least --bootstrap {n}") -> str:
    """Why no region can pass Holm's adjustment with this many bootstrap series, or "".

    The smallest p-value a bootstrap of B series gives is 1 / (B + 1) (twice
    that two-sided), so the smallest Holm-adjusted one is m times that.

    Examples
    --------
    >>> floor_words(999, 96, 1).split(", so")[0]
    ': with 999 bootstrap series the smallest p-value adjusted for 96 regions is 0.096'
    >>> floor_words(999, 10, 2)
    ''

    """
    smallest = sides * regions / (bootstrap + 1)
    if smallest < LEVEL:
        return ""
    # Holm caps adjusted p-values at 1: say the bound, not a "p-value" of 4.96
    bound = f"{smallest:.3g}" if smallest < 1 else "1"
    return (f": with {bootstrap} bootstrap series the smallest "
            f"{'two-sided ' if sides == 2 else ''}p-value adjusted for {regions} regions is "
            f"{bound}, so no region can pass whatever the data "
            f"({advice.format(n=math.ceil(sides * regions / LEVEL))})")


def _p_words(result: Assessment) -> str:
    side = ("two-sided " if result.direction == "either"
            else f"one-sided, for a {result.direction}, ")
    return f"{side}{_p(result.p_value)}{_holm_words(result)}"


def _holm_words(result: Assessment) -> str:
    if result.regions_tested > 1:
        return f", Holm-adjusted for {result.regions_tested} regions"
    return ""


def flat_comparison(result: Assessment) -> bool:
    """Whether the months since were compared with the average level before, not a trend."""
    return any(f.code == "short_stable_period" and not f.blocks for f in result.flags)


def evidence(result: Assessment, alerts: str | None = None) -> list[str]:
    """Short sentences that put the other analyses next to the verdict.

    ``alerts`` replaces the sentence on the verdict's own alerts since the
    month (a report page puts there the alerts its alert chart shows).
    """
    out: list[str] = []
    when = month_name(result.since)
    test = result.test
    if result.pre_period is not None:
        start, end = result.pre_period
        text = (f"Compared with the average level from {month_name(start)} to {month_name(end)}"
                " (too few months to carry a trend forward)" if flat_comparison(result) else
                f"Compared with the trend from {month_name(start)} to {month_name(end)}")
        earlier = [b for b in result.breaks_found if b.scanned[1] < result.since]
        if earlier:
            text += (f"; earlier months were left out because the series changed around "
                     f"{month_name(earlier[-1].month)} (scan p = {earlier[-1].p_value:.3f})")
        out.append(text + ".")
    if test is not None and result.verdict != "cannot_tell":
        if math.isfinite(test.slope_ratio_per_year):
            out.append(
                f"The yearly trend changed by a factor of {_num(test.slope_ratio_per_year)} at "
                f"{when} ({_ci(test.slope_ratio_per_year_ci)}; estimated, not part of the "
                "test).")
        out.append(
            f"From {when} to {month_name(test.end)}: {test.observed_after:,.0f} observed "
            f"against {test.expected_after:,.0f} expected from the "
            f"{'level' if flat_comparison(result) else 'trend'} before, an excess of "
            f"{_whole(test.excess, sign=True)} (95% CI {_whole(test.excess_ci[0])} to "
            f"{_whole(test.excess_ci[1])}).")
        out += _excess_against_ratio(test)
    out += _scan_words(result)
    out += _alert_words(result) if alerts is None else [alerts]
    out += _window_words(result)
    return out


def _excess_against_ratio(test: LevelChange) -> list[str]:
    """Say why, when the excess's interval and the level ratio's disagree about a change."""
    low, high = test.level_ratio_ci
    e_low, e_high = test.excess_ci
    if not all(map(math.isfinite, (low, high, e_low, e_high))):
        return []
    if (low > 1 or high < 1) == (e_low > 0 or e_high < 0):
        return []
    return [
        f"The excess's interval ({_whole(e_low, sign=True)} to {_whole(e_high, sign=True)}) "
        + ("excludes" if e_low > 0 or e_high < 0 else "includes")
        + " zero while the level ratio's "
        + ("includes" if low <= 1 <= high else "excludes")
        + " 1: the two intervals are made differently (the excess's is a basic bootstrap "
        "interval of a sum over the months compared, the level ratio's a studentized one, "
        "whose coverage the calibration checks) and the verdict follows the level ratio; do "
        "not quote the excess as a finding on its own."
    ]


def _scan_words(result: Assessment) -> list[str]:
    if result.pre_period is None or result.test is None:
        return []
    whole = [b for b in result.breaks_found if b.scanned[0] == result.pre_period[0]
             and b.scanned[1] >= result.since]
    when = month_name(result.since)
    if not whole:
        return [f"A scan of every month from {month_name(result.pre_period[0])} for a break "
                "at an unknown date finds none at the 5% level; it has less power than the "
                f"test at {when} because it does not know the month."]
    best = whole[-1]
    span = f"{best.confidence_set[0]} to {best.confidence_set[-1]}"
    if result.since in best.confidence_set:
        return [f"A scan for a break at an unknown date also places one at {when} or near it "
                f"(best {month_name(best.month)}, confidence set {span}, {best.p_text()})."]
    # the checks flag a break too far away to be the change asked about (checks.elsewhere)
    if not any(f.code in ("earlier_break", "later_break") for f in result.flags):
        return [f"A scan for a break at an unknown date also places one near {when} (best "
                f"{month_name(best.month)}, confidence set {span}, {best.p_text()}): within "
                "6 months, taken as the same change, which a scan dates only roughly."]
    where = "after" if best.month > result.since else "before"
    return [f"A scan for a break at an unknown date places one around "
            f"{month_name(best.month)} (confidence set {span}, {best.p_text()}), "
            f"{where} the month asked about: the change may date from then rather than from "
            f"{when}."]


def _alert_words(result: Assessment) -> list[str]:
    if any(f.code == "alerts_unavailable" for f in result.flags):
        return []
    highs = [a.month for a in result.alerts_since if a.direction == "high"]
    lows = [a.month for a in result.alerts_since if a.direction == "low"]
    return [alert_sentence(result.since, highs, lows, result.alert_settings,
                           preliminary=result.preliminary_from)]


def alert_sentence(since: str, highs: list[str], lows: list[str],
                   how: str = "Farrington, both sides checked", preliminary: str = "") -> str:
    """The months since ``since`` flagged unusually high or low, in one sentence.

    ``preliminary`` is the first month whose figures are preliminary: the
    sentence says how many of the flagged months are.

    Examples
    --------
    >>> alert_sentence("2023-11", ["2024-02"], [])[:62]
    'Alerts since November 2023 (Farrington, both sides checked): u'
    >>> alert_sentence("2023-11", ["2024-02", "2025-03"], ["2025-09"], preliminary="2025-01")[-44:]
    '2 of these 3 months are preliminary figures.'
    >>> alert_sentence("2023-11", ["2024-02"], ["2025-09"], preliminary="2025-01")[-44:]
    '1 of these 2 months is a preliminary figure.'
    """
    when = month_name(since)
    if not highs and not lows:
        return f"No month since {when} was unusually high or low for its own history ({how})."
    parts = []
    if highs:
        parts.append("unusually high in " + _months(highs))
    if lows:
        parts.append("unusually low in " + _months(lows))
    text = (f"Alerts since {when} ({how}): " + "; ".join(parts)
            + ". Single months can be unusual without the level changing, and a level can "
            "change without any single month being unusual.")
    late = sum(month >= preliminary for month in highs + lows) if preliminary else 0
    if late:
        flagged = len(highs) + len(lows)
        text += (" That month's figure is preliminary." if flagged == 1 else
                 f" {late} of these {flagged} months {'is a' if late == 1 else 'are'} "
                 f"preliminary figure{'' if late == 1 else 's'}.")
    return text


def _months(months: list[str], shown: int = 6) -> str:
    """'2024-02, 2024-03' or, for many, the first few and how many more (never "1 more").

    Examples
    --------
    >>> _months(["2024-01", "2024-02", "2024-03"], shown=2)
    '2024-01, 2024-02, 2024-03'
    >>> _months(["2024-01", "2024-02", "2024-03", "2024-05"], shown=2)
    '4 months (2024-01, 2024-02 and 2 more)'

    """
    if len(months) <= shown + 1:  # naming the last month takes no more room than "and 1 more"
        return ", ".join(months)
    return f"{len(months)} months ({', '.join(months[:shown])} and {len(months) - shown} more)"


def _window_words(result: Assessment) -> list[str]:
    stable = [w for w in result.windows if w.stable]
    if len(stable) < 2:
        return []
    ratios = [w.level_ratio for w in stable]
    verdicts = sorted({w.verdict.replace("_", " ") for w in stable})
    return [f"Comparison periods starting in other months of the stable stretch give level "
            f"ratios from {_num(min(ratios))} to {_num(max(ratios))} ("
            + "; ".join(verdicts) + ")."]
