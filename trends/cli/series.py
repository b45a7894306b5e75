"""Options and loading shared by the subcommands that analyse monthly series.

INPUT is an incident file in any layout ``trends aggregate`` reads, or a
monthly CSV with a ``month`` column; the result is one series per region
(or one series for everything).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from trends.cli.inputs import (
    add_reading_options,
    add_rule_options,
    load_from_args,
)
from trends.cli.suggest import check_measure, check_region
from trends.cluster import check_reachable
from trends.errors import DataError, InputError, OptionError
from trends.escape import show_controls
from trends.ingest.files import read_header
from trends.measures import noun_of
from trends.monthly import is_monthly_header, to_series
from trends.options import CHANGES
from trends.validate import month_position, preliminary_start

Out = TypeVar("Out")
MEASURE_HELP = "incidents, killed_best, killed_low, killed_high, or a column of a monthly CSV"


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """Where the regions of ``--by region`` are analysed: local processes or a Dask cluster."""
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="with --by region: local processes (default: one per core); the results do not "
        "depend on it",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help="with --by region: run the regions on the Dask cluster whose scheduler is at "
        "ADDRESS (e.g. tcp://10.0.0.5:8786; needs `pip install trends[dask]`)",
    )


def where_to_run(args: argparse.Namespace) -> dict[str, Any]:
    """The ``workers`` and ``scheduler`` options of :func:`trends.parallel.map_regions`.

    Both place the regions of ``--by region``, so either without it, or the
    two together, is an :class:`OptionError` rather than an option ignored.
    """
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    given = [f"--workers {workers}"] if workers is not None else []
    given += [f"--scheduler {scheduler}"] if scheduler is not None else []
    if given and not getattr(args, "by", None):
        msg = f"{given[0]}: it places the regions of --by region; add --by region or leave it out"
        raise OptionError(msg)
    if len(given) == 2:
        msg = (f"{given[0]} and {given[1]}: give one of them (on a cluster, its workers run "
               "the regions)")
        raise OptionError(msg)
    if workers is not None and workers < 1:
        msg = f"--workers {workers}: give at least 1 process"
        raise OptionError(msg)
    if scheduler is not None:
        check_reachable(scheduler)
    return {"workers": workers, "scheduler": scheduler}


def add_series_options(parser: argparse.ArgumentParser, *, by: bool = True) -> None:
    """INPUT, the measure, the region choice and the reading options."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="incident file(s) of any layout, or a monthly CSV with a month column",
    )
    parser.add_argument("--measure", default="incidents", help=f"what to count: {MEASURE_HELP}")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--region",
        dest="series_region",
        metavar="NAME",
        help="analyse this region only (default: all regions summed)",
    )
    if by:
        where.add_argument("--by", choices=("region",), help="analyse every region separately")
        add_parallel_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    add_reading_options(parser)
    add_rule_options(parser, region_filter=False)


def load_table(args: argparse.Namespace) -> pd.DataFrame:
    """The monthly table behind the analysis: a panel by region, or the user's monthly CSV."""
    where_to_run(args)  # a bad --workers is one line at once, before the input is read
    header = read_header(args.inputs[0], encoding=args.encoding)
    if is_monthly_header(header):
        check_measure(args.measure, header, args.inputs[0])
        return read_monthly_input(args, args.measure)
    regions = [args.series_region] if args.series_region else args.regions
    if args.measure not in INCIDENT_MEASURES:
        if not _incident_header(header, args.inputs[0]):
            # a damaged or unreadable file shows no measure either: the reader says what is wrong
            load_from_args(args, regions=regions)
        check_measure(args.measure, INCIDENT_MEASURES, "an incident table")
    return load_from_args(args, regions=regions).panel


def _incident_header(header: list[str], path: str) -> bool:
    """Whether ``header`` is that of a known incident layout."""
    from trends.ingest import layout_of

    try:
        layout_of(header, path)
    except InputError:
        return False
    return True


def read_monthly_input(args: argparse.Namespace, measure: str) -> pd.DataFrame:
    """The one monthly table among the inputs, within ``--start`` and ``--end``."""
    numbers = ([args.offset] if getattr(args, "offset", None) else []) + (
        getattr(args, "covariates", None) or [])
    return load_from_args(args, regions=None, measure=measure, numbers=numbers).panel


def load_series(args: argparse.Namespace) -> dict[str, pd.Series]:
    """Series to analyse, keyed by what each covers: a region, a country or "all regions"."""
    return series_of(args, load_table(args))


def whole_name(args: argparse.Namespace, table: pd.DataFrame) -> str:
    """The name of a series that sums everything: its country or only region, else "all regions".

    A monthly table of one country's measure, such as ``syria_killed_best``,
    is named for that country.

    Examples
    --------
    >>> args = argparse.Namespace(countries=None, measure="syria_killed_best")
    >>> whole_name(args, pd.DataFrame({"month": ["2020-01"], "syria_killed_best": [3]}))
    'Syria'
    >>> whole_name(args, pd.DataFrame({"month": ["2020-01"], "country": ["Iraq"]}))
    'Iraq'
    >>> whole_name(args, pd.DataFrame({"month": ["2020-01"], "region": ["Homs"]}))
    'Homs'
    """
    if "country" in table.columns and table["country"].nunique() == 1:
        return str(table["country"].iloc[0])
    if "region" in table.columns and table["region"].nunique() == 1:  # the sum is that region
        return str(table["region"].iloc[0])
    countries = getattr(args, "countries", None) or []
    if len(countries) == 1:
        return str(countries[0])
    measure = str(getattr(args, "measure", ""))
    for suffix in INCIDENT_MEASURES:
        prefix = measure.removesuffix("_" + suffix)
        if prefix != measure and "region" not in table.columns:
            return prefix.replace("_", " ").title()
    return "all regions"


INCIDENT_MEASURES = ("incidents", "killed_best", "killed_low", "killed_high", "injured")
"""The measures of a panel made from incident files."""


def series_of(args: argparse.Namespace, table: pd.DataFrame) -> dict[str, pd.Series]:
    """The series of ``table`` that the options ask for, keyed by what each covers.

    The key is the region's name, or for everything summed its country (when
    there is one) or "all regions" (see :func:`whole_name`).
    """
    if getattr(args, "by", None) == "region":
        if "region" not in table.columns:
            table = table.assign(region=whole_name(args, table))
        names = list(dict.fromkeys(table["region"]))
        return {name: to_series(table, args.measure, name) for name in names}
    if args.series_region:
        if "region" not in table.columns:
            msg = (f"--region {args.series_region!r}: the table has no region column; drop "
                   "--region or give a table by region")
            raise OptionError(msg)
        name = check_region(args.series_region, [str(r) for r in table["region"].unique()])
        return {name: to_series(table, args.measure, name)}
    name = whole_name(args, table)
    if name == "all regions" and not {"region", "country"} & set(table.columns):
        name = ""  # a table of one series names no place: not "(all regions)"
    return {name: to_series(table, args.measure)}


def check_since(args: argparse.Namespace, series: dict[str, pd.Series]) -> None:
    """A ``--since`` outside the data is an error at once, before any model loads.

    With ``--by region`` the month must lie inside the months of some region; a
    region that does not cover it is noted in its row instead.
    """
    first, last = data_span(series.values())
    month_position(pd.period_range(first, last, freq="M"), args.since)


def data_span(series: Iterable[pd.Series]) -> tuple[pd.Period, pd.Period]:
    """The first and the last month of any of ``series``."""
    months = [(y.index[0], y.index[-1]) for y in series]
    return min(m[0] for m in months), max(m[1] for m in months)


def add_preliminary_option(parser: argparse.ArgumentParser, effect: str) -> None:
    """``--preliminary-from YYYY-MM``; ``effect`` says what the command does with it."""
    parser.add_argument(
        "--preliminary-from", metavar="YYYY-MM",
        help="the first month whose figures are preliminary and may be revised (e.g. the "
        f"first month of UCDP Candidate data): {effect}")


def preliminary_from(args: argparse.Namespace, series: Iterable[pd.Series]) -> str | None:
    """``--preliminary-from`` as YYYY-MM, None if not given; after the data it is an error.

    A month before the data means their first month (:func:`trends.validate.preliminary_start`).
    """
    if args.preliminary_from is None:
        return None
    first, last = data_span(series)
    return str(preliminary_start(args.preliminary_from, first, last, "--preliminary-from"))


@dataclass(frozen=True)
class NotAnalysed:
    """A region of ``--by region`` the analysis could not run on, and why (printed, in the JSON).

    Examples
    --------
    >>> NotAnalysed("Homs", "assessed", "too short").to_dict()
    {'name': 'Homs', 'region': 'Homs', 'note': 'not assessed: too short'}

    """

    name: str
    what: str
    reason: str

    def summary(self) -> str:
        return f"not {self.what}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "region": self.name, "note": self.summary()}


def stop_if_none_analysed(results: Sequence[object], what: str) -> None:
    """With ``--by region``, one error line when every region's result is a :class:`NotAnalysed`."""
    from trends.parallel import require_some

    require_some([(r.name, r.reason) if isinstance(r, NotAnalysed) else ("", "")
                  for r in results], what)


def or_note(
    by_region: bool, name: str, what: str, run: Callable[[], Out],
    errors: tuple[type[Exception], ...] = (DataError,),
) -> Out | NotAnalysed:
    """``run()``; with ``--by region`` a region it fails on gets a note, alone it is an error.

    Examples
    --------
    >>> def short(): raise DataError("too short")
    >>> or_note(True, "Homs", "assessed", short).summary()
    'not assessed: too short'

    """
    try:
        return run()
    except errors as err:
        if not by_region:
            raise
        return NotAnalysed(name, what, str(err))


def add_model_options(parser: argparse.ArgumentParser, *, change: bool = False) -> None:
    """--offset and --covariate (monthly-CSV columns) and, for the known-month test, --change."""
    group = parser.add_argument_group("model")
    group.add_argument("--offset", metavar="COLUMN",
                       help="exposure column of a monthly CSV (e.g. population); its log is the "
                       "model's offset, so the counts are compared as rates")
    group.add_argument("--covariate", action="append", metavar="COLUMN", dest="covariates",
                       help="numeric column of a monthly CSV to adjust for (repeatable)")
    if change:
        group.add_argument("--change", choices=CHANGES, default="both",
                           help="what the break may change and the test tests: level and slope "
                           "(default), the level alone, or the slope alone")


def model_inputs(args: argparse.Namespace, table: pd.DataFrame, name: str) -> dict[str, Any]:
    """The offset and covariates the options name, for the series ``name`` of ``table``.

    Examples
    --------
    >>> table = pd.DataFrame({"month": ["2020-01", "2020-02"], "n": [1, 2], "pop": [9.0, 9.5]})
    >>> args = argparse.Namespace(offset="pop", covariates=None)
    >>> model_inputs(args, table, "")["offset"].tolist()
    [9.0, 9.5]

    """
    columns = [args.offset] if getattr(args, "offset", None) else []
    columns += getattr(args, "covariates", None) or []
    missing = [c for c in columns if c not in table.columns]
    if missing:
        msg = (f"no column {missing[0]!r} for --offset/--covariate; the table has "
               + ", ".join(str(c) for c in table.columns if c != "month"))
        raise OptionError(msg)
    if not columns:
        return {"offset": None, "covariates": None}
    names = getattr(args, "covariates", None) or []
    rows = table if name in ("", "all regions") or "region" not in table.columns \
        else table[table["region"] == name]
    if name == "all regions" and "region" in table.columns:
        if names:
            msg = ("--covariate needs one region's rows (--region NAME or --by region): "
                   "summed over regions a covariate such as a price has no meaning")
            raise OptionError(msg)
        rows = rows.groupby("month", as_index=False)[columns].sum()
    index = pd.PeriodIndex(rows["month"], freq="M")
    offset = (pd.Series(rows[args.offset].to_numpy(dtype=float), index=index)
              if getattr(args, "offset", None) else None)
    covariates = (pd.DataFrame({c: rows[c].to_numpy(dtype=float) for c in names}, index=index)
                  if names else None)
    return {"offset": offset, "covariates": covariates}


def print_json(payload: Any) -> None:
    """Write ``payload`` to stdout as strict JSON: a NaN or infinity is written ``null``."""
    text = json.dumps(finite(payload), indent=2, sort_keys=True, allow_nan=False)
    sys.stdout.write(text + "\n")


def finite(value: Any) -> Any:
    """``value`` with every non-finite float in nested dicts and lists replaced by None.

    Examples
    --------
    >>> finite({"p": float("nan"), "x": [1.5, float("inf")]})
    {'p': None, 'x': [1.5, None]}

    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def emit(args: argparse.Namespace, results: list[Any], names: list[str]) -> None:
    """Print results as JSON (one object, or a list with --by) or as summaries."""
    if args.json:
        payload = [dict(r.to_dict(), region=n or None)  # "": a table of one series, no place
                   for r, n in zip(results, names, strict=True)]
        out = payload if getattr(args, "by", None) else payload[0]
        print_json(out)
        return
    measure = getattr(args, "measure", None)
    for result, name in zip(results, names, strict=True):
        # say what was analysed: the summaries speak of "the series"
        what = noun_of(measure, name) if measure else f"the series ({name})"
        heading = what if len(results) == 1 else f"== {name} =="
        sys.stdout.write(show_controls(heading[:1].upper() + heading[1:]) + "\n")
        sys.stdout.write(show_controls(result.summary().rstrip()) + "\n")
