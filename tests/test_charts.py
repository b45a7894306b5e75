"""Chart builders and export: specs, determinism, inputs left alone, offline output."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special

from trends import charts as tc
from trends.charts.export import html_page
from trends.charts.severity import empirical_ccdf
from trends.errors import DataError, InputError, OptionError, SchemaError

RESULTS = Path(__file__).parent / "results"
HOSTILE = [
    "</script><script>alert(1)</script>",
    '=HYPERLINK("http://example.invalid","x")',
    'it\'s "quoted" & <!-- commented -->',
]
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _months(start: str, n: int) -> list[str]:
    first = pd.Period(start, "M")
    return [str(first + i) for i in range(n)]


def _series_frame(n: int = 24, *, counterfactual: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    fitted = np.linspace(20, 5, n)
    frame = pd.DataFrame(
        {
            "month": _months("2016-01", n),
            "observed": rng.poisson(fitted),
            "fitted": fitted,
            "fitted_low": fitted * 0.8,
            "fitted_high": fitted * 1.2,
        }
    )
    if counterfactual:
        cf = np.where(np.arange(n) >= n // 2, fitted * 1.5, np.nan)
        frame["counterfactual"] = cf
        frame["counterfactual_low"] = cf * 0.8
        frame["counterfactual_high"] = cf * 1.2
    return frame


def _panel() -> pd.DataFrame:
    homs = pd.read_csv(RESULTS / "ged_is_homs_monthly.csv")
    deir = pd.read_csv(RESULTS / "ged_is_deir_ez_zor_monthly.csv")
    extra = homs.assign(region=HOSTILE[0], incidents=homs["incidents"] // 2)
    return pd.concat(
        [homs.assign(region="Homs"), deir.assign(region="Deir ez-Zor"), extra], ignore_index=True
    )


def _forest_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["Homs", "Deir ez-Zor", HOSTILE[0], "Raqqa", "All regions (pooled)"],
            "ratio": [0.4, 1.3, 0.8, 0.0, 0.7],
            "ci_low": [0.2, 0.9, 0.5, 0.0, 0.55],
            "ci_high": [0.8, 1.9, 1.2, np.inf, 0.9],
            "p_value_adjusted": [0.01, 0.2, np.nan, 1.0, 0.001],
        }
    )


def _alert_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": _months("2019-01", 6),
            "observed": [3, 4, 12, 2, 0, 5],
            "expected": [3.5, 3.6, 3.8, 4.0, 3.9, 3.7],
            "upper_bound": [8.0, 8.1, 8.4, 8.6, 8.5, 8.2],
            "alarm": [False, False, True, False, False, False],
        }
    )


def _history_forecast() -> tuple[pd.DataFrame, pd.DataFrame]:
    history = pd.DataFrame({"month": _months("2019-01", 12), "observed": np.arange(12) % 5})
    steps = np.sqrt(np.arange(1, 7))
    forecast = pd.DataFrame({"month": _months("2020-01", 6), "median": np.full(6, 3.0)})
    for level, z in ((50, 0.67), (80, 1.28), (95, 1.96)):
        forecast[f"lo{level}"] = np.maximum(0.0, 3.0 - z * steps)
        forecast[f"hi{level}"] = 3.0 + z * steps
    return history, forecast


def _deaths() -> np.ndarray:
    rng = np.random.default_rng(5)
    return np.concatenate([np.zeros(40, dtype=int), rng.zipf(2.3, 160)])


def _all_charts() -> dict[str, alt.TopLevelMixin]:
    history, forecast = _history_forecast()
    frame = _series_frame()
    return {
        "series": tc.series_chart(
            frame,
            break_month=frame["month"][12],
            measure_label="Incidents per month",
            title="Homs",
            subtitle="UCDP GED",
        ),
        "small": tc.small_multiples(
            _panel(), measure="incidents", measure_label="Incidents per month", title="All"
        ),
        "heat": tc.heatmap(
            _panel(),
            measure="killed_best",
            measure_label="Deaths per month (best estimate)",
            title="Deaths",
        ),
        "forest": tc.forest_plot(_forest_table(), title="After versus before"),
        "alert": tc.alert_chart(
            _alert_frame(), title="Alerts", measure_label="Incidents per month"
        ),
        "fan": tc.forecast_fan(
            history, forecast, title="Forecast", measure_label="Incidents per month"
        ),
        "severity": tc.severity_chart(_deaths(), alpha=2.3, xmin=2, title="Deaths per incident"),
    }


def _data(spec: dict, layer: dict | None = None) -> list[dict]:
    """Inline rows of a spec (or of one of its layers), wherever Altair put them."""
    source = (layer or {}).get("data") or spec["data"]
    return source["values"] if "values" in source else spec["datasets"][source["name"]]


def _tooltip_titles(encoding: dict) -> list[str]:
    return [tip["title"] for tip in encoding["tooltip"]]


# --- series -------------------------------------------------------------------------------


def test_series_chart_spec() -> None:
    frame = _series_frame()
    spec = tc.series_chart(
        frame,
        break_month="2017-01",
        measure_label="Incidents per month",
        title="Homs",
        subtitle="UCDP GED",
    ).to_dict()
    assert spec["title"] == {"text": "Homs", "subtitle": "UCDP GED", "anchor": "start"}
    assert (spec["width"], spec["height"]) == (640, 280)
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == [
        "bar",
        "area",
        "line",
        "area",
        "line",
        "rule",
        "text",
        "bar",
    ]
    bars, band, fitted, _cf_band, cf_line, rule, text, hover = layers
    assert bars["encoding"]["y"] == {
        "field": "observed",
        "title": "Incidents per month",
        "type": "quantitative",
    }
    assert bars["encoding"]["x"]["timeUnit"] == "utcyearmonth"
    assert bars["encoding"]["x"]["axis"]["format"] == "%b %Y"
    assert (band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == (
        "fitted_low",
        "fitted_high",
    )
    assert cf_line["mark"]["strokeDash"] == [6, 4]
    assert fitted["encoding"]["y"]["field"] == "fitted"
    scale = bars["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Observed", "Fitted trend", "Counterfactual (no break)"]
    assert scale["range"] == [tc.theme.GREY, tc.OKABE_ITO["blue"], tc.OKABE_ITO["orange"]]
    assert _data(spec, rule) == [{"month": "2017-01", "label": "break: 2017-01"}]
    assert text["encoding"]["text"]["field"] == "label"
    assert rule["encoding"]["x"]["bandPosition"] == 0
    assert hover["mark"]["opacity"] == 0
    assert _tooltip_titles(hover["encoding"]) == [
        "Month",
        "Observed",
        "Fitted",
        "Fitted, 95% lower",
        "Fitted, 95% upper",
        "Counterfactual",
        "Counterfactual, 95% lower",
        "Counterfactual, 95% upper",
    ]
    rows = _data(spec)
    assert [row["month"] for row in rows] == frame["month"].tolist()
    assert rows[0]["counterfactual"] is None
    assert rows[-1]["observed"] == float(frame["observed"].iloc[-1])
    # the hover target reaches the highest value drawn in that month
    assert rows[-1]["hover_top"] == pytest.approx(
        max(frame.iloc[-1][["observed", "fitted_high", "counterfactual_high"]])
    )


def test_series_chart_without_counterfactual_or_break() -> None:
    spec = tc.series_chart(
        _series_frame(counterfactual=False),
        measure_label="Deaths per month (best estimate)",
        title="Deir ez-Zor",
    ).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "area", "line", "bar"]
    assert spec["title"] == {"text": "Deir ez-Zor", "anchor": "start"}
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Deaths per month (best estimate)"


def test_missing_values_show_as_dash_not_zero() -> None:
    spec = tc.series_chart(_series_frame(), measure_label="Incidents", title="t").to_dict()
    calc = next(t for t in spec["layer"][-1]["transform"] if t["as"] == "counterfactual_text")[
        "calculate"
    ]
    field = 'datum["counterfactual"]'
    assert calc == f'isValid({field}) ? format({field}, ",.1f") : "\u2013"'


def test_series_chart_rejects_bad_input() -> None:
    frame = _series_frame()
    with pytest.raises(SchemaError, match=r"lacks column.*fitted_high"):
        tc.series_chart(frame.drop(columns="fitted_high"), measure_label="x", title="t")
    with pytest.raises(SchemaError, match=r"row 2: expected a month as 'YYYY-MM', got '2016-3'"):
        tc.series_chart(
            frame.assign(month=[*frame["month"][:2], "2016-3", *frame["month"][3:]]),
            measure_label="x",
            title="t",
        )
    with pytest.raises(SchemaError, match="2016-01 occurs more than once"):
        tc.series_chart(pd.concat([frame, frame.iloc[:1]]), measure_label="x", title="t")
    with pytest.raises(OptionError, match="break_month '2030-01' is not a month of the frame"):
        tc.series_chart(frame, break_month="2030-01", measure_label="x", title="t")
    with pytest.raises(SchemaError, match="give both counterfactual_low and _high"):
        tc.series_chart(frame.drop(columns="counterfactual_low"), measure_label="x", title="t")
    with pytest.raises(SchemaError, match="'observed' must hold numbers"):
        tc.series_chart(frame.assign(observed="3"), measure_label="x", title="t")
    with pytest.raises(SchemaError, match="infinite"):
        tc.series_chart(frame.assign(fitted_high=np.inf), measure_label="x", title="t")
    with pytest.raises(InputError, match="must be a pandas DataFrame; got dict"):
        tc.series_chart({"month": []}, measure_label="x", title="t")  # type: ignore[arg-type]


series_frames = st.integers(min_value=2, max_value=30).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.floats(0, 1e6, allow_nan=False), min_size=n, max_size=n),
        st.lists(st.floats(0, 1e6) | st.just(math.nan), min_size=n, max_size=n),
        st.integers(min_value=0, max_value=n - 1),
        st.randoms(use_true_random=False),
    )
)


@FAST
@given(series_frames)
def test_series_chart_leaves_input_alone_and_ignores_row_order(case) -> None:
    n, observed, counterfactual, cut, random = case
    frame = pd.DataFrame(
        {
            "month": _months("2015-06", n),
            "observed": observed,
            "fitted": observed,
            "fitted_low": [v / 2 for v in observed],
            "fitted_high": [v * 2 for v in observed],
            "counterfactual": [math.nan] * cut + counterfactual[cut:],
        }
    )
    before = frame.copy(deep=True)
    kwargs = {"break_month": frame["month"][cut], "measure_label": "m", "title": "t"}
    first = tc.series_chart(frame, **kwargs).to_json()
    pd.testing.assert_frame_equal(frame, before)
    order = list(range(n))
    random.shuffle(order)
    assert tc.series_chart(frame.iloc[order], **kwargs).to_json() == first


# --- regions ------------------------------------------------------------------------------


def test_small_multiples_spec() -> None:
    panel = _panel()
    spec = tc.small_multiples(
        panel,
        measure="incidents",
        measure_label="Incidents per month",
        columns=2,
        title="IS incidents",
        y_scale="independent",
    ).to_dict()
    totals = panel.groupby("region")["incidents"].sum().sort_values(ascending=False)
    assert spec["facet"]["field"] == "region"
    assert spec["facet"]["sort"] == totals.index.tolist()
    assert spec["columns"] == 2
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    area, hover = spec["spec"]["layer"]
    assert area["mark"]["type"] == "area"
    assert area["encoding"]["y"] == {
        "field": "value",
        "title": "Incidents per month",
        "type": "quantitative",
    }
    assert _tooltip_titles(hover["encoding"]) == ["Month", "Region", "Incidents per month"]


@pytest.mark.parametrize(("regions", "columns"), [(15, 5), (16, 4), (9, 3), (14, 5), (3, 4)])
def test_small_multiples_fill_their_last_row_where_they_can(regions, columns) -> None:
    """15 governorates in rows of 4 left a 16th panel empty but for its month axis."""
    panel = pd.DataFrame({"month": ["2020-01", "2020-02"] * regions,
                          "region": [f"r{i:02d}" for i in range(regions) for _ in range(2)],
                          "incidents": 1})
    spec = tc.small_multiples(panel, measure="incidents", measure_label="x", title="t").to_dict()
    assert spec["columns"] == columns
    assert (spec["spec"]["width"], spec["spec"]["height"]) == (150, 90)
    rows = _data(spec)
    assert len(rows) == len(panel)
    assert sum(row["value"] for row in rows) == panel["incidents"].sum()
    with pytest.raises(OptionError, match="y_scale must be one of shared, independent"):
        tc.small_multiples(
            panel,
            measure="incidents",
            measure_label="x",
            title="t",
            y_scale="own",  # type: ignore[arg-type]
        )


def test_heatmap_orders_regions_by_total() -> None:
    panel = _panel()
    spec = tc.heatmap(
        panel,
        measure="killed_best",
        measure_label="Deaths per month (best estimate)",
        title="Deaths",
    ).to_dict()
    totals = panel.groupby("region")["killed_best"].sum()
    expected = sorted(totals.index, key=lambda r: (-totals[r], r))
    assert spec["encoding"]["y"]["sort"] == expected
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["color"]["scale"] == {"scheme": "cividis"}
    assert spec["encoding"]["color"]["title"] == "Deaths per month (best estimate)"
    assert spec["encoding"]["x"]["timeUnit"] == "utcyearmonth"
    assert [t["field"] for t in spec["encoding"]["tooltip"]] == ["region", "month", "value"]
    assert spec["height"] == {"step": 18}


def test_panel_duplicates_rejected() -> None:
    panel = _panel()
    with pytest.raises(SchemaError, match="region 'Homs' has month 2016-01 twice"):
        tc.heatmap(
            pd.concat([panel, panel.iloc[:1]]), measure="incidents", measure_label="x", title="t"
        )


@FAST
@given(
    st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4, unique=True),
    st.integers(min_value=1, max_value=6),
    st.data(),
)
def test_panel_charts_keep_any_region_name_and_leave_input_alone(regions, n, data) -> None:
    months = _months("2018-11", n)
    values = data.draw(
        st.lists(st.integers(0, 500), min_size=n * len(regions), max_size=n * len(regions))
    )
    panel = pd.DataFrame(
        {
            "month": months * len(regions),
            "region": [r for r in regions for _ in months],
            "incidents": values,
        }
    )
    before = panel.copy(deep=True)
    for build in (tc.heatmap, tc.small_multiples):
        chart = build(panel, measure="incidents", measure_label="m", title="t")
        spec = chart.to_dict()
        assert sorted({row["region"] for row in _data(spec)}) == sorted(regions)
        assert (
            chart.to_json()
            == build(panel, measure="incidents", measure_label="m", title="t").to_json()
        )
    pd.testing.assert_frame_equal(panel, before)


# --- forest -------------------------------------------------------------------------------


def test_forest_plot_spec() -> None:
    spec = tc.forest_plot(_forest_table(), title="After versus before", reference=1.0).to_dict()
    reference, intervals, points = spec["layer"]
    assert reference["mark"]["type"] == "rule"
    assert reference["encoding"]["x"] == {"datum": 1.0}
    assert intervals["encoding"]["x"]["scale"] == {"type": "log"}
    assert intervals["encoding"]["x"]["title"] == "Rate ratio (95% CI)"
    assert (intervals["encoding"]["x"]["field"], intervals["encoding"]["x2"]["field"]) == (
        "ci_low",
        "ci_high",
    )
    assert points["encoding"]["x"]["field"] == "ratio"
    assert points["encoding"]["shape"]["scale"]["range"] == ["circle", "diamond"]
    assert points["encoding"]["color"]["scale"]["range"] == [
        tc.OKABE_ITO["blue"],
        tc.OKABE_ITO["vermillion"],
    ]
    order = points["encoding"]["y"]["sort"]
    assert order == ["Homs", "Deir ez-Zor", HOSTILE[0], "All regions (pooled)"]
    assert spec["title"]["subtitle"] == (
        "Not shown (ratio or interval zero, missing or infinite): Raqqa"
    )
    assert _tooltip_titles(points["encoding"]) == [
        "Region",
        "Ratio",
        "Lower bound",
        "Upper bound",
        "Adjusted p-value",
    ]
    rows = _data(spec, points)
    assert [row["kind"] for row in rows] == ["Region"] * 3 + ["Pooled"]
    assert rows[2]["p_value_adjusted"] is None


def test_forest_plot_puts_pooled_last_and_rejects_nothing_to_draw() -> None:
    table = _forest_table().iloc[::-1]
    spec = tc.forest_plot(table, title="t").to_dict()
    assert spec["layer"][2]["encoding"]["y"]["sort"][-1] == tc.POOLED_LABEL
    empty = table.assign(ratio=0.0)
    with pytest.raises(DataError, match="nothing to draw"):
        tc.forest_plot(empty, title="t")
    with pytest.raises(OptionError, match="reference must be a positive finite number"):
        tc.forest_plot(table, title="t", reference=0)
    with pytest.raises(SchemaError, match="'Homs' occur more than once"):
        tc.forest_plot(pd.concat([table, table.iloc[-1:]]), title="t")


# --- alerts and forecast ------------------------------------------------------------------


def test_alert_chart_spec() -> None:
    frame = _alert_frame()
    spec = tc.alert_chart(frame, title="Alerts", measure_label="Incidents per month").to_dict()
    bars, lines, hover = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["color"]["field"] == "status"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["No alarm", "Unusually high"]
    assert bars["encoding"]["color"]["scale"]["range"][1] == tc.OKABE_ITO["vermillion"]
    assert bars["encoding"]["color"]["legend"]["symbolType"] == "square"
    expected, threshold = lines["layer"]
    assert expected["mark"]["type"] == threshold["mark"]["type"] == "line"
    # the lines' legend draws lines, with the dash of each line
    legend = threshold["encoding"]["color"]["legend"]
    assert legend["symbolType"] == "stroke"
    assert threshold["encoding"]["strokeDash"]["legend"] == legend
    assert threshold["encoding"]["color"]["scale"]["domain"] == ["Expected", "Upper threshold"]
    assert spec["resolve"]["scale"]["color"] == "independent"
    # a threshold covers its month exactly: a step from the start of each month, to the
    # end of the last one
    assert threshold["mark"]["interpolate"] == "step-after"
    assert threshold["encoding"]["x"]["bandPosition"] == 0
    steps = _data(spec, threshold)
    assert [r["month"] for r in steps] == [*frame["month"], "2019-07"]
    assert steps[-1]["value"] == steps[-2]["value"] == frame["upper_bound"].iloc[-1]
    assert _tooltip_titles(hover["encoding"]) == [
        "Month",
        "Status",
        "Observed",
        "Expected",
        "Upper threshold",
    ]
    statuses = [row["status"] for row in _data(spec)]
    assert statuses == ["Unusually high" if a else "No alarm" for a in frame["alarm"]]
    with pytest.raises(SchemaError, match="column 'alarm', row 1: expected True or False"):
        bad = pd.Series([True, None, 1, 0, 0, 0], dtype=object)
        tc.alert_chart(frame.assign(alarm=bad), title="t", measure_label="m")


def test_alert_chart_draws_both_thresholds_the_break_and_months_without_one() -> None:
    frame = _alert_frame().assign(
        lower_bound=[np.nan, 1.0, 1.1, 1.2, 1.1, 1.0],
        direction=[None, None, "high", None, "low", None],
        alarm=[False, False, True, False, True, False],
    )
    frame.loc[0, ["expected", "upper_bound"]] = np.nan
    spec = tc.alert_chart(
        frame, title="t", measure_label="m", break_month="2019-02"
    ).to_dict()
    bars, lines, rule, _text, hover = spec["layer"]
    statuses = [row["status"] for row in _data(spec)]
    assert statuses == ["No threshold (too little history)", "No alarm", "Unusually high",
                        "No alarm", "Unusually low", "No alarm"]
    assert bars["encoding"]["color"]["scale"]["range"][2] == tc.OKABE_ITO["sky_blue"]
    threshold = lines["layer"][1]
    assert threshold["encoding"]["color"]["scale"]["domain"] == [
        "Expected", "Upper threshold", "Lower threshold"]
    assert {r["line"] for r in _data(spec, threshold)} == {"Upper threshold", "Lower threshold"}
    assert _data(spec, rule) == [{"month": "2019-02", "label": "break: 2019-02"}]
    assert "Lower threshold" in _tooltip_titles(hover["encoding"])
    with pytest.raises(OptionError, match="break_month '2018-01' is not a month"):
        tc.alert_chart(frame, title="t", measure_label="m", break_month="2018-01")


def test_alert_chart_shades_the_preliminary_months_from_the_first_to_the_last() -> None:
    frame = _alert_frame()
    months = frame["month"].astype(str).tolist()
    spec = tc.alert_chart(frame, title="t", measure_label="m", preliminary=months[3]).to_dict()
    band, bars, _lines, label, _hover = spec["layer"]
    assert band["mark"]["type"] == "rect" and bars["mark"]["type"] == "bar"
    end = str(pd.Period(months[-1], freq="M") + 1)
    assert _data(spec, band) == [{"month": months[3], "end": end,
                                  "label": f"preliminary from {months[3]}"}]
    assert label["encoding"]["text"] == {"field": "label", "type": "nominal"}
    # from before the data: the whole chart; after it: nothing
    early = tc.alert_chart(frame, title="t", measure_label="m", preliminary="1990-01").to_dict()
    assert _data(early, early["layer"][0])[0]["month"] == months[0]
    assert _data(early, early["layer"][0])[0]["label"] == "preliminary: every month shown"
    late = tc.alert_chart(frame, title="t", measure_label="m", preliminary="2100-01").to_dict()
    assert len(late["layer"]) == 3


def test_a_band_that_would_squash_the_data_is_cut_and_said_so() -> None:
    """A counterfactual band reaching 1,800 over counts below 300 (as on the governorate page)."""
    frame = _series_frame()
    months = len(frame)
    frame = frame.assign(observed=np.linspace(50, 290, months), fitted=150.0,
                         fitted_low=100.0, fitted_high=200.0)
    after = frame["counterfactual"].notna()
    frame.loc[after, ["counterfactual", "counterfactual_low", "counterfactual_high"]] = [
        220.0, 40.0, 1800.0]
    spec = tc.series_chart(frame, measure_label="m", title="t", subtitle="s").to_dict()
    scales = [layer["encoding"]["y"].get("scale") for layer in spec["layer"][:5]]
    assert scales == [{"domain": [0, 500.0], "nice": False, "zero": True}] * 5
    assert all(layer["mark"].get("clip") for layer in spec["layer"][:5])
    assert spec["title"]["subtitle"] == [
        "s", "The counterfactual's band reaches 1,800 and is cut at 500 (hover for values)"]
    assert max(r["hover_top"] for r in _data(spec)) == 500.0
    # the tooltip still gives the full value
    assert max(r["counterfactual_high"] or 0 for r in _data(spec)) == 1800.0
    # a band within twice the data is drawn in full
    calm = frame.assign(counterfactual_high=frame["counterfactual_high"].clip(upper=500))
    spec = tc.series_chart(calm, measure_label="m", title="t").to_dict()
    assert "scale" not in spec["layer"][0]["encoding"]["y"]
    assert spec["title"] == {"text": "t", "anchor": "start"}


def test_a_forecast_fan_too_wide_for_the_history_is_cut() -> None:
    history, forecast = _history_forecast()
    forecast = forecast.assign(hi95=forecast["hi95"] * 100)
    spec = tc.forecast_fan(history, forecast, title="t", measure_label="m").to_dict()
    top = 4 * 1.5  # the history peaks at 4, the median is 3
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, top]
    reach = forecast["hi95"].max()
    assert spec["title"]["subtitle"] == [
        f"The 95% interval reaches {reach:,.0f} and is cut at {top:.3g} (hover for values)",
        f"The 80% interval reaches {forecast['hi80'].max():.3g} and is cut at {top:.3g} "
        "(hover for values)",
    ]


def test_forecast_fan_spec() -> None:
    history, forecast = _history_forecast()
    spec = tc.forecast_fan(
        history, forecast, title="Forecast", measure_label="Incidents per month"
    ).to_dict()
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == [
        "area",
        "area",
        "area",
        "line",
        "line",
        "point",
        "bar",
        "bar",
    ]
    assert [layer["encoding"]["y"]["field"] for layer in layers[:3]] == ["lo95", "lo80", "lo50"]
    assert [layer["encoding"]["y2"]["field"] for layer in layers[:3]] == ["hi95", "hi80", "hi50"]
    median = layers[4]
    assert median["encoding"]["y"]["field"] == "median"
    fan_rows = _data(spec, median)
    # the median line starts at the last observed month and value
    assert fan_rows[0]["month"] == history["month"].iloc[-1]
    assert fan_rows[0]["median"] == history["observed"].iloc[-1]
    assert [row["month"] for row in fan_rows[1:]] == forecast["month"].tolist()
    domain = layers[0]["encoding"]["color"]["scale"]["domain"]
    assert domain == ["Observed", "Median forecast", "95% interval", "80% interval", "50% interval"]
    assert _tooltip_titles(layers[-1]["encoding"]) == [
        "Month",
        "Median forecast",
        "50% lower",
        "50% upper",
        "80% lower",
        "80% upper",
        "95% lower",
        "95% upper",
    ]


def test_forecast_fan_shades_the_preliminary_history() -> None:
    history, forecast = _history_forecast()
    months = history["month"].astype(str).tolist()
    spec = tc.forecast_fan(history, forecast, title="t", measure_label="m",
                           preliminary=months[-3]).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "area", "area", "area", "line", "line", "point", "text", "bar", "bar"]
    end = str(pd.Period(months[-1], freq="M") + 1)
    assert _data(spec, spec["layer"][0]) == [{"month": months[-3], "end": end,
                                              "label": f"preliminary from {months[-3]}"}]
    # the forecast months are not shaded: they are not figures at all
    after = tc.forecast_fan(history, forecast, title="t", measure_label="m",
                            preliminary=str(forecast["month"].iloc[0])).to_dict()
    assert after["layer"][0]["mark"]["type"] == "area"


def test_forecast_fan_rejects_bad_forecasts() -> None:
    history, forecast = _history_forecast()
    crossed = forecast.assign(lo50=forecast["hi95"] + 1)
    with pytest.raises(SchemaError, match="month 2020-01: quantiles are not nested"):
        tc.forecast_fan(history, crossed, title="t", measure_label="m")
    early = forecast.assign(month=_months("2019-06", 6))
    with pytest.raises(SchemaError, match="starts at 2019-06, not after the last history month"):
        tc.forecast_fan(history, early, title="t", measure_label="m")


# --- severity -----------------------------------------------------------------------------


def test_severity_chart_ccdf_matches_direct_count() -> None:
    deaths = _deaths()
    spec = tc.severity_chart(deaths, alpha=2.3, xmin=2, title="Severity").to_dict()
    points, tail = spec["layer"]
    positive = deaths[deaths > 0]
    for row in _data(spec, points):
        assert row["at_least"] == int((positive >= row["deaths"]).sum())
        assert row["ccdf"] == pytest.approx((positive >= row["deaths"]).mean(), rel=1e-12)
    assert points["encoding"]["x"]["scale"] == {"type": "log"}
    assert points["encoding"]["y"]["scale"] == {"type": "log"}
    assert _tooltip_titles(points["encoding"]) == [
        "Deaths, x",
        "Incidents with at least x deaths",
        "P(X ≥ x)",
    ]
    assert "40 with no deaths excluded" in spec["title"]["subtitle"][0]
    assert tail["mark"]["type"] == "line"


def test_severity_tail_follows_the_discrete_power_law() -> None:
    """P(X >= x) - P(X >= x + 1) = share * x**-alpha / zeta(alpha, xmin) for a power law."""
    deaths = _deaths()
    alpha, xmin = 2.3, 2
    spec = tc.severity_chart(deaths, alpha=alpha, xmin=xmin, title="Severity").to_dict()
    tail = {row["deaths"]: row["ccdf"] for row in _data(spec, spec["layer"][1])}
    positive = deaths[deaths > 0]
    share = (positive >= xmin).mean()
    assert tail[float(xmin)] == pytest.approx(share, rel=1e-12)
    consecutive = [x for x in tail if x + 1 in tail]
    assert len(consecutive) >= 5
    for x in consecutive:
        expected = share * x**-alpha / special.zeta(alpha, xmin)
        assert tail[x] - tail[x + 1] == pytest.approx(expected, rel=1e-9)
    assert min(tail) == xmin
    assert max(tail) == positive.max()


def test_empirical_ccdf_against_numpy() -> None:
    values = np.array([5.0, 1.0, 1.0, 3.0, 3.0, 3.0, 10.0])
    x, p, n = empirical_ccdf(values)
    assert x.tolist() == [1.0, 3.0, 5.0, 10.0]
    assert n.tolist() == [int((values >= v).sum()) for v in x]
    assert p.tolist() == pytest.approx([(values >= v).mean() for v in x])


def test_severity_chart_rejects_bad_input() -> None:
    with pytest.raises(OptionError, match="give both alpha and xmin"):
        tc.severity_chart([1, 2], alpha=2.0, title="t")
    with pytest.raises(DataError, match=r"non-negative whole numbers; found 1\.5"):
        tc.severity_chart([1, 1.5], title="t")
    with pytest.raises(DataError, match="no incident has one or more deaths"):
        tc.severity_chart([0, 0], title="t")
    with pytest.raises(OptionError, match="alpha must be a finite number above 1"):
        tc.severity_chart([1, 2, 3], alpha=0.5, xmin=1, title="t")
    with pytest.raises(OptionError, match="xmin must be a whole number from 1 to"):
        tc.severity_chart([1, 2, 3], alpha=2.0, xmin=4, title="t")


@FAST
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=60).filter(any))
def test_severity_chart_leaves_input_alone(values) -> None:
    series = pd.Series(values, name="killed_best")
    before = series.copy()
    first = tc.severity_chart(series, title="t").to_json()
    pd.testing.assert_series_equal(series, before)
    assert tc.severity_chart(series, title="t").to_json() == first


def test_table_builders_leave_inputs_alone() -> None:
    history, forecast = _history_forecast()
    table, alerts = _forest_table(), _alert_frame()
    copies = [frame.copy(deep=True) for frame in (history, forecast, table, alerts)]
    tc.forecast_fan(history, forecast, title="t", measure_label="m")
    tc.forest_plot(table, title="t")
    tc.alert_chart(alerts, title="t", measure_label="m")
    for frame, copy in zip((history, forecast, table, alerts), copies, strict=True):
        pd.testing.assert_frame_equal(frame, copy)


def test_heatmap_without_values_is_an_error() -> None:
    panel = _panel().assign(killed_best=np.nan)
    with pytest.raises(DataError, match="'killed_best' has no values"):
        tc.heatmap(panel, measure="killed_best", measure_label="m", title="t")


# --- every chart --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charts() -> dict[str, alt.TopLevelMixin]:
    return _all_charts()


def test_every_chart_round_trips_and_is_byte_identical(charts) -> None:
    again = _all_charts()
    for name, chart in charts.items():
        text = chart.to_json()
        assert text == again[name].to_json(), name
        assert "param_" not in text and "view_" not in text, name
        spec = chart.to_dict()
        assert type(chart).from_dict(spec).to_dict() == spec, name
        assert spec["title"]["text"], name
        assert "url" not in json.dumps(spec.get("data", {})), name


def test_every_chart_uses_the_palette_and_has_tooltips(charts) -> None:
    palette = set(tc.PALETTE) | {tc.theme.GREY}
    for name, chart in charts.items():
        text = chart.to_json()
        colours = set(re.findall(r'"#[0-9A-Fa-f]{6}"', text))
        allowed = {f'"{c}"' for c in palette} | {
            f'"{tc.theme.tint(tc.theme.FITTED, w)}"' for w in (0.75, 0.55, 0.3)
        }
        assert colours <= allowed, (name, colours - allowed)
        assert '"tooltip"' in text, name


def test_builders_return_new_charts_users_can_restyle(charts) -> None:
    chart = charts["series"]
    before = chart.to_json()
    slide = chart.properties(width=960, height=480)
    assert slide.to_dict()["width"] == 960
    assert chart.to_json() == before
    assert (slide | charts["alert"]).to_dict()["hconcat"][0]["width"] == 960


def test_hostile_region_names_survive_in_spec(charts) -> None:
    panel = _panel()
    hostile = pd.concat(
        [panel[panel["region"] == "Homs"].assign(region=name) for name in HOSTILE],
        ignore_index=True,
    )
    spec = tc.heatmap(hostile, measure="incidents", measure_label="m", title="t").to_dict()
    assert set(spec["encoding"]["y"]["sort"]) == set(HOSTILE)
    assert {row["region"] for row in _data(spec)} == set(HOSTILE)


# --- export -------------------------------------------------------------------------------


def test_spec_for_script_escapes_markup(charts) -> None:
    for name, chart in charts.items():
        text = tc.spec_for_script(chart)
        assert "</" not in text and "<!--" not in text and "<" not in text, name
        assert json.loads(text) == chart.to_dict(), name
    assert json.loads(tc.spec_for_script({"t": HOSTILE[2]})) == {"t": HOSTILE[2]}


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to evaluate JavaScript")
def test_spec_for_script_reads_back_in_javascript(charts) -> None:
    spec = {"title": HOSTILE, "data": {"values": [{"region": "\u2028" + HOSTILE[0]}]}}
    script = f"process.stdout.write(JSON.stringify({tc.spec_for_script(spec)}))"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == spec


def test_save_png_svg_json(tmp_path, charts) -> None:
    chart = charts["forest"]
    png = tc.save_chart(chart, tmp_path / "chart.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = tc.save_chart(chart, tmp_path / "again.png")
    assert again.read_bytes() == png.read_bytes(), "PNG output is not deterministic"
    big = tc.save_chart(chart, tmp_path / "big.png", scale=2)
    width = int.from_bytes(png.read_bytes()[16:20], "big")
    assert int.from_bytes(big.read_bytes()[16:20], "big") == 2 * width
    svg = tc.save_chart(chart, tmp_path / "chart.svg").read_text()
    assert svg.startswith("<svg")
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "<script" not in svg
    text = tc.save_chart(chart, tmp_path / "chart.json").read_text()
    assert text.endswith("}\n") and text.startswith('{\n  "$schema": ')
    assert json.loads(text) == chart.to_dict()
    assert text == json.dumps(chart.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert sorted(os.listdir(tmp_path)) == [
        "again.png",
        "big.png",
        "chart.json",
        "chart.png",
        "chart.svg",
    ]


def test_save_html_is_offline_and_keeps_script_closed(tmp_path, charts) -> None:
    chart = charts["forest"]
    page = tc.save_chart(chart, tmp_path / "chart.html").read_text()
    openings = re.findall(r"<script\b[^>]*>", page, flags=re.IGNORECASE)
    assert openings == ["<script>", "<script>"]
    assert len(re.findall(r"</script", page, flags=re.IGNORECASE)) == 2
    assert not re.search(r"<script[^>]+src=", page, flags=re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page, flags=re.IGNORECASE)
    assert 'vegaEmbed("#chart", ' in page
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in page
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert tc.offline_scripts() is tc.offline_scripts()
    assert "window.vegaEmbed" in tc.offline_scripts()
    assert html_page(chart) == page


def test_save_chart_rejects_unknown_formats(tmp_path, charts) -> None:
    with pytest.raises(OptionError, match=r"cannot tell the format .* suffix '\.pdf'"):
        tc.save_chart(charts["alert"], tmp_path / "chart.pdf")
    with pytest.raises(OptionError, match="format must be one of png, svg, json, html"):
        tc.save_chart(charts["alert"], tmp_path / "chart.out", format="gif")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="scale must be a positive number"):
        tc.save_chart(charts["alert"], tmp_path / "chart.png", scale=0)
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_months_do_not_shift_in_a_viewer_time_zone(tmp_path) -> None:
    """Rendered west of UTC, local-time month units would label Jan 2016 as Dec 2015."""
    code = textwrap.dedent(
        """
        import re, sys
        import pandas as pd
        import vl_convert
        from trends.charts import series_chart
        from trends.charts.export import vegalite_version
        frame = pd.DataFrame({"month": ["2016-01", "2016-02", "2016-03"],
            "observed": [3, 4, 5], "fitted": [3.0, 4.0, 5.0], "fitted_low": [2.0, 3.0, 4.0],
            "fitted_high": [4.0, 5.0, 6.0]})
        chart = series_chart(frame, measure_label="m", title="t", break_month="2016-02")
        svg = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=vegalite_version())
        print(vl_convert.get_local_tz(), sorted(set(re.findall(r">([A-Z][a-z]{2} \\d{4})<", svg))))
        """
    )
    env = {**os.environ, "TZ": "America/Los_Angeles", "PYTHONPATH": str(Path(__file__).parents[1])}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    zone, labels = out.stdout.split(" ", 1)
    assert zone == "America/Los_Angeles"
    assert "Dec 2015" not in labels
    assert "Jan 2016" in labels
