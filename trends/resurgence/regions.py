"""Many regions at one break month: per-region tests, multiplicity, pooled model, sensitivity.

Pooled model ("countrywide or regional?", :mod:`trends.resurgence.pooled`):
the regions' series are stacked; every region keeps its own intercept, trend
and seasonal terms, and NB2 has one theta shared by all regions; a common
change and heterogeneity of the change are tested by likelihood ratios.

The per-region tests use ``its_test``'s inference (the latent-AR(1) bootstrap
by default, each region with its own seed ``seed + i``) and run over local
processes or a Dask cluster (:func:`trends.parallel.map_regions`), with the
same results as one region after another; the pooled model's
p-values and interval are always model-based (chi-square / Wald, months and
regions assumed independent) and labelled so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.errors import DataError, InputError
from trends.models.countmodel import FamilyChoice
from trends.models.design import ChangeChoice
from trends.parallel import map_regions, region_seed, region_series, require_some
from trends.results import ResultView, regions_text, smallest_p
from trends.resurgence.known import Alternative, AutocorrelationChoice, Inference, its_test
from trends.resurgence.multiplicity import adjust_table, replicates_note, warn_replicates
from trends.resurgence.pooled import pooled_model


@dataclass(frozen=True)
class RegionTestResult(ResultView):
    """Result of :func:`regions_test`."""

    break_month: str
    table: pd.DataFrame
    pooled: dict[str, Any] = field(repr=False)
    inference: str = "bootstrap"
    bootstrap: int = 999
    seed: int = 0
    change: str = "both"

    def tidy(self) -> pd.DataFrame:
        """One row per region with raw, Holm and Benjamini-Hochberg p-values."""
        return self.table.copy()

    def plot(self) -> Any:
        """Each region's level ratio with its 95% interval (and the pooled one), on a log axis."""
        from trends.charts import POOLED_LABEL, forest_plot

        table = pd.DataFrame({
            "region": self.table["region"], "ratio": self.table["level_ratio"],
            "ci_low": self.table["ci_low"], "ci_high": self.table["ci_high"],
            "p_value_adjusted": self.table["p_value_holm"],
        })
        low_high = self.pooled.get("common_level_ratio_ci")
        if low_high:
            table.loc[len(table)] = [POOLED_LABEL, self.pooled["common_level_ratio"],
                                     low_high[0], low_high[1], np.nan]
        return forest_plot(table, title=f"Level change at {self.break_month}, by region",
                                  subtitle="Holm-adjusted p-values in the tooltips")

    def summary(self) -> str:
        """Readable report: the per-region table and the pooled answer."""
        cols = [
            "region",
            "family",
            "level_ratio",
            "ci_low",
            "ci_high",
            "slope_ratio_per_year",
            "p_value",
            "p_value_holm",
            "p_value_bh",
        ]
        tested = {"both": "a change in level or in trend (jointly, 2 degrees of freedom)",
                  "level": "a change in level", "slope": "a change in trend"}[self.change]
        pooled = self.pooled
        lines = [
            f"Break at {self.break_month}: per-region tests (Holm and BH adjusted)",
            "Inference: "
            + (
                "parametric bootstrap with latent AR(1) noise, "
                f"{self.bootstrap} replicates (seed {self.seed} + region number; "
                f"{smallest_p(self.bootstrap)})"
                if self.inference == "bootstrap"
                else "model-based (chi-square/F p-values; assumes independent months)"
            ),
            f"p_value tests {tested}"
            + (": a level interval that excludes 1 with a large p-value, or the reverse, "
               "is no contradiction" if self.change == "both" else ""),
            "Each region's months before the break, trend carried on; trends assess --by region "
            "(and a report's table by region) compares with the stable months before it "
            "instead, so its level ratios can differ",
            regions_text(self.table[cols]),
        ]
        untested = self.table[self.table["p_value"].isna() & (self.table["note"].fillna("") != "")]
        lines += [f"{row.region}: not tested ({row.note})" for row in untested.itertuples()]
        if self.inference == "bootstrap":
            note = replicates_note(self.bootstrap, int(self.table["p_value"].notna().sum()))
            lines += [note] if note else []
        if pooled:
            lines += [
                "",
                f"Pooled, model-based ({pooled['family']}, region-specific trend and "
                "seasonality; chi-square, assumes independent months): common "
                f"level ratio {pooled['common_level_ratio']:.3f} (95% CI "
                f"{pooled['common_level_ratio_ci'][0]:.3f} to "
                f"{pooled['common_level_ratio_ci'][1]:.3f}); common change p = "
                f"{pooled['common_p_value']:.3g}; heterogeneity p = "
                f"{pooled['heterogeneity_p_value']:.3g}",
                pooled["interpretation"],
            ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary."""
        rows = []
        for row in self.table.to_dict(orient="records"):
            rows.append(
                {
                    "region": str(row["region"]),
                    # a region that was not tested has no family (NaN in the table)
                    "family": row["family"] if isinstance(row["family"], str) else None,
                    "n_months": _int(row["n_months"]),
                    "level_ratio": finite_or_none(row["level_ratio"]),
                    "level_ratio_ci": [
                        finite_or_none(row["ci_low"]),
                        finite_or_none(row["ci_high"]),
                    ],
                    "slope_ratio_per_year": finite_or_none(row["slope_ratio_per_year"]),
                    "slope_ratio_per_year_ci": [
                        finite_or_none(row["slope_ci_low"]),
                        finite_or_none(row["slope_ci_high"]),
                    ],
                    "lr_statistic": finite_or_none(row["lr_statistic"]),
                    "p_value": finite_or_none(row["p_value"]),
                    "p_value_holm": finite_or_none(row["p_value_holm"]),
                    "p_value_bh": finite_or_none(row["p_value_bh"]),
                    "note": row["note"] if isinstance(row["note"], str) else "",
                }
            )
        pooled = {
            k: (
                [finite_or_none(x) for x in v]
                if isinstance(v, tuple | list)
                else (v if isinstance(v, str | int) else finite_or_none(v))
            )
            for k, v in self.pooled.items()
        }
        return {
            "test": "regions",
            "break_month": self.break_month,
            "inference": self.inference,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "regions": rows,
            "pooled": pooled,
        }


def _int(value: object) -> int | None:
    number = float(value)  # type: ignore[arg-type]
    return int(number) if math.isfinite(number) else None


def _region_row(job: tuple[str, pd.Series, str, int, dict[str, Any]]) -> dict[str, Any]:
    """One region's known-break test as a table row (a note instead when it cannot be tested)."""
    region, y, break_month, seed, tests = job
    try:
        res = its_test(y, break_month, seed=seed, **tests)
    except DataError as err:
        return {"region": region, "family": None, "n_months": len(y), "note": str(err)}
    return {
        "region": region,
        "family": res.family,
        "n_months": res.n_months,
        "level_ratio": res.level_ratio,
        "ci_low": res.level_ratio_ci[0],
        "ci_high": res.level_ratio_ci[1],
        "slope_ratio_per_year": res.slope_ratio_per_year,
        "slope_ci_low": res.slope_ratio_per_year_ci[0],
        "slope_ci_high": res.slope_ratio_per_year_ci[1],
        "lr_statistic": res.lr_statistic,
        "p_value": res.p_value,
        "note": "",
    }


def regions_test(
    panel: Mapping[str, pd.Series] | pd.DataFrame,
    break_month: str,
    *,
    family: FamilyChoice = "negbin",
    alternative: Alternative = "two-sided",
    harmonics: int = 2,
    trend: bool = True,
    autocorrelation: AutocorrelationChoice = "none",
    measure: str | None = None,
    pooled: bool = True,
    inference: Inference = "bootstrap",
    bootstrap: int = 999,
    seed: int = 0,
    change: ChangeChoice = "both",
    max_before_months: int | None = 60,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> RegionTestResult:
    """Run :func:`its_test` in every region, adjust for multiplicity and fit a pooled model.

    Parameters
    ----------
    panel : dict of Series or DataFrame
        ``{region: monthly series}``, a wide frame (one column per region,
        monthly ``PeriodIndex``) or a long frame with ``region``, ``month`` and
        the ``measure`` column.
    break_month : str
        Break month "YYYY-MM".
    family, alternative, harmonics, trend, autocorrelation
        As in :func:`its_test`; the pooled model uses NB2 for "auto"/"negbin".
    measure : str, optional
        Count column of a long frame.
    pooled : bool
        Also fit the pooled common-versus-regional model (model-based inference).
    inference, bootstrap : str, int
        As in :func:`its_test`, for the per-region tests.
    seed : int
        Region ``i`` (0-based, in panel order) uses seed ``seed + i``
        (:func:`trends.parallel.region_seed`).
    change : {"both", "level", "slope"}
        What the break may change (as in :func:`its_test`), in every region and
        in the pooled model.
    max_before_months : int or None
        Months before the break each region's test uses (as in :func:`its_test`).
    workers, scheduler, client
        Where the regions' tests run (:func:`trends.parallel.map_regions`):
        local processes (default: one per core), or a Dask cluster by
        scheduler address or client. The results do not depend on it.

    A region that cannot be tested keeps a row with a note saying why; when
    no region can be, :class:`~trends.errors.DataError` names the first one's reason.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rng = np.random.default_rng(4)
    >>> panel = {r: pd.Series(rng.poisson(10, 48), index=idx) for r in ("a", "b")}
    >>> res = regions_test(panel, "2018-01", family="poisson", bootstrap=99)
    >>> list(res.table["region"])
    ['a', 'b']

    """
    series = region_series(panel, measure)
    if not series:
        msg = "regions_test: the panel has no regions"
        raise DataError(msg)
    tests = dict(family=family, alternative=alternative, harmonics=harmonics, trend=trend,
                 autocorrelation=autocorrelation, inference=inference, bootstrap=bootstrap,
                 draws=200, change=change, max_before_months=max_before_months)
    jobs = [(region, y, break_month, region_seed(seed, number), tests)
            for number, (region, y) in enumerate(series.items())]
    rows = map_regions(_region_row, jobs, workers=workers, scheduler=scheduler, client=client)
    table = pd.DataFrame(rows)
    require_some(list(zip(table["region"], table["note"], strict=True)), "tested")
    for col in (
        "level_ratio",
        "ci_low",
        "ci_high",
        "slope_ratio_per_year",
        "slope_ci_low",
        "slope_ci_high",
        "lr_statistic",
        "p_value",
    ):
        if col not in table:
            table[col] = np.nan
    ok = adjust_table(table)
    if inference == "bootstrap":
        warn_replicates(bootstrap, int(ok.sum()))
    usable = {r: series[r] for r, good in zip(table["region"], ok, strict=True) if good}
    pooled_result: dict[str, Any] = {}
    if pooled and len(usable) >= 2:
        # the pooled model has no zero-inflated variant: its count part's family stands in
        pooled_family = {"auto": "negbin", "zinb": "negbin", "zip": "poisson"}.get(family, family)
        pooled_result = pooled_model(usable, break_month, pooled_family, harmonics, trend, change)
    return RegionTestResult(
        str(pd.Period(break_month, freq="M")),
        table,
        pooled_result,
        inference=inference,
        bootstrap=bootstrap if inference == "bootstrap" else 0,
        seed=seed,
        change=change,
    )


def sensitivity(
    frame: pd.DataFrame,
    break_month: str,
    measures: Sequence[str] = ("killed_low", "killed_best", "killed_high"),
    **options: Any,
) -> pd.DataFrame:
    """Run :func:`its_test` on several measures of one series and tabulate them side by side.

    Parameters
    ----------
    frame : pandas.DataFrame
        Monthly table with a ``month`` column (or a monthly ``PeriodIndex``)
        and one column per measure.
    break_month : str
        Break month "YYYY-MM".
    measures : sequence of str
        Columns to test.
    **options
        Passed to :func:`its_test` (family, alternative, ...).

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rng = np.random.default_rng(5)
    >>> frame = pd.DataFrame({"low": rng.poisson(8, 48), "high": rng.poisson(12, 48)}, index=idx)
    >>> table = sensitivity(frame, "2018-01", ("low", "high"), family="poisson", bootstrap=99)
    >>> list(table["measure"])
    ['low', 'high']

    """
    if "month" in frame.columns:
        frame = frame.set_index(pd.PeriodIndex(frame["month"].astype(str), freq="M"))
    rows: list[dict[str, Any]] = []
    for measure in measures:
        if measure not in frame.columns:
            msg = f"sensitivity: column {measure!r} not found; columns are {list(frame.columns)}"
            raise InputError(msg)
        res = its_test(frame[measure].rename(measure), break_month, **options)
        rows.append(
            {
                "measure": measure,
                "family": res.family,
                "level_ratio": res.level_ratio,
                "level_ci_low": res.level_ratio_ci[0],
                "level_ci_high": res.level_ratio_ci[1],
                "slope_ratio_per_year": res.slope_ratio_per_year,
                "slope_ci_low": res.slope_ratio_per_year_ci[0],
                "slope_ci_high": res.slope_ratio_per_year_ci[1],
                "lr_statistic": res.lr_statistic,
                "p_value": res.p_value,
                "excess_total": res.excess_total,
            }
        )
    return pd.DataFrame(rows)
