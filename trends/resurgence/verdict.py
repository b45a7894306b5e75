"""One plain answer to "has it risen since X?": :func:`assess`.

The verdict is one of a small documented set (docs/models.md, "The verdict"):

- ``rise`` / ``fall``: the level since X differs from the trend before it,
  carried on, in that direction (one-sided p < 0.05 in the direction asked;
  the other direction needs the two-sided 95% interval to exclude 1);
- ``no_change``: no detectable change at X (with the drift of the past year);
- ``cannot_tell``: the data cannot answer, and ``flags`` say why.

It rests on :func:`trends.resurgence.level.level_change` over a comparison
period chosen by :mod:`trends.resurgence.window`, and reconciles, in words,
the scan for a break at an unknown month and the alerts of the months since X.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from trends._options import check_choice
from trends.errors import DataError
from trends.models.design import as_monthly_series, month_position
from trends.resurgence.known import by_month
from trends.resurgence.level import Drift, LevelChange, level_change, past_year
from trends.resurgence.verdict_parts import (
    AlertMonth,
    Flag,
    WindowResult,
    alerts_since,
    noise_settings,
)
from trends.resurgence.window import (
    MIN_BEFORE,
    MIN_STABLE,
    SCAN_BOOTSTRAP,
    FoundBreak,
    PrePeriod,
    choose_pre_period,
    scan,
    sensitivity_starts,
)
from trends.resurgence.wording import evidence, sentence

Direction = Literal["rise", "fall", "either"]
DIRECTIONS: tuple[Direction, ...] = ("rise", "fall", "either")
Verdict = Literal["rise", "fall", "no_change", "cannot_tell"]
LEVEL = 0.05
MIN_AFTER = 3
MAX_AFTER = 24  # months from the break month that the test compares (see docs/models.md)
NEAR = 6  # a break found this close to the month asked about is taken to be the same one
FIRST_YEAR = 12  # months from the month asked about checked on their own (see _first_year)
MIN_ACTIVE = 5  # months with a non-zero count before the break
MIN_EVENTS = 20  # counted before the break
ABSURD_RATIO = 100.0
WIDE = 25.0  # an interval spanning more than this factor answers nothing
NOT_FINDINGS = ("absurd_counterfactual", "uninformative")


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`assess`: the verdict, its sentence and the evidence behind it."""

    name: str
    measure: str
    since: str
    direction: str
    verdict: str
    sentence: str
    evidence: tuple[str, ...]
    p_value: float
    pre_period: tuple[str, str] | None
    windows: tuple[WindowResult, ...]
    breaks_found: tuple[FoundBreak, ...]
    alerts_since: tuple[AlertMonth, ...]
    flags: tuple[Flag, ...]
    p_value_range: tuple[float, float] | None
    bootstrap: int
    seed: int
    drift: Drift | None = None
    regions_tested: int = 1
    p_value_unadjusted: float = math.nan
    test: LevelChange | None = field(repr=False, default=None)

    @property
    def level_ratio(self) -> float:
        """Level since the break month against the trend before it (NaN when not reported)."""
        return self.test.level_ratio if self.test is not None and self._reported else math.nan

    @property
    def level_ratio_ci(self) -> tuple[float, float]:
        """95% interval of the level ratio (NaN when not reported)."""
        if self.test is None or not self._reported:
            return (math.nan, math.nan)
        return self.test.level_ratio_ci

    @property
    def _reported(self) -> bool:
        """False when the test's counterfactual is not a finding (absurd or uninformative)."""
        return self.test is not None and not any(f.code in NOT_FINDINGS for f in self.flags)

    def tidy(self) -> pd.DataFrame:
        """One row per quantity: level_ratio, slope_ratio_per_year, excess, past_year_ratio.

        Columns: quantity, estimate, ci_low, ci_high, p_value (the p-value of
        the verdict's test sits on the level_ratio row). Empty when no test
        could be run or its counterfactual was absurd.
        """
        rows = []
        if self._reported:
            t = self.test
            assert t is not None
            rows.append(("level_ratio", t.level_ratio, *t.level_ratio_ci, self.p_value))
            rows.append(("slope_ratio_per_year", t.slope_ratio_per_year,
                         *t.slope_ratio_per_year_ci, math.nan))
            rows.append(("excess", t.excess, *t.excess_ci, math.nan))
        if self.drift is not None:
            rows.append(("past_year_ratio", self.drift.ratio, *self.drift.ci, math.nan))
        return pd.DataFrame(rows, columns=["quantity", "estimate", "ci_low", "ci_high",
                                           "p_value"])

    def summary(self) -> str:
        """The sentence, the evidence and the flags, as plain text."""
        lines = [self.sentence, "", *self.evidence]
        if self.flags:
            lines += ["", "Flags:"] + [f"  {f.code}: {f.message}" for f in self.flags]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from trends.escape import html_pre

        return html_pre(self.summary())

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary with every field of the verdict (NaN becomes None)."""
        from trends._json import finite_or_none

        table = self.tidy().set_index("quantity")

        def pair(key: str) -> list[float | None] | None:
            if key not in table.index:
                return None
            return [finite_or_none(table.at[key, "ci_low"]),
                    finite_or_none(table.at[key, "ci_high"])]

        def value(key: str) -> float | None:
            return finite_or_none(table.at[key, "estimate"]) if key in table.index else None

        t = self.test
        return {
            "name": self.name,
            "measure": self.measure,
            "since": self.since,
            "direction": self.direction,
            "verdict": self.verdict,
            "sentence": self.sentence,
            "evidence": list(self.evidence),
            "level_ratio": value("level_ratio"),
            "level_ratio_ci": pair("level_ratio"),
            "p_value": finite_or_none(self.p_value),
            "p_value_unadjusted": finite_or_none(self.p_value_unadjusted),
            "regions_tested": self.regions_tested,
            "p_value_range": None if self.p_value_range is None
            else [finite_or_none(v) for v in self.p_value_range],
            "slope_ratio_per_year": value("slope_ratio_per_year"),
            "slope_ratio_per_year_ci": pair("slope_ratio_per_year"),
            "excess": value("excess"),
            "excess_ci": pair("excess"),
            "past_year_ratio": value("past_year_ratio"),
            "past_year_ratio_ci": pair("past_year_ratio"),
            "pre_period": None if self.pre_period is None
            else {"start": self.pre_period[0], "end": self.pre_period[1]},
            "months_after": None if t is None else t.n_after,
            "window_sensitivity": [w.to_dict() for w in self.windows],
            "breaks_found": [b.to_dict() for b in self.breaks_found],
            "alerts_since": [a.to_dict() for a in self.alerts_since],
            "flags": [f.to_dict() for f in self.flags],
            "noise": None if t is None else t.latent.to_dict(),
            "bootstrap": self.bootstrap,
            "seed": self.seed,
        }


def assess(
    y: pd.Series,
    since: str,
    *,
    direction: Direction = "rise",
    name: str | None = None,
    harmonics: int = 2,
    offset: pd.Series | None = None,
    covariates: pd.DataFrame | None = None,
    bootstrap: int = 999,
    seed: int = 0,
    scan_bootstrap: int = SCAN_BOOTSTRAP,
) -> Assessment:
    """Has ``y`` risen (or fallen) since the month ``since``? One verdict, in words.

    Parameters
    ----------
    y : pandas.Series
        Monthly counts on a complete monthly ``PeriodIndex``; its name is the measure.
    since : str
        The month the question is about, "YYYY-MM" (the first month after the change).
    direction : {"rise", "fall", "either"}
        The question: has it risen (one-sided test, the default), fallen, or changed?
    name : str, optional
        What the series covers, for the sentence (e.g. "Syria").
    harmonics : int
        Seasonal Fourier pairs of the model.
    offset : pandas.Series, optional
        Exposure (e.g. population) by month; its log is the model's offset.
    covariates : pandas.DataFrame, optional
        Numeric regressors by month (e.g. a price), in every model of the verdict.
    bootstrap : int
        Bootstrap series of the test (at least 99).
    seed : int
        Seed of every simulation.
    scan_bootstrap : int
        Bootstrap series of each scan for a break at an unknown month.

    Examples
    --------
    >>> import numpy as np
    >>> idx = pd.period_range("2016-01", periods=72, freq="M")
    >>> rate = np.where(np.arange(72) >= 48, 45.0, 20.0)
    >>> y = pd.Series(np.random.default_rng(1).poisson(rate), index=idx, name="incidents")
    >>> result = assess(y, "2020-01", bootstrap=199, scan_bootstrap=99)
    >>> result.verdict
    'rise'

    """
    check_choice("direction", direction, DIRECTIONS)
    series = as_monthly_series(y)
    measure = str(series.name) if series.name is not None else "count"
    label = name or ""
    position = month_position(series.index, since)
    since = str(series.index[position])
    flags = _data_flags(series, position)
    common = {"name": label, "measure": measure, "since": since, "direction": direction,
              "bootstrap": bootstrap, "seed": seed}
    alerts = alerts_since(series, position)
    if isinstance(alerts, Flag):
        flags.append(alerts)
        alerts = ()
    if any(f.blocks for f in flags):
        return _finish(common, flags, None, None, (), [], alerts, None)
    offset, covariates = by_month(offset, series.index), by_month(covariates, series.index)
    pre = choose_pre_period(series, position, bootstrap=scan_bootstrap, seed=seed,
                            offset=offset, covariates=covariates)
    found = list(pre.breaks)
    period = (pre.start, _before(since))
    if pre.too_short is not None:
        flags.append(Flag("short_stable_period", (
            f"the series changed around {pre.too_short.month} (scan p = "
            f"{pre.too_short.p_value:.3f}), less than {MIN_STABLE} months before {since}: "
            "there is no stable stretch to carry a trend forward from"), True))
        return _finish(common, flags, None, period, (), found, alerts, None)
    if pre.misfit:
        flags.append(Flag("pre_trend_misfit", (
            f"one straight trend does not fit the months before {since} even over the last "
            f"{MIN_BEFORE} (quadratic term p < 0.05), so it cannot be carried forward"), True))
        return _finish(common, flags, None, period, (), found, alerts, None)
    before = position - month_position(series.index, pre.start)
    short = before < MIN_BEFORE
    options: dict[str, object] = {"harmonics": 0 if short else harmonics, "trend": not short,
                                  "seed": seed, "offset": offset, "covariates": covariates}
    if short:
        why = (f"the series changed around {found[-1].month}, so only" if found
               else "the series has only")
        flags.append(Flag("short_stable_period", (
            f"{why} {before} months before {since} to compare with: too few to carry a trend "
            "or a seasonal pattern forward, so the months since are compared with their "
            "average level"), False))
    end = str(series.index[min(len(series), position + MAX_AFTER) - 1])
    last = month_position(series.index, end) + 1
    whole = scan(series.iloc[month_position(series.index, pre.start):last],
                 bootstrap=scan_bootstrap, seed=seed, offset=offset, covariates=covariates)
    if whole is not None and whole.p_value < LEVEL:
        found.append(whole)
        elsewhere = _elsewhere(whole, since, series)
        if elsewhere is not None:
            new_end, flag = elsewhere
            flags.append(flag)
            end = new_end or end
            if flag.blocks:
                return _finish(common, flags, None, period, (), found, alerts, None)
    try:
        test = level_change(series, since, start=pre.start, end=end, bootstrap=bootstrap,
                            **options)  # type: ignore[arg-type]
    except DataError as err:
        flags.append(Flag("too_short", str(err), True))
        return _finish(common, flags, None, period, (), found, alerts, None)
    first = _first_year(series, since, test, bootstrap, options)
    if first is not None:
        test, flag = first
        flags.append(flag)
    flags += _absurd(test)
    p_range = None
    if test.latent.flags:
        p_range, flag = _noise_check(series, since, test, direction, bootstrap, options)
        flags.append(flag)
    windows = _windows(series, position, pre, direction, bootstrap, options, test)
    flags += _window_flags(windows, direction)
    drift = past_year(series, offset=offset, bootstrap=bootstrap, seed=seed)
    return _finish(common, flags, test, period, windows, found, alerts, p_range, drift)


def _first_year(
    series: pd.Series, since: str, test: LevelChange, bootstrap: int,
    options: dict[str, object],
) -> tuple[LevelChange, Flag] | None:
    """The first 12 months alone, when the whole period says something they do not.

    A change that comes a year or more after the month asked about (a later
    escalation, say) raises the level of the whole period; if the whole
    period's level ratio lies outside the interval of the first 12 months',
    the change came later, and the test keeps to the first 12 months.
    """
    if test.n_after < FIRST_YEAR + NEAR:
        return None
    last = str(pd.Period(since, freq="M") + FIRST_YEAR - 1)
    first = level_change(series, since, start=test.start, end=last, bootstrap=bootstrap,
                         **options)  # type: ignore[arg-type]
    low, high = first.level_ratio_ci
    if low <= test.level_ratio <= high:
        return None
    return first, Flag("later_change", (
        f"the first {FIRST_YEAR} months from {since} were {first.level_ratio:.2f} times the "
        f"level the trend before predicted (95% CI {low:.2f} to {high:.2f}), the "
        f"{test.n_after} months to {test.end} {test.level_ratio:.2f} times: most of the "
        f"change came later, so the test keeps to the first {FIRST_YEAR} months"), False)


def _elsewhere(
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
    where = (f"the series changed around {found.month} (confidence set {span}, scan p = "
             f"{found.p_value:.3f})")
    if gap < 0:
        far = -gap > 12
        return None, Flag("earlier_break", (
            f"{where}, {-gap} months before {since}: "
            + ("the months before it are not a stable trend to compare with" if far else
               f"the change may have begun before {since}")), far)
    if gap < 12:
        return None, Flag("later_break", f"{where}, {gap} months after {since}", False)
    last = _before(found.month)
    return last, Flag("later_break", (
        f"the series changed again around {found.month} (confidence set {span}, scan p = "
        f"{found.p_value:.3f}); the test at {since} uses the months up to {last}, so that a "
        "later change is not read as one at the month asked about"), False)


def _before(month: str) -> str:
    return str(pd.Period(month, freq="M") - 1)


def _data_flags(series: pd.Series, position: int) -> list[Flag]:
    flags = []
    after = len(series) - position
    if position < MIN_STABLE:
        flags.append(Flag("too_short", (
            f"only {position} months before {series.index[position]}; the trend before it "
            f"needs at least {MIN_STABLE}"), True))
    if after < MIN_AFTER:
        flags.append(Flag("too_short", (
            f"only {after} month(s) from {series.index[position]} on; a level needs at least "
            f"{MIN_AFTER} (to judge single months, see the alerts)"), True))
    before = series.iloc[max(0, position - 120):position]
    active, events = int((before > 0).sum()), float(before.sum())
    if position >= MIN_STABLE and (active < MIN_ACTIVE or events < MIN_EVENTS):
        flags.append(Flag("sparse", (
            f"only {active} months with any count and {events:.0f} counted in the "
            f"{len(before)} months before {series.index[position]}; too few to tell a trend"),
            True))
    return flags


def _absurd(test: LevelChange) -> list[Flag]:
    """Flags for a counterfactual that is absurd or that pins nothing down."""
    ratio = test.level_ratio
    window_total = float(test.counterfactual["observed"].sum())
    if (ratio < 1.0 / ABSURD_RATIO or ratio > ABSURD_RATIO
            or abs(test.excess) > window_total):
        return [Flag("absurd_counterfactual", (
            f"the trend before {test.break_month}, carried on, expects "
            f"{test.expected_after:,.0f} from {test.break_month} to {test.end} against "
            f"{test.observed_after:,.0f} observed (level ratio {ratio:.3g}): the trend cannot "
            "be extrapolated that far, and no level change is reported"), True)]
    low, high = test.level_ratio_ci
    if high > WIDE * low:
        return [Flag("uninformative", (
            f"the trend before {test.break_month} does not pin down what to expect after it: "
            f"the level ratio could be anything from {low:.2g} to {high:.3g}"), True)]
    return []


def _p(test: LevelChange, direction: str) -> float:
    if direction == "rise":
        return test.level.p_rise
    if direction == "fall":
        return test.level.p_fall
    return test.level.p_two_sided


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


def _noise_check(
    series: pd.Series, since: str, test: LevelChange, direction: str, bootstrap: int,
    options: dict[str, object],
) -> tuple[tuple[float, float], Flag]:
    """p-values with the bootstrap noise set to other settings the data cannot rule out.

    Each setting of :func:`noise_settings` is kept if its simulated series
    reproduce the observed residual autocorrelation (plausibility >= 0.05). The
    settings share the test's seed, so their bootstrap series share their
    underlying draws and the p-values differ by the setting, not by chance.
    """
    ps = [_p(test, direction)]
    verdicts = {decide(test, direction)}
    kept = []
    for label, noise in zip(("independent", "moderately", "strongly"),
                            noise_settings(test.theta), strict=True):
        alt = level_change(series, since, start=test.start, end=test.end, bootstrap=bootstrap,
                           noise=noise, slope=False, **options)  # type: ignore[arg-type]
        if alt.plausibility < LEVEL:
            continue
        kept.append(label)
        ps.append(_p(alt, direction))
        verdicts.add(decide(alt, direction))
    low, high = min(ps), max(ps)
    what = {"rho_at_bound": "its autocorrelation reached the top of its range",
            "variance_at_cap": "all the extra variation was put down to it",
            "not_converged": "its bias correction did not settle"}
    reasons = "; ".join(what[f] for f in test.latent.flags)
    blocks = len(verdicts) > 1
    if not kept:
        checked = ("no other setting (independent, moderately or strongly autocorrelated "
                   "noise) reproduces the residual autocorrelation of these months")
    else:
        checked = (f"with the other settings the data allow ({', '.join(kept)} autocorrelated"
                   f" noise) the p-value ranges from {low:.3f} to {high:.3f}"
                   + (", which changes the answer" if blocks else
                      ", and the answer stays the same"))
    message = (f"the month-to-month noise is not well identified by these data ({reasons}); "
               + checked)
    return (low, high), Flag("noise_unidentified", message, blocks)


def _windows(
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
                                _p(test, direction), decide(test, direction),
                                tuple(crosses), start == chosen.start,
                                start >= chosen.start))
    return tuple(out)


def _window_flags(windows: tuple[WindowResult, ...], direction: str) -> list[Flag]:
    stable = [w for w in windows if w.stable]
    seen = {w.verdict for w in stable} & {"rise", "fall"}
    if len(seen) > 1:
        return [Flag("window_dependent", (
            "comparison periods starting in different months give a significant rise and a "
            "significant fall: " + ", ".join(f"from {w.start}: {w.verdict}" for w in stable)),
            True)]
    chosen = next(w for w in windows if w.chosen)
    agree = sum(w.verdict == chosen.verdict for w in stable)
    if agree * 2 < len(stable):
        return [Flag("window_sensitive", (
            f"only {agree} of {len(stable)} comparison periods within the stable stretch give "
            f"the same answer ({chosen.verdict.replace('_', ' ')}); see window_sensitivity"),
            False)]
    return []


def _finish(
    common: dict[str, object], flags: list[Flag], test: LevelChange | None,
    pre_period: tuple[str, str] | None, windows: tuple[WindowResult, ...],
    found: list[FoundBreak], alerts: tuple[AlertMonth, ...],
    p_range: tuple[float, float] | None, drift: Drift | None = None,
) -> Assessment:
    direction = str(common["direction"])
    if test is None or any(f.blocks for f in flags):
        verdict = "cannot_tell"
    else:
        verdict = decide(test, direction)
    p_value = math.nan if test is None else _p(test, direction)
    result = Assessment(
        p_value_unadjusted=p_value,
        verdict=verdict, sentence="", evidence=(), p_value=p_value, pre_period=pre_period,
        windows=windows, breaks_found=tuple(found), alerts_since=alerts, flags=tuple(flags),
        p_value_range=p_range, drift=drift, test=test, **common,  # type: ignore[arg-type]
    )
    return _with_words(result)


def _with_words(result: Assessment) -> Assessment:
    return replace(result, sentence=sentence(result), evidence=tuple(evidence(result)))


def adjust_for_regions(results: list[Assessment]) -> list[Assessment]:
    """Holm-adjust the verdicts of several regions asked the same question.

    The p-values in the direction asked, and those in the other direction,
    are each adjusted across the regions that could be tested (Holm's
    step-down method); the verdicts are decided again with them, and the
    sentence says how many regions were allowed for. Intervals stay 95%
    intervals for each region alone.
    """
    tested = [r for r in results if r.test is not None and r.verdict != "cannot_tell"]
    count = len(tested)
    if count < 2:
        return results
    direction = tested[0].direction
    asked = holm([_p(r.test, direction) for r in tested])  # type: ignore[arg-type]
    other = holm([_other_p(r.test, direction) for r in tested])  # type: ignore[arg-type]
    adjusted = {}
    for r, p, q in zip(tested, asked, other, strict=True):
        assert r.test is not None
        if direction == "rise":
            verdict = decide_from(p, q, r.test.level.estimate, direction)
        elif direction == "fall":
            verdict = decide_from(q, p, r.test.level.estimate, direction)
        else:
            verdict = decide_from(p / 2, p / 2, r.test.level.estimate, direction)
        adjusted[id(r)] = _with_words(replace(r, verdict=verdict, p_value=p,
                                              regions_tested=count))
    return [adjusted.get(id(r), r) for r in results]


def _other_p(test: LevelChange, direction: str) -> float:
    if direction == "rise":
        return test.level.p_fall
    if direction == "fall":
        return test.level.p_rise
    return test.level.p_two_sided


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    Examples
    --------
    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]

    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    out = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        out[i] = running
    return out


__all__ = ["Assessment", "Direction", "adjust_for_regions", "assess", "decide", "holm"]
