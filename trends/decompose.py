"""Split a change in monthly deaths into incident frequency and deaths per incident.

deaths per month = incidents per month x deaths per incident, so the ratio
of deaths between two periods is exactly the product of a frequency ratio and
a severity ratio; :func:`decompose_change` reports both with intervals and
says which one drove the change. See docs/severity.md.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from trends._deprecate import renamed_keywords
from trends.decompose_result import DecompositionResult, interpret, short_period_notes
from trends.errors import DataError, ModelWarning, OptionError
from trends.options import COUNT_MEASURES, CountMeasure, check_choice

Measure = CountMeasure
MEASURES = COUNT_MEASURES


def _monthly_pair(
    data: pd.DataFrame | tuple[pd.Series, pd.Series], measure: str, region: str | None
) -> tuple[pd.Series, pd.Series]:
    """Incidents and the measure per month, as two aligned series."""
    if isinstance(data, pd.DataFrame):
        missing = [c for c in ("month", "incidents", measure) if c not in data.columns]
        if missing:
            msg = f"the panel lacks columns {missing}; it needs month, incidents and {measure}"
            raise DataError(msg)
        if region is not None:
            data = data[data["region"] == region]
        elif "region" in data.columns and data["region"].nunique() > 1:
            msg = (
                f"the panel holds {data['region'].nunique()} regions; pass region=... "
                "to choose one, or aggregate the panel first"
            )
            raise OptionError(msg)
        index = pd.PeriodIndex(data["month"].astype(str), freq="M")
        if index.has_duplicates:
            msg = "the panel repeats months; pass one row per month for one region"
            raise DataError(msg)
        incidents = pd.Series(data["incidents"].to_numpy(), index=index, name="incidents")
        total = pd.Series(data[measure].to_numpy(), index=index, name=measure)
    else:
        incidents, total = data
    for series in (incidents, total):
        if not isinstance(series.index, pd.PeriodIndex):
            msg = "incidents and deaths must be Series indexed by a monthly PeriodIndex"
            raise DataError(msg)
        if series.isna().any():
            msg = f"{series.name!r} has missing months or values; fill them before decomposing"
            raise DataError(msg)
    return incidents.astype(float), total.astype(float)


def _period(
    bounds: tuple[object, object], label: str, index: pd.PeriodIndex
) -> tuple[pd.Period, pd.Period]:
    start, end = (pd.Period(str(b), freq="M") for b in bounds)
    if start > end:
        msg = f"{label} period would run from {start} back to {end}: it must start before it ends"
        raise OptionError(msg)
    wanted = pd.period_range(start, end, freq="M")
    absent = wanted.difference(index)
    if len(absent):
        shown = ", ".join(str(p) for p in absent[:5]) + (", ..." if len(absent) > 5 else "")
        msg = (f"{label} period {start} to {end} needs months the data do not have "
               f"({index.min()} to {index.max()}): {shown}")
        raise DataError(msg)
    return start, end


def _block_resample(
    values: np.ndarray, block_months: int, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """Column sums of circular block-bootstrap resamples of the rows of ``values``."""
    months = values.shape[0]
    n_blocks = -(-months // block_months)
    starts = rng.integers(0, months, size=(replicates, n_blocks))
    rows = (starts[:, :, np.newaxis] + np.arange(block_months)).reshape(replicates, -1)[:, :months]
    return values[rows % months].sum(axis=1)


@renamed_keywords(bootstrap_replicates="bootstrap")
def decompose_change(
    data: pd.DataFrame | tuple[pd.Series, pd.Series],
    *,
    before: tuple[object, object],
    after: tuple[object, object],
    measure: Measure = "killed_best",
    region: str | None = None,
    confidence_level: float = 0.95,
    bootstrap: int = 2000,
    block_months: int = 3,
    seed: int = 0,
) -> DecompositionResult:
    """Split the change in monthly deaths between two periods into frequency and severity.

    With ``N`` incidents and ``D`` deaths in ``m`` months, deaths per month
    ``D/m = (N/m) * (D/N)``, so between the periods ``before`` (b) and
    ``after`` (a)::

        ratio_total = ratio_frequency * ratio_severity
        (D_a/m_a)/(D_b/m_b) = ((N_a/m_a)/(N_b/m_b)) * ((D_a/N_a)/(D_b/N_b))

    exactly, and each factor's share of the change is its part of
    ``log(ratio_total)``. Intervals are percentile intervals from resampling
    months within each period (circular blocks of ``block_months``; 1 treats
    months as independent, which makes intervals too narrow when months are
    autocorrelated). Each replicate keeps a month's incidents and deaths
    together, so the identity holds in every replicate.

    Parameters
    ----------
    data : DataFrame or (Series, Series)
        A monthly panel with columns month, incidents and ``measure`` (and
        optionally region), or a pair (incidents, deaths) of monthly series.
    before, after : (start, end)
        Inclusive months, e.g. ``("2016-01", "2016-12")``.
    measure : {"killed_low", "killed_best", "killed_high", "injured"}
        Column of the panel to decompose.
    region : str, optional
        Region to take from a panel holding several.
    confidence_level : float
        Level of the intervals.
    bootstrap : int
        Resamples of months.
    block_months : int
        Length of the resampled blocks of consecutive months.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    DecompositionResult

    Examples
    --------
    >>> panel = pd.DataFrame({
    ...     "month": [f"2020-{m:02d}" for m in range(1, 13)],
    ...     "incidents": [10] * 6 + [20] * 6,
    ...     "killed_best": [30] * 6 + [60] * 6,
    ... })
    >>> result = decompose_change(
    ...     panel, before=("2020-01", "2020-06"), after=("2020-07", "2020-12")
    ... )
    >>> round(result.ratio_frequency, 6), round(result.ratio_severity, 6)
    (2.0, 1.0)

    """
    check_choice("measure", measure, MEASURES)
    if not 0 < confidence_level < 1 or bootstrap < 1 or block_months < 1:
        msg = "confidence_level must be in (0, 1); bootstrap and block_months >= 1"
        raise OptionError(msg)
    incidents, total = _monthly_pair(data, measure, region)
    index = pd.PeriodIndex(incidents.index.intersection(total.index))
    periods = [_period(before, "before", index), _period(after, "after", index)]
    if periods[0][1] >= periods[1][0] and periods[1][1] >= periods[0][0]:
        msg = f"the before and after periods overlap: {periods[0]} and {periods[1]}"
        raise OptionError(msg)
    rng = np.random.default_rng(seed)
    sums, boot = [], []
    for (start, end), label in zip(periods, ("before", "after"), strict=True):
        months = pd.period_range(start, end, freq="M")
        block = np.column_stack([incidents.loc[months], total.loc[months]])
        n_inc, n_tot = block.sum(axis=0)
        if n_inc <= 0 or n_tot <= 0:
            msg = (
                f"the {label} period ({start} to {end}) has {n_inc:.0f} incidents and {n_tot:.0f} "
                f"{measure}; both must be positive to compare on the log scale"
            )
            raise DataError(msg)
        sums.append((len(months), n_inc, n_tot))
        boot.append(_block_resample(block, block_months, bootstrap, rng))
    (m_b, n_b, d_b), (m_a, n_a, d_a) = sums
    for note in short_period_notes(m_b, m_a, block_months):
        warnings.warn(note, ModelWarning, stacklevel=2)
    ratio_frequency = (n_a / m_a) / (n_b / m_b)
    ratio_severity = (d_a / n_a) / (d_b / n_b)
    ratio_total = ratio_frequency * ratio_severity
    with np.errstate(divide="ignore", invalid="ignore"):
        log_freq = np.log(boot[1][:, 0] / m_a) - np.log(boot[0][:, 0] / m_b)
        log_sev = np.log(boot[1][:, 1] / boot[1][:, 0]) - np.log(boot[0][:, 1] / boot[0][:, 0])
    valid = np.isfinite(log_freq) & np.isfinite(log_sev)
    dropped = int(np.sum(~valid))
    if dropped > 0.01 * bootstrap:
        warnings.warn(
            f"{dropped} of {bootstrap} bootstrap replicates had no incidents or no "
            f"{measure} in a period and were dropped; the intervals are unreliable",
            ModelWarning,
            stacklevel=2,
        )
    probabilities = [(1 - confidence_level) / 2, (1 + confidence_level) / 2]
    cis: list[tuple[float, float]] = []
    for draws in (log_freq + log_sev, log_freq, log_sev):
        low, high = np.exp(np.quantile(draws[valid], probabilities))
        cis.append((float(low), float(high)))
    log_total = math.log(ratio_total)
    share = math.nan if abs(log_total) < 1e-12 else math.log(ratio_frequency) / log_total
    return DecompositionResult(
        measure=measure,
        region=region,
        before=(str(periods[0][0]), str(periods[0][1])),
        after=(str(periods[1][0]), str(periods[1][1])),
        months_before=int(m_b),
        months_after=int(m_a),
        incidents_before=float(n_b),
        incidents_after=float(n_a),
        total_before=float(d_b),
        total_after=float(d_a),
        ratio_total=float(ratio_total),
        ratio_total_ci=cis[0],
        ratio_frequency=float(ratio_frequency),
        ratio_frequency_ci=cis[1],
        ratio_severity=float(ratio_severity),
        ratio_severity_ci=cis[2],
        share_frequency=share,
        share_severity=1 - share,
        confidence_level=confidence_level,
        bootstrap_replicates=bootstrap,
        dropped_replicates=dropped,
        block_months=block_months,
        seed=seed,
        interpretation=interpret(
            measure,
            (d_b / m_b, d_a / m_a),
            (ratio_total, ratio_frequency, ratio_severity),
            cis,
            share,
            confidence_level,
        ),
    )
