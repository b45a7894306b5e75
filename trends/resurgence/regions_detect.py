"""A break at an unknown month, region by region: each region's scan, adjusted for their number.

Every region gets :func:`trends.resurgence.scan.detect_break` with its own
bootstrap seed (the user's seed plus the region's position, as in
:func:`trends.resurgence.regions.regions_test`), on local processes or a
Dask cluster (:func:`trends.parallel.map_regions`); the p-values are then
Holm and Benjamini-Hochberg adjusted across the regions that could be
scanned. A region that cannot be scanned (too short, all zeros) keeps a row
that says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.errors import DataError
from trends.minimums import MIN_SEGMENT_MONTHS
from trends.parallel import map_regions, region_seed, region_series, require_some
from trends.results import ResultView, regions_text, smallest_p
from trends.resurgence.multiplicity import adjust_table, replicates_note, warn_replicates
from trends.resurgence.scan import detect_break

_NUMBERS = ("level_ratio", "statistic", "p_value")


@dataclass(frozen=True)
class RegionDetectResult(ResultView):
    """Result of :func:`regions_detect`: one row per region."""

    table: pd.DataFrame
    inference: str = "bootstrap"
    bootstrap: int = 999
    seed: int = 0

    def tidy(self) -> pd.DataFrame:
        """One row per region: the break month, its confidence set and the adjusted p-values."""
        return self.table.copy()

    def summary(self) -> str:
        """The regions' breaks in a table, the adjustment, and why a region was not scanned."""
        shown = self.table.assign(
            confidence_set=[_span(months) for months in self.table["confidence_set"]])
        cols = ["region", "break_month", "confidence_set", "level_ratio", "p_value",
                "p_value_holm", "p_value_bh"]
        scanned = shown[shown["note"] == ""]
        noise = ("latent AR(1) noise estimated in each region" if self.inference == "bootstrap"
                 else "independent counts from each region's no-break model")
        tested = int(scanned["p_value"].notna().sum())
        across = (f"the {len(scanned)} regions scanned" if tested == len(scanned)
                  else f"the {tested} of the {len(scanned)} regions scanned that have a p-value")
        lines = [
            f"Break at an unknown month, by region (sup-LR scan; Holm and BH adjusted across "
            f"{across})",
            f"Inference: parametric bootstrap, {noise}, {self.bootstrap} replicates "
            f"(seed {self.seed} + region number; {smallest_p(self.bootstrap)})",
            "p_value tests whether there is any break; break_month is the most likely month, "
            "confidence_set the months within the 95% likelihood-ratio distance of it, and "
            "level_ratio the level in the break month over the trend before it, carried on "
            "(one unusual month at the break can make it large)",
            regions_text(shown[cols]),
        ]
        untested = shown[shown["note"] != ""]
        lines += [f"{row.region}: not scanned ({row.note})" for row in untested.itertuples()]
        lines += [f"{region}: level ratio not estimated ({why})"
                  for region, why in zip(shown["region"], shown["level_note"], strict=True) if why]
        lines += [f"{region}: no p-value ({why})"
                  for region, why in zip(shown["region"], shown["p_value_note"], strict=True)
                  if why]
        note = replicates_note(self.bootstrap, tested)
        lines += [note] if note else []
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary: the settings and one entry per region."""
        rows = []
        for row in self.table.to_dict(orient="records"):
            entry: dict[str, Any] = {"region": str(row["region"]),
                                     "n_months": int(row["n_months"]),
                                     "break_month": row["break_month"] or None,
                                     "confidence_set": list(row["confidence_set"])}
            for name in (*_NUMBERS, "p_value_holm", "p_value_bh"):
                entry[name] = finite_or_none(row[name])
            entry["level_ratio_note"] = row["level_note"]
            entry["p_value_note"] = row["p_value_note"]
            entry["note"] = row["note"]
            rows.append(entry)
        return {"test": "detect_regions", "inference": self.inference,
                "bootstrap": self.bootstrap, "seed": self.seed, "regions": rows}

    def plot(self) -> Any:
        """Each scanned region's break month and the span of its confidence set."""
        import altair as alt

        scanned = self.table[self.table["note"] == ""]
        data = pd.DataFrame({
            "region": scanned["region"],
            "break": [pd.Period(m, freq="M").to_timestamp() for m in scanned["break_month"]],
            "first": [pd.Period(s[0], freq="M").to_timestamp() for s in scanned["confidence_set"]],
            "last": [pd.Period(s[-1], freq="M").to_timestamp() for s in scanned["confidence_set"]],
            "adjusted p": scanned["p_value_holm"],
            "break found": np.where(scanned["p_value_holm"] < 0.05, "yes (Holm p < 0.05)", "no"),
        })
        base = alt.Chart(data).encode(y=alt.Y("region:N", sort=None, title=None))
        span = base.mark_rule(strokeWidth=2, opacity=0.5).encode(
            x=alt.X("first:T", title="estimated break month (bar: 95% confidence set)"),
            x2="last:T")
        point = base.mark_point(filled=True, size=60).encode(
            x="break:T", color=alt.Color("break found:N", title="break"),
            tooltip=["region", alt.Tooltip("break:T", format="%Y-%m"), "adjusted p"])
        return (span + point).properties(title="Estimated break month, by region")


def _span(months: tuple[str, ...]) -> str:
    """A confidence set as text: "2019-03..2019-07 (5 months)"; gaps say so."""
    if not months:
        return ""
    text = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    first, last = pd.Period(months[0], freq="M"), pd.Period(months[-1], freq="M")
    whole = (last - first).n + 1
    count = f"{len(months)} month" + ("s" if len(months) > 1 else "")
    return f"{text} ({len(months)} of {whole} months)" if whole != len(months) else \
        f"{text} ({count})"


def _detect_row(job: tuple[str, pd.Series, int, dict[str, Any]]) -> dict[str, Any]:
    """One region's scan as a table row (a note instead when it cannot be scanned)."""
    region, y, seed, options = job
    try:
        res = detect_break(y, seed=seed, **options)
    except DataError as err:
        return {"region": region, "n_months": len(y), "break_month": "",
                "confidence_set": (), **dict.fromkeys(_NUMBERS, np.nan), "level_note": "",
                "p_value_note": "", "note": str(err)}
    return {"region": region, "n_months": res.n_months, "break_month": res.break_month,
            "confidence_set": tuple(res.confidence_set), "level_ratio": res.level_ratio,
            "statistic": res.statistic, "p_value": res.p_value, "level_note": res.level_note,
            "p_value_note": res.p_value_note, "note": ""}


def regions_detect(
    panel: Mapping[str, pd.Series] | pd.DataFrame,
    *,
    measure: str | None = None,
    min_segment_months: int = MIN_SEGMENT_MONTHS,
    bootstrap: int = 999,
    seed: int = 0,
    family: str = "negbin",
    harmonics: int = 2,
    inference: str = "bootstrap",
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> RegionDetectResult:
    """Scan every region for a break at an unknown month; adjust the p-values for their number.

    Parameters
    ----------
    panel : dict of Series or DataFrame
        ``{region: monthly series}``, a wide frame (one column per region) or a
        long frame with ``region``, ``month`` and the ``measure`` column.
    measure : str, optional
        Count column of a long frame.
    min_segment_months, bootstrap, family, harmonics, inference
        As in :func:`trends.resurgence.scan.detect_break`, in every region.
    seed : int
        Region ``i`` (0-based, in panel order) uses seed ``seed + i``.
    workers, scheduler, client
        Where the regions run (:func:`trends.parallel.map_regions`): local
        processes (default one per core) or a Dask cluster. The results do not
        depend on it.

    A region that cannot be scanned keeps a row with a note saying why; when
    no region can be, :class:`~trends.errors.DataError` names the first one's reason.

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rng = np.random.default_rng(4)
    >>> jump = np.where(np.arange(48) >= 30, 30.0, 10.0)
    >>> panel = {"a": pd.Series(rng.poisson(jump), index=idx),
    ...          "b": pd.Series(np.zeros(48, dtype=int), index=idx)}
    >>> res = regions_detect(panel, family="poisson", bootstrap=99, workers=1)
    >>> res.table[["region", "break_month"]].to_dict("records")
    [{'region': 'a', 'break_month': '2018-07'}, {'region': 'b', 'break_month': ''}]

    """
    series = region_series(panel, measure)
    if not series:
        msg = "regions_detect: the panel has no regions"
        raise DataError(msg)
    options = {"min_segment_months": min_segment_months, "bootstrap": bootstrap,
               "family": family, "harmonics": harmonics, "inference": inference}
    jobs = [(region, y, region_seed(seed, number), options)
            for number, (region, y) in enumerate(series.items())]
    table = pd.DataFrame(map_regions(_detect_row, jobs, workers=workers, scheduler=scheduler,
                                     client=client))
    require_some(list(zip(table["region"], table["note"], strict=True)), "scanned")
    scanned = adjust_table(table)  # bootstrap=0 scans without a p-value
    warn_replicates(bootstrap, int(scanned.sum()))
    return RegionDetectResult(table, inference=inference, bootstrap=bootstrap, seed=seed)
