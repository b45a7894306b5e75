"""Report pages: definitions in, a self-contained, reproducible HTML archive out.

The names below are imported on first use: a worker process that runs a
report's analyses imports :mod:`trends.report.analysis` without the charts
and templates of :mod:`trends.report.build`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trends.report.build import BuiltPage, build_report
    from trends.report.definition import ReportDefinition

__all__ = ["BuiltPage", "ReportDefinition", "build_report"]

_HOME = {"BuiltPage": "trends.report.build", "build_report": "trends.report.build",
         "ReportDefinition": "trends.report.definition"}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    if name not in _HOME:
        msg = f"module 'trends.report' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value
