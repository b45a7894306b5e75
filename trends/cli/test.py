"""``trends test``: has the series changed since a known month (interrupted time series)?"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from trends.cli.series import add_series_options, emit, load_series
from trends.resurgence import its_test
from trends.resurgence import test_regions as regions_test


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "test",
        help="test for a change in level and slope at a known month",
        description="Interrupted time series: rate ratio of the level change and of the slope "
        "change per year, likelihood-ratio test of no change, post-break excess.",
    )
    add_series_options(parser)
    parser.add_argument("--since", required=True, metavar="YYYY-MM", help="the break month")
    parser.add_argument(
        "--family",
        choices=("auto", "poisson", "quasipoisson", "negbin"),
        default="auto",
        help="count family (default: auto)",
    )
    parser.add_argument("--alternative", choices=("two-sided", "increase"), default="two-sided")
    parser.add_argument("--harmonics", type=int, default=2, help="seasonal Fourier pairs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulations")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    series = load_series(args)
    options = {"family": args.family, "alternative": args.alternative, "harmonics": args.harmonics}
    if args.by:
        result = regions_test(series, args.since, **options)
        if args.json:
            regions: list[dict[str, Any]] = result.to_dict()["regions"]  # type: ignore[assignment]
            rows = [dict(row, break_month=args.since) for row in regions]
            sys.stdout.write(json.dumps(rows, indent=2, sort_keys=True) + "\n")
        else:
            sys.stdout.write(result.summary().rstrip() + "\n")
        return 0
    name, y = next(iter(series.items()))
    emit(args, [its_test(y, args.since, seed=args.seed, **options)], [name])
    return 0
