"""Every option that takes a fixed set of choices, defined once, and the one check of them.

Each choice is a ``Literal`` type (for annotations) and a tuple of its values
(for checks and for the command line's ``choices=``), the tuple derived from
the type so that the two cannot drift apart. Functions check an option with
:func:`check_choice`; the command line and report definitions take their
choices from the tuples here.

Examples
--------
>>> FAMILIES
('auto', 'poisson', 'quasipoisson', 'negbin', 'zip', 'zinb')
>>> check_choice("direction", "rise", DIRECTIONS)
'rise'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from trends.errors import OptionError

# Count models and tests.
GlmFamily = Literal["poisson", "quasipoisson", "negbin"]
"""Families of the plain count GLM."""
ZeroInflatedFamily = Literal["zip", "zinb"]
"""Zero-inflated families (count model with a logit model of structural zeros)."""
Family = Literal["auto", "poisson", "quasipoisson", "negbin", "zip", "zinb"]
"""Every family a :class:`trends.CountModel` or :func:`trends.its_test` takes."""
ForecastFamily = Literal["auto", "poisson", "quasipoisson", "negbin"]
"""Families of the count-model forecaster and of report pages."""
ScanFamily = Literal["negbin", "poisson"]
"""Families of the break scans (likelihood-ratio tests need a likelihood)."""
Autocorrelation = Literal["none", "lag", "hac"]
Change = Literal["both", "level", "slope"]
"""What changes at a break: level and slope, the level only or the slope only."""
Alternative = Literal["two-sided", "increase"]
Inference = Literal["bootstrap", "model"]
Penalty = Literal["bic"]
CovType = Literal["fisher", "hac"]
Direction = Literal["rise", "fall", "either"]
"""Which change the verdict asks about."""

# Alerts.
AlertMethod = Literal["farrington", "glrnb", "acled"]
Side = Literal["high", "low", "both"]
GlrMethod = Literal["glr", "cusum"]
PowerTransform = Literal["2/3", "1/2", "none"]
Bands = Literal["acled", "symmetric"]
SurgeRule = Literal["acled", "one_sd"]

# Forecasts.
ForecastMethod = Literal["auto", "count_model"]

# Reading and aggregating.
InputFormat = Literal["auto", "native", "ucdp-ged", "acled", "gtd"]
Engine = Literal["auto", "arrow", "python"]
SpanRule = Literal["start", "end", "drop"]
Precision = Literal["day", "week", "month", "year"]
"""Date precisions, finest first."""
CountMeasure = Literal["killed_low", "killed_best", "killed_high", "injured"]
DeathMeasure = Literal["killed_best", "killed_low", "killed_high"]
"""The death counts a severity (power-law) fit takes."""
Measure = Literal["incidents", "killed_low", "killed_best", "killed_high", "injured"]
"""The measures of a monthly panel."""

# Charts.
ChartName = Literal["series", "regions", "heatmap", "forest", "alerts", "forecast", "severity"]
"""The charts of a report page, in page order (``trends chart NAME``)."""
ChartFormat = Literal["png", "svg", "json", "html"]
YScale = Literal["shared", "independent"]

GLM_FAMILIES: tuple[str, ...] = get_args(GlmFamily)
ZERO_INFLATED: tuple[str, ...] = get_args(ZeroInflatedFamily)
FAMILIES: tuple[str, ...] = get_args(Family)
FORECAST_FAMILIES: tuple[str, ...] = get_args(ForecastFamily)
SCAN_FAMILIES: tuple[str, ...] = get_args(ScanFamily)
AUTOCORRELATIONS: tuple[str, ...] = get_args(Autocorrelation)
CHANGES: tuple[str, ...] = get_args(Change)
ALTERNATIVES: tuple[str, ...] = get_args(Alternative)
INFERENCES: tuple[str, ...] = get_args(Inference)
PENALTIES: tuple[str, ...] = get_args(Penalty)
COV_TYPES: tuple[str, ...] = get_args(CovType)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
ALERT_METHODS: tuple[str, ...] = get_args(AlertMethod)
METHOD_NAMES = {"farrington": "Farrington", "glrnb": "NB GLR", "acled": "ACLED-style"}
"""How a page names each alert method."""
SIDES: tuple[str, ...] = get_args(Side)
GLR_METHODS: tuple[str, ...] = get_args(GlrMethod)
POWER_TRANSFORMS: tuple[str, ...] = get_args(PowerTransform)
BANDS: tuple[str, ...] = get_args(Bands)
SURGE_RULES: tuple[str, ...] = get_args(SurgeRule)
FORECAST_METHODS: tuple[str, ...] = get_args(ForecastMethod)
INPUT_FORMATS: tuple[str, ...] = get_args(InputFormat)
ENGINES: tuple[str, ...] = get_args(Engine)
SPAN_RULES: tuple[str, ...] = get_args(SpanRule)
PRECISIONS: tuple[str, ...] = get_args(Precision)
COUNT_MEASURES: tuple[str, ...] = get_args(CountMeasure)
DEATH_MEASURES: tuple[str, ...] = get_args(DeathMeasure)
MEASURES: tuple[str, ...] = get_args(Measure)
CHART_NAMES: tuple[str, ...] = get_args(ChartName)
CHART_FORMATS: tuple[str, ...] = get_args(ChartFormat)
Y_SCALES: tuple[str, ...] = get_args(YScale)


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`OptionError`.

    Examples
    --------
    >>> check_choice("family", "poisson", ("poisson", "negbin"))
    'poisson'
    >>> check_choice("family", "normal", GLM_FAMILIES)
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: family must be one of poisson, quasipoisson, negbin; got 'normal'

    """
    allowed = tuple(choices)
    if value not in allowed:
        msg = f"{name} must be one of {', '.join(allowed)}; got {value!r}"
        raise OptionError(msg)
    return value
