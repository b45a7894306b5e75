"""Loading a report's inputs: a panel by region, the kept incidents and the row log."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from trends.errors import OptionError
from trends.folders import expand_folders
from trends.ingest.files import read_header
from trends.loading import is_monthly_input, load_panel
from trends.monthly import KEYS
from trends.report.definition import ReportDefinition, check_with_data
from trends.report.progress import Progress, Silent
from trends.rowlog import RowLog
from trends.validate import parse_month


@dataclass(frozen=True)
class ReportData:
    """Everything the analyses of one report read."""

    panel: pd.DataFrame
    incidents: pd.DataFrame | None
    log: RowLog = field(default_factory=RowLog)
    rows_read: int = 0
    formats: dict[str, str] = field(default_factory=dict)
    data_end: pd.Timestamp | None = None

    @property
    def regions(self) -> list[str]:
        """Regions of the panel, in order."""
        return list(dict.fromkeys(self.panel["region"]))

    def as_of(self, month: pd.Period) -> ReportData:
        """The data up to and including ``month``, as a report written then would see it."""
        panel_then = self.panel[self.panel["month"] <= str(month)].reset_index(drop=True)
        incidents = self.incidents
        if incidents is not None:
            incidents = incidents[incidents["month"] <= month].reset_index(drop=True)
        return ReportData(
            panel_then, incidents, self.log, self.rows_read, self.formats, self.data_end
        )


def load(definition: ReportDefinition) -> ReportData:
    """Read the definition's inputs and apply its filters (with :func:`trends.load_panel`)."""
    if is_monthly_input(definition.inputs):
        measure = definition.analysis.measure
        header = read_header(expand_folders(definition.inputs[:1])[0])
        if measure not in header or measure in (*KEYS, "month"):
            measures = [c for c in header if c not in (*KEYS, "month")]
            msg = f"the monthly table has no such measure; choose one of {', '.join(measures)}"
            raise definition.fail(msg, "analysis.measure", measure)
    f = definition.filters
    loaded = load_panel(
        definition.inputs, measure=definition.analysis.measure, start=f.start or None,
        end=f.end or None, regions=f.regions, countries=f.countries, actors=f.actors,
        span_rule=f.span_rule, min_precision=f.min_precision,
        format=definition.format,  # type: ignore[arg-type]
        aliases=definition.aliases or None, limits=definition.limits,
    )  # fmt: skip
    if loaded.incidents is None:
        frame = loaded.panel
        if "region" not in frame.columns:
            frame.insert(1, "region", definition.analysis.scope_label or "All")
        return ReportData(frame, None, loaded.log, loaded.rows_read,
                          {definition.inputs[0]: "monthly"})
    return ReportData(
        loaded.panel,
        loaded.kept,
        loaded.log,
        loaded.incidents.rows_read,
        loaded.incidents.formats,
        loaded.incidents.table["date_end"].max(),
    )


def latest_complete_month(data: ReportData) -> pd.Period:
    """The last month of the data, or the one before when the data stop early in it.

    Incident files whose latest incident (of any actor or place) falls before
    the 28th of the last month may not hold that whole month yet, so the
    month before is reported; a monthly table is taken as complete.
    """
    last = pd.Period(data.panel["month"].iloc[-1], freq="M")
    if data.data_end is None or data.data_end.to_period("M") > last:
        return last
    return last if data.data_end >= last.start_time + pd.Timedelta(days=27) else last - 1


def report_month(data: ReportData, requested: str | None) -> pd.Period:
    """The month to report on: the one asked for, else the latest complete month."""
    first, last = (pd.Period(data.panel["month"].iloc[i], freq="M") for i in (0, -1))
    if not requested:
        return latest_complete_month(data)
    month = parse_month(requested, "month")
    if not first <= month <= last:
        msg = f"month {month} is outside the data ({first} to {last})"
        raise OptionError(msg)
    return month


def prepare(
    definition: ReportDefinition, month: str | None = None, progress: Progress | None = None
) -> tuple[ReportData, pd.Period]:
    """Load the data and check the definition against it; return the data and report month.

    Every key is checked here, before any analysis runs: a break month
    outside the data, a measure the data lack or a month outside the data is
    an error naming the key (or the option that set it).
    """
    progress = progress or Silent()
    progress.add(1)
    progress.step("reading " + ", ".join(definition.name_of(p) for p in definition.inputs))
    data = load(definition)
    requested = month or definition.analysis.month or None
    try:
        when = report_month(data, requested)
    except OptionError as err:
        if month or not definition.analysis.month:
            raise
        raise definition.fail(str(err), "analysis.month", definition.analysis.month) from err
    first = pd.Period(data.panel["month"].iloc[0], freq="M")
    measures = [
        c
        for c in data.panel.columns
        if c not in ("month", "region", "country") and pd.api.types.is_numeric_dtype(data.panel[c])
    ]
    last = pd.Period(data.panel["month"].max(), freq="M")
    check_with_data(definition, first, when, measures, last=last)
    return data, when
