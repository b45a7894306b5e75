"""``trends backtest``: how good have the forecasts been, against simple baselines?"""

from __future__ import annotations

import argparse
from typing import Any

from trends.cli.console import CONSOLE
from trends.cli.series import add_series_options, emit, load_series
from trends.forecast import (
    BASELINES,
    auto_backtest_forecaster,
    count_model_forecaster,
    rolling_origin,
)


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
    add_series_options(parser, by=False)
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
    ((name, y),) = load_series(args).items()
    auto = auto_backtest_forecaster(y, args.horizon, seed=args.seed)
    methods = {"auto": auto, "count_model": count_model_forecaster(), **BASELINES}
    with CONSOLE.bar("backtest") as bar:
        bar.step(f"{name}: every origin, {len(methods)} forecasters")
        result = _backtest(args, y, methods)
    emit(args, [result], [name])
    return 0


def _backtest(args: argparse.Namespace, y: Any, methods: dict[str, Any]) -> Any:
    return rolling_origin(
        y,
        methods,
        horizon=args.horizon,
        min_train_months=args.min_train,
        draws=args.draws,
        seed=args.seed,
        baselines=list(BASELINES),
    )
