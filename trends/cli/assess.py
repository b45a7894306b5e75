"""``trends assess``: has it risen since a month? One verdict in words, with its evidence."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from trends.cli.console import region_bar
from trends.cli.series import (
    NotAnalysed,
    add_model_options,
    add_preliminary_option,
    add_series_options,
    check_since,
    load_table,
    model_inputs,
    or_note,
    preliminary_from,
    print_json,
    series_of,
    stop_if_none_analysed,
    where_to_run,
)
from trends.options import DIRECTIONS
from trends.validate import parse_month

if TYPE_CHECKING:
    import pandas as pd

    from trends.resurgence.verdict import Assessment


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "assess",
        help="has it risen (or fallen) since a month? one verdict in words",
        description="Compare the months since --since with the trend before them, carried on, "
        "and answer in one sentence: a rise, a fall, no detectable change (with the past "
        "year's drift) or cannot tell (with the reason). The comparison period is chosen by "
        "break scans; the answer is reconciled with the scan for a break at an unknown month "
        "and with the alerts since the month. See docs/models.md, 'The verdict'.",
    )
    add_series_options(parser)
    parser.add_argument("--since", required=True, metavar="YYYY-MM",
                        help="the month the question is about (the first month after it)")
    parser.add_argument(
        "--direction", choices=DIRECTIONS, default="rise",
        help="the question: has it risen (default; one-sided test), fallen, or changed either "
        "way (two-sided)",
    )
    add_model_options(parser)
    parser.add_argument("--bootstrap", type=int, default=999, metavar="N",
                        help="bootstrap series of the test (999; at least 99); the scans for "
                        "breaks before it keep their own: 199, or 999 when close to call")
    parser.add_argument("--seed", type=int, default=0, help="seed of every simulation (0)")
    add_preliminary_option(parser, "the verdict says how many of its months are")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    if args.preliminary_from is not None:
        args.preliminary_from = str(parse_month(args.preliminary_from, "--preliminary-from"))
    table = load_table(args)  # a bad input stops here, before the models are imported
    series = list(series_of(args, table).items())
    check_since(args, dict(series))
    preliminary_from(args, (y for _, y in series))  # a month after the data is an error
    from trends.parallel import map_regions
    from trends.resurgence.multiplicity import adjust_for_regions

    settings = {"direction": args.direction, "bootstrap": args.bootstrap, "seed": args.seed,
                "preliminary": args.preliminary_from}
    jobs = [(name, y, args.since, {**settings, **model_inputs(args, table, name)}, bool(args.by))
            for name, y in series]
    with region_bar("assessing", len(series),
                    f"{len(series)} series, {args.bootstrap} bootstrap series each"):
        results = map_regions(_assess_one, jobs, **where_to_run(args))
    stop_if_none_analysed(results, "assessed")
    if args.by:
        assessed = iter(adjust_for_regions([r for r in results if not isinstance(r, NotAnalysed)]))
        results = [r if isinstance(r, NotAnalysed) else next(assessed) for r in results]
    if args.json:
        payloads = [r.to_dict() for r in results]
        print_json(payloads if args.by else payloads[0])
        return 0
    for number, result in enumerate(results):
        if number:
            sys.stdout.write("\n")
        if len(results) > 1:
            sys.stdout.write(f"== {result.name} ==\n")
        sys.stdout.write(result.summary().rstrip() + "\n")
    return 0


def _assess_one(
    job: tuple[str, pd.Series, str, dict[str, Any], bool],
) -> Assessment | NotAnalysed:
    """One series' verdict (every region gets the user's seed, as in a one-series run).

    With ``--by region`` a region the month lies outside gets a note; alone it is an error.
    """
    from trends.resurgence.verdict import assess

    name, y, since, settings, by_region = job
    return or_note(by_region, name, "assessed",
                   lambda: assess(y, since, name=name or None, **settings))
