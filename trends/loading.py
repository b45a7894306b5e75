"""One loader from the files a user gives to the monthly panel every analysis reads.

The inputs are incident files in any layout :func:`trends.read_incidents`
reads, which are filtered by the month rules and aggregated into a complete
monthly panel, or one monthly table (a CSV with a ``month`` column), which is
read and checked as it is. The command line and report pages both load their
data here, so that the same files and options give the same panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import pandas as pd

from trends.aggregate import Rules, check_rules, regions_known, select
from trends.aggregate import panel as build_panel
from trends.errors import OptionError
from trends.folders import expand_folders
from trends.ingest import Format, IncidentSet, read_incidents
from trends.ingest.files import read_header
from trends.monthly import is_monthly_header, read_monthly
from trends.regions import Gazetteer
from trends.rowlog import RowLog
from trends.validate import Limits, parse_month

RegionCheck = Callable[[str, Sequence[str], Gazetteer], str]
"""Turns a region asked for into the name the data use, or raises (see :func:`load_panel`)."""


@dataclass(frozen=True)
class LoadedPanel:
    """The monthly panel and what it was made from.

    ``incidents`` (the set read) and ``kept`` (the incidents inside the rules
    and filters, with a ``month`` column) are None for a monthly table
    (``kept`` also when the files were aggregated on a Dask cluster);
    ``log`` says what happened to every row that was dropped or changed.
    """

    panel: pd.DataFrame
    incidents: IncidentSet | None = None
    kept: pd.DataFrame | None = None
    log: RowLog = field(default_factory=RowLog)
    table_rows: int | None = None
    """Rows read from a monthly table (some may lie outside ``start`` and ``end``)."""

    @property
    def monthly(self) -> bool:
        """True when the input was a monthly table."""
        return self.incidents is None

    @property
    def rows_read(self) -> int:
        """Rows read from the inputs."""
        if self.incidents is not None:
            return self.incidents.rows_read
        return len(self.panel) if self.table_rows is None else self.table_rows


def is_monthly_input(paths: Sequence[str | Path], *, encoding: str = "utf-8") -> bool:
    """True when the first input (the first file of a folder) is a monthly table."""
    return is_monthly_header(read_header(expand_folders(paths[:1])[0], encoding=encoding))


def load_panel(
    paths: str | Path | Sequence[str | Path],
    *,
    measure: str | None = None,
    by: Sequence[str] = ("region",),
    format: Format = "auto",
    aliases: str | Path | None = None,
    encoding: str = "utf-8",
    strict: bool = False,
    limits: Limits | None = None,
    numbers: Sequence[str] = (),
    check_region: RegionCheck | None = None,
    compact: bool = False,
    scheduler: str | None = None,
    client: Any = None,
    **rules: Unpack[Rules],
) -> LoadedPanel:
    """Read incident files or one monthly table into the monthly panel.

    Parameters
    ----------
    paths
        Incident files (CSV, gzip or Parquet, any layout) or folders of them
        (see :mod:`trends.folders`), or one monthly CSV.
    measure
        For a monthly table: the count column that must be there and hold counts.
    by
        Columns the incident panel is grouped by (``()`` for one series).
    format, aliases, encoding, strict, limits
        How files are read, as in :func:`trends.read_incidents`.
    numbers
        For a monthly table: columns read as real numbers (an exposure, covariates).
    check_region
        Called as ``check_region(name, regions_in_data, gazetteer)`` for each
        region asked for; returns the name the data use or raises an error
        that suggests one (the command line passes one that does).
    compact
        Read incident files into the compact table (see
        :func:`trends.read_incidents`): the same panel and row log in bounded
        memory, but ``incidents`` and ``kept`` hold no source or notes.
    scheduler, client
        Read and aggregate the incident files on a Dask cluster (its
        scheduler's address, or a ``distributed.Client``, which is left open;
        :mod:`trends.cluster_panel`): the panel and row log are the local
        run's, and the events stay on the workers (``kept`` is None and
        ``incidents.table`` holds no row).
    **rules
        Which incidents count and when (:class:`trends.aggregate.Rules`):
        ``start`` and ``end`` ("YYYY-MM") also bound a monthly table.

    Examples
    --------
    >>> loaded = load_panel(["data/seed_incidents.csv"], start="2024-01", end="2024-03")
    >>> loaded.panel.columns.tolist()[:3], loaded.monthly
    (['month', 'region', 'incidents'], False)

    """
    paths = [paths] if isinstance(paths, str | Path) else paths  # one file, not its letters
    by = [by] if isinstance(by, str) else by
    by = [] if list(by) == ["none"] else by  # as the command line's --by none
    if not paths:
        msg = "load_panel needs at least one input file"
        raise OptionError(msg)
    paths = expand_folders(paths)
    check_rules(rules, "load_panel")
    start, end = rules.get("start"), rules.get("end")
    if start:
        start = rules["start"] = str(parse_month(start, "start"))
    if end:
        end = rules["end"] = str(parse_month(end, "end"))
    if is_monthly_input(paths, encoding=encoding):
        _incident_options_refused(paths[0], rules, format, aliases)
        table, log, read = _monthly(paths, measure, start, end, encoding, limits, numbers)
        table = _monthly_filtered(table, paths[0], rules, log)
        return LoadedPanel(table, log=log, table_rows=read)
    log = RowLog()
    if scheduler is not None or client is not None:
        from trends.cluster_panel import panel_on_cluster

        panel, incidents, read_log = panel_on_cluster(
            list(paths), by=by, format=format, aliases=aliases, encoding=encoding, strict=strict,
            limits=limits, check_region=check_region, scheduler=scheduler, client=client, **rules,
        )  # fmt: skip
        log.extend(read_log)
        return LoadedPanel(panel, incidents, None, log)
    incidents = read_incidents(
        list(paths), format=format, aliases=aliases, encoding=encoding, strict=strict,
        limits=limits, compact=compact,
    )  # fmt: skip
    log.extend(incidents.log)
    regions = rules.get("regions")
    if regions and check_region is not None:
        table = incidents.table[["country", "region"]].drop_duplicates()
        places = zip(table["country"], table["region"], strict=True)
        known = regions_known(places, incidents.gazetteer)
        rules["regions"] = [check_region(r, known, incidents.gazetteer) for r in regions]
    kept, window, pairs = select(incidents, log=log, **rules)
    return LoadedPanel(build_panel(kept, window, pairs, list(by)), incidents, kept, log)


def _incident_options_refused(
    path: str | Path, rules: Rules, format: Format, aliases: str | Path | None
) -> None:
    """Options that apply to incident records only are an error with a monthly table.

    Ignored, they would label a result as filtered (by actor, say) when it is not.
    """
    given = [name for name, on in (
        ("actors (--actor)", rules.get("actors")),
        (f"format {format!r} (--format)", format != "auto"),
        ("aliases (--aliases)", aliases),
        ("span_rule (--span-rule)", rules.get("span_rule", "start") != "start"),
        ("min_precision (--min-precision)", rules.get("min_precision", "year") != "year"),
    ) if on]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        msg = (f"{path} is a monthly table: {', '.join(given)} {verb} to incident records "
               "only; drop them, or give the incident files")
        raise OptionError(msg)


def _monthly_filtered(
    table: pd.DataFrame, path: str | Path, rules: Rules, log: RowLog
) -> pd.DataFrame:
    """The rows of the regions and countries asked for; each row left out is logged.

    A monthly table without the column, or without a name asked for, is an error.
    """
    asked = [(column, wanted) for column, wanted in (
        ("country", rules.get("countries")), ("region", rules.get("regions"))) if wanted]
    for column, wanted in asked:  # every name against the whole table, before any filter
        if column not in table.columns:
            msg = (f"{path} is a monthly table with no {column} column, so it cannot be "
                   f"filtered by {column} ({', '.join(map(repr, wanted))})")
            raise OptionError(msg)
        held = list(dict.fromkeys(table[column].astype(str)))
        missing = [name for name in wanted if name not in held]
        if missing:
            msg = (f"{column} {missing[0]!r} is not in {path} (its {column} values: "
                   f"{', '.join(held[:10])}{', ...' if len(held) > 10 else ''})")
            raise OptionError(msg)
    for column, wanted in asked:
        left = ~table[column].astype(str).isin(list(wanted))
        if left.any():
            log.add_rows(pd.DataFrame({
                "_file": str(path), "_line": table.attrs["lines"][left.to_numpy()],
                "incident_id": table.loc[left, "month"].astype(str).to_numpy()}),
                "filtered", f"{column} not {' or '.join(wanted)}")
            lines = table.attrs["lines"][~left.to_numpy()]
            table = table[~left].reset_index(drop=True)
            table.attrs["lines"] = lines
    if table.empty:
        msg = (f"no row of {path} is of " + " and ".join(
            f"{column} {' or '.join(map(repr, wanted))}" for column, wanted in asked))
        raise OptionError(msg)
    return table


def _monthly(
    paths: Sequence[str | Path],
    measure: str | None,
    start: str | None,
    end: str | None,
    encoding: str,
    limits: Limits | None,
    numbers: Sequence[str],
) -> tuple[pd.DataFrame, RowLog, int]:
    """The monthly table within ``start`` and ``end``, the log of its other months, rows read."""
    if len(paths) > 1:
        msg = (
            f"{paths[0]} is a monthly table, which is read alone; {len(paths)} inputs were given"
        )
        raise OptionError(msg)
    frame = read_monthly(
        paths[0], encoding=encoding, measure=measure, limits=limits, numbers=numbers
    )
    read, lines = len(frame), frame.attrs["lines"]
    outside = pd.Series("", index=frame.index)
    if start:
        outside = outside.mask(frame["month"] < start, f"month before the start {start}")
    if end:
        outside = outside.mask(frame["month"] > end, f"month after the end {end}")
    log = RowLog()
    left = outside != ""
    if left.any():
        log.add_rows(pd.DataFrame({
            "_file": str(paths[0]),
            "_line": lines[left.to_numpy()],
            "incident_id": frame.loc[left, "month"].astype(str).to_numpy()}),
            "filtered", outside[left])
    frame = frame[~left].reset_index(drop=True)
    frame.attrs["lines"] = lines[~left.to_numpy()]
    if frame.empty:
        msg = (
            f"no month of {paths[0]} lies in {start or 'its first month'} to "
            f"{end or 'its last month'}; choose a start and end within the table"
        )
        raise OptionError(msg)
    return frame, log, read
