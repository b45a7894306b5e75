"""A package's public names, imported from their modules on first use (PEP 562).

Examples
--------
>>> home = {"sqrt": "math"}
>>> getattr_ = lazy_attributes("demo", home, namespace := {})
>>> getattr_("sqrt")(9.0), "sqrt" in namespace
(3.0, True)

"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_attributes(
    package: str, home: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``home[name]`` and keeps the value in ``namespace``."""

    def __getattr__(name: str) -> Any:
        if name not in home:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(home[name]), name)
        namespace[name] = value
        return value

    return __getattr__
