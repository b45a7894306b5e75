"""One validator for every option that takes a fixed set of choices."""

from __future__ import annotations

from collections.abc import Iterable

from trends.errors import OptionError


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`OptionError`.

    Examples
    --------
    >>> check_choice("family", "poisson", ("poisson", "negbin"))
    'poisson'

    """
    allowed = tuple(choices)
    if value not in allowed:
        msg = f"{name} must be one of {', '.join(allowed)}; got {value!r}"
        raise OptionError(msg)
    return value
