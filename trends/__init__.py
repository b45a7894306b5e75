"""trends: statistical trend analysis of conflict-incident casualty data.

The data path: incident files -> :func:`read_incidents` (canonical table and
row log) -> :func:`aggregate` (complete monthly panel) -> :func:`to_series`
(one monthly series) -> count models and tests (:class:`CountModel`,
:func:`its_test`, :func:`detect_break`, :func:`test_regions`) -> alerts,
forecasts, backtests and severity -> charts and report pages.
"""

from trends.aggregate import aggregate
from trends.alerts import AlertResult, acled_heuristic, alerts, farrington, glrnb
from trends.decompose import DecompositionResult, decompose_change
from trends.errors import (
    DataError,
    DataQualityWarning,
    InputError,
    ModelWarning,
    OptionError,
    SchemaError,
    TrendsError,
    TrendsWarning,
)
from trends.forecast import (
    BASELINES,
    BacktestResult,
    ForecastResult,
    auto_backtest_forecaster,
    auto_forecaster,
    count_model_forecaster,
    forecast,
    rolling_origin,
)
from trends.ingest import IncidentSet, read_incidents
from trends.models import CountFit, CountModel
from trends.monthly import read_monthly, to_series
from trends.regions import Gazetteer
from trends.report import ReportDefinition, build_report
from trends.resurgence import (
    BreakScanResult,
    ITSResult,
    RegionTestResult,
    detect_break,
    its_test,
    sensitivity,
    test_regions,
)
from trends.rowlog import RowLog
from trends.severity import PowerLawResult, fit_power_law

__version__ = "0.1.0"

__all__ = [
    "BASELINES", "AlertResult", "BacktestResult", "BreakScanResult", "CountFit", "CountModel",
    "DataError", "DataQualityWarning", "DecompositionResult", "ForecastResult", "Gazetteer",
    "ITSResult", "IncidentSet", "InputError", "ModelWarning", "OptionError", "PowerLawResult",
    "RegionTestResult", "ReportDefinition", "RowLog", "SchemaError", "TrendsError",
    "TrendsWarning", "__version__", "acled_heuristic", "aggregate", "alerts",
    "auto_backtest_forecaster", "auto_forecaster", "build_report",
    "count_model_forecaster", "decompose_change", "detect_break", "farrington", "fit_power_law",
    "forecast", "glrnb", "its_test", "read_incidents", "read_monthly", "rolling_origin",
    "sensitivity", "test_regions", "to_series",
]  # fmt: skip
