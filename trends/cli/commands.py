"""The subcommands by name, each imported only when it runs.

``trends --help`` lists every subcommand with its one-line help, read from
the subcommand module's source without importing it: the modules import
pandas, statsmodels, scipy and altair, which take seconds to load. A command
line naming a subcommand imports that subcommand's module alone.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

NAMES = (
    "aggregate", "assess", "test", "detect", "alerts", "forecast", "backtest", "severity",
    "report", "chart",
)  # fmt: skip
"""Subcommands in the order ``trends --help`` lists them."""


def module(name: str) -> ModuleType:
    """The module that defines subcommand ``name``."""
    return importlib.import_module(f"trends.cli.{name}")


def one_line_help(name: str) -> str | None:
    """The ``help=`` text a subcommand module registers, read from its source; None if unclear.

    Examples
    --------
    >>> one_line_help("aggregate") is not None
    True

    """
    spec = importlib.util.find_spec(f"trends.cli.{name}")
    if spec is None or spec.origin is None:
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_parser"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == name
        ):
            for keyword in node.keywords:
                if keyword.arg == "help":
                    value = keyword.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        return value.value
            return None
    return None


def chosen(argv: Sequence[str]) -> str | None:
    """The subcommand a command line names: its first word that is not an option."""
    for word in argv:
        if word != "--" and not word.startswith("-"):
            return word if word in NAMES else None
    return None


def register(
    subparsers: argparse._SubParsersAction, run: str | None, *, lazy: bool = True
) -> None:
    """Add every subcommand; with ``lazy``, only ``run`` (or one whose help is unclear) is imported.

    The others get a placeholder parser carrying their one-line help, enough
    for ``trends --help`` and for argparse's list of choices.
    """
    for name in NAMES:
        text = None if name == run or not lazy else one_line_help(name)
        if text is None:
            module(name).add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=text, add_help=False)
