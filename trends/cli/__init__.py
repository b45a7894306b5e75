"""The ``trends`` command line.

Every subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args)``; errors a user can cause end the program with one line on
stderr and exit status 2. Before a subcommand runs, its numeric options are
checked against :data:`trends.validate.OPTION_RULES` and its output files
against its inputs (no output may overwrite an input or another output).
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
from trends.escape import show_controls
from trends.outputs import check_distinct, describe_os_error
from trends.validate import check_options

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
        check_options(vars(args))
        check_distinct(_named(args, ("inputs", "source", "aliases")), _named(args, OUTPUTS))
        return int(args.run(args) or 0)
    except TrendsError as err:
        _fail(args.command, str(err))
        return 2
    except OSError as err:
        _fail(args.command, describe_os_error(err))
        return 2
    except MemoryError:
        _fail(args.command, "out of memory; read fewer or smaller files, or a narrower window")
        return 2
    except KeyboardInterrupt:
        return 130


OUTPUTS = ("out", "rejects")
"""Options that name files a command writes."""


def _named(args: argparse.Namespace, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, path) of every file named by these options."""
    found = []
    for name in names:
        value = getattr(args, name, None)
        label = "input" if name in ("inputs", "source") else f"--{name}"
        for path in value if isinstance(value, list) else [value]:
            if path:
                found.append((label, str(path)))
    return found


def _fail(command: str, message: str) -> None:
    """Print an error as one line, with any control characters in it made visible."""
    line = show_controls(message).replace("\n", "\\n").replace("\r", "\\r").replace("\t", " ")
    print(f"trends {command}: error: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
