"""``trends detect``: is there a break at an unknown month, and when?"""

from __future__ import annotations

import argparse
from typing import Any

from trends.cli.series import add_series_options, emit, load_series
from trends.cli.test import add_inference_options
from trends.resurgence import detect_break


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "detect",
        help="scan for a break at an unknown month (bootstrap sup-LR test)",
        description="Scan every candidate break month, take the largest likelihood-ratio "
        "statistic and get its p-value by parametric bootstrap.",
    )
    add_series_options(parser, by=False)
    add_inference_options(parser)
    parser.add_argument(
        "--min-segment",
        type=int,
        default=12,
        metavar="MONTHS",
        help="months required on each side of a break (default 12)",
    )
    parser.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    ((name, y),) = load_series(args).items()
    result = detect_break(
        y,
        bootstrap=args.bootstrap,
        seed=args.seed,
        inference=args.inference,
        min_segment_months=args.min_segment,
        progress=args.progress,
    )
    emit(args, [result], [name])
    return 0
