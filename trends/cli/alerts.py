"""``trends alerts``: was this month unusual for this region given its own history?"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trends._json import finite_or_none
from trends.aggregate import parse_month
from trends.alerts import alerts
from trends.cli.series import add_series_options, load_series, print_json
from trends.escape import show_controls


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "alerts",
        help="flag unusual months (Farrington, NB GLR, ACLED-style heuristics)",
        description="Per region: observed count, expected count, upper bound and alarm for one "
        "month. Farrington defaults are R's farringtonFlexible defaults.",
    )
    add_series_options(parser)
    parser.add_argument("--month", metavar="YYYY-MM", help="month to assess (default: the last)")
    parser.add_argument("--method", choices=("farrington", "glrnb", "acled"), default="farrington")
    group = parser.add_argument_group("Farrington settings (R's defaults)")
    group.add_argument("--years-back", type=int, default=5, help="b: years of history (5)")
    group.add_argument("--window", type=int, default=3, help="w: half-width in months (3)")
    group.add_argument("--alpha", type=float, default=0.05, help="alpha (0.05)")
    group.add_argument("--no-trend", action="store_true", help="never fit a time trend")
    group.add_argument("--no-reweight", action="store_true", help="do not down-weight outbreaks")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    rows = []
    for region, y in load_series(args).items():
        month = parse_month(args.month, "--month") if args.month else y.index[-1]
        options: dict[str, Any] = {}
        if args.method == "farrington":
            options = {
                "years_back": args.years_back,
                "window_half_width": args.window,
                "alpha": args.alpha,
                "trend": not args.no_trend,
                "reweight": not args.no_reweight,
            }
        result = alerts(y, [str(month)], method=args.method, **options)
        last = result.tidy().iloc[-1]
        rows.append(
            {
                "region": region,
                "month": str(last["month"]),
                "method": args.method,
                "observed": int(last["observed"]),
                "expected": finite_or_none(last["expected"]),
                "upper_bound": finite_or_none(last["upper_bound"]),
                "alarm": bool(last["alarm"]),
                **({"change_level": last["change_level"]} if "change_level" in last else {}),
            }
        )
    if args.json:
        out = rows if args.by else rows[0]
        print_json(out)
    else:
        for row in rows:
            bound = "n/a" if row["upper_bound"] is None else f"{row['upper_bound']:.1f}"
            expected = "n/a" if row["expected"] is None else f"{row['expected']:.1f}"
            flag = "ALARM" if row["alarm"] else "no alarm"
            sys.stdout.write(
                f"{show_controls(row['region'])} {row['month']}: observed {row['observed']}, "
                f"expected {expected}, upper bound {bound}: {flag}\n"
            )
    return 0
