"""Options shared by the subcommands that read incident files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from trends.cli.console import CONSOLE
from trends.cli.suggest import check_region
from trends.ingest import FORMATS
from trends.loading import LoadedPanel, load_panel
from trends.options import PRECISIONS, SPAN_RULES
from trends.rowlog import RowLog
from trends.validate import DEFAULT_MAX_COUNT, DEFAULT_MAX_RATIO, Limits, parse_month, parse_size


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """Options that say how to read incident files."""
    group = parser.add_argument_group("reading")
    group.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="input layout (default: detect it from each file's header)",
    )
    group.add_argument(
        "--aliases", metavar="FILE", help="CSV of extra region spellings: alias,region[,country]"
    )
    group.add_argument("--encoding", default="utf-8", help="text encoding (default utf-8)")
    group.add_argument(
        "--strict",
        action="store_true",
        help="treat a published dataset's inconsistent estimates as errors",
    )
    add_limit_options(group)


def add_limit_options(group: argparse._ActionsContainer, *, defaults: bool = True) -> None:
    """Ceilings on counts and on what compressed inputs expand to.

    Without ``defaults`` an option not given is None.
    """
    group.add_argument(
        "--max-count",
        type=int,
        default=DEFAULT_MAX_COUNT if defaults else None,
        metavar="N",
        help=f"largest count believed in one record (default {DEFAULT_MAX_COUNT:,}); a larger "
        "one is an error",
    )
    group.add_argument(
        "--max-expanded",
        type=parse_size,
        default="2G" if defaults else None,
        metavar="SIZE",
        help="largest size a compressed input may expand to (default 2G)",
    )
    group.add_argument(
        "--max-ratio",
        type=float,
        default=DEFAULT_MAX_RATIO if defaults else None,
        metavar="N",
        help=f"largest expansion ratio of a compressed input (default {DEFAULT_MAX_RATIO})",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    """The :class:`~trends.validate.Limits` set by the command line."""
    return Limits(
        max_count=args.max_count, max_expanded=args.max_expanded, max_ratio=args.max_ratio
    )


def add_rule_options(parser: argparse.ArgumentParser, *, region_filter: bool = True) -> None:
    """Month rules and filters (without ``--region`` where a command chooses one series)."""
    group = parser.add_argument_group("rules and filters")
    group.add_argument("--start", metavar="YYYY-MM", help="first month of the window")
    group.add_argument("--end", metavar="YYYY-MM", help="last month of the window")
    if region_filter:
        group.add_argument(
            "--region",
            action="append",
            metavar="NAME",
            dest="regions",
            help="keep this region (repeatable)",
        )
    else:
        parser.set_defaults(regions=None)
    group.add_argument(
        "--country",
        action="append",
        metavar="NAME",
        dest="countries",
        help="keep this country (repeatable)",
    )
    group.add_argument(
        "--actor",
        action="append",
        metavar="NAME",
        dest="actors",
        help="keep incidents with this actor on either side (repeatable)",
    )
    group.add_argument(
        "--span-rule",
        choices=SPAN_RULES,
        default="start",
        help="month of an incident spanning months (default: start)",
    )
    group.add_argument(
        "--min-precision",
        choices=PRECISIONS,
        default="year",
        help="drop incidents dated less precisely (default: year)",
    )
    group.add_argument(
        "--rejects",
        metavar="FILE",
        help="write every dropped, filtered, merged or changed row with its reason",
    )


def load_from_args(
    args: argparse.Namespace,
    *,
    regions: list[str] | None,
    by: Sequence[str] = ("region",),
    measure: str | None = None,
    numbers: Sequence[str] = (),
    scheduler: str | None = None,
) -> LoadedPanel:
    """:func:`trends.load_panel` with the reading, rule and filter options of the command line.

    Says which layout each file was read as and reports the row log; a
    region the data do not hold and the gazetteer does not know is an error
    that suggests the nearest name ("did you mean Deir ez-Zor?"). With
    ``scheduler``, incident files are read on that Dask cluster.
    """
    with CONSOLE.bar("reading") as bar:
        first, *more = args.inputs
        bar.step(f"{first} and {len(more)} more" if len(more) > 1 else ", ".join(args.inputs))
        loaded = load_panel(
            args.inputs, measure=measure, by=by,
            start=args.start and str(parse_month(args.start, "--start")),
            end=args.end and str(parse_month(args.end, "--end")),
            regions=regions, countries=getattr(args, "countries", None),
            actors=getattr(args, "actors", None), span_rule=args.span_rule,
            min_precision=args.min_precision, format=args.format, aliases=args.aliases,
            encoding=args.encoding, strict=args.strict, limits=limits_from(args),
            numbers=numbers, check_region=check_region, compact=True, scheduler=scheduler,
        )  # fmt: skip
    if loaded.incidents is not None:
        for path, layout in loaded.incidents.formats.items():
            how = "detected" if args.format == "auto" else "given"
            CONSOLE.info(f"{path}: read as {layout} ({how})")
        layouts = sorted(set(loaded.incidents.formats.values()))
        if len(layouts) > 1:
            CONSOLE.info(f"files of {len(layouts)} layouts ({', '.join(layouts)}): an event "
                         "in two datasets cannot be matched across them, so it counts once in "
                         "each; repeats are found by event id within one layout")
    # a monthly table logs only its months outside --start/--end
    if loaded.incidents is not None or any(loaded.log.counts().values()) or args.rejects:
        report_log(args, loaded.rows_read, loaded.log)
    if "region" in loaded.panel:
        for names in alike_names(loaded.panel["region"].unique().tolist()):
            CONSOLE.info(f"regions spelt alike but for case or spaces are kept apart: "
                         f"{', '.join(map(repr, names))}; to count them as one, map the "
                         "spellings to one name in an alias file (--aliases)")
    return loaded


def alike_names(names: Sequence[str]) -> list[list[str]]:
    """Groups of names that differ only in case or spacing, each sorted.

    Examples
    --------
    >>> alike_names(["Xyzzy", "Homs", "xyzzy ", "Idlib"])
    [['Xyzzy', 'xyzzy ']]

    """
    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        groups.setdefault(" ".join(name.casefold().split()), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


def report_log(args: argparse.Namespace, rows_read: int, log: RowLog) -> None:
    """Print the one-line count of the row log and write it with ``--rejects``."""
    from trends.csvout import write_csv

    hint = f"listed in {args.rejects}" if args.rejects else "list them with --rejects FILE"
    CONSOLE.info(f"{rows_read:,} row{'s' * (rows_read != 1)} read; {log.summary()} ({hint})")
    if args.rejects:
        write_csv(log.to_frame(), args.rejects)
