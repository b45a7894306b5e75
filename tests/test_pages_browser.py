"""The example report pages, rendered in headless Chromium and checked by looking.

Each page is built from its definition in reports/, opened at laptop widths
and as printed on A4, measured in the browser and screenshotted. The checks
are ones a reader would make: every chart drew something, nothing runs off
the side, every table column is wide enough to read, the incidents table's
rows stay short, the summary table holds the headline's own numbers, and
with scripts turned off every chart still shows, as its PNG.

Screenshots go to the folder named by TRENDS_SCREENSHOTS (default: the
test's temporary folder). TRENDS_EXAMPLE_REPORT names a folder where the
example report is already built, to check it without building it again.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from browser import CHROMIUM, Browser
from conftest import ROOT

from trends.report import ReportDefinition, build_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None and os.environ.get("CI") != "true",
        reason="Chromium is not installed (CI installs it and runs these tests)",
    ),
]

PAGES = {
    "syria-is-monthly": "syria-is-monthly-2019-11.html",
    "syria-country-monthly": "syria-country-monthly-2026-02.html",
}
CHARTS = {
    "syria-is-monthly": ["series", "regions", "heatmap", "forest", "alerts", "forecast",
                         "severity"],
    "syria-country-monthly": ["series", "alerts", "forecast"],
}
"""The charts each page draws: the country page has one region and no incident records."""
LAPTOP = (1366, 1280, 1024)
"""Window widths a briefing writer's laptop has."""
A4_PRINTABLE = 703
"""CSS pixels across an A4 page less the 12 mm margins of the print style sheet."""

MEASURE = r"""
(() => {
  const box = e => { const r = e.getBoundingClientRect();
    return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; };
  const root = document.documentElement;
  return {
    overflow: root.scrollWidth - root.clientWidth,
    body: box(document.querySelector("main")),
    charts: Array.from(document.querySelectorAll("div.chart")).map(d => {
      const svg = d.querySelector("svg");
      const img = d.querySelector("img");
      return {id: d.id, box: box(d), svg: svg ? box(svg) : null,
              marks: svg ? svg.querySelectorAll("path, line, rect, text").length : 0,
              img: img ? box(img) : null, loaded: img ? img.naturalWidth : 0};
    }),
    scrollers: Array.from(document.querySelectorAll(".scroll")).map(
      s => ({table: s.querySelector("table").className, over: s.scrollWidth - s.clientWidth})),
    tables: Array.from(document.querySelectorAll("table")).map(t => ({
      name: t.className,
      right: box(t).x + box(t).width,
      columns: Array.from(t.querySelectorAll("thead th")).map(th => ({
        text: th.textContent, width: th.getBoundingClientRect().width,
        cut: th.scrollWidth - th.clientWidth, right: box(th).x + box(th).width})),
      rows: Array.from(t.querySelectorAll("tbody tr")).map(r => r.getBoundingClientRect().height),
      cells: Array.from(t.querySelectorAll("tbody tr")).map(
        r => Array.from(r.querySelectorAll("td")).map(td => td.textContent)),
    })),
    lead: (document.querySelector("p.lead") || {}).textContent || "",
    order: ["p.lead", "p.evidence", "#charts", "#table-regions"].map(
      s => { const e = document.querySelector(s); return e ? box(e).y : -1; }),
  };
})()
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if os.environ.get("TRENDS_EXAMPLE_REPORT"):
        return Path(os.environ["TRENDS_EXAMPLE_REPORT"])
    out = tmp_path_factory.mktemp("examples") / "report"
    for slug in PAGES:
        build_report(ReportDefinition.from_toml(ROOT / "reports" / f"{slug}.toml"), out)
    return out


@pytest.fixture(scope="module")
def browser():
    with Browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = os.environ.get("TRENDS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _open(
    browser, page: Path, width: int, media: str = "screen", javascript: bool = True
) -> dict:
    browser.open(page.resolve().as_uri(), width=width, media=media, javascript=javascript)
    return browser.evaluate(MEASURE)


@pytest.mark.parametrize("slug", list(PAGES))
def test_page_reads_on_a_laptop(site, browser, shots, slug):
    page = site / PAGES[slug]
    for width in LAPTOP:
        m = _open(browser, page, width)
        assert m["overflow"] <= 0, f"{slug} at {width}px runs {m['overflow']}px off the side"
        for scroller in m["scrollers"]:
            assert scroller["over"] <= 1, f"{slug} at {width}px: {scroller} is cut off"
        for table in m["tables"]:
            for column in table["columns"]:
                assert column["width"] >= 40, (slug, width, table["name"], column)
                assert column["cut"] <= 1, f"header {column['text']!r} does not fit its column"
                assert column["right"] <= table["right"] + 1
        incidents = [t for t in m["tables"] if "table-incidents" in t["name"]]
        if incidents:
            (table,) = incidents
            widths = {c["text"]: c["width"] for c in table["columns"]}
            assert widths["notes"] >= 0.2 * m["body"]["width"], widths
            assert max(table["rows"]) <= 160, f"an incident row is {max(table['rows'])}px tall"
        assert m["order"][0] < m["order"][1] < m["order"][2] < m["order"][3], m["order"]
        if width == 1280:
            png = browser.screenshot()
            (shots / f"{slug}-{width}.png").write_bytes(png)
            _check_charts_drawn(browser, png, m["charts"], slug)


def _check_charts_drawn(browser, png: bytes, charts: list[dict], slug: str) -> None:
    assert [c["id"] for c in charts] == [f"chart-{name}" for name in CHARTS[slug]]
    for chart in charts:
        assert chart["svg"] is not None, f"{chart['id']} did not render"
        assert chart["svg"]["width"] > 300 and chart["svg"]["height"] > 150, chart
        assert chart["marks"] > 20, f"{chart['id']} drew only {chart['marks']} elements"
        assert chart["img"] is None, f"{chart['id']} shows its PNG beside the drawn chart"
    inked = browser.ink(png, [c["svg"] for c in charts])
    for chart, share in zip(charts, inked, strict=True):
        # a chart with axes, gridlines, bars and lines inks well over 5% of its box
        assert share > 0.05, f"{slug}: {chart['id']} is nearly blank ({share:.1%} inked)"


@pytest.mark.parametrize("slug", list(PAGES))
def test_page_shows_every_chart_without_javascript(site, browser, shots, slug):
    """A reader with scripts turned off sees each chart's PNG, with nothing cut off."""
    m = _open(browser, site / PAGES[slug], 1280, javascript=False)
    charts = m["charts"]
    assert [c["id"] for c in charts] == [f"chart-{name}" for name in CHARTS[slug]]
    for chart in charts:
        assert chart["svg"] is None, f"{chart['id']} drew with scripts off"
        assert chart["img"] is not None and chart["loaded"] > 300, chart
        assert chart["img"]["width"] > 300 and chart["img"]["height"] > 150, chart
    assert m["overflow"] <= 0
    png = browser.screenshot()
    (shots / f"{slug}-1280-no-javascript.png").write_bytes(png)
    inked = browser.ink(png, [c["img"] for c in charts])
    for chart, share in zip(charts, inked, strict=True):
        assert share > 0.05, f"{slug}: {chart['id']} is nearly blank ({share:.1%} inked)"
    narrow = _open(browser, site / PAGES[slug], 703, media="print", javascript=False)
    for chart in narrow["charts"]:
        assert chart["img"]["x"] + chart["img"]["width"] <= A4_PRINTABLE + 1, chart


@pytest.mark.parametrize("slug", list(PAGES))
def test_page_prints_on_a4(site, browser, slug):
    m = _open(browser, site / PAGES[slug], A4_PRINTABLE, media="print")
    assert m["overflow"] <= 0, f"{slug} printed runs {m['overflow']}px off the page"
    for chart in m["charts"]:
        assert chart["svg"]["x"] + chart["svg"]["width"] <= A4_PRINTABLE + 1, chart
    for table in m["tables"]:
        assert table["right"] <= A4_PRINTABLE + 1, f"{table['name']} is wider than A4"
        for column in table["columns"]:
            assert column["width"] >= 30, (slug, table["name"], column)


def test_country_summary_table_holds_the_headline_numbers(site, browser):
    m = _open(browser, site / PAGES["syria-country-monthly"], 1280)
    ratio, low, high = re.search(
        r"(\d+\.\d\d) times the (?:average )?level .*?\(95% CI (\d+\.\d\d) to (\d+\.\d\d)",
        m["lead"]).groups()
    p = re.search(r"p = (\d\.\d{3})", m["lead"]).group(1)
    (table,) = [t for t in m["tables"] if "table-regions" in t["name"]]
    header = [c["text"] for c in table["columns"]]
    (row,) = table["cells"]
    cells = dict(zip(header, row, strict=True))
    assert cells["region"] == "Syria"
    assert (cells["level ratio"], cells["95% CI"], cells["p"]) == (ratio, f"{low}-{high}", p)


def test_the_governorate_page_explains_its_two_intervals_for_incidents(site):
    """The verdict's interval for incidents includes 1 and the averages' excludes it: the
    page says why, beside the second number, instead of leaving two answers side by side."""
    text = re.sub(r"\s+", " ", html.unescape((site / PAGES["syria-is-monthly"]).read_text()))
    verdict = re.search(r"(\d\.\d\d) times the average level before it \(95% CI (\d\.\d\d) to "
                        r"(\d\.\d\d)", text)
    assert verdict is not None and float(verdict[2]) < 1 < float(verdict[3])
    assert re.search(r"For incidents per month this interval \(\d\.\d\d to 0\.\d\d\) excludes 1 "
                     rf"and the verdict's \({verdict[2]} to {verdict[3]}\) includes it: this one "
                     r"resamples blocks of 3 months", text), text


def test_the_country_page_says_which_months_its_alerts_could_not_check(site):
    """With 5 years back, November 2023 to March 2024 have no threshold: the alerts sentence
    says so instead of reading as if every month since had been checked."""
    text = re.sub(r"\s+", " ", html.unescape((site / PAGES["syria-country-monthly"]).read_text()))
    assert ("Alerts since November 2023 (Farrington, 5 years back, window 3 months, both sides "
            "checked, as in the alert chart; 5 months without a threshold could not be checked: "
            "2023-11 to 2024-03): unusually high in 2024-11") in text
    # the months before the definition's start are read, counted and listed, not dropped
    assert "446 months of the table read, 86 of them used, 2019-01 to 2026-02" in text
    assert "360 rows filtered: month before the start 2019-01" in text
