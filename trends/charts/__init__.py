"""Altair chart builders for report pages and briefing slides.

Every builder takes plain pandas DataFrames, leaves them untouched and
returns a new Altair chart with a title, axis titles with units, the
Okabe-Ito palette, tooltips and inline data. Building the same chart twice
gives byte-identical JSON. See docs/charts.md.
"""

from trends.charts.alerts import alert_chart
from trends.charts.export import (
    offline_scripts,
    save_chart,
    save_chart_files,
    spec_for_script,
    spec_json,
)
from trends.charts.forecast import forecast_fan
from trends.charts.forest import POOLED_LABEL, forest_plot
from trends.charts.regions import heatmap, small_multiples
from trends.charts.series import series_chart
from trends.charts.severity import severity_chart
from trends.charts.theme import OKABE_ITO, PALETTE

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "POOLED_LABEL",
    "alert_chart",
    "forecast_fan",
    "forest_plot",
    "heatmap",
    "offline_scripts",
    "save_chart",
    "save_chart_files",
    "series_chart",
    "severity_chart",
    "small_multiples",
    "spec_for_script",
    "spec_json",
]
