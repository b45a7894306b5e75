"""``trends alerts``: was this month unusual for this region given its own history?"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from trends._json import finite_or_none
from trends.cli.console import region_bar
from trends.cli.series import (
    NotAnalysed,
    add_preliminary_option,
    add_series_options,
    data_span,
    load_series,
    or_note,
    preliminary_from,
    print_json,
    stop_if_none_analysed,
    where_to_run,
)
from trends.errors import DataError, OptionError
from trends.escape import show_controls
from trends.options import ALERT_METHODS, SIDES
from trends.validate import parse_month

if TYPE_CHECKING:
    import pandas as pd


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "alerts",
        help="flag unusual months (Farrington, NB GLR, ACLED-style heuristics)",
        description="Per region: observed count, expected count, lower and upper bounds and "
        "alarm for one month, unusually high or unusually low. Farrington defaults are R's "
        "farringtonFlexible defaults (R checks highs only; the lower bound comes from the same "
        "predictive distribution).",
    )
    add_series_options(parser)
    parser.add_argument("--month", metavar="YYYY-MM", help="month to assess (default: the last)")
    parser.add_argument(
        "--method",
        choices=ALERT_METHODS,
        default="farrington",
        help="farrington (default): R's farringtonFlexible bounds from past years' same "
        "months; glrnb: negative binomial GLR/CUSUM; acled: ACLED-style heuristics "
        "(docs/alerts.md)",
    )
    parser.add_argument(
        "--side",
        choices=SIDES,
        default="both",
        help="look for unusually high months, unusually low ones, or both (default both; "
        "each side at --alpha, so about twice the false alarms of one side)",
    )
    add_preliminary_option(parser, "each row says whether its month is one")
    group = parser.add_argument_group("Farrington settings (R's defaults)")
    group.add_argument("--years-back", type=int, default=5, help="b: years of history (5)")
    group.add_argument("--window", type=int, default=3, help="w: half-width in months (3)")
    group.add_argument("--alpha", type=float, default=0.05, help="alpha (0.05)")
    group.add_argument("--no-trend", action="store_true", help="never fit a time trend")
    group.add_argument("--no-reweight", action="store_true", help="do not down-weight outbreaks")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand."""
    from trends.parallel import map_regions

    series = list(load_series(args).items())
    if args.month:  # a bad month is one error, before any region runs
        month = parse_month(args.month, "--month")
        first, last = data_span(y for _, y in series)
        if not first <= month <= last:
            whose = f"of {series[0][0]} " if len(series) == 1 else ""
            msg = f"--month {month}: the data {whose}run from {first} to {last}"
            raise OptionError(msg)
    preliminary = preliminary_from(args, (y for _, y in series))
    options: dict[str, Any] = {}
    if args.method == "farrington":
        options = {
            "years_back": args.years_back,
            "window_half_width": args.window,
            "alpha": args.alpha,
            "trend": not args.no_trend,
            "reweight": not args.no_reweight,
        }
    settings = {"month": args.month, "method": args.method, "side": args.side, "options": options,
                "preliminary": None if preliminary is None else str(preliminary)}
    with region_bar("alerts", len(series), f"{len(series)} series"):
        jobs = [(region, y, settings, bool(args.by)) for region, y in series]
        results = map_regions(_alert_row, jobs, **where_to_run(args))
    stop_if_none_analysed(results, "assessed")
    rows = [{"region": r.name, "month": settings["month"], "note": r.summary()}
            if isinstance(r, NotAnalysed) else r for r in results]
    if args.json:
        out = rows if args.by else rows[0]
        print_json(out)
    else:
        for row in rows:
            if "note" in row:
                sys.stdout.write(f"{show_controls(row['region'])}: {row['note']}\n")
                continue
            flag = f"ALARM ({row['direction']})" if row["alarm"] else "no alarm"
            late = " (a preliminary figure)" if row.get("preliminary") else ""
            history = ""
            if row.get("preliminary_baseline"):
                many = row["preliminary_baseline"]
                history = (f"; the expected level draws on {many} earlier preliminary "
                           f"month{'s' if many > 1 else ''}")
            low, high, what = (("drop_threshold", "surge_threshold", "thresholds")
                               if "surge_threshold" in row else
                               ("lower_bound", "upper_bound", "bounds"))
            where = f"{show_controls(row['region'])} " if row["region"] else ""
            sys.stdout.write(
                f"{where}{row['month']}: observed {row['observed']}{late}, "
                f"expected {_num(row['expected'])}, {what} {_num(row[low])} to "
                f"{_num(row[high])}: {flag}; {row['verdict']}{history}\n"
            )
    return 0


def _alert_row(job: tuple[str, pd.Series, dict[str, Any], bool]) -> dict[str, Any] | NotAnalysed:
    """One region's alert for its month, as an output row.

    With ``--by region`` a region that cannot be assessed gets a note; alone it is an error.
    """
    region, y, settings, by_region = job
    return or_note(by_region, region, "assessed", lambda: _alert(region, y, settings),
                   (DataError, OptionError))


def _alert(region: str, y: pd.Series, settings: dict[str, Any]) -> dict[str, Any]:
    from trends.alerts import alerts

    month = parse_month(settings["month"], "--month") if settings["month"] else y.index[-1]
    if not y.index[0] <= month <= y.index[-1]:
        msg = f"--month {month}: the data of {region} run from {y.index[0]} to {y.index[-1]}"
        raise OptionError(msg)
    method, side = settings["method"], settings["side"]
    result = alerts(y, [str(month)], method=method, side=side, **settings["options"])
    last = result.tidy().iloc[-1]
    return {
        **_preliminary(y, month, settings),
        "region": region or None,  # "": a table of one series, no place
        "month": str(last["month"]),
        "method": method,
        "side": side,
        "observed": int(last["observed"]),
        "expected": finite_or_none(last["expected"]),
        "lower_bound": finite_or_none(last["lower_bound"]),
        "upper_bound": finite_or_none(last["upper_bound"]),
        "alarm": bool(last["alarm"]),
        "alarm_low": bool(last["alarm_low"]),
        "alarm_high": bool(last["alarm_high"]),
        "direction": last["direction"],
        "verdict": last["verdict"],
        **({"change_level": last["change_level"]} if "change_level" in last else {}),
        # ACLED's rules have a drop and a surge threshold instead of bounds
        **{name: finite_or_none(last[name]) for name in ("drop_threshold", "surge_threshold")
           if name in last},
    }


def _preliminary(y: pd.Series, month: pd.Period, settings: dict[str, Any]) -> dict[str, Any]:
    """Whether the month's figure is preliminary, and how many of its baseline's months are."""
    from trends.alerts import baseline_positions

    if settings["preliminary"] is None:
        return {}
    first = parse_month(settings["preliminary"], "--preliminary-from")
    k = (month - y.index[0]).n  # the month's position: the index is every month, in order
    used = y.index[baseline_positions(k, settings["method"], **settings["options"])]
    return {"preliminary_from": str(first), "preliminary": bool(month >= first),
            "preliminary_baseline": int((used >= first).sum())}


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"
