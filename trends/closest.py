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
