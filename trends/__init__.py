"""trends: statistical trend analysis of conflict-incident casualty data.

The data path: incident files -> :func:`read_incidents` (canonical table and
row log) -> :func:`aggregate` (complete monthly panel; :func:`load_panel` does
both, and reads a monthly table too) -> :func:`to_series`
(one monthly series) -> the verdict on "has it risen since X?" (:func:`assess`)
and the count models and tests behind it (:class:`CountModel`, :func:`its_test`,
:func:`detect_break`, :func:`regions_test`) -> alerts,
forecasts, backtests and severity -> charts and report pages.

The names below are imported on first use, so that ``import trends`` (and
every command) loads only the modules it needs: statsmodels, scipy.stats
and altair take seconds to import.
"""

from __future__ import annotations

import sys as _sys
import types as _types
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from trends._lazy import lazy_attributes
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

if _TYPE_CHECKING:
    from trends.aggregate import aggregate
    from trends.alerts import AlertResult, acled_heuristic, alerts, farrington, glrnb
    from trends.decompose import DecompositionResult, decompose_change
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
    from trends.loading import LoadedPanel, load_panel
    from trends.models import CountFit, CountModel
    from trends.monthly import read_monthly, to_series
    from trends.parallel import by_region
    from trends.regions import Gazetteer
    from trends.report import ReportDefinition, build_report
    from trends.resurgence import (
        Assessment,
        BreakScanResult,
        ITSResult,
        RegionDetectResult,
        RegionTestResult,
        adjust_for_regions,
        assess,
        detect_break,
        its_test,
        regions_detect,
        regions_test,
        sensitivity,
        test_regions,
    )
    from trends.rowlog import RowLog
    from trends.severity import PowerLawResult, fit_power_law

__version__ = "0.1.0"

_LAZY: dict[str, tuple[str, ...]] = {
    "trends.aggregate": ("aggregate",),
    "trends.alerts": ("AlertResult", "acled_heuristic", "alerts", "farrington", "glrnb"),
    "trends.decompose": ("DecompositionResult", "decompose_change"),
    "trends.forecast": (
        "BASELINES", "BacktestResult", "ForecastResult", "auto_backtest_forecaster",
        "auto_forecaster", "count_model_forecaster", "forecast", "rolling_origin",
    ),
    "trends.ingest": ("IncidentSet", "read_incidents"),
    "trends.loading": ("LoadedPanel", "load_panel"),
    "trends.models": ("CountFit", "CountModel"),
    "trends.monthly": ("read_monthly", "to_series"),
    "trends.parallel": ("by_region",),
    "trends.regions": ("Gazetteer",),
    "trends.report": ("ReportDefinition", "build_report"),
    "trends.resurgence": (
        "Assessment", "BreakScanResult", "ITSResult", "RegionDetectResult", "RegionTestResult",
        "adjust_for_regions", "assess", "detect_break", "its_test", "regions_detect",
        "regions_test", "sensitivity", "test_regions",
    ),
    "trends.rowlog": ("RowLog",),
    "trends.severity": ("PowerLawResult", "fit_power_law"),
}  # fmt: skip
_HOME = {name: module for module, names in _LAZY.items() for name in names}


class _Package(_types.ModuleType):
    """The package, whose public functions keep their names when a same-named module loads.

    ``trends.aggregate`` is both a module and the function it defines; importing
    the module must not replace the function on the package, as it would by default.
    """

    def __setattr__(self, name: str, value: _Any) -> None:
        if name in _HOME and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


__getattr__ = lazy_attributes(__name__, _HOME, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


_sys.modules[__name__].__class__ = _Package

__all__ = [
    "BASELINES",
    "AlertResult",
    "Assessment",
    "BacktestResult",
    "BreakScanResult",
    "CountFit",
    "CountModel",
    "DataError",
    "DataQualityWarning",
    "DecompositionResult",
    "ForecastResult",
    "Gazetteer",
    "ITSResult",
    "IncidentSet",
    "InputError",
    "LoadedPanel",
    "ModelWarning",
    "OptionError",
    "PowerLawResult",
    "RegionDetectResult",
    "RegionTestResult",
    "ReportDefinition",
    "RowLog",
    "SchemaError",
    "TrendsError",
    "TrendsWarning",
    "__version__",
    "acled_heuristic",
    "adjust_for_regions",
    "aggregate",
    "alerts",
    "assess",
    "auto_backtest_forecaster",
    "auto_forecaster",
    "build_report",
    "by_region",
    "count_model_forecaster",
    "decompose_change",
    "detect_break",
    "farrington",
    "fit_power_law",
    "forecast",
    "glrnb",
    "its_test",
    "load_panel",
    "read_incidents",
    "read_monthly",
    "regions_detect",
    "regions_test",
    "rolling_origin",
    "sensitivity",
    "test_regions",
    "to_series",
]  # fmt: skip
