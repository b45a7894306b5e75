"""The ``trends`` command line.

Every subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args)``; errors a user can cause end the program with one line on
stderr and exit status 2. Before a subcommand runs, its numeric options are
checked against :data:`trends.validate.OPTION_RULES` and its output files
against its inputs (no output may overwrite an input or another output).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import ClassVar, NoReturn

from trends import __version__
from trends.cli.commands import NAMES, chosen, register
from trends.cli.console import configure, warnings_as_lines
from trends.errors import TrendsError

COMMANDS = NAMES
"""Subcommand names; each lives in ``trends.cli.<name>`` (see :mod:`trends.cli.commands`)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, with a suggestion where one is close."""

    words: ClassVar[list[str]] = []
    """The command line being parsed (a misspelt required option is suggested from it)."""

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """Parse, naming the subcommand and the closest option of an unknown option."""
        Parser.words = list(sys.argv[1:] if args is None else args)
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._command(getattr(parsed, "command", None))
            options = [o for a in command._actions for o in a.option_strings]
            from trends.closest import did_you_mean

            hints = [did_you_mean(word.split("=")[0], options) for word in extras
                     if word.startswith("-")]
            command.error(f"unrecognized arguments: {' '.join(extras)}"
                          + next((h for h in hints if h), ""))
        return parsed

    def _command(self, name: str | None) -> argparse.ArgumentParser:
        """The subcommand's parser (this parser when there is none)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name]
        return self

    def error(self, message: str) -> NoReturn:
        """Print ``trends COMMAND: error: ...`` on one line and exit with status 2."""
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            from trends.closest import did_you_mean

            choices = re.findall(r"'([^']*)'", choice.group(2))
            message += did_you_mean(choice.group(1), choices)
        required = re.search(r"the following arguments are required: (.*)", message)
        if required:  # a misspelt required option shows up as its absence
            from trends.closest import did_you_mean

            wanted = [w.strip() for w in required.group(1).split(",")]
            known = {o for a in self._actions for o in a.option_strings}
            typed = [w.split("=")[0] for w in Parser.words if w.startswith("--")]
            hints = [(w, did_you_mean(w, wanted)) for w in typed if w not in known]
            found = next(((w, h) for w, h in hints if h), None)
            if found:
                message += f" ({found[0]} was given{found[1]})"
        command = self.prog.removeprefix("trends").strip()
        where = f"trends {command}" if command else "trends"
        line = message.replace("\n", " ")
        print(f"{where}: error: {line} (see '{where} --help')", file=sys.stderr)
        sys.exit(2)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--quiet, --verbose and --progress, the same on every command."""
    group = parser.add_argument_group("messages")
    say = group.add_mutually_exclusive_group()
    say.add_argument("-q", "--quiet", action="store_true",
                     help="print nothing on stderr but errors (no progress bars)")
    say.add_argument("-v", "--verbose", action="store_true",
                     help="also say how long each step took")
    group.add_argument("--progress", action="store_true",
                       help="draw progress bars even when stderr is not a terminal "
                       "(by default they are drawn on a terminal only)")


def build_parser(only: str | None = None, *, lazy: bool = False) -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    With ``lazy``, only subcommand ``only`` is imported and the others are
    placeholders that carry their one-line help (enough for ``trends --help``).
    """
    parser = Parser(
        prog="trends", description="Statistical trend analysis of conflict-incident casualty data."
    )
    parser.add_argument("--version", action="version", version=f"trends {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                       parser_class=Parser)
    register(subparsers, only, lazy=lazy)
    for sub in subparsers.choices.values():
        if sub.add_help:
            add_output_options(sub)
            if any(action.dest in OUTPUTS for action in sub._actions):
                sub.add_argument("--force", action="store_true",
                                 help="replace output files (--out, --rejects) that exist")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(chosen(words), lazy=True).parse_args(words)
    configure(quiet=args.quiet, verbose=args.verbose, progress=args.progress)
    from trends.outputs import check_distinct, check_new, describe_os_error
    from trends.validate import check_options

    try:
        check_options(vars(args))
        if isinstance(getattr(args, "inputs", None), list):
            from trends.folders import expand_folders

            args.inputs = [str(p) for p in expand_folders(args.inputs)]
        check_distinct(_named(args, ("inputs", "source", "aliases")), _named(args, OUTPUTS))
        check_new(_named(args, OUTPUTS), getattr(args, "force", False))
        with warnings_as_lines():
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
