"""``trends severity``: the tail of deaths per incident, and more attacks or deadlier ones?"""

from __future__ import annotations

import argparse
import sys
from typing import Any, cast

import pandas as pd

from trends.aggregate import parse_month
from trends.cli.console import CONSOLE
from trends.cli.inputs import (
    add_reading_options,
    add_rule_options,
    load_from_args,
)
from trends.cli.series import print_json, read_monthly_input
from trends.decompose import decompose_change
from trends.errors import DataError, OptionError
from trends.escape import show_controls
from trends.ingest.files import read_header
from trends.monthly import is_monthly_header
from trends.options import DEATH_MEASURES
from trends.severity import fit_power_law


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "severity",
        help="power-law tail of deaths per incident; frequency/severity split",
        description="Fit a discrete power law to deaths per incident (Clauset, Shalizi and "
        "Newman) and, with --since, split the change in monthly deaths into a change in "
        "incident frequency and a change in deaths per incident.",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="incident file(s); a monthly CSV allows only the split",
    )
    parser.add_argument(
        "--measure",
        default="killed_best",
        choices=DEATH_MEASURES,
        help="which death estimate (default killed_best)",
    )
    parser.add_argument(
        "--since",
        metavar="YYYY-MM",
        help="split the change between the months before and from this month",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=200,
        metavar="N",
        help="bootstrap replicates for the tail fit (200)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulations (0)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    add_reading_options(parser)
    add_rule_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    kept = None
    if is_monthly_header(read_header(args.inputs[0], encoding=args.encoding)):
        monthly = read_monthly_input(args, args.measure)
        if not args.since:
            msg = "a monthly table holds no deaths per incident: pass --since for the split"
            raise OptionError(msg)
    else:
        loaded = load_from_args(args, regions=args.regions, by=())
        kept = cast(pd.DataFrame, loaded.kept)  # incident files always give the kept incidents
        monthly = loaded.panel
    periods = _split_months(args, monthly)  # a --since outside the data stops before the tail fit
    tail = None
    if kept is not None:
        with CONSOLE.bar("severity") as bar:
            bar.step(f"power-law tail, {args.bootstrap} bootstrap samples")
            tail = fit_power_law(
                kept[args.measure],
                bootstrap=args.bootstrap,
                gof_bootstrap=args.bootstrap,
                seed=args.seed,
            )
    split = None
    if periods is not None:
        before, after = periods
        split = decompose_change(
            monthly, before=before, after=after, measure=args.measure, seed=args.seed
        )
    if args.json:
        payload = {
            "tail": tail.to_dict() if tail else None,
            "decomposition": split.to_dict() if split else None,
        }
        print_json(payload)
    else:
        parts = [r.summary().rstrip() for r in (tail, split) if r is not None]
        sys.stdout.write(show_controls("\n\n".join(parts)) + "\n")
    return 0


Months = tuple[str, str]


def _split_months(args: argparse.Namespace, monthly: pd.DataFrame) -> tuple[Months, Months] | None:
    """The months before ``--since`` and from it (None without it); either empty is an error."""
    if not args.since:
        return None
    since = parse_month(args.since, "--since")
    months = monthly["month"]
    first, last = (pd.Period(str(m), freq="M") for m in (months.iloc[0], months.iloc[-1]))
    if not first < since <= last:
        side = "before" if since <= first else "from"
        msg = (f"--since {since} leaves no month {side} it: the data run from {first} to {last}; "
               f"choose a month from {first + 1} to {last}")
        raise DataError(msg)
    return (str(first), str(since - 1)), (str(since), str(last))
