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
from typing import Any, Literal

import pandas as pd

from trends.errors import DataError
from trends.options import DIRECTIONS, Direction, check_choice
from trends.results import ResultView
from trends.resurgence.checks import (
    MAX_AFTER,
    NOT_FINDINGS,
    NoiseCheck,
    absurd_flags,
    data_flags,
    decide,
    elsewhere,
    first_year,
    month_before,
    noise_check,
    p_value_for,
    window_flags,
    windows,
)
from trends.resurgence.gates import Borderline, Gates
from trends.resurgence.known import by_month
from trends.resurgence.level import Drift, LevelChange, level_change, past_year
from trends.resurgence.verdict_parts import (
    AlertMonth,
    Flag,
    WindowResult,
    alert_settings,
    alerts_since,
)
from trends.resurgence.window import (
    MIN_BEFORE,
    MIN_STABLE,
    SCAN_BOOTSTRAP,
    FoundBreak,
    choose_pre_period,
    gated_scan,
)
from trends.resurgence.wording import answer_words, evidence, month_name, sentence
from trends.validate import month_position, monthly_series, preliminary_start

Verdict = Literal["rise", "fall", "no_change", "cannot_tell"]
MAX_FLIPS = 3  # close checks whose other decision is worked out, in the order met


@dataclass(frozen=True)
class Assessment(ResultView):
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
    data_end: str = ""
    """The last month of the series (the months compared may end before it)."""
    p_value_against: float = math.nan
    """Two-sided p-value of a change against the direction asked, Holm-adjusted with the
    regions (:func:`trends.resurgence.multiplicity.adjust_for_regions`); NaN: the test's own."""
    preliminary_from: str = ""
    """The first month whose figures are preliminary ("" if none was given)."""
    later_end: str = ""
    """The last month of the months compared before the verdict kept to the first 12 of them
    (flag ``later_change``; "" otherwise)."""
    other_way: str = ""
    """With "no detectable change": that whether the level went against the direction asked
    depends on the noise or on a close check, in a sentence ("" otherwise)."""
    p_value_range_side: str = ""
    """The p-value ``p_value_range`` spans: "rise" or "fall" (one-sided), "either"
    (two-sided; a change against the direction asked); "" when there is no range."""
    alert_settings: str = "Farrington, both sides checked"
    """How ``alerts_since`` were found, in words."""
    test: LevelChange | None = field(repr=False, default=None)

    @property
    def against_direction(self) -> bool:
        """Whether the verdict is a rise or fall the other way from the one asked about."""
        return self.direction in ("rise", "fall") and self.verdict == (
            "fall" if self.direction == "rise" else "rise")

    @property
    def p_two_sided_against(self) -> float:
        """The two-sided p-value quoted when the change went against the direction asked."""
        if not math.isnan(self.p_value_against):
            return self.p_value_against
        return math.nan if self.test is None else self.test.level.p_two_sided

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

    def plot(self) -> Any:
        """The months compared: observed, fitted, and the trend before carried on with its band.

        With no test to draw (a verdict of "cannot tell" before any test ran), a
        chart that says why.
        """
        from trends.charts import series_chart
        from trends.charts.results import note_chart
        from trends.measures import measure_label

        title = f"Since {self.since}: {self.verdict.replace('_', ' ')}"
        if self.test is None:
            return note_chart(self.sentence, title=title)
        cf = self.test.counterfactual.reset_index()
        after = cf["month"] >= self.test.break_month
        frame = pd.DataFrame({
            "month": cf["month"].astype(str), "observed": cf["observed"],
            "fitted": cf["fitted"], "fitted_low": cf["fitted_low"],
            "fitted_high": cf["fitted_high"],
            "counterfactual": cf["expected"].where(after),
            "counterfactual_low": cf["expected_low"].where(after),
            "counterfactual_high": cf["expected_high"].where(after),
        })
        return series_chart(frame, break_month=self.test.break_month,
                                   measure_label=measure_label(self.measure), title=title,
                                   subtitle=self.name or None)

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
            "name": self.name or None,  # "": a table of one series, no place
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
            "p_value_range_side": self.p_value_range_side or None,
            "slope_ratio_per_year": value("slope_ratio_per_year"),
            "slope_ratio_per_year_ci": pair("slope_ratio_per_year"),
            "excess": value("excess"),
            "excess_ci": pair("excess"),
            "past_year_ratio": value("past_year_ratio"),
            "past_year_ratio_ci": pair("past_year_ratio"),
            "past_year_totals": None if self.drift is None
            else {"before": finite_or_none(self.drift.totals[0]),
                  "last": finite_or_none(self.drift.totals[1])},
            "pre_period": None if self.pre_period is None
            else {"start": self.pre_period[0], "end": self.pre_period[1]},
            "months_after": None if t is None else t.n_after,
            "data_end": self.data_end,
            "preliminary_from": self.preliminary_from or None,
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
    preliminary: str | None = None,
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
    preliminary : str, optional
        The first month whose figures are preliminary and may be revised
        ("YYYY-MM"; e.g. the first month of UCDP Candidate data): the verdict
        says how many of the months it compares are (flag ``preliminary``).

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
    series = monthly_series(y)
    first_preliminary = preliminary_start(preliminary, series.index[0], series.index[-1],
                                          "preliminary")
    measure = str(series.name) if series.name is not None else "count"
    label = name or ""
    position = month_position(series.index, since)
    since = str(series.index[position])
    flags = data_flags(series, position)
    common = {"name": label, "measure": measure, "since": since, "direction": direction,
              "bootstrap": bootstrap, "seed": seed, "data_end": str(series.index[-1]),
              "alert_settings": alert_settings(series.index, position)}
    alerts = alerts_since(series, position)
    if isinstance(alerts, Flag):
        flags.append(alerts)
        alerts = ()
    if any(f.blocks for f in flags):
        return _finish(common, flags, None, None, (), [], alerts, None)
    offset, covariates = by_month(offset, series.index), by_month(covariates, series.index)
    question = _Question(series, position, common, tuple(flags), alerts, harmonics, offset,
                         covariates, scan_bootstrap)
    gates = Gates()
    result = _compare(question, gates)
    close = list({check.key: check for check in gates.seen}.values())[:MAX_FLIPS]
    result = settle(result, [(check, _compare(question, gates.other_way(check.key)))
                             for check in close])
    if first_preliminary is None:
        return result
    result = replace(result, preliminary_from=str(first_preliminary))
    flag = preliminary_flag(result, first_preliminary)
    # the alerts' sentence counts the preliminary months it names, flag or not
    return with_words(result if flag is None else replace(result, flags=(*result.flags, flag)))


def preliminary_flag(result: Assessment, first: pd.Period) -> Flag | None:
    """How many of the months each figure of the verdict rests on are preliminary (``first`` on).

    The months compared (from the start of the comparison period to the last
    month the test used), and, when the sentence quotes them, the months after
    the first 12 (a later change), the past year's 24 months and the month of a
    break the scan places since. None when none of them is preliminary.
    """
    def late(start: pd.Period, end: pd.Period) -> tuple[int, int]:
        return max(0, (end - max(first, start)).n + 1), (end - start).n + 1

    if result.test is None:  # "cannot tell" for a reason of its own, before any test
        return None
    since = pd.Period(result.since, freq="M")
    said = f"the figures from {month_name(first)} on are preliminary and may be revised"
    start = pd.Period(result.pre_period[0], freq="M") if result.pre_period else since
    end = pd.Period(result.test.end, freq="M")
    parts = []
    k, n = late(since, end)
    parts.append(f"{_count(k)} of the {n} months compared from {month_name(since)}")
    if start < since:
        k, n = late(start, since - 1)
        if k:
            parts.append(f"{k} of the {n} before them")
    if result.later_end:
        k, n = late(end + 1, pd.Period(result.later_end, freq="M"))
        parts.append(f"{_count(k)} of the {n} after the first 12")
    if result.drift is not None:
        last = pd.Period(result.drift.months[1], freq="M")
        k, n = late(last - 23, last)
        parts.append(f"{_count(k)} of the {n} months of the past year's comparison")
    breaks = [b.month for b in result.breaks_found if b.month >= str(first)]
    if breaks:
        parts.append(f"and the break the scan places at {month_name(breaks[-1])} is among them")
    if all(part.startswith("none of") for part in parts):
        return None
    return Flag("preliminary", f"{said}: {'; '.join(parts)}", False)


def _count(k: int) -> str:
    return str(k) if k else "none"


def settle(result: Assessment, others: list[tuple[Borderline, Assessment]]) -> Assessment:
    """The verdict given the checks too close to call, each with its other decision.

    "Cannot tell" if deciding one the other way gives another answer to the
    question asked; "no detectable change", with a note, if only whether the
    level went the other way depends on it; otherwise the same verdict with a
    note. ``others`` pairs each such check with the verdict it gives decided
    the other way (:mod:`trends.resurgence.gates`).
    """
    if not others:
        return result
    differ = [(check, other) for check, other in others if other.verdict != result.verdict]
    asked, against = result.direction, {"rise": "fall", "fall": "rise"}.get(result.direction)
    if differ and {result.verdict, *(o.verdict for _, o in differ)} == {"no_change", against}:
        went = "fell" if asked == "rise" else "rose"
        ways = "; and ".join(f"{_close(check)}, and whether they {went} depends on it: "
                             f"{_both_ways(check, result, other)}" for check, other in differ)
        flag = Flag("borderline_check", f"{ways}; no {asked} either way", False)
        settled = result if result.verdict == "no_change" else next(
            o for _, o in differ if o.verdict == "no_change")
        other_way = f"Whether they {went} depends on a check too close to call (see the flags)"
        return with_words(replace(settled, flags=(*settled.flags, flag), other_way=other_way))
    if not differ:
        said = "; ".join(f"{check.question} is too close to call ({check.p_text()})"
                         for check, _ in others)
        flag = Flag("borderline_check", f"{said}, but the answer is the same either way",
                    False)
        return replace(result, flags=(*result.flags, flag))
    parts = [f"{_close(check)}, and the answer depends on it: "
             f"{_both_ways(check, result, other)}" for check, other in differ]
    flag = Flag("borderline_check", "; and ".join(parts), True)
    return with_words(replace(result, verdict="cannot_tell", flags=(*result.flags, flag)))


def _close(check: Borderline) -> str:
    return (f"{check.question} is too close to call ({check.p_text()}, within the "
            f"simulation's error of {check.level})")


def _both_ways(check: Borderline, result: Assessment, other: Assessment) -> str:
    """The answer each way of deciding a close check."""
    ways = {check.passed: answer_words(result), not check.passed: answer_words(other)}
    return f"{check.if_passed}, {ways[True]}; {check.if_not}, {ways[False]}"


@dataclass(frozen=True)
class _Question:
    """What :func:`assess` was asked, checked and ready for :func:`_compare`."""

    series: pd.Series
    position: int
    common: dict[str, object]
    flags: tuple[Flag, ...]
    alerts: tuple[AlertMonth, ...]
    harmonics: int
    offset: pd.Series | None
    covariates: pd.DataFrame | None
    scan_bootstrap: int


def _compare(question: _Question, gates: Gates) -> Assessment:
    """The verdict from the comparison period on, with ``gates`` deciding the close checks."""
    series, position, common = question.series, question.position, question.common
    flags, alerts = list(question.flags), question.alerts
    offset, covariates, harmonics = question.offset, question.covariates, question.harmonics
    since, direction = str(common["since"]), str(common["direction"])
    seed, bootstrap = int(common["seed"]), int(common["bootstrap"])  # type: ignore[call-overload]
    pre = choose_pre_period(series, position, bootstrap=question.scan_bootstrap, seed=seed,
                            offset=offset, covariates=covariates, gates=gates)
    found = list(pre.breaks)
    period = (pre.start, month_before(since))
    if pre.too_short is not None:
        flags.append(Flag("short_stable_period", (
            f"the series changed around {month_name(pre.too_short.month)} (scan p = "
            f"{pre.too_short.p_value:.3f}), less than {MIN_STABLE} months before "
            f"{month_name(since)}: "
            "there is no stable stretch to carry a trend forward from"), True))
        return _finish(common, flags, None, period, (), found, alerts, None)
    if pre.misfit:
        flags.append(Flag("pre_trend_misfit", (
            f"one straight trend does not fit the months before {month_name(since)} even over "
            "the last "
            f"{MIN_BEFORE} (quadratic term p < 0.05), so it cannot be carried forward"), True))
        return _finish(common, flags, None, period, (), found, alerts, None)
    before = position - month_position(series.index, pre.start)
    short = before < MIN_BEFORE
    options: dict[str, object] = {"harmonics": 0 if short else harmonics, "trend": not short,
                                  "seed": seed, "offset": offset, "covariates": covariates}
    if short:
        why = (f"the series changed around {month_name(found[-1].month)}, so only" if found
               else "the series has only")
        flags.append(Flag("short_stable_period", (
            f"{why} {before} months before {month_name(since)} to compare with: too few to "
            "carry a trend "
            "or a seasonal pattern forward, so the months since are compared with their "
            "average level"), False))
    end = str(series.index[min(len(series), position + MAX_AFTER) - 1])
    last = month_position(series.index, end) + 1
    whole, counts = gated_scan(series.iloc[month_position(series.index, pre.start):last],
                               gates, bootstrap=question.scan_bootstrap, seed=seed,
                               offset=offset, covariates=covariates)
    if whole is not None and counts:
        found.append(whole)
        away = elsewhere(whole, since, series)
        if away is not None:
            new_end, flag = away
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
    first = first_year(series, since, test, bootstrap, options, gates)
    later_end = ""
    if first is not None:
        later_end = test.end
        test, flag = first
        flags.append(flag)
    flags += absurd_flags(test)
    noise = None
    if test.latent.flags:
        noise = noise_check(series, since, test, direction, bootstrap, options)
        flags.append(noise.flag)
    others = windows(series, position, pre, direction, bootstrap, options, test)
    flags += window_flags(others, direction)
    drift = gates.remember("past year", lambda: past_year(series, offset=offset,
                                                          bootstrap=bootstrap, seed=seed))
    result = _finish(common, flags, test, period, others, found, alerts, noise, drift)
    return replace(result, later_end=later_end)


def _finish(
    common: dict[str, object], flags: list[Flag], test: LevelChange | None,
    pre_period: tuple[str, str] | None, windows: tuple[WindowResult, ...],
    found: list[FoundBreak], alerts: tuple[AlertMonth, ...],
    noise: NoiseCheck | None, drift: Drift | None = None,
) -> Assessment:
    direction = str(common["direction"])
    if test is None or any(f.blocks for f in flags):
        verdict = "cannot_tell"
    else:
        verdict = (noise and noise.verdict) or decide(test, direction)
    p_value = math.nan if test is None else p_value_for(test, direction)
    result = Assessment(
        p_value_unadjusted=p_value,
        verdict=verdict, sentence="", evidence=(), p_value=p_value, pre_period=pre_period,
        windows=windows, breaks_found=tuple(found), alerts_since=alerts, flags=tuple(flags),
        p_value_range=None if noise is None else noise.p_range,
        p_value_range_side="" if noise is None else noise.side,
        other_way=noise.other_way if noise is not None and verdict == "no_change" else "",
        drift=drift, test=test, **common,  # type: ignore[arg-type]
    )
    return with_words(result)


def with_words(result: Assessment) -> Assessment:
    return replace(result, sentence=sentence(result), evidence=tuple(evidence(result)))


__all__ = ["DIRECTIONS", "Assessment", "Direction", "assess"]
