"""The ``trends`` command line.

Every subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args)``; errors a user can cause end the program with one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from trends import __version__
from trends.cli import (
    aggregate,
    alerts,
    assess,
    backtest,
    chart,
    detect,
    forecast,
    report,
    severity,
)
from trends.cli import test as test_command
from trends.errors import TrendsError

COMMANDS = (
    aggregate, assess, test_command, detect, alerts, forecast, backtest, severity, report, chart
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="trends", description="Statistical trend analysis of conflict-incident casualty data."
    )
    parser.add_argument("--version", action="version", version=f"trends {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except TrendsError as err:
        print(f"trends {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(
            f"trends {args.command}: error: {err.filename or ''}: {err.strerror}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
