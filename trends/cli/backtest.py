"""``trends backtest``: how good have the forecasts been, against simple baselines?"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from trends.cli.console import region_bar
from trends.cli.series import (
    NotAnalysed,
    add_series_options,
    emit,
    load_series,
    or_note,
    stop_if_none_analysed,
    where_to_run,
)

if TYPE_CHECKING:
    import pandas as pd

    from trends.forecast import BacktestResult


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "backtest",
        help="rolling-origin backtest of the forecasters against baselines",
        description="Refit at each origin, forecast 1..N months ahead and score with CRPS, "
        "log score, absolute error and interval coverage: the default forecaster (auto: at "
        "each origin the weights its own nested backtest had there, from earlier months "
        "only) and the count model, against the zero, last-value, 12-month-average and "
        "12-month empirical baselines.",
    )
    add_series_options(parser)
    parser.add_argument("--horizon", type=int, default=6, metavar="N", help="months ahead (6)")
    parser.add_argument(
        "--min-train",
        type=int,
        default=36,
        metavar="MONTHS",
        help="months of history at the first origin (36)",
    )
    parser.add_argument("--draws", type=int, default=2000, metavar="N",
                        help="simulated paths (2000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulations (0)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    series = load_series(args)  # a bad input stops here, before the models are imported
    from trends.forecast import BASELINES
    from trends.parallel import map_regions

    settings = {"horizon": args.horizon, "min_train_months": args.min_train,
                "draws": args.draws, "seed": args.seed}
    with region_bar("backtest", len(series),
                    f"{len(series)} series: every origin, {2 + len(BASELINES)} forecasters"):
        jobs = [(name, y, settings, bool(args.by)) for name, y in series.items()]
        results = map_regions(_backtest_one, jobs, **where_to_run(args))
    stop_if_none_analysed(results, "backtested")
    emit(args, results, list(series))
    return 0


def _backtest_one(
    job: tuple[str, pd.Series, dict[str, Any], bool],
) -> BacktestResult | NotAnalysed:
    """One series' backtest (every region gets the user's seed, as in a one-series run).

    With ``--by region`` a region that cannot be backtested gets a note; alone it is an error.
    """
    from trends.forecast import (
        BASELINES,
        auto_backtest_forecaster,
        count_model_forecaster,
        rolling_origin,
    )

    name, y, settings, by_region = job

    def backtest() -> BacktestResult:
        auto = auto_backtest_forecaster(y, settings["horizon"], seed=settings["seed"])
        methods = {"auto": auto, "count_model": count_model_forecaster(), **BASELINES}
        return rolling_origin(y, methods, baselines=list(BASELINES), **settings)

    return or_note(by_region, name, "backtested", backtest)
