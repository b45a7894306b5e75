"""``trends aggregate``: incident files in, a complete monthly panel CSV out."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trends.aggregate import BY_COLUMNS
from trends.cli.inputs import add_reading_options, add_rule_options, load_from_args
from trends.csvout import to_csv_text
from trends.errors import InputError
from trends.loading import is_monthly_input
from trends.outputs import write_atomic


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "aggregate",
        help="aggregate incident files into a monthly panel",
        description="Aggregate incident files into a zero-filled monthly panel CSV "
        "(month, groups, incidents, killed_low, killed_best, killed_high, injured).",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT",
        help="incident file(s), CSV or Parquet, or folder(s) of them (their *.csv, *.csv.gz "
        "and *.parquet files, in name order)",
    )  # fmt: skip
    parser.add_argument(
        "--by",
        action="append",
        metavar="COLUMN",
        help=f"group by (repeatable or comma-separated; default region; 'none' "
        f"for one series): {', '.join(BY_COLUMNS)}",
    )
    parser.add_argument("--out", metavar="FILE", help="write the CSV here (default: stdout)")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help="read the files on the Dask cluster whose scheduler is at ADDRESS, one task per "
        "file (e.g. tcp://10.0.0.5:8786; the workers must see the files at the same paths; "
        "needs `pip install trends[dask]`); the output is the local run's",
    )  # fmt: skip
    add_reading_options(parser)
    add_rule_options(parser)
    parser.set_defaults(run=run)


def grouping(values: list[str] | None) -> list[str]:
    """Columns named by repeated or comma-separated ``--by`` options."""
    names = [n.strip() for v in (values or ["region"]) for n in v.split(",") if n.strip()]
    return [] if names == ["none"] else names


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    if is_monthly_input(args.inputs, encoding=args.encoding):
        msg = "this is already a monthly table; aggregate reads incident files"
        raise InputError(msg, path=args.inputs[0])
    loaded = load_from_args(
        args, regions=args.regions, by=grouping(args.by), scheduler=args.scheduler
    )
    text = to_csv_text(loaded.panel)
    if args.out:
        write_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    return 0
