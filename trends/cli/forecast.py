"""``trends forecast``: what should we expect over the coming months?"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from trends.cli.console import region_bar
from trends.cli.series import (
    add_preliminary_option,
    add_series_options,
    emit,
    load_series,
    or_note,
    preliminary_from,
    stop_if_none_analysed,
    where_to_run,
)
from trends.options import FORECAST_FAMILIES, FORECAST_METHODS

if TYPE_CHECKING:
    import pandas as pd


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "forecast",
        help="forecast 1-24 months ahead with predictive intervals",
        description="Simulated predictive distribution: median, central 50/80/95% intervals "
        "and, with --threshold, P(count > threshold). By default a mixture of simple "
        "forecasters weighted by a backtest on the series itself, reported with that "
        "backtest's CRPS against the best baseline and its interval coverage; --family, "
        "--train-months, --trend or --harmonics select the count model instead.",
    )
    add_series_options(parser)
    parser.add_argument("--horizon", type=int, default=6, metavar="N", help="months ahead (6)")
    parser.add_argument("--threshold", type=float, metavar="X",
                        help="also give the probability that a month's count exceeds X")
    parser.add_argument(
        "--method",
        choices=FORECAST_METHODS,
        help="auto: backtested mixture (default); count_model: the count model",
    )
    parser.add_argument(
        "--family",
        choices=FORECAST_FAMILIES,
        default="auto",
        help="count model: its family (default auto: chosen by the data); selects the model",
    )
    parser.add_argument(
        "--train-months",
        type=int,
        default=12,
        metavar="N",
        help="count model: fit on the last N months (12; 0 for all)",
    )
    parser.add_argument("--trend", action="store_true", help="include a linear trend")
    parser.add_argument("--harmonics", type=int, default=0, metavar="N",
                        help="count model: pairs of calendar-month harmonics (0)")
    parser.add_argument("--draws", type=int, default=4000, metavar="N",
                        help="simulated paths (4000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulations (0)")
    add_preliminary_option(parser, "the forecast says how many months of its history are")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    from trends.parallel import map_regions

    series = load_series(args)
    settings = {
        "method": args.method,
        "family": args.family,
        "trend": args.trend,
        "harmonics": args.harmonics,
        "train_months": args.train_months or None,
        "draws": args.draws,
        "seed": args.seed,
        "threshold": args.threshold,
        "preliminary": preliminary_from(args, series.values()),
    }
    with region_bar("forecasting", len(series), f"{len(series)} series"):
        jobs = [(name, y, args.horizon, settings, bool(args.by)) for name, y in series.items()]
        results = map_regions(_forecast_one, jobs, **where_to_run(args))
    stop_if_none_analysed(results, "forecast")
    emit(args, results, list(series))
    return 0


def _forecast_one(job: tuple[str, pd.Series, int, dict[str, Any], bool]) -> Any:
    """One series' forecast (every region gets the same seed, as in a one-series run).

    With ``--by region`` a region that cannot be forecast gets a note; alone it is an error.
    """
    from trends.forecast import forecast

    name, y, horizon, settings, by_region = job
    return or_note(by_region, name, "forecast", lambda: forecast(y, horizon, **settings))
