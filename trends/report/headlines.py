"""Headline findings as sentences, each with its numbers and its interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from trends.lists import some_names
from trends.measures import noun, noun_of
from trends.options import METHOD_NAMES
from trends.report.analysis import Findings
from trends.resurgence.wording import (
    adjusted_away,
    alert_sentence,
    evidence,
    floor_words,
    holm_sides,
    month_name,
)


def ratio(value: Any, interval: Any) -> str:
    """A rate ratio with its 95% interval, e.g. '1.52x (95% CI 1.01-2.38)'."""
    low, high = interval
    return f"{value:.2f}x (95% CI {_num(low)}-{_num(high)})"


def _num(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def p_text(p: float) -> str:
    """A p-value as a reader should see it."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _regions_outside(alerts: pd.DataFrame) -> str:
    """Which regions were above their upper bound and which below their lower bound."""
    regions = alerts[alerts["region"] != "All regions"]
    high = regions[regions["alarm_high"].astype(bool)]["region"]
    low = regions[regions["alarm_low"].astype(bool)]["region"]
    parts = []
    if len(high):
        parts.append("Regions above their upper alert threshold: " + ", ".join(high) + ".")
    if len(low):
        parts.append("Regions below their lower alert threshold: " + ", ".join(low) + ".")
    return " ".join(parts) or "No region was above its upper or below its lower alert threshold."


@dataclass(frozen=True)
class Headline:
    """The top of a page: the verdict to quote, the evidence behind it, then the figures.

    ``lead`` is the verdict sentence (or, with no month asked about, this
    month against its history); ``evidence`` the sentences of one paragraph
    that reconciles the known-date test, the unknown-date scan and the
    alerts; ``figures`` one sentence per number, each with its interval and
    what it means, or why it could not be computed.
    """

    lead: str
    evidence: tuple[str, ...]
    figures: tuple[str, ...]

    def sentences(self) -> list[str]:
        """Every sentence, in page order."""
        return [self.lead, *self.evidence, *self.figures]


PLACED = ("verdict", "regions", "alerts", "alert_history", "forecast", "tail", "split",
          "sensitivity")
"""Notes shown where their analysis would have been; any other note is listed apart."""


def other_notes(f: Findings) -> list[tuple[str, str]]:
    """Notes on analyses that have no place of their own on the page."""
    return sorted((k, v) for k, v in f.notes.items()
                  if k not in PLACED and not k.startswith("verdict "))


def headline(f: Findings, scope: str) -> Headline:
    """The verdict first, then one paragraph of evidence, then the figures."""
    figures = _figures(f, scope)
    if f.verdict is not None:
        lead = f.verdict.sentence
        evidence = _evidence(f) + _caveats(f)
    elif f.settings.break_month:
        why = f.notes.get("verdict", "no test could be run")
        lead = (f"Cannot tell whether {noun_of(f.measure, scope)} changed at "
                f"{month_name(f.settings.break_month)}: {_lower(why).rstrip('.')}.")
        evidence = []
    else:
        lead, figures = (figures[0], figures[1:]) if figures else (
            f"{month_name(f.month)}: no analysis of this month could be run.", [])
        evidence = []
    regions = _region_verdicts(f)
    if regions:
        evidence.append(regions)
    return Headline(lead, tuple(evidence), tuple(figures))


def headlines(f: Findings, scope: str) -> list[str]:
    """The sentences at the top of a report page: the verdict first, then its evidence."""
    return headline(f, scope).sentences()


def _figures(f: Findings, scope: str) -> list[str]:
    """One sentence per number: this month, the forecast, the split and the tail."""
    what = noun(f.measure)
    out = []
    if f.alerts is not None and len(f.alerts):
        total = f.alerts[f.alerts["region"] == "All regions"].iloc[0]
        first = f.settings.preliminary_from
        late = "a preliminary figure" if first and str(f.month) >= first else ""
        sentence = (f"{month_name(f.month)}: {total['observed']:,.0f} "
                    f"{noun_of(f.measure, scope, late)}")
        if math.isfinite(total["expected"]):
            # not "expected" alone: the forecast below expects from the recent trend instead
            baseline = (f"the same time of year in the past {f.settings.alert_years_back} years"
                        if f.settings.alert_method == "farrington" else "its own history")
            sentence += (
                f", against {total['expected']:,.0f} expected from {baseline}: "
                f"{total['verdict']}."
            )
            if f.settings.alert_method == "farrington":
                sentence += (" A month outside its bounds happens by chance in about 1 month "
                             "in 20 on each side when nothing has changed.")
        else:
            why = str(total["verdict"]).removeprefix("cannot tell: ").rstrip(".")
            sentence += f"; whether that is unusual cannot be told: {why}."
        out.append(sentence)
        if f.alerts["region"].nunique() > 2:
            out.append(_regions_outside(f.alerts))
    elif "alerts" in f.notes:
        out.append(f"{month_name(f.month)} against its history: not assessed: "
                   f"{f.notes['alerts']}.")
    if f.forecast is not None:
        row = f.forecast.tidy().iloc[0]
        out.append(
            f"Forecast for {month_name(row['month'])}: a median of {row['median']:,.0f} {what} "
            f"(80% interval {row['lo80']:,.0f}-{row['hi80']:,.0f}: the count should "
            f"fall in such an interval about 8 months in 10{_coverage(f)})."
        )
    elif "forecast" in f.notes:
        out.append(f"Forecast: not computed: {f.notes['forecast']}.")
    if f.split is not None:
        # plain averages, not the verdict's comparison with the trend carried on: say so
        sp = f.split
        out.append(f"Averages of the {sp.months_after} months from {month_name(sp.after[0])} to "
                   f"{month_name(sp.after[1])} against the {sp.months_before} months before "
                   f"(not against a trend): {_lower(sp.interpretation)}"
                   + _split_against_verdict(f))
    elif f.settings.break_month and "split" in f.notes:
        out.append(f"More attacks or deadlier ones: not computed: {f.notes['split']}.")
    if f.tail is not None:
        t = f.tail
        low, high = t.alpha_ci if t.alpha_ci else (None, None)
        out.append(
            f"Deaths per incident are heavy-tailed: above {t.xmin} deaths they follow a power "
            f"law with exponent {t.alpha:.2f} (95% CI {_num(low)}-{_num(high)}; {t.n_tail} "
            f"incidents in the tail): an incident ten times deadlier is about "
            f"{10 ** (t.alpha - 1):.0f} times rarer."
        )
    elif "tail" in f.notes:
        out.append(f"Deaths per incident: the tail was not fitted: {f.notes['tail']}.")
    return out


def _evidence(f: Findings) -> list[str]:
    """The verdict's evidence, its alerts sentence on the page's own alert chart.

    The verdict's alerts use as many years as the series allows; the page's use
    its definition's settings. The page says what its chart shows.
    """
    verdict, history, since = f.verdict, f.alert_history, f.settings.break_month
    assert verdict is not None
    if history is None or not since:
        return list(verdict.evidence)
    rows = history.tidy()
    rows = rows[rows["month"].astype(str) >= since]
    checked = set(rows.loc[rows["upper_bound"].notna(), "month"].astype(str))
    unchecked = [str(m) for m in pd.period_range(since, f.month, freq="M")
                 if str(m) not in checked]
    rows = rows[rows["alarm"].astype(bool)]
    highs = [str(m) for m in rows.loc[rows["direction"] == "high", "month"]]
    lows = [str(m) for m in rows.loc[rows["direction"] == "low", "month"]]
    settings = f.settings
    method = METHOD_NAMES.get(settings.alert_method, settings.alert_method)
    how = (f"{method}, {settings.alert_years_back} years back, window "
           f"{settings.alert_window} months, both sides checked, as in the alert chart"
           if settings.alert_method == "farrington" else
           f"{method}, both sides checked, as in the alert chart")
    if unchecked:
        months = len(unchecked)
        in_a_row = months == pd.Period(unchecked[-1]).ordinal - pd.Period(unchecked[0]).ordinal + 1
        span = (unchecked[0] if months == 1 else f"{unchecked[0]} to {unchecked[-1]}"
                if in_a_row else ", ".join(unchecked))
        how += (f"; {months} month{'s' * (months != 1)} without a threshold could not be "
                f"checked: {span}")
    return evidence(verdict, alert_sentence(since, highs, lows, how,
                                            preliminary=settings.preliminary_from))


def _caveats(f: Findings) -> list[str]:
    """The verdict's caveats (the flags that do not stop it), as the command line lists them.

    The later change and the preliminary months are in the verdict's sentence
    already, and the verdict's alerts give way to the page's alert chart (its
    own settings) when it has one.
    """
    assert f.verdict is not None
    placed = {"later_change", "preliminary"}
    if f.alert_history is not None and f.settings.break_month:
        placed.add("alerts_unavailable")
    return [f"Caveat: {flag.message}." for flag in f.verdict.flags
            if not flag.blocks and flag.code not in placed]


def _split_against_verdict(f: Findings) -> str:
    """Say why, when the averages' interval and the verdict's disagree about a change.

    Both compare the months since the break with the months before, but the
    averages' interval resamples blocks of a few months and leaves out slow
    drift that the verdict's latent noise allows for.
    """
    v, split = f.verdict, f.split
    if v is None or split is None or v.test is None:
        return ""
    if v.measure == "incidents":
        what, ci = "incidents per month", split.ratio_frequency_ci
    elif v.measure == split.measure:
        what, ci = f"{noun(v.measure)} per month", split.ratio_total_ci
    else:
        return ""
    text = ""
    if _disagree(ci, v.test.level_ratio_ci):
        low, high = v.test.level_ratio_ci
        text = (f" For {what} this interval ({ci[0]:.2f} to {ci[1]:.2f}) {_on_one(ci)} 1 and "
                f"the verdict's ({low:.2f} to {high:.2f}) {_on_one((low, high))} it: this one "
                f"resamples blocks of {split.block_months} months, so it leaves out the slow "
                "month-to-month drift that the verdict's noise model allows for, and the verdict "
                + ("cannot tell." if v.verdict == "cannot_tell" else "follows its own interval."))
    return text + _deaths_against_sensitivity(f)


def _deaths_against_sensitivity(f: Findings) -> str:
    """Say why, when the averages' deaths interval and the verdict's test on deaths disagree.

    An incidents page shows that test in its sensitivity table, on the
    verdict's own months; the averages use every month of the page.
    """
    v, split, table = f.verdict, f.split, f.sensitivity
    if (v is None or split is None or table is None or v.test is None
            or v.measure != "incidents" or "measure" not in table.columns):
        return ""
    rows = table[table["measure"] == split.measure]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    ci, test_ci = split.ratio_total_ci, (row["95% CI low"], row["95% CI high"])
    if not _disagree(ci, test_ci):
        return ""
    t = v.test
    return (f" For {noun(split.measure)} per month this interval ({ci[0]:.2f} to {ci[1]:.2f}) "
            f"{_on_one(ci)} 1 and the verdict's test on them ({row['level ratio']:.2f}, 95% CI "
            f"{test_ci[0]:.2f} to {test_ci[1]:.2f}, in the sensitivity table) {_on_one(test_ci)} "
            f"it: that test compares the months from {month_name(t.break_month)} to "
            f"{month_name(t.end)} with those from {month_name(t.start)} on, and allows for the "
            "slow month-to-month drift that blocks of months leave out.")


def _disagree(ci: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether one of two finite intervals excludes 1 and the other does not."""
    if not all(map(math.isfinite, (*ci, *other))):
        return False
    return (ci[0] <= 1 <= ci[1]) != (other[0] <= 1 <= other[1])


def _on_one(ci: tuple[float, float]) -> str:
    return "includes" if ci[0] <= 1 <= ci[1] else "excludes"


def _coverage(f: Findings) -> str:
    """How often the forecaster's 80% intervals held in its backtest on this series."""
    skill = f.forecast.skill if f.forecast is not None else None
    if skill is None:
        return ""
    share = skill.coverage.get("80")
    if share is None or not math.isfinite(share):
        return ""
    return f"; in its backtest on this series, {share:.0%} did"


def _adjusted_away(f: Findings, tested: int) -> str:
    """Which regions with no detectable change have an interval of their own that excludes 1."""
    away = [v for v in f.region_verdicts if adjusted_away(v)]
    if not away:
        return ""
    floor = floor_words(f.settings.bootstrap, tested, min(map(holm_sides, away)),
                        "build the page with at least {n} (--bootstrap, or bootstrap under "
                        "[analysis])")
    return (f" For {some_names([v.name for v in away])} the 95% interval of the region alone "
            f"excludes no change, but not after allowing for the {tested} regions tested{floor}.")


def _region_verdicts(f: Findings) -> str:
    """Which regions rose, fell, did not change or could not be told, by their verdicts."""
    words = {"rise": "rose", "fall": "fell", "no_change": "no detectable change",
             "cannot_tell": "cannot tell"}
    groups: dict[str, list[str]] = {}
    for v in f.region_verdicts:
        groups.setdefault(v.verdict, []).append(v.name)
    failed = sorted(k.split(" ", 1)[1] for k in f.notes if k.startswith("verdict "))
    if failed:
        groups.setdefault("cannot_tell", []).extend(failed)
    parts = [f"{words[k]}: {some_names(groups[k])}" for k in words if k in groups]
    text = ""
    if parts:
        tested = max((v.regions_tested for v in f.region_verdicts), default=1)
        named = sum(len(names) for names in groups.values())
        adjusted = ""
        if tested > 1:  # a region that could not be told may have no p-value to adjust
            which = f"the {tested} regions that have one" if tested < named else f"{tested} regions"
            told = named - len(groups.get("cannot_tell", []))
            if tested > told:  # counted in the adjustment, but the table shows no p-value
                which += (f"; {tested - told} of them cannot tell, and the table shows no "
                          "p-value for them")
            adjusted = f" (p-values Holm-adjusted for {which})"
        text = (f"By region, since {month_name(f.settings.break_month)}{adjusted}: "
                + "; ".join(parts) + "." + _adjusted_away(f, tested))
    if "regions" in f.notes and f.settings.break_month:
        text += f" Regions {f.notes['regions']}."
    return text.strip()
