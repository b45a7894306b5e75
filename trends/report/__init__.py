"""Report pages: definitions in, a self-contained, reproducible HTML archive out."""

from trends.report.build import BuiltPage, build_report
from trends.report.definition import ReportDefinition

__all__ = ["BuiltPage", "ReportDefinition", "build_report"]
