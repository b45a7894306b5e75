"""The names most like a misspelt one, for "did you mean ...?" in error messages."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

CUTOFF = 0.75
"""How alike two names must be (difflib's ratio) to be suggested."""


def close_matches(
    word: str, choices: Iterable[str], key: Callable[[str], str] = str.casefold, n: int = 3,
    cutoff: float = CUTOFF,
) -> list[str]:
    """The choices most like ``word``, best first, compared by ``key``.

    Examples
    --------
    >>> close_matches("tets", ["test", "detect", "report"])
    ['test']
    >>> close_matches("xyz", ["test"])
    []

    """
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(key(choice), choice)
    found = difflib.get_close_matches(key(word), list(by_key), n=n, cutoff=cutoff)
    return [by_key[k] for k in found]


def did_you_mean(
    word: str, choices: Iterable[str], key: Callable[[str], str] = str.casefold, n: int = 3,
    cutoff: float = CUTOFF,
) -> str:
    """'; did you mean X?' (or 'X or Y?') for an error message, or '' when nothing is close.

    Examples
    --------
    >>> did_you_mean("killed_bset", ["incidents", "killed_best", "killed_low"])
    "; did you mean 'killed_best'?"

    """
    found = close_matches(word, choices, key, n=n, cutoff=cutoff)
    if not found:
        return ""
    return "; did you mean " + " or ".join(repr(f) for f in found) + "?"
