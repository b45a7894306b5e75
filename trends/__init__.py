"""trends: statistical trend analysis of conflict-incident casualty data."""

from trends.aggregate import aggregate
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
from trends.ingest import IncidentSet, read_incidents
from trends.regions import Gazetteer
from trends.rowlog import RowLog

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "DataQualityWarning",
    "Gazetteer",
    "IncidentSet",
    "InputError",
    "ModelWarning",
    "OptionError",
    "RowLog",
    "SchemaError",
    "TrendsError",
    "TrendsWarning",
    "__version__",
    "aggregate",
    "read_incidents",
]
