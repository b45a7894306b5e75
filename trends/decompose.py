"""Split a change in monthly deaths into incident frequency and deaths per incident.

deaths per month = incidents per month x deaths per incident, so the ratio
of deaths between two periods is exactly the product of a frequency ratio and
a severity ratio; :func:`decompose_change` reports both with intervals and
says which one drove the change. See docs/severity.md.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from trends._options import check_choice
from trends.errors import DataError, ModelWarning, OptionError
from trends.results import ResultView

Measure = Literal["killed_low", "killed_best", "killed_high", "injured"]
MEASURES: tuple[str, ...] = ("killed_low", "killed_best", "killed_high", "injured")


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
        msg = f"{label} period starts after it ends: {start} > {end}"
        raise OptionError(msg)
    wanted = pd.period_range(start, end, freq="M")
    absent = wanted.difference(index)
    if len(absent):
        shown = [str(p) for p in absent[:5]]
        msg = f"{label} period {start} to {end} needs months absent from the data: {shown}"
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


@dataclass(frozen=True)
class DecompositionResult(ResultView):
    """Change in a monthly total split into frequency and severity.

    ``ratio_total = ratio_frequency * ratio_severity`` exactly; the shares are
    each factor's part of ``log(ratio_total)`` (they sum to 1 and can fall
    outside [0, 1] when the factors move in opposite directions).
    """

    measure: str
    region: str | None
    before: tuple[str, str]
    after: tuple[str, str]
    months_before: int
    months_after: int
    incidents_before: float
    incidents_after: float
    total_before: float
    total_after: float
    ratio_total: float
    ratio_total_ci: tuple[float, float]
    ratio_frequency: float
    ratio_frequency_ci: tuple[float, float]
    ratio_severity: float
    ratio_severity_ci: tuple[float, float]
    share_frequency: float
    share_severity: float
    confidence_level: float
    bootstrap_replicates: int
    dropped_replicates: int
    block_months: int
    seed: int
    interpretation: str

    def tidy(self) -> pd.DataFrame:
        """One row per component: total per month, incidents per month, total per incident."""
        noun = _noun(self.measure)
        return pd.DataFrame(
            {
                "component": [f"{noun}_per_month", "incidents_per_month", f"{noun}_per_incident"],
                "before": [
                    self.total_before / self.months_before,
                    self.incidents_before / self.months_before,
                    self.total_before / self.incidents_before,
                ],
                "after": [
                    self.total_after / self.months_after,
                    self.incidents_after / self.months_after,
                    self.total_after / self.incidents_after,
                ],
                "ratio": [self.ratio_total, self.ratio_frequency, self.ratio_severity],
                "ci_low": [c[0] for c in self._cis()],
                "ci_high": [c[1] for c in self._cis()],
                "share_of_log_change": [1.0, self.share_frequency, self.share_severity],
            }
        )

    def _cis(self) -> list[tuple[float, float]]:
        return [self.ratio_total_ci, self.ratio_frequency_ci, self.ratio_severity_ci]

    def plot(self) -> Any:
        """The change as a ratio after/before for the total, the frequency and the severity."""
        from trends.charts.results import estimates_chart

        table = self.tidy().rename(columns={"component": "term", "ratio": "estimate"})
        return estimates_chart(table, label="Ratio after / before (95% CI)",
                               title="More incidents, or deadlier ones?",
                               subtitle=self.interpretation)

    def summary(self) -> str:
        """Plain-text table and the interpretation sentence."""
        where = f" in {self.region}" if self.region else ""
        head = (
            f"Change in {self.measure}{where}: {self.before[0]} to {self.before[1]} "
            f"({self.months_before} months) vs {self.after[0]} to {self.after[1]} "
            f"({self.months_after} months)"
        )
        note = (
            f"{round(100 * self.confidence_level)}% intervals: bootstrap over months "
            f"({self.bootstrap_replicates} replicates, blocks of {self.block_months} months, "
            f"seed {self.seed})."
        )
        table = self.tidy().round(3).to_string(index=False)
        return "\n".join([head, table, note, self.interpretation])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of every field (NaN shares become None)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = [float(v) if isinstance(v, float) else v for v in value]
            elif isinstance(value, float) and math.isnan(value):
                out[key] = None
        return out


def _noun(measure: str) -> str:
    return "injuries" if measure == "injured" else "deaths"


def _interpret(
    measure: str,
    per_month: tuple[float, float],
    ratios: tuple[float, float, float],
    cis: Sequence[tuple[float, float]],
    share_frequency: float,
    level: float,
) -> str:
    noun = _noun(measure)
    total, frequency, severity = ratios
    pct = round(100 * level)
    if math.isclose(total, 1.0, rel_tol=1e-12):
        first = f"{noun.capitalize()} per month were unchanged at {per_month[0]:.1f}"
    else:
        verb = "rose" if total > 1 else "fell"
        first = (
            f"{noun.capitalize()} per month {verb} from {per_month[0]:.1f} to {per_month[1]:.1f}"
        )
    chance = "; the interval includes 1, so the change may be chance"
    if not cis[0][0] <= 1 <= cis[0][1]:
        chance = ""
    parts = [
        f"{first} (x{total:.2f}, {pct}% CI {cis[0][0]:.2f} to {cis[0][1]:.2f}{chance}).",
        f"Incidents per month changed x{frequency:.2f} ({cis[1][0]:.2f} to {cis[1][1]:.2f}) and "
        f"{noun} per incident x{severity:.2f} ({cis[2][0]:.2f} to {cis[2][1]:.2f}).",
    ]
    if math.isnan(share_frequency):
        parts.append("With no net change there is no change to attribute.")
        return " ".join(parts)
    rise = total > 1
    change = "rise" if rise else "fall"
    more_incidents = "more incidents" if rise else "fewer incidents"
    more_severe = f"{'more' if rise else 'fewer'} {noun} per incident"
    if 0 <= share_frequency <= 1:
        if share_frequency > 0.5:
            main, other, share = more_incidents, more_severe, share_frequency
        else:
            main, other, share = more_severe, more_incidents, 1 - share_frequency
        parts.append(
            f"The {change} came mainly from {main} ({100 * share:.0f}% of the change on the log "
            f"scale) rather than {other}."
        )
    else:
        if share_frequency > 1:
            main, against, main_share = more_incidents, f"{noun} per incident", share_frequency
        else:
            main, against, main_share = more_severe, "incident frequency", 1 - share_frequency
        offset = 100 * (main_share - 1) / main_share
        parts.append(
            f"The {change} came from {main}; {against} moved the other way and offset "
            f"{offset:.0f}% of it (on the log scale)."
        )
    return " ".join(parts)


def decompose_change(
    data: pd.DataFrame | tuple[pd.Series, pd.Series],
    *,
    before: tuple[object, object],
    after: tuple[object, object],
    measure: Measure = "killed_best",
    region: str | None = None,
    confidence_level: float = 0.95,
    bootstrap_replicates: int = 2000,
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
    bootstrap_replicates : int
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
    ...     "month": [f"2020-{m:02d}" for m in range(1, 7)],
    ...     "incidents": [10, 10, 10, 20, 20, 20],
    ...     "killed_best": [30, 30, 30, 60, 60, 60],
    ... })
    >>> result = decompose_change(
    ...     panel, before=("2020-01", "2020-03"), after=("2020-04", "2020-06")
    ... )
    >>> round(result.ratio_frequency, 6), round(result.ratio_severity, 6)
    (2.0, 1.0)

    """
    check_choice("measure", measure, MEASURES)
    if not 0 < confidence_level < 1 or bootstrap_replicates < 1 or block_months < 1:
        msg = "confidence_level must be in (0, 1); bootstrap_replicates and block_months >= 1"
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
        boot.append(_block_resample(block, block_months, bootstrap_replicates, rng))
    (m_b, n_b, d_b), (m_a, n_a, d_a) = sums
    ratio_frequency = (n_a / m_a) / (n_b / m_b)
    ratio_severity = (d_a / n_a) / (d_b / n_b)
    ratio_total = ratio_frequency * ratio_severity
    with np.errstate(divide="ignore", invalid="ignore"):
        log_freq = np.log(boot[1][:, 0] / m_a) - np.log(boot[0][:, 0] / m_b)
        log_sev = np.log(boot[1][:, 1] / boot[1][:, 0]) - np.log(boot[0][:, 1] / boot[0][:, 0])
    valid = np.isfinite(log_freq) & np.isfinite(log_sev)
    dropped = int(np.sum(~valid))
    if dropped > 0.01 * bootstrap_replicates:
        warnings.warn(
            f"{dropped} of {bootstrap_replicates} bootstrap replicates had no incidents or no "
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
        bootstrap_replicates=bootstrap_replicates,
        dropped_replicates=dropped,
        block_months=block_months,
        seed=seed,
        interpretation=_interpret(
            measure,
            (d_b / m_b, d_a / m_a),
            (ratio_total, ratio_frequency, ratio_severity),
            cis,
            share,
            confidence_level,
        ),
    )
