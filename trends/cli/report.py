"""``trends report``: build a monthly report page (and the archive index) into a folder."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trends.report import ReportDefinition, build_report
from trends.report.definition import Analysis, Filters


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
    group.add_argument("--measure", default="incidents")
    group.add_argument("--since", metavar="YYYY-MM", help="break month to test")
    group.add_argument("--actor", action="append", dest="actors", metavar="NAME")
    group.add_argument("--country", action="append", dest="countries", metavar="NAME")
    group.add_argument("--title", help="page title")


def definition_from(args: argparse.Namespace) -> ReportDefinition:
    """The report definition named or implied by the command line."""
    if len(args.source) == 1 and args.source[0].endswith(".toml"):
        return ReportDefinition.from_toml(args.source[0])
    base = ReportDefinition.from_inputs(args.source)
    return ReportDefinition(
        title=args.title or base.title,
        slug=base.slug,
        inputs=base.inputs,
        filters=Filters(actors=tuple(args.actors or ()), countries=tuple(args.countries or ())),
        analysis=Analysis(measure=args.measure, break_month=args.since or ""),
    )


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    definition = definition_from(args)
    built = build_report(
        definition,
        args.out,
        month=args.month,
        command=["trends", *sys.argv[1:]] if sys.argv[1:2] == ["report"] else None,
    )
    print(f"trends: {built.page} ({len(built.charts)} chart files)", file=sys.stderr)
    return 0
