"""Report pages: definitions in, a self-contained, reproducible HTML archive out.

The names below are imported on first use: a worker process that runs a
report's analyses imports :mod:`trends.report.analysis` without the charts
and templates of :mod:`trends.report.build`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trends._lazy import lazy_attributes

if TYPE_CHECKING:
    from trends.report.build import BuiltPage, build_report
    from trends.report.definition import ReportDefinition

__all__ = ["BuiltPage", "ReportDefinition", "build_report"]

_HOME = {"BuiltPage": "trends.report.build", "build_report": "trends.report.build",
         "ReportDefinition": "trends.report.definition"}


__getattr__ = lazy_attributes(__name__, _HOME, globals())
