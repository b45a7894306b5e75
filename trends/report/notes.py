"""Method and data notes: how each number on a page was made, and what the data held."""

from __future__ import annotations

import pandas as pd

from trends.report.analysis import Findings
from trends.report.data import ReportData
from trends.report.tables import source_names
from trends.resurgence.wording import flat_comparison, month_name
from trends.rowlog import done


def method_notes(f: Findings) -> list[str]:
    """One sentence per method used on the page."""
    s = f.settings
    notes = []
    if f.verdict is not None:
        against = (
            "the average level of the months before it (a negative binomial model with a "
            "level change and no trend or season: too few stable months to carry them "
            "forward)" if flat_comparison(f.verdict) else
            "the trend before it, carried on (a negative binomial model with a trend, two "
            "pairs of calendar-month harmonics and a level change)")
        notes.append(
            f"The verdict (trends assess, docs/models.md): monthly {f.measure} since "
            f"{month_name(s.break_month)} against {against}, over a comparison period of at "
            "most five years that scans for breaks find stable; p-values and intervals from "
            "a studentized parametric bootstrap that allows for autocorrelated months "
            f"({s.bootstrap} series, seed {s.seed}); the question asked: {s.direction}."
        )
    if f.region_verdicts:
        notes.append(
            "Each region is assessed the same way; its p-value is adjusted for the number "
            "of regions (Holm), its interval is for the region alone."
        )
    if f.alerts is not None:
        notes.append(
            f"Alerts: {s.alert_method} method"
            + (
                f" (R's farringtonFlexible; {s.alert_years_back} years back, window "
                f"{s.alert_window} months, alpha 0.05)"
                if s.alert_method == "farrington"
                else ""
            )
            + "; a month is flagged as unusually high when its count exceeds the upper bound "
            "and as unusually low when it is below the lower bound (both sides checked"
            + (", each at alpha 0.05" if s.alert_method == "farrington" else "")
            + ")."
        )
    if f.forecast is not None:
        notes.append(" ".join(f.forecast.method_lines()))
    if f.tail is not None:
        notes.append(
            "Severity: discrete power law fitted above the xmin that minimises the "
            "Kolmogorov-Smirnov distance (Clauset, Shalizi and Newman 2009); incidents "
            "with no deaths are outside the tail by definition."
        )
    return notes


def data_notes(data: ReportData, f: Findings, stem: str) -> list[str]:
    """What was read, what was set aside and why, where the sources are."""
    counts = data.log.counts()
    files = ", ".join(f"{path.rsplit('/', 1)[-1]} as {fmt}" for path, fmt in data.formats.items())
    if data.incidents is None:  # a monthly table: a row a month, or a row a month and region
        months = f.panel["month"].astype(str)
        span = f"{months.min()} to {months.max()}"
        notes = [f"{data.rows_read:,} months of the table read, {len(months):,} of them used, "
                 f"{span} ({files})." if months.is_unique else
                 f"{data.rows_read:,} rows of the table read, {len(months):,} of them used "
                 f"({months.nunique()} months, {span}; {files})."]
    else:
        notes = [f"{data.rows_read:,} input rows read ({files})."]
    if any(counts.values()):
        notes.append(
            "Rows set aside or altered by a rule: "
            + ", ".join(f"{n:,} {done(a)}" for a, n in counts.items() if n)
            + f"; every one is listed with its reason in tables/{stem}-rows-log.csv."
        )
        frame = data.log.to_frame()
        sizes = frame.groupby(["action", "reason"]).size().sort_values(ascending=False)
        top = sizes.head(5)
        for (action, reason), n in zip(top.index.tolist(), top.tolist(), strict=True):
            notes.append(f"{n:,} row{'s' * (n != 1)} {done(action)}: {reason}.")
        rest = sizes.iloc[5:]
        if len(rest):
            notes.append(f"{int(rest.sum()):,} more rows for {len(rest)} other reasons "
                         f"(in the rows log).")
    if data.incidents is not None and len(data.incidents):
        sources = source_counts(data.incidents["source"]).head(5)
        notes.append(
            "Most frequent sources (incidents citing each): "
            + "; ".join(f"{name} ({n:,})" for name, n in sources.items())
            + "."
        )
    if data.incidents is not None:
        notes.append(
            f"Counts by month of the incident's start (span rule 'start'); months with no "
            f"incidents count as zero. The page reports data up to {month_name(f.month)}."
        )
    else:
        notes.append(f"Monthly counts as given in the table. The page reports data up to "
                     f"{month_name(f.month)}.")
    first = f.settings.preliminary_from
    if first and pd.Period(first, freq="M") <= f.month:
        months = f.panel["month"].astype(str).drop_duplicates()
        late = int((months >= first).sum())
        which = (f"All {late} months' figures are" if late == len(months) else
                 f"The figures from {month_name(first)} on ({late} months) are")
        notes.append(f"{which} preliminary and may be revised in later releases "
                     "(preliminary_from).")
    return notes


def source_counts(sources: pd.Series) -> pd.Series:
    """Incidents citing each source, the ``;``-separated sources of an incident counted once each.

    Examples
    --------
    >>> source_counts(pd.Series(["SOHR;SOHR", "SOHR; AFP", ""])).to_dict()
    {'SOHR': 2, 'AFP': 1, '(no source given)': 1}

    """
    names = sources.fillna("").astype(str).map(
        lambda text: source_names(text) or ["(no source given)"])
    return names.explode().value_counts(sort=True)
