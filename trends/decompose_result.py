"""The result of :func:`trends.decompose.decompose_change` and its reading in words.

Which of incident frequency and deaths per incident drove a change, said as a
briefing would say it, with the intervals beside every ratio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from trends.results import ResultView


@dataclass(frozen=True)
class DecompositionResult(ResultView):
    """Change in a monthly total split into frequency and severity.

    ``ratio_total = ratio_frequency * ratio_severity`` exactly; the shares are
    each factor's part of ``log(ratio_total)`` (they sum to 1 and can fall
    outside [0, 1] when the factors move in opposite directions).
    """

    measure: str
    region: str | None
    before: tuple[str, str]
    after: tuple[str, str]
    months_before: int
    months_after: int
    incidents_before: float
    incidents_after: float
    total_before: float
    total_after: float
    ratio_total: float
    ratio_total_ci: tuple[float, float]
    ratio_frequency: float
    ratio_frequency_ci: tuple[float, float]
    ratio_severity: float
    ratio_severity_ci: tuple[float, float]
    share_frequency: float
    share_severity: float
    confidence_level: float
    bootstrap_replicates: int
    dropped_replicates: int
    block_months: int
    seed: int
    interpretation: str

    def tidy(self) -> pd.DataFrame:
        """One row per component: total per month, incidents per month, total per incident."""
        noun = _noun(self.measure)
        return pd.DataFrame(
            {
                "component": [f"{noun}_per_month", "incidents_per_month", f"{noun}_per_incident"],
                "before": [
                    self.total_before / self.months_before,
                    self.incidents_before / self.months_before,
                    self.total_before / self.incidents_before,
                ],
                "after": [
                    self.total_after / self.months_after,
                    self.incidents_after / self.months_after,
                    self.total_after / self.incidents_after,
                ],
                "ratio": [self.ratio_total, self.ratio_frequency, self.ratio_severity],
                "ci_low": [c[0] for c in self._cis()],
                "ci_high": [c[1] for c in self._cis()],
                "share_of_log_change": [1.0, self.share_frequency, self.share_severity],
            }
        )

    def _cis(self) -> list[tuple[float, float]]:
        return [self.ratio_total_ci, self.ratio_frequency_ci, self.ratio_severity_ci]

    def plot(self) -> Any:
        """The change as a ratio after/before for the total, the frequency and the severity."""
        from trends.charts.results import estimates_chart

        table = self.tidy().rename(columns={"component": "term", "ratio": "estimate"})
        return estimates_chart(table, label="Ratio after / before (95% CI)",
                               title="More incidents, or deadlier ones?",
                               subtitle=self.interpretation)

    def summary(self) -> str:
        """Plain-text table and the interpretation sentence."""
        where = f" in {self.region}" if self.region else ""
        head = (
            f"Change in {self.measure}{where}: {self.before[0]} to {self.before[1]} "
            f"({self.months_before} months) vs {self.after[0]} to {self.after[1]} "
            f"({self.months_after} months)"
        )
        note = (
            f"{round(100 * self.confidence_level)}% intervals: bootstrap over months "
            f"({self.bootstrap_replicates} replicates, blocks of {self.block_months} months, "
            f"seed {self.seed})."
        )
        table = self.tidy().round(3).to_string(index=False)
        caveats = [f"Caveat: {c}." for c in self.caveats()]
        return "\n".join([head, table, note, self.interpretation, *caveats])

    def caveats(self) -> list[str]:
        """Why the intervals may mislead (a period too short for its bootstrap blocks)."""
        return short_period_notes(self.months_before, self.months_after, self.block_months)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of every field (NaN shares become None), and the caveats."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = [float(v) if isinstance(v, float) else v for v in value]
            elif isinstance(value, float) and math.isnan(value):
                out[key] = None
        out["caveats"] = self.caveats()
        return out


def short_period_notes(months_before: int, months_after: int, block_months: int) -> list[str]:
    """What a period too short for its block bootstrap does to the intervals.

    A period of ``block_months`` months or fewer is the same in every resample
    (one circular block covers it), so the intervals leave out its
    month-to-month variation; a period under two blocks keeps little of it.

    Examples
    --------
    >>> short_period_notes(12, 6, 3)
    []
    >>> short_period_notes(12, 1, 3)  # doctest: +NORMALIZE_WHITESPACE
    ['the after period has 1 month, under two bootstrap blocks of 3: the intervals leave out
    all of its month-to-month variation and are too narrow; compare periods of 6 months or
    more']

    """
    notes = []
    for months, label in ((months_before, "before"), (months_after, "after")):
        if months >= 2 * block_months:
            continue
        share = "all" if months <= block_months else "most"
        notes.append(
            f"the {label} period has {months} month{'s' if months != 1 else ''}, under two "
            f"bootstrap blocks of {block_months}: the intervals leave out {share} of its "
            f"month-to-month variation and are too narrow; compare periods of "
            f"{2 * block_months} months or more")
    return notes


def _noun(measure: str) -> str:
    return "injuries" if measure == "injured" else "deaths"


def interpret(
    measure: str,
    per_month: tuple[float, float],
    ratios: tuple[float, float, float],
    cis: Sequence[tuple[float, float]],
    share_frequency: float,
    level: float,
) -> str:
    """The change in words: its size and interval, then which part drove it."""
    noun = _noun(measure)
    total, frequency, severity = ratios
    pct = round(100 * level)
    if math.isclose(total, 1.0, rel_tol=1e-12):
        first = f"{noun.capitalize()} per month were unchanged at {per_month[0]:,.1f}"
    else:
        verb = "rose" if total > 1 else "fell"
        first = (
            f"{noun.capitalize()} per month {verb} from {per_month[0]:,.1f} to {per_month[1]:,.1f}"
        )
    chance = "; the interval includes 1, so the change may be chance"
    if not cis[0][0] <= 1 <= cis[0][1]:
        chance = ""
    parts = [
        f"{first} (x{total:.2f}, {pct}% CI {cis[0][0]:.2f} to {cis[0][1]:.2f}{chance}).",
        f"Incidents per month changed x{frequency:.2f} ({cis[1][0]:.2f} to {cis[1][1]:.2f}) and "
        f"{noun} per incident x{severity:.2f} ({cis[2][0]:.2f} to {cis[2][1]:.2f}).",
    ]
    if math.isnan(share_frequency):
        parts.append("With no net change there is no change to attribute.")
        return " ".join(parts)
    rise = total > 1
    change = "rise" if rise else "fall"
    more_incidents = "more incidents" if rise else "fewer incidents"
    more_severe = f"{'more' if rise else 'fewer'} {noun} per incident"
    if 0 <= share_frequency <= 1:
        if share_frequency > 0.5:
            main, other, share = more_incidents, more_severe, share_frequency
        else:
            main, other, share = more_severe, more_incidents, 1 - share_frequency
        parts.append(
            f"The {change} came mainly from {main} ({100 * share:.0f}% of the change on the log "
            f"scale) rather than {other}."
        )
    else:
        if share_frequency > 1:
            main, against, main_share = more_incidents, f"{noun} per incident", share_frequency
        else:
            main, against, main_share = more_severe, "incident frequency", 1 - share_frequency
        offset = 100 * (main_share - 1) / main_share
        parts.append(
            f"The {change} came from {main}; {against} moved the other way and offset "
            f"{offset:.0f}% of it (on the log scale)."
        )
    return " ".join(parts)
