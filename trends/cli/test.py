"""``trends test``: has the series changed since a known month (interrupted time series)?"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trends.cli.console import CONSOLE, region_bar
from trends.cli.series import (
    add_model_options,
    add_series_options,
    check_since,
    emit,
    load_table,
    model_inputs,
    print_json,
    series_of,
    where_to_run,
)
from trends.errors import OptionError
from trends.options import ALTERNATIVES, FAMILIES, INFERENCES


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
        choices=FAMILIES,
        default="auto",
        help="count family (default: auto); zip and zinb (zero-inflated) need --inference model",
    )
    parser.add_argument(
        "--alternative",
        choices=ALTERNATIVES,
        default="two-sided",
        help="two-sided (default): a change either way; increase: a rise only (one-sided)",
    )
    parser.add_argument(
        "--harmonics", type=int, default=2, help="pairs of calendar-month harmonics (2)"
    )
    parser.add_argument("--max-before", type=int, default=60, metavar="MONTHS",
                        help="use at most this many months before the break (60; 0 for all)")
    add_inference_options(parser)
    add_model_options(parser, change=True)
    parser.set_defaults(run=run)


def add_inference_options(parser: argparse.ArgumentParser) -> None:
    """How p-values and intervals are computed."""
    parser.add_argument(
        "--inference",
        choices=INFERENCES,
        default="bootstrap",
        help="bootstrap (default): parametric bootstrap with latent AR(1) noise, calibrated "
        "for autocorrelated counts; model: chi-square/Wald as R's glm.nb, which assumes "
        "independent months",
    )
    parser.add_argument(
        "--bootstrap", type=int, default=999, metavar="N", help="bootstrap replicates (999)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulations (0)")


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    table = load_table(args)  # a bad input stops here, before the models are imported
    series = series_of(args, table)
    check_since(args, series)
    from trends.resurgence import its_test, regions_test

    options: dict[str, Any] = {
        "family": args.family,
        "alternative": args.alternative,
        "harmonics": args.harmonics,
        "inference": args.inference,
        "bootstrap": args.bootstrap,
        "seed": args.seed,
        "change": args.change,
        "max_before_months": args.max_before or None,
    }
    if args.by:
        if args.offset or args.covariates:
            msg = ("--offset and --covariate need one series (--region NAME); for every region "
                   "with its own exposure use trends assess --by region")
            raise OptionError(msg)
        with region_bar("testing", len(series),
                        f"{len(series)} regions, {args.bootstrap} bootstrap series each"):
            result = regions_test(series, args.since, **options, **where_to_run(args))
        if args.json:
            # the regions' rows and the pooled model, as Python's to_dict() gives them
            print_json(result.to_dict())
        else:
            sys.stdout.write(result.summary().rstrip() + "\n")
        return 0
    ((name, y),) = series.items()
    model = model_inputs(args, table, name)
    with CONSOLE.bar("testing") as bar:
        bar.step(f"{name or args.measure}, {args.bootstrap} bootstrap series")
        single = its_test(y, args.since, **options, **model)
    emit(args, [single], [name])
    return 0
