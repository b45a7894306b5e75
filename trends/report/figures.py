"""The charts of a report page, built from its findings."""

from __future__ import annotations

import math
import warnings

import altair as alt
import numpy as np
import pandas as pd

from trends import charts
from trends.errors import DataError, ModelWarning
from trends.lists import some_names
from trends.measures import measure_label, noun
from trends.models import CountModel
from trends.models.countmodel import Z975
from trends.options import CHART_NAMES, METHOD_NAMES
from trends.report.analysis import Findings
from trends.resurgence.wording import flat_comparison, month_name


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            fit = CountModel(family=f.settings.family).fit(f.total)
    except DataError:  # no model fits (a few spikes among zeros): the counts alone
        return pd.DataFrame({"month": f.total.index.astype(str), "observed": f.total.to_numpy(),
                             **dict.fromkeys(("fitted", "fitted_low", "fitted_high"), np.nan)})
    X = fit.design.to_numpy()
    eta = X @ fit.glm.beta + fit.offset
    with np.errstate(over="ignore", invalid="ignore"):
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.glm.cov, X))
        # a few counts among zeros leave the fit so unsure that its band leaves the float
        # range (or its variance rounds below 0): the chart draws no band there
        low, high = (np.exp(eta - Z975 * se), np.exp(eta + Z975 * se))
    unsure = ~(np.isfinite(low) & np.isfinite(high))
    frame = pd.DataFrame(
        {
            "month": fit.months.astype(str),
            "observed": fit.y,
            "fitted": np.exp(eta),
            "fitted_low": np.where(unsure, np.nan, low),
            "fitted_high": np.where(unsure, np.nan, high),
        }
    )
    frame.attrs["ljung_box"] = fit.ljung_box.p_value
    return frame


def _plain_trend_note(frame: pd.DataFrame) -> list[str]:
    """What the band of a plain trend shows, and a warning when the months stray from it."""
    note = ["Band: 95% interval of the fitted mean (where the trend runs, not where single "
            "months fall)"]
    p = frame.attrs.get("ljung_box", math.nan)
    if p < 0.01:
        note.append("The months stray above and below this trend for long stretches (Ljung-Box "
                    f"p = {p:.2g}): read it as a rough summary; trends assess tests changes")
    return note


CHART_ORDER = CHART_NAMES
"""The order of the charts on a page."""

NEEDS: dict[str, tuple[str, ...]] = {
    "series": ("verdict",),
    "regions": (),
    "heatmap": (),
    "forest": ("regions",),
    "alerts": ("alert_history",),
    "forecast": ("forecast",),
    "severity": ("tail",),
}
"""The analyses (:data:`trends.report.analysis.ANALYSES`) each chart is drawn from."""


def build_figures(
    f: Findings,
    scope: str,
    incidents: pd.DataFrame | None,
    only: tuple[str, ...] = CHART_ORDER,
    *,
    table: str | None = "the table",
) -> dict[str, alt.TopLevelMixin]:
    """Every chart the page shows (or those named in ``only``), by file name.

    ``table`` is where the regions a chart leaves out are listed (None: a chart
    alone, which points nowhere).
    """
    out = _figures(f, scope, incidents, set(only), table)
    return {name: chart for name, chart in out.items() if name in only}


def _figures(
    f: Findings, scope: str, incidents: pd.DataFrame | None, only: set[str], table: str | None
) -> dict[str, alt.TopLevelMixin]:
    label = measure_label(f.measure)
    out: dict[str, alt.TopLevelMixin] = {}
    subtitle = f"{scope}, to {month_name(f.month)}"
    test = f.verdict.test if f.verdict is not None else None
    if test is not None:
        before = "level" if f.verdict is not None and flat_comparison(f.verdict) else "trend"
        title = (f"{label}: the months compared, and the {before} before "
                 f"{month_name(test.break_month)} carried on")
    else:
        title = f"{label}: observed and fitted trend"
    if "series" in only:
        frame = fitted_frame(f)
        if test is None and frame["fitted"].isna().all():
            title = f"{label}: observed (no trend model fits these counts)"
        series_subtitle: str | list[str] = subtitle
        if test is None and not frame["fitted"].isna().all():
            series_subtitle = [subtitle, *_plain_trend_note(frame)]
        if test is not None and len(frame):
            first, last = (month_name(str(m)) for m in (frame["month"].min(), frame["month"].max()))
            series_subtitle = (f"{scope}: the months compared, {first} to {last} (the data "
                               f"run to {month_name(f.month)})")
        out["series"] = charts.series_chart(
            frame,
            break_month=test.break_month if test is not None else None,
            measure_label=label,
            title=title,
            subtitle=series_subtitle,
        )
    with_data = _regions_with_data(f)
    drawn, most = _most(f, with_data, table)
    regions = f.panel[f.panel["region"].isin(drawn)]
    if {"regions", "heatmap"} & only and len(with_data) > 1:
        out["regions"] = charts.small_multiples(
            regions,
            measure=f.measure,
            measure_label=label,
            title=f"{label} by region",
            subtitle=[subtitle, most] if most else subtitle,
        )
        out["heatmap"] = charts.heatmap(
            regions,
            measure=f.measure,
            measure_label=label,
            title=f"{label}: region by month",
            subtitle=[subtitle, most] if most else subtitle,
        )
    forest = _forest_table(f) if "forest" in only else pd.DataFrame()
    if len(forest) > 1:
        out["forest"] = charts.forest_plot(
            forest,
            title=f"Level since {month_name(f.settings.break_month)} against the months "
            "before, by region",
            subtitle=_forest_subtitle(f, table),
        )
    if "alerts" in only and f.alert_history is not None:
        history, start = alert_frame(f)
        break_month = f.settings.break_month or None
        shown = break_month if break_month and break_month >= start else None
        out["alerts"] = charts.alert_chart(
            history,
            title=f"{label} against its alert thresholds",
            measure_label=label,
            break_month=shown,
            preliminary=f.settings.preliminary_from or None,
            subtitle=[
                f"{scope}; {METHOD_NAMES.get(f.alert_history.method, f.alert_history.method)} "
                "method, both sides checked",
                "Each month against the expected count and the bounds from its own history",
            ],
        )
    if "forecast" in only and f.forecast is not None:
        recent = f.total.iloc[-36:]
        history = pd.DataFrame({"month": recent.index.astype(str), "observed": recent.to_numpy()})
        out["forecast"] = charts.forecast_fan(
            history,
            f.forecast.tidy(),
            measure_label=label,
            title=f"{label}: forecast with 50/80/95% intervals",
            subtitle=subtitle,
            preliminary=f.settings.preliminary_from or None,
        )
    if "severity" in only and f.tail is not None and incidents is not None:
        now = incidents[incidents["month"] <= f.month]
        deaths = f.measure if f.measure.startswith("killed") else "killed_best"
        out["severity"] = charts.severity_chart(
            now[deaths].dropna().astype(int),
            alpha=f.tail.alpha,
            xmin=f.tail.xmin,
            title="Deaths per incident: the heavy tail",
        )
    return out




def missing_figures(f: Findings, incidents: pd.DataFrame | None) -> dict[str, str]:
    """Charts the page would show but cannot, each with the reason, by file name."""
    missing = {}
    if f.alert_history is None and "alert_history" in f.notes:
        missing["alerts"] = f"The alert chart could not be drawn: {f.notes['alert_history']}"
    if f.forecast is None and "forecast" in f.notes:
        missing["forecast"] = f"The forecast chart could not be drawn: {f.notes['forecast']}"
    if f.tail is None and "tail" in f.notes and incidents is not None:
        missing["severity"] = f"The severity chart could not be drawn: {f.notes['tail']}"
    if f.settings.break_month and len(_regions_with_data(f)) > 1 and len(_forest_table(f)) < 2:
        why = f.notes.get("regions", "fewer than two regions have a level ratio to show "
                          "(the others: cannot tell)")
        missing["forest"] = f"The by-region comparison could not be drawn: {why}"
    return missing


ALERT_MONTHS = 36
"""Months the alert chart shows at least (more to reach 12 months before the break month)."""


def alert_frame(f: Findings) -> tuple[pd.DataFrame, str]:
    """The alert chart's months: the last 36, and at least 12 before the break month.

    Months before the first threshold the method could compute keep their
    observed count with no threshold. Returns the frame and its first month.
    """
    assert f.alert_history is not None
    table = f.alert_history.tidy()
    table = table.assign(month=table["month"].astype(str)).set_index("month")
    first = f.total.index[-1] - (ALERT_MONTHS - 1)
    if f.settings.break_month:
        first = min(first, pd.Period(f.settings.break_month, freq="M") - 12)
    first = max(first, f.total.index[0])
    observed = f.total[f.total.index >= first]
    months = observed.index.astype(str)
    frame = pd.DataFrame({"month": months, "observed": observed.to_numpy()})
    for column in ("expected", "upper_bound", "lower_bound"):
        frame[column] = table[column].reindex(months).to_numpy(dtype=float)
    frame["alarm"] = table["alarm"].reindex(months).fillna(False).astype(bool).to_numpy()
    frame["direction"] = table["direction"].reindex(months).to_numpy()
    return frame, str(first)


def _totals(f: Findings) -> pd.Series:
    """Each region's total of the measure, by its name as text, in the panel's order."""
    totals = f.panel.groupby("region", sort=False)[f.measure].sum()
    return totals.set_axis(totals.index.astype(str))


def _regions_with_data(f: Findings) -> list[str]:
    return [str(r) for r, v in _totals(f).items() if v > 0]


MOST_DRAWN = 30
"""Regions a chart of regions draws at the most: past that, the ones with the largest totals."""


def _most(
    f: Findings, names: list[str], table: str | None = "the table"
) -> tuple[list[str], str]:
    """``names``, or the MOST_DRAWN with the largest totals, with a line saying so.

    A chart of 1,200 regions was 36,801 pixels tall; the page's table has every one.
    """
    if len(names) <= MOST_DRAWN:
        return names, ""
    totals = _totals(f).reindex(names, fill_value=0)
    # largest totals first, ties in the panel's order; drawn in the panel's order
    top = set(totals.sort_values(ascending=False, kind="stable").index[:MOST_DRAWN])
    kept = [n for n in names if n in top]
    return kept, (f"The {MOST_DRAWN} of {len(names):,} regions with the most "
                  f"{noun(f.measure)}" + (f"; every region is in {table}" if table else ""))


def _forest_subtitle(f: Findings, table: str | None) -> list[str]:
    """What the forest chart shows, and which regions it leaves out."""
    lines = ["Ratio with its 95% interval (each region alone); 1 = no change"]
    drawn, most = _most(f, [v.name for v in f.region_verdicts], table)
    if most:
        lines.append(most)
    left_out = [v.name for v in f.region_verdicts
                if not np.isfinite(v.level_ratio) and v.name in set(drawn)]
    if left_out:
        see = f"; see {table}" if table else ""
        lines.append(f"Not shown (cannot tell{see.replace(';', ',')}): "
                     + some_names(left_out, where=see))
    return lines


def _forest_table(f: Findings) -> pd.DataFrame:
    """Each region's level ratio from its verdict (regions whose ratio is reported)."""
    drawn = set(_most(f, [v.name for v in f.region_verdicts])[0])
    rows = [
        {"region": v.name, "ratio": v.level_ratio, "ci_low": v.level_ratio_ci[0],
         "ci_high": v.level_ratio_ci[1], "p_value_adjusted": v.p_value}
        for v in f.region_verdicts if np.isfinite(v.level_ratio) and v.name in drawn
    ]
    return pd.DataFrame(rows, columns=["region", "ratio", "ci_low", "ci_high",
                                       "p_value_adjusted"])
