"""``trends report``: build a monthly report page (and the archive index) into a folder."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from trends.cli.console import CONSOLE
from trends.cli.inputs import add_limit_options
from trends.errors import OptionError
from trends.report.definition import RANGES, Analysis, Filters, ReportDefinition
from trends.report.jobs import default_workers, start_fork_server
from trends.validate import check_range, parse_month


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="build a self-contained HTML report page with its charts",
        description="Build one report month from a report definition (TOML) or straight from "
        "input files: a page with headline findings, charts, tables, method and data notes and "
        "provenance, every chart as .vl.json, .svg and .png, and an index of all pages built "
        "into the folder.",
    )
    add_source_options(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="report folder")
    parser.add_argument(
        "--month", metavar="YYYY-MM", help="month to report on (default: the latest complete month)"
    )
    parser.add_argument(
        "--single-file",
        action="store_true",
        help="inline the JavaScript bundle (about 0.9 MB) in the page, so that the page works "
        "alone, away from its folder; by default the folder holds it once, in assets/, for "
        "every page (also [output] single_file in a definition)",
    )
    parser.set_defaults(run=run)


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """A definition file or input files, with the settings used for input files."""
    parser.add_argument(
        "source",
        nargs="+",
        metavar="DEFINITION.toml | INPUT",
        help="a report definition, or incident / monthly files",
    )
    group = parser.add_argument_group("settings when the source is input files")
    group.add_argument("--measure", default="incidents",
                       help="what to count: incidents (default), killed_best, killed_low, "
                       "killed_high, or a column of a monthly CSV")
    group.add_argument("--since", metavar="YYYY-MM",
                       help="the month the page asks about: has it risen since then?")
    group.add_argument("--preliminary-from", metavar="YYYY-MM",
                       help="the first month whose figures are preliminary and may be revised "
                       "(UCDP Candidate data, say): the page marks them")
    group.add_argument("--actor", action="append", dest="actors", metavar="NAME",
                       help="keep incidents with this actor on either side (repeatable)")
    group.add_argument("--country", action="append", dest="countries", metavar="NAME",
                       help="keep this country (repeatable)")
    group.add_argument("--title", help="page title")
    group.add_argument("--bootstrap", type=int, metavar="N",
                       help="bootstrap series of each verdict (999; at least 99)")
    limits = parser.add_argument_group("limits (override a definition's [input] settings)")
    add_limit_options(limits, defaults=False)


SETTINGS = (("since", "--since"), ("title", "--title"), ("preliminary_from", "--preliminary-from"),
            ("bootstrap", "--bootstrap"))
LISTS = (("actors", "--actor"), ("countries", "--country"))
LIMITS = (
    ("max_count", "--max-count"),
    ("max_expanded", "--max-expanded"),
    ("max_ratio", "--max-ratio"),
)


def definition_from(args: argparse.Namespace) -> ReportDefinition:
    """The report definition named or implied by the command line."""
    limits = {name: getattr(args, name) for name, _ in LIMITS if getattr(args, name) is not None}
    if any(source.endswith(".toml") for source in args.source):
        if len(args.source) > 1:
            msg = "give one report definition (.toml) alone, or input files"
            raise OptionError(msg)
        ignored = [flag for name, flag in (*SETTINGS, *LISTS) if getattr(args, name)]
        ignored += ["--measure"] if args.measure != "incidents" else []
        if ignored:
            msg = (
                f"{', '.join(ignored)}: used only when the source is input files; set it in "
                f"the definition {args.source[0]} instead"
            )
            raise OptionError(msg)
        definition = ReportDefinition.from_toml(args.source[0])
        return replace(definition, limits=replace(definition.limits, **limits))
    base = ReportDefinition.from_inputs(args.source)
    preliminary = args.preliminary_from or ""
    if preliminary:
        preliminary = str(parse_month(preliminary, "--preliminary-from"))
    low, high = RANGES["bootstrap"]
    bootstrap = check_range("--bootstrap", 999 if args.bootstrap is None else args.bootstrap,
                            low=low, high=high)
    return replace(
        base,
        title=args.title or base.title,
        filters=Filters(actors=tuple(args.actors or ()), countries=tuple(args.countries or ())),
        analysis=Analysis(measure=args.measure, break_month=args.since or "",
                          scope_label=_scope(args), preliminary_from=preliminary,
                          bootstrap=bootstrap),
        limits=replace(base.limits, **limits),
    )


def _scope(args: argparse.Namespace) -> str:
    """What the charts cover: the country (or "all regions"), and the actors asked for."""
    import pandas as pd

    from trends.cli.series import whole_name

    name = whole_name(args, pd.DataFrame())
    actors = list(args.actors or ())
    return f"{name}, {' or '.join(actors)} as a side" if actors else name


def rebuild_words(args: argparse.Namespace, definition: ReportDefinition) -> list[str]:
    """The command line that rebuilds the page: sources named as given, no output folder."""
    sources = [definition.source] if definition.source else list(definition.inputs)
    words = ["trends", "report", *map(definition.name_of, sources)]
    if args.measure != "incidents":
        words += ["--measure", args.measure]
    for name, flag in SETTINGS:
        if getattr(args, name):
            words += [flag, str(getattr(args, name))]
    for name, flag in LISTS:
        for value in getattr(args, name) or ():
            words += [flag, value]
    for name, flag in LIMITS:
        if getattr(args, name) is not None:
            words += [flag, str(getattr(args, name))]
    if args.month:
        words += ["--month", args.month]
    if args.single_file:
        words += ["--single-file"]
    return words


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    definition = definition_from(args)
    workers = default_workers()
    if workers > 1:
        start_fork_server()  # it imports the analyses while this process imports the rest
    from trends.report.build import build_report

    with CONSOLE.bar("report") as bar:
        built = build_report(
            definition,
            args.out,
            month=args.month,
            command=rebuild_words(args, definition),
            progress=bar,
            single_file=True if args.single_file else None,
            workers=workers,
        )
    CONSOLE.info(f"report written to {args.out}")
    CONSOLE.info(f"{built.page} ({len(built.charts)} chart files)")
    return 0
