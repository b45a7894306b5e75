"""The charts of a report page, built from its findings."""

from __future__ import annotations

import warnings

import altair as alt
import numpy as np
import pandas as pd

from trends import charts
from trends.errors import ModelWarning
from trends.measures import measure_label
from trends.models import CountModel
from trends.models.countmodel import Z975
from trends.report.analysis import Findings
from trends.report.headlines import month_name


def fitted_frame(f: Findings) -> pd.DataFrame:
    """Observed, fitted mean with its 95% band and, after the break, the counterfactual."""
    if f.its is not None:
        fit = f.its.fit
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            fit = CountModel(family=f.settings.family).fit(f.total)
    X = fit.design.to_numpy()
    eta = X @ fit.glm.beta + fit.offset
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.glm.cov, X))
    frame = pd.DataFrame(
        {
            "month": fit.months.astype(str),
            "observed": fit.y,
            "fitted": np.exp(eta),
            "fitted_low": np.exp(eta - Z975 * se),
            "fitted_high": np.exp(eta + Z975 * se),
        }
    )
    if f.its is not None:
        cf = f.its.counterfactual.reset_index()
        cf["month"] = cf["month"].astype(str)
        frame = frame.merge(
            cf[["month", "counterfactual", "counterfactual_low", "counterfactual_high"]],
            on="month",
            how="left",
        )
    return frame


def build_figures(
    f: Findings, scope: str, incidents: pd.DataFrame | None
) -> dict[str, alt.TopLevelMixin]:
    """Every chart the page shows, by file name."""
    label = measure_label(f.measure)
    out: dict[str, alt.TopLevelMixin] = {}
    subtitle = f"{scope}, to {month_name(f.month)}"
    if f.its is not None:
        title = (
            f"{label}: fitted trend and the counterfactual after {month_name(f.its.break_month)}"
        )
    else:
        title = f"{label}: observed and fitted trend"
    out["series"] = charts.series_chart(
        fitted_frame(f),
        break_month=f.its.break_month if f.its else None,
        measure_label=label,
        title=title,
        subtitle=subtitle,
    )
    regions = f.panel[f.panel["region"].isin(_regions_with_data(f))]
    if regions["region"].nunique() > 1:
        out["regions"] = charts.small_multiples(
            regions,
            measure=f.measure,
            measure_label=label,
            title=f"{label} by region",
            subtitle=subtitle,
        )
        out["heatmap"] = charts.heatmap(
            regions,
            measure=f.measure,
            measure_label=label,
            title=f"{label}: region by month",
            subtitle=subtitle,
        )
    if f.regions is not None:
        out["forest"] = charts.forest_plot(
            _forest_table(f),
            title=f"Change in level after {month_name(f.regions.break_month)}, by region",
            subtitle="Rate ratio of the level change with its 95% interval; 1 = no change",
        )
    if f.alert_history is not None:
        columns = ["month", "observed", "expected", "upper_bound", "alarm"]
        history = f.alert_history.tidy()[columns].tail(36)
        history = history.assign(month=history["month"].astype(str))
        out["alerts"] = charts.alert_chart(
            history,
            title=f"{label} against the alert threshold",
            measure_label=label,
            subtitle=f"{scope}; method: {f.alert_history.method}; alarms high or low, "
            "the line is the upper threshold",
        )
    if f.forecast is not None:
        recent = f.total.iloc[-36:]
        history = pd.DataFrame({"month": recent.index.astype(str), "observed": recent.to_numpy()})
        out["forecast"] = charts.forecast_fan(
            history,
            f.forecast.tidy(),
            measure_label=label,
            title=f"{label}: forecast with 50/80/95% intervals",
            subtitle=subtitle,
        )
    if f.tail is not None and incidents is not None:
        now = incidents[incidents["month"] <= f.month]
        deaths = f.measure if f.measure.startswith("killed") else "killed_best"
        out["severity"] = charts.severity_chart(
            now[deaths].dropna().astype(int),
            alpha=f.tail.alpha,
            xmin=f.tail.xmin,
            title="Deaths per incident: the heavy tail",
        )
    return out


def _regions_with_data(f: Findings) -> list[str]:
    totals = f.panel.groupby("region", sort=False)[f.measure].sum()
    return [str(r) for r, v in totals.items() if v > 0]


def _forest_table(f: Findings) -> pd.DataFrame:
    assert f.regions is not None
    table = f.regions.table
    frame = pd.DataFrame(
        {
            "region": table["region"],
            "ratio": table["level_ratio"],
            "ci_low": table["ci_low"],
            "ci_high": table["ci_high"],
            "p_value_adjusted": table["p_value_holm"],
        }
    )
    pooled = f.regions.pooled
    if pooled.get("common_level_ratio") is not None and pooled.get("common_level_ratio_ci"):
        low, high = pooled["common_level_ratio_ci"]
        frame.loc[len(frame)] = [
            charts.POOLED_LABEL,
            pooled["common_level_ratio"],
            low,
            high,
            np.nan,
        ]
    return frame.reset_index(drop=True)
