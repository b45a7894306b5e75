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
from trends.cli.commands import NAMES, chosen, register
from trends.errors import TrendsError

COMMANDS = NAMES
"""Subcommand names; each lives in ``trends.cli.<name>`` (see :mod:`trends.cli.commands`)."""


def build_parser(only: str | None = None, *, lazy: bool = False) -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    With ``lazy``, only subcommand ``only`` is imported and the others are
    placeholders that carry their one-line help (enough for ``trends --help``).
    """
    parser = argparse.ArgumentParser(
        prog="trends", description="Statistical trend analysis of conflict-incident casualty data."
    )
    parser.add_argument("--version", action="version", version=f"trends {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register(subparsers, only, lazy=lazy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(chosen(words), lazy=True).parse_args(words)
    from trends.outputs import check_distinct, describe_os_error
    from trends.validate import check_options

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
    from trends.escape import show_controls

    line = show_controls(message).replace("\n", "\\n").replace("\r", "\\r").replace("\t", " ")
    print(f"trends {command}: error: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
