"""Incidents to a complete monthly panel: month x region (x any other grouping).

Rules, each selectable and each logged row by row:

* ``span_rule`` - an incident whose dates fall in more than one month counts
  in the month it starts ("start", UCDP's own convention and the default), in
  the month it ends ("end"), or is dropped ("drop").
* ``min_precision`` - incidents whose date is known less precisely than this
  (day < week < month < year) are dropped. The default "year" keeps all; an
  incident known only to its month counts in that month, one known only to
  its year spans twelve months and follows ``span_rule``.

Filters (window, regions, countries, actors) exclude rows with the reason
"filtered". Every month of the window and every region in scope appears,
with zeros where nothing happened. Regions in scope are the gazetteer's
regions of every country in the data, plus any other region name the data
hold, narrowed by the region and country filters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypedDict, Unpack, cast

import numpy as np
import pandas as pd

from trends import validate
from trends.closest import did_you_mean
from trends.errors import DataError, OptionError
from trends.ingest import IncidentSet
from trends.options import MEASURES, PRECISIONS, SPAN_RULES, SpanRule, check_choice
from trends.regions import Gazetteer
from trends.rowlog import RowLog
from trends.textops import map_text

BY_COLUMNS = (
    "region",
    "country",
    "subregion",
    "actor1",
    "actor2",
    "violence_type",
    "victim_category",
)


def parse_month(value: str, name: str) -> pd.Period:
    """A ``YYYY-MM`` option value as a monthly period (see :func:`trends.validate.parse_month`).

    Examples
    --------
    >>> parse_month("2023-11", "since")
    Period('2023-11', 'M')

    """
    return validate.parse_month(value, name)


def _actor_match(column: pd.Series, wanted: set[str]) -> pd.Series:
    """True where the side is one of ``wanted`` or lists one among comma-separated names."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # once per distinct side
        codes = column.cat.codes.to_numpy()
        per = _actor_match(pd.Series(column.cat.categories, dtype="str"), wanted).to_numpy()
        return pd.Series(per[codes] & (codes >= 0), index=column.index)
    lowered = column.str.lower()
    exact = lowered.isin(wanted)
    listed = lowered.str.contains(",", regex=False)
    if listed.any():
        exact[listed] = lowered[listed].str.split(r",\s*").map(lambda ns: bool(wanted & set(ns)))
    return exact


def _check_actors(sides: Collection[str], actors: Sequence[str]) -> None:
    """Refuse an actor that is no side of any incident, naming the closest that are.

    Filtering on a misspelt actor would otherwise leave an empty series, silently.
    """
    names = sorted({n.strip() for side in sides for n in side.split(",") if n.strip()})
    _refuse_unknown("actor", actors, names, "no incident has it as a side",
                    "; list the sides with trends aggregate INPUT --by actor1,actor2")


def _check_countries(known: set[str], countries: Sequence[str]) -> None:
    """Refuse a country that no incident is in, naming the closest that are.

    Filtering on a misspelt country would otherwise leave an empty or all-zero panel.
    """
    names = sorted(known)
    _refuse_unknown("country", countries, names, "no incident is in it",
                    f"; the data's countries are {', '.join(map(repr, names[:10]))}")


def _refuse_unknown(
    kind: str, asked: Sequence[str], names: Sequence[str], missing: str, otherwise: str
) -> None:
    """An error for the first of ``asked`` not in ``names`` (any case), with the closest names."""
    folded = {n.casefold() for n in names}
    for name in asked:
        if name.casefold() not in folded:
            hint = did_you_mean(name, names, cutoff=0.5) or otherwise
            msg = f"{kind} {name!r}: {missing}{hint}"
            raise OptionError(msg)


class Rules(TypedDict, total=False):
    """The window, filters and month rules that say which incidents count, and when.

    ``start``, ``end``: the window, ``YYYY-MM`` (default the months of the
    data); ``regions``, ``countries``, ``actors``: keep only these (actors
    match either side, case-insensitively); ``span_rule`` ("start") and
    ``min_precision`` ("year"): see the module docstring.
    """

    start: str | None
    end: str | None
    regions: Sequence[str] | None
    countries: Sequence[str] | None
    actors: Sequence[str] | None
    span_rule: SpanRule
    min_precision: str


RULES: tuple[str, ...] = tuple(Rules.__annotations__)


def check_rules(rules: Rules, where: str) -> None:
    """Refuse a keyword that is not one of :class:`Rules` (a typo must not be ignored).

    A single name given for a list (``actors="IS"``) becomes a list of one,
    instead of a list of its letters.

    Examples
    --------
    >>> check_rules({"regon": "Homs"}, "aggregate")
    Traceback (most recent call last):
    ...
    TypeError: aggregate() got an unexpected keyword argument 'regon'; did you mean 'regions'?
    >>> rules = {"actors": "IS"}; check_rules(rules, "aggregate"); rules
    {'actors': ['IS']}

    """
    for key in rules:
        if key not in RULES:
            hint = did_you_mean(key, RULES, key=str, n=1, cutoff=0.6)
            msg = f"{where}() got an unexpected keyword argument {key!r}{hint}"
            raise TypeError(msg)
    given = cast(dict[str, object], rules)
    for key in ("regions", "countries", "actors"):
        if isinstance(given.get(key), str):
            given[key] = [given[key]]


@dataclass(frozen=True)
class Extent:
    """What :func:`select` needs to know of the whole table, mergeable across its pieces.

    ``months``: the first and last month of an incident the month rules keep
    (None if none); ``places``: every (country, region) pair the table holds;
    ``sides``: every actor1/actor2 value (only when actors are filtered on).
    Pieces read apart (files on a Dask cluster) combine with ``|`` into the
    whole table's extent, so each piece is selected as the whole would be.

    Examples
    --------
    >>> a = Extent((pd.Period("2020-03", "M"), pd.Period("2020-05", "M")), frozenset({("S", "H")}))
    >>> (a | Extent(None, frozenset({("S", "R")}))).places == {("S", "H"), ("S", "R")}
    True

    """

    months: tuple[pd.Period, pd.Period] | None
    places: frozenset[tuple[str, str]]
    sides: frozenset[str] = frozenset()

    @classmethod
    def of(cls, table: pd.DataFrame, **rules: Unpack[Rules]) -> Extent:
        """The extent of ``table`` under the month rules (and actor filter) of ``rules``."""
        return cls.dated(table, _dating(table, rules), sides=bool(rules.get("actors")))

    @classmethod
    def dated(cls, table: pd.DataFrame, dating: Dating, *, sides: bool) -> Extent:
        """The extent of ``table`` whose incidents' months are ``dating``."""
        month, keep = dating.month, dating.keep
        months = (month[keep].min(), month[keep].max()) if keep.any() else None
        pairs = table[["country", "region"]].drop_duplicates()
        places = frozenset(zip(pairs["country"], pairs["region"], strict=True))
        found = frozenset(
            str(s) for c in ("actor1", "actor2") for s in table[c].dropna().unique()
        ) if sides else frozenset()
        return cls(months, places, found)

    def __or__(self, other: Extent) -> Extent:
        ends = [m for m in (self.months, other.months) if m is not None]
        months = (min(m[0] for m in ends), max(m[1] for m in ends)) if ends else None
        return Extent(months, self.places | other.places, self.sides | other.sides)


class Dating(NamedTuple):
    """Each incident's month under the month rules, whether they keep it, and why not."""

    month: pd.Series
    keep: pd.Series
    too_vague: pd.Series
    spans: pd.Series
    first: pd.Series
    last: pd.Series


def _dating(table: pd.DataFrame, rules: Mapping[str, Any]) -> Dating:
    """The month rules (``span_rule``, ``min_precision``) applied to every incident of ``table``."""
    span_rule, min_precision = rules.get("span_rule", "start"), rules.get("min_precision", "year")
    check_choice("span_rule", span_rule, SPAN_RULES)
    check_choice("min_precision", min_precision, PRECISIONS)
    first, last = table["date_start"].dt.to_period("M"), table["date_end"].dt.to_period("M")
    spans = first != last
    rank = map_text(table["date_precision"], PRECISIONS.index)
    too_vague = rank > PRECISIONS.index(min_precision)
    keep = ~too_vague & ~spans if span_rule == "drop" else ~too_vague
    return Dating(first if span_rule != "end" else last, keep, too_vague, spans, first, last)


def select(
    incidents: IncidentSet, *, log: RowLog | None = None, extent: Extent | None = None,
    **rules: Unpack[Rules],
) -> tuple[pd.DataFrame, pd.PeriodIndex, list[tuple[str, str]]]:
    """Apply the month rules and filters (:class:`Rules`).

    Returns the kept incidents with a ``month`` column, the window of months
    and the (country, region) pairs in scope. ``extent`` is that of the whole
    table when ``incidents`` is one piece of it (default: the table's own).
    """
    check_rules(rules, "select")
    start, end = rules.get("start"), rules.get("end")
    regions, countries, actors = rules.get("regions"), rules.get("countries"), rules.get("actors")
    span_rule, min_precision = rules.get("span_rule", "start"), rules.get("min_precision", "year")
    log = RowLog() if log is None else log
    table = incidents.table
    dating = _dating(table, rules)
    month, _, too_vague, spans, first, last = dating
    extent = Extent.dated(table, dating, sides=bool(actors)) if extent is None else extent
    keep = pd.Series(True, index=table.index)
    log.add_rows(
        table[too_vague],
        "dropped",
        "date known only to the "
        + table.loc[too_vague, "date_precision"].astype(str)
        + f" (min_precision {min_precision!r})",
    )
    keep &= ~too_vague
    logged = spans & keep
    # Reasons are written for the logged rows only: text for every row costs seconds at 1M rows.
    span_text = (
        "dates " + first[logged].astype(str) + ".." + last[logged].astype(str) + " span months"
    )
    if span_rule == "drop":
        log.add_rows(table[logged], "dropped", span_text + " (span rule 'drop')")
        keep &= ~spans
    else:
        chosen = (first if span_rule == "start" else last)[logged]
        reason = span_text + "; counted in " + chosen.astype(str) + f" (span rule {span_rule!r})"
        log.add_rows(table[logged], "changed", reason)
    if extent.months is None and not (start and end):
        msg = (
            "no incident is left once the date precision and span rules are applied; "
            "give --start and --end for a window of zeros"
        )
        raise DataError(msg)
    low = parse_month(start, "start") if start else extent.months[0]  # type: ignore[index]
    high = parse_month(end, "end") if end else extent.months[1]  # type: ignore[index]
    window = pd.period_range(low, high, freq="M")
    if len(window) == 0:
        data = f"the data run from {extent.months[0]} to {extent.months[1]}"  # type: ignore[index]
        if start and end:
            msg = f"the window {low}..{high} holds no month ({data}): start must not be after end"
        elif start:
            msg = f"start {low} is after the last month of the data ({data})"
        else:
            msg = f"end {high} is before the first month of the data ({data})"
        raise OptionError(msg)
    pairs = _scope(incidents.gazetteer, extent.places, regions, countries)
    filters: list[tuple[Any, str]] = [
        (~month.isin(window), f"outside the window {window[0]}..{window[-1]}"),
        (
            ~pd.MultiIndex.from_arrays([table["country"], table["region"]]).isin(pairs),
            "region or country not selected",
        ),
    ]
    if actors:
        _check_actors(extent.sides, actors)
        wanted = {a.lower() for a in actors}
        on_side = _actor_match(table["actor1"], wanted) | _actor_match(table["actor2"], wanted)
        filters.append((~on_side, f"no side is {' or '.join(map(repr, actors))}"))
    for excluded, why in filters:
        log.add_rows(table[keep & excluded], "filtered", why)
        keep &= ~excluded
    kept = (table if keep.all() else table[keep]).assign(month=month[keep])
    return kept, window, pairs


def regions_known(places: Iterable[tuple[str, str]], gazetteer: Gazetteer) -> list[str]:
    """The regions of ``places`` (country, region) and, for their countries, the gazetteer's.

    Examples
    --------
    >>> regions_known([("Syria", "Homs")], Gazetteer.default())[:2]
    ['Al-Hasakah', 'Aleppo']

    """
    places = list(places)
    known = {str(p[1]) for p in places}
    for country in {p[0] for p in places}:
        known.update(gazetteer.regions(str(country)))
    return sorted(known)


def _scope(
    gazetteer: Gazetteer,
    places: Collection[tuple[str, str]],
    regions: Sequence[str] | None,
    countries: Sequence[str] | None,
) -> list[tuple[str, str]]:
    """The (country, region) pairs in scope: the data's places and their countries' regions."""
    pairs = set(places) | {
        (country, region)
        for country in {p[0] for p in places}
        for region in gazetteer.regions(country)
    }
    if countries:
        _check_countries({p[0] for p in pairs}, countries)
        wanted = {c.lower() for c in countries}
        pairs = {p for p in pairs if p[0].lower() in wanted}
    if regions:
        names = {gazetteer.canonical(r) or r for r in regions}
        unknown = names - {p[1] for p in pairs}
        if unknown:
            msg = (
                f"region(s) {', '.join(sorted(unknown))} are neither in the data nor in the "
                "gazetteer of its countries; check the spelling or add an alias file"
            )
            raise OptionError(msg)
        pairs = {p for p in pairs if p[1] in names}
    return sorted(pairs)


def panel(
    kept: pd.DataFrame, window: pd.PeriodIndex, pairs: list[tuple[str, str]], by: Sequence[str]
) -> pd.DataFrame:
    """Sum the kept incidents into a zero-filled month x ``by`` panel."""
    by = list(by)
    check_by(by)
    for column in COUNTS:
        validate.check_total(kept[column], column)
    return fill_panel(partial_sums(kept, by), window, levels(group_values(kept, by), pairs, by))


COUNTS = ("killed_low", "killed_best", "killed_high", "injured")


def partial_sums(kept: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The sums of :func:`panel` over ``kept``; sums of pieces of a table add up to the table's.

    Indexed by month and ``by``; ``injured_known`` counts the incidents
    that give an injured figure (``injured`` is missing where none does).
    """
    return kept.groupby(["month", *by], observed=True, sort=False).agg(
        incidents=("incident_id", "size"),
        killed_low=("killed_low", "sum"),
        killed_best=("killed_best", "sum"),
        killed_high=("killed_high", "sum"),
        injured=("injured", "sum"),
        injured_known=("injured", "count"),
    )


def group_values(kept: pd.DataFrame, by: Sequence[str]) -> dict[str, set[Any]]:
    """The values each grouping column besides country and region takes in ``kept``."""
    return {c: set(kept[c].unique()) for c in by if c not in ("country", "region")}


def fill_panel(sums: pd.DataFrame, window: pd.PeriodIndex, levels: pd.DataFrame) -> pd.DataFrame:
    """The panel from :func:`partial_sums`: every month of ``window`` x every row of ``levels``."""
    by = list(levels.columns)
    keys = ["month", *by]
    sums = sums.copy()
    sums.loc[sums["injured_known"] == 0, "injured"] = pd.NA
    full: pd.Index
    if not by:
        full = pd.Index(window, name="month")
    else:
        full = pd.MultiIndex.from_frame(
            pd.DataFrame(
                {
                    "month": np.repeat(window, len(levels)),
                    **{c: np.tile(levels[c].to_numpy(), len(window)) for c in by},
                }
            )
        )
    out = sums.drop(columns="injured_known").reindex(full)
    out.index = full  # the groups' types from the levels, not from the sums (an empty panel)
    for column in ("incidents", "killed_low", "killed_best", "killed_high"):
        out[column] = out[column].fillna(0).astype("int64")
    no_incidents = out["incidents"] == 0
    out["injured"] = out["injured"].astype("Int64")
    out.loc[no_incidents, "injured"] = 0
    out = out.reset_index()
    out["month"] = out["month"].astype(str)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)[[*keys, *MEASURES]]


def check_by(by: Sequence[str]) -> None:
    """Refuse a grouping column that is not one of ``BY_COLUMNS``."""
    unknown = [c for c in by if c not in BY_COLUMNS]
    if unknown:
        hint = did_you_mean(unknown[0], BY_COLUMNS, n=1)
        msg = f"cannot group by {', '.join(unknown)}{hint} (choose from {', '.join(BY_COLUMNS)})"
        raise OptionError(msg)
    twice = [c for c in dict.fromkeys(by) if list(by).count(c) > 1]
    if twice:
        msg = f"cannot group by {twice[0]} twice"
        raise OptionError(msg)


def levels(
    values: Mapping[str, Collection[Any]], pairs: list[tuple[str, str]], by: Sequence[str]
) -> pd.DataFrame:
    """Every combination of grouping values the panel shows (``values``: :func:`group_values`)."""
    by = list(by)
    check_by(by)
    place = pd.DataFrame(pairs, columns=["country", "region"])
    frame = place[[c for c in ("country", "region") if c in by]].drop_duplicates()
    if frame.columns.empty:
        frame = pd.DataFrame(index=[0])
    for column in by:
        if column not in ("country", "region"):
            seen = pd.Series(sorted(values[column]), dtype=None if values[column] else object)
            frame = frame.join(seen.to_frame(column), how="cross")
    return frame[by].sort_values(by).reset_index(drop=True)


def aggregate(
    source: IncidentSet | str | Path | Sequence[str | Path],
    *,
    by: Sequence[str] | str = ("region",),
    log: RowLog | None = None,
    scheduler: str | None = None,
    client: Any = None,
    **rules: Unpack[Rules],
) -> pd.DataFrame:
    """Aggregate incidents into a complete monthly panel.

    Parameters
    ----------
    source
        An :class:`~trends.ingest.IncidentSet` or the path(s) of incident files.
    by
        Grouping columns besides the month (any of ``BY_COLUMNS``); ``()`` for
        one series.
    log
        A :class:`~trends.rowlog.RowLog` to which every dropped, changed or
        filtered row is appended (with the readers' entries when ``source``
        is paths).
    scheduler, client
        Read the files on a Dask cluster: its scheduler's address, or a
        ``distributed.Client`` (left open); the panel and log are the local
        run's (see :func:`trends.load_panel`).
    **rules
        ``start``, ``end``, ``regions``, ``countries``, ``actors``,
        ``span_rule``, ``min_precision``: see :class:`Rules`.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (YYYY-MM), the ``by`` columns, ``incidents``,
        ``killed_low``, ``killed_best``, ``killed_high`` and ``injured``
        (missing where incidents happened but none reported injured).

    Examples
    --------
    >>> p = aggregate("data/ucdp_ged_syria_2016-2019.csv.gz", actors=["IS"])  # doctest: +SKIP
    >>> p.columns.tolist()  # doctest: +SKIP
    ['month', 'region', 'incidents', 'killed_low', 'killed_best', 'killed_high', 'injured']

    """
    check_rules(rules, "aggregate")
    by = [by] if isinstance(by, str) else list(by)
    by = [] if by == ["none"] else by  # as the command line's --by none
    if not isinstance(source, IncidentSet):
        from trends.loading import load_panel  # the one reader of files; it imports this module

        files = [source] if isinstance(source, str | Path) else source
        loaded = load_panel(files, by=by, scheduler=scheduler, client=client, **rules)
        if log is not None:
            log.extend(loaded.log)
        return loaded.panel
    if scheduler is not None or client is not None:
        msg = (
            "scheduler/client: these incidents are already read; give the files' paths "
            "to read them on a Dask cluster"
        )
        raise OptionError(msg)
    kept, window, pairs = select(source, log=log, **rules)
    return panel(kept, window, pairs, by)
