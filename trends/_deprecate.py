"""Old names of public functions and keywords, kept working for one release with a warning.

The API uses one vocabulary: ``bootstrap`` (bootstrap replicates), ``draws``
(simulated paths), ``confidence_level``, ``*_months`` for month counts and
``seed``. A function that used another name takes the old one through
:func:`renamed_keywords`; a renamed function keeps its old name through
:func:`renamed_function`. Both warn with :class:`DeprecationWarning` and name
the new spelling, so that a user's code says what to change.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

from trends.errors import OptionError

F = TypeVar("F", bound=Callable[..., Any])

REMOVED_IN = "0.3"
"""The release from which old names are refused."""


def renamed_keywords(**old_to_new: str) -> Callable[[F], F]:
    """Let a function take each old keyword as its new one, with a DeprecationWarning.

    Giving both the old and the new keyword is an :class:`OptionError`.

    Examples
    --------
    >>> @renamed_keywords(n_draws="draws")
    ... def simulate(*, draws: int = 10) -> int:
    ...     return draws
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     simulate(n_draws=5)
    5
    >>> print(caught[0].message)
    simulate(): 'n_draws' is renamed 'draws'; the old name stops working in trends 0.3

    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    msg = f"{func.__name__}() got both {old!r} and {new!r}; give {new!r} only"
                    raise OptionError(msg)
                warnings.warn(
                    f"{func.__name__}(): {old!r} is renamed {new!r}; the old name stops "
                    f"working in trends {REMOVED_IN}",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def renamed_function(func: F, old_name: str) -> F:
    """Return ``func`` under its old name, warning on each call.

    The alias carries ``__test__ = False``, so that pytest does not collect an
    old name that starts with ``test_`` from a user's module.

    Examples
    --------
    >>> def regions_check() -> str:
    ...     return "done"
    >>> old = renamed_function(regions_check, "check_regions")
    >>> old.__name__, old.__test__
    ('check_regions', False)

    """

    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"{old_name}() is renamed {func.__name__}(); the old name stops working in "
            f"trends {REMOVED_IN}",
            DeprecationWarning,
            stacklevel=2,
        )
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name
    alias.__doc__ = f"Deprecated name of :func:`{func.__name__}`."
    alias.__test__ = False  # type: ignore[attr-defined]
    return cast(F, alias)
