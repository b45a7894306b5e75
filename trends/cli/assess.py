"""``trends assess``: has it risen since a month? One verdict in words, with its evidence."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from trends.cli.console import track
from trends.cli.series import add_series_options, load_table, print_json, series_of
from trends.errors import OptionError
from trends.resurgence.verdict import DIRECTIONS, adjust_for_regions, assess


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
    parser.add_argument("--offset", metavar="COLUMN",
                        help="exposure column of a monthly CSV (e.g. population); its log is "
                        "the model's offset")
    parser.add_argument("--bootstrap", type=int, default=999, metavar="N",
                        help="bootstrap series of the test (999; at least 99)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every simulation (0)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    table = load_table(args)
    series = series_of(args, table)
    offsets = _offsets(args, table, series)
    results = [
        assess(y, args.since, direction=args.direction, name=None if name == "" else name,
               offset=offsets.get(name), bootstrap=args.bootstrap, seed=args.seed)
        for name, y in track(list(series.items()), "assessing", label=lambda item: item[0])
    ]
    if args.by:
        results = adjust_for_regions(results)
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


def _offsets(
    args: argparse.Namespace, table: pd.DataFrame, series: dict[str, pd.Series]
) -> dict[str, pd.Series]:
    if not args.offset:
        return {}
    if args.offset not in table.columns:
        msg = (f"--offset {args.offset!r}: no such column; the table has "
               f"{', '.join(c for c in table.columns if c != 'month')}")
        raise OptionError(msg)
    out = {}
    for name in series:
        rows = table if name == "" or "region" not in table.columns else \
            table[table["region"] == name]
        out[name] = pd.Series(rows[args.offset].to_numpy(dtype=float),
                              index=pd.PeriodIndex(rows["month"], freq="M"))
    return out
