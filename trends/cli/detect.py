"""``trends detect``: is there a break at an unknown month, and when?

With ``--max-breaks N`` (N > 1) the single-break test is followed by a search
for up to N breaks (binary segmentation, number chosen by BIC, no p-value);
its result is printed after the test, or added under "breaks" in the JSON.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from trends.cli.console import CONSOLE, region_bar
from trends.cli.series import (
    add_model_options,
    add_series_options,
    emit,
    load_table,
    model_inputs,
    print_json,
    series_of,
    where_to_run,
)
from trends.cli.test import add_inference_options
from trends.errors import OptionError
from trends.escape import show_controls

if TYPE_CHECKING:
    from trends.resurgence import BreakScanResult, MultiBreakResult


class _TestAndBreaks:
    """The single-break test with the multi-break search attached, for printing."""

    def __init__(self, test: BreakScanResult, breaks: MultiBreakResult) -> None:
        self.test, self.breaks = test, breaks

    def to_dict(self) -> dict[str, object]:
        return dict(self.test.to_dict(), breaks=self.breaks.to_dict())

    def summary(self) -> str:
        return self.test.summary().rstrip() + "\n\n" + self.breaks.summary()


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "detect",
        help="scan for a break at an unknown month (bootstrap sup-LR test)",
        description="Scan every candidate break month, take the largest likelihood-ratio "
        "statistic and get its p-value by parametric bootstrap.",
    )
    add_series_options(parser)
    add_inference_options(parser)
    parser.add_argument(
        "--min-segment",
        type=int,
        default=12,
        metavar="MONTHS",
        help="months required on each side of a break (default 12)",
    )
    parser.add_argument(
        "--max-breaks",
        type=int,
        default=1,
        metavar="N",
        help="also search for up to N breaks (binary segmentation, number chosen by BIC, no "
        "p-value); default 1: the single-break test only",
    )
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    if args.max_breaks < 1:
        msg = f"--max-breaks must be 1 or more; got {args.max_breaks}"
        raise OptionError(msg)
    if args.by and args.max_breaks > 1:
        msg = ("--max-breaks with --by region: search for several breaks one region at a time "
               "(--region NAME)")
        raise OptionError(msg)
    if args.by and (args.offset or args.covariates):
        msg = ("--offset and --covariate need one series (--region NAME); for every region "
               "with its own exposure use trends assess --by region")
        raise OptionError(msg)
    table = load_table(args)  # a bad input stops here, before the models are imported
    if args.by:
        return _by_region(args, table)
    from trends.resurgence import detect_break, detect_breaks

    ((name, y),) = series_of(args, table).items()
    result = detect_break(
        y,
        bootstrap=args.bootstrap,
        seed=args.seed,
        inference=args.inference,
        min_segment_months=args.min_segment,
        progress=CONSOLE.bars,
        side_by_side="auto",  # this process has the cores to itself
        **model_inputs(args, table, name),
    )
    if args.max_breaks == 1:
        emit(args, [result], [name])
        return 0
    breaks = detect_breaks(y, max_breaks=args.max_breaks, min_segment_months=args.min_segment)
    emit(args, [_TestAndBreaks(result, breaks)], [name])
    return 0


def _by_region(args: argparse.Namespace, table: Any) -> int:
    """Every region scanned on its own, p-values adjusted across the regions."""
    from trends.resurgence.regions_detect import regions_detect

    series = series_of(args, table)
    with region_bar("scanning", len(series),
                    f"{len(series)} regions, {args.bootstrap} bootstrap series each"):
        result = regions_detect(series, min_segment_months=args.min_segment,
                                bootstrap=args.bootstrap, seed=args.seed,
                                inference=args.inference, **where_to_run(args))
    if args.json:
        print_json(result.to_dict()["regions"])
    else:
        sys.stdout.write(show_controls(result.summary().rstrip()) + "\n")
    return 0
