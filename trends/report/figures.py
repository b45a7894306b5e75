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
    """Observed and fitted counts and, from the break month, the counterfactual with its band.

    With a verdict, the months are those its test compared and the counterfactual is the
    trend before the break carried on, as in the headline; otherwise a plain trend model.
    """
    test = f.verdict.test if f.verdict is not None else None
    if test is not None:
        cf = test.counterfactual.reset_index()
        after = cf["month"] >= test.break_month
        return pd.DataFrame({
            "month": cf["month"].astype(str),
            "observed": cf["observed"],
            "fitted": cf["fitted"],
            "fitted_low": cf["fitted_low"],
            "fitted_high": cf["fitted_high"],
            "counterfactual": cf["expected"].where(after),
            "counterfactual_low": cf["expected_low"].where(after),
            "counterfactual_high": cf["expected_high"].where(after),
        })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        fit = CountModel(family=f.settings.family).fit(f.total)
    X = fit.design.to_numpy()
    eta = X @ fit.glm.beta + fit.offset
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.glm.cov, X))
    return pd.DataFrame(
        {
            "month": fit.months.astype(str),
            "observed": fit.y,
            "fitted": np.exp(eta),
            "fitted_low": np.exp(eta - Z975 * se),
            "fitted_high": np.exp(eta + Z975 * se),
        }
    )


def build_figures(
    f: Findings, scope: str, incidents: pd.DataFrame | None
) -> dict[str, alt.TopLevelMixin]:
    """Every chart the page shows, by file name."""
    label = measure_label(f.measure)
    out: dict[str, alt.TopLevelMixin] = {}
    subtitle = f"{scope}, to {month_name(f.month)}"
    test = f.verdict.test if f.verdict is not None else None
    if test is not None:
        title = (f"{label}: the months compared, and the trend before "
                 f"{month_name(test.break_month)} carried on")
    else:
        title = f"{label}: observed and fitted trend"
    out["series"] = charts.series_chart(
        fitted_frame(f),
        break_month=test.break_month if test is not None else None,
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
    forest = _forest_table(f)
    if len(forest):
        out["forest"] = charts.forest_plot(
            forest,
            title=f"Level since {month_name(f.settings.break_month)} against the trend "
            "before, by region",
            subtitle="Ratio with its 95% interval (each region alone); 1 = no change",
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
    """Each region's level ratio from its verdict; the chart names the regions without one."""
    rows = [
        {"region": v.name, "ratio": v.level_ratio, "ci_low": v.level_ratio_ci[0],
         "ci_high": v.level_ratio_ci[1], "p_value_adjusted": v.p_value}
        for v in f.region_verdicts
    ]
    return pd.DataFrame(rows, columns=["region", "ratio", "ci_low", "ci_high",
                                       "p_value_adjusted"])
