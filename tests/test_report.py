"""Report pages: byte-identical rebuilds, hostile strings, offline rendering, atomic writes."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import CHROMIUM, OFFLINE
from conftest import GED, RESULTS

from trends.cli import main
from trends.errors import InputError, OptionError
from trends.report import ReportDefinition, build_report
from trends.report.analysis import Findings, _alerts
from trends.report.definition import Analysis, Filters
from trends.report.headlines import headline, headlines
from trends.report.tables import quoted_p, region_table
from trends.resurgence.verdict import assess

HOSTILE = [
    "</script><script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://example.invalid","click")',
    "{{ 7*7 }} <!-- comment",
    "gpj.\u202eexe \u2066isolated\u2069 \x1b[2J",
]
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x1b"


def small_definition(**analysis):
    settings = dict(
        measure="incidents",
        break_month="2017-11",
        bootstrap=99,
        alert_years_back=2,
        alert_window=2,
        scope_label="three governorates",
    )
    settings.update(analysis)
    return ReportDefinition(
        title="IS incidents in three governorates",
        slug="three",
        inputs=(str(GED),),
        filters=Filters(actors=("IS",), regions=("Deir ez-Zor", "Homs", "Ar-Raqqah")),
        analysis=Analysis(**settings),
    )


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "site"
    page = build_report(small_definition(), out)
    return out, page


def test_page_and_charts_exist(built):
    out, page = built
    assert page.page.name == "three-2019-11.html"
    html = page.page.read_text()
    # two of the three regions cannot tell, so the by-region comparison says why in its place
    assert re.search(r'<figure id="missing-forest">\s*<p class="missing">The by-region '
                     r"comparison could not be drawn: fewer than two regions", html)
    assert not (out / "charts" / "three-2019-11" / "forest.png").exists()
    for name in ("series", "regions", "heatmap", "alerts", "forecast", "severity"):
        for suffix in (".vl.json", ".svg", ".png"):
            assert (out / "charts" / "three-2019-11" / f"{name}{suffix}").exists()
        assert f'id="chart-{name}"' in html
    assert (out / "charts/three-2019-11/series.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "index.html" in html and (out / "index.html").exists()


def test_page_loads_the_bundle_from_its_folder_by_a_relative_path(built):
    out, page = built
    html = page.page.read_text()
    (src,) = re.findall(r'<script src="([^"]+)"></script>', html)
    assert re.fullmatch(r"assets/vega-bundle\.[0-9a-f]{16}\.js", src), src
    bundle = (out / src).read_bytes()
    assert hashlib.sha256(bundle).hexdigest()[:16] == src.split(".")[1]
    assert b"window.vegaEmbed" in bundle and len(bundle) > 500_000
    assert len(html.encode()) < len(bundle) // 2, "the bundle is still inlined"
    assert sorted(p.name for p in (out / "assets").iterdir()) == [
        Path(src).name, "vega-bundle.json"]
    assert not re.search(r"<link[^>]+href=\"https?:", html)


def test_every_chart_has_its_png_in_place_for_readers_without_javascript(built):
    out, page = built
    html = page.page.read_text()
    places = re.findall(r'<div id="chart-([a-z]+)"[^>]*><img class="fallback" '
                        r'src="([^"]+)" width="(\d+)" height="(\d+)" alt="[^"]+"', html)
    assert len(places) == len(page.charts) // 3 >= 6
    for name, src, width, height in places:
        png = (out / src).read_bytes()
        assert src == f"charts/three-2019-11/{name}.png"
        assert (int(width), int(height)) == (int.from_bytes(png[16:20], "big"),
                                             int.from_bytes(png[20:24], "big"))
        assert int(width) > 300 and int(height) > 80


def test_single_file_page_inlines_the_bundle(hostile_page):
    page, out = hostile_page
    html = page.page.read_text()
    assert not re.search(r"<script[^>]+src=", html)
    assert "window.vegaEmbed" in html and len(html.encode()) > 500_000
    assert not (out / "assets").exists()
    assert '"single_file": true' in html.replace("&#34;", '"')


def test_the_bundle_is_reused_only_while_it_matches_its_name(tmp_path, monkeypatch):
    from trends.charts import bundle as B

    first = B.write_bundle(tmp_path)
    written = (tmp_path / first).read_bytes()

    def no_bundle():
        raise AssertionError("the bundle was built again")

    monkeypatch.setattr(B, "offline_scripts", no_bundle)
    assert B.write_bundle(tmp_path) == first
    (tmp_path / first).write_bytes(written.replace(b"vegaEmbed", b"vegaEmbeD", 1))
    with pytest.raises(AssertionError, match="built again"):
        B.write_bundle(tmp_path)
    monkeypatch.undo()
    assert B.write_bundle(tmp_path) == first
    assert (tmp_path / first).read_bytes() == written
    # a link in the bundle's place is replaced, and what it points to left alone
    elsewhere = tmp_path / "elsewhere.js"
    elsewhere.write_text("mine")
    (tmp_path / first).unlink()
    (tmp_path / first).symlink_to(elsewhere)
    assert B.write_bundle(tmp_path) == first
    assert elsewhere.read_text() == "mine"
    assert not (tmp_path / first).is_symlink() and (tmp_path / first).read_bytes() == written


def test_output_single_file_must_be_true_or_false(tmp_path):
    bad = tmp_path / "r.toml"
    bad.write_text(f'title = "x"\n[input]\nfiles = ["{GED}"]\n[output]\nsingle_file = "yes"\n')
    with pytest.raises(InputError, match="expected bool") as err:
        ReportDefinition.from_toml(bad)
    assert err.value.column == "output.single_file"
    bad.write_text(f'title = "x"\n[input]\nfiles = ["{GED}"]\n[output]\nsingle_file = true\n')
    assert ReportDefinition.from_toml(bad).output.single_file is True


def test_the_older_alternative_key_is_read_as_direction_and_not_shown(tmp_path):
    definition = tmp_path / "r.toml"
    definition.write_text(f'title = "x"\n[input]\nfiles = ["{GED}"]\n'
                          '[analysis]\nalternative = "increase"\n')
    parameters = ReportDefinition.from_toml(definition).to_dict()["analysis"]
    assert parameters["direction"] == "rise" and "alternative" not in parameters


def test_page_opens_with_the_verdict_then_its_evidence_then_the_figures(built):
    html = built[1].page.read_text()
    lead = re.search(r'<p class="lead">([^<]*)</p>', html)
    evidence = re.search(r'<p class="evidence">([^<]*)</p>', html)
    figures = re.search(r'<ul class="figures">(.*?)</ul>', html, re.S)
    assert lead and evidence and figures
    assert html.index(lead.group(0)) < html.index(evidence.group(0)) < html.index(
        figures.group(0)) < html.index('id="charts"')
    assert lead.group(1).startswith("Cannot tell whether incidents (three governorates) rose "
                                    "at November 2017: ")
    # the evidence reconciles the scan and the regions with the verdict
    assert "A scan of every month from January 2016 for a break at an unknown date" in (
        evidence.group(1))
    assert "By region, since November 2017" in evidence.group(1)
    # every figure has its interval and says what it means
    items = re.findall(r"<li>([^<]*)</li>", figures.group(1))
    forecast = next(i for i in items if i.startswith("Forecast for December 2019"))
    assert re.search(r": a median of \d+ incidents \(80% interval \d+-\d+: the count should "
                     r"fall in such an interval about 8 months in 10", forecast)
    tail = next(i for i in items if i.startswith("Deaths per incident"))
    assert re.search(r"95% CI \d\.\d\d-\d\.\d\d; .*times rarer", tail)
    assert "Not computed" not in html and "Also not computed" not in html


def test_summary_table_has_the_headline_numbers():
    """One region, as on the country page: its only row holds the verdict's own numbers."""
    homs = _is_syria("incidents", "homs")
    verdict = assess(homs, "2017-11", direction="rise", name="Homs", bootstrap=99)
    f = _findings({"Homs": homs, "All regions": homs})
    f = dataclasses.replace(
        f, verdict=verdict, settings=Analysis(measure="incidents", break_month="2017-11"),
        panel=pd.DataFrame({"region": "Homs", "month": homs.index,
                            "incidents": homs.to_numpy()}),
    )
    lead = headline(f, "Homs").lead
    assert lead == verdict.sentence
    ratio, low, high = re.search(
        r"(\d+\.\d\d) times the (?:average )?level .*?\(95% CI (\d+\.\d\d) to (\d+\.\d\d)",
        lead).groups()
    p = re.search(r"p = (\d\.\d{3})", lead).group(1)
    table = region_table(f)
    (row,) = table.rows
    cells = dict(zip(table.columns, row["cells"], strict=True))
    assert cells["region"] == "Homs"
    assert "Holm" not in table.caption  # one region: nothing to adjust for
    # the 24 months compared at most end before the data's November 2019, as the lead says
    assert "in the 24 months from then" in lead
    words = verdict.verdict.replace("_", " ")
    assert cells["since the break"] == f"{words} (the 24 months from then)"
    assert (cells["level ratio"], cells["95% CI"], cells["p"]) == (ratio, f"{low}-{high}", p)


def test_a_region_whose_months_were_cut_says_which_months_its_ratio_is_of():
    from trends.report.tables import _since_break
    from trends.resurgence.verdict_parts import Flag

    homs = _is_syria("incidents", "homs")
    # to October 2019: the 24 months compared at most reach the data's end
    verdict = assess(homs[:"2019-10"], "2017-11", direction="either", name="Homs", bootstrap=99)
    assert verdict.test.n_after == 24 and _since_break(verdict) == "fall"
    cut = dataclasses.replace(verdict, flags=(*verdict.flags, Flag("later_change", "...", False)))
    assert _since_break(cut) == "fall (the 24 months from then)"
    # to November 2019 the cap of 24 months cuts them, as the region's sentence says
    capped = assess(homs, "2017-11", direction="either", name="Homs", bootstrap=99)
    assert _since_break(capped) == "fall (the 24 months from then)"
    assert "in the 24 months from then they were" in capped.sentence


def test_an_excess_interval_that_disagrees_with_the_ratio_is_explained():
    homs = _is_syria("incidents", "homs")
    verdict = assess(homs, "2017-11", direction="either", name="Homs", bootstrap=99)
    _low, high = verdict.level_ratio_ci
    assert high < 1  # a fall: the ratio's interval excludes 1
    from trends.resurgence.wording import evidence

    f = dataclasses.replace(_findings({"Homs": homs, "All regions": homs}),
                            settings=Analysis(break_month="2017-11"))
    agreeing = dataclasses.replace(f, verdict=verdict)
    assert not any("made differently" in s for s in headline(agreeing, "Homs").evidence)
    straddling = dataclasses.replace(verdict.test, excess_ci=(-50.0, 20.0))
    (said,) = [s for s in evidence(dataclasses.replace(verdict, test=straddling))
               if "made differently" in s]
    assert said.startswith("The excess's interval (-50 to +20) includes zero while the level "
                           "ratio's excludes 1")


def test_a_change_against_the_question_is_quoted_with_its_two_sided_p():
    y = _is_syria("incidents", "homs")
    verdict = assess(y, "2017-11", direction="rise", name="Homs", bootstrap=99)
    assert verdict.verdict == "fall"
    assert "did not rise after November 2017; they fell" in verdict.sentence
    assert f"two-sided p = {quoted_p(verdict):.3f}" in verdict.sentence
    assert quoted_p(verdict) != pytest.approx(verdict.p_value)


def _is_syria(column="incidents", region="syria"):
    d = pd.read_csv(RESULTS / f"ged_is_{region}_monthly.csv")
    return pd.Series(d[column].to_numpy(), index=pd.PeriodIndex(d["month"], freq="M"),
                     name=column)


def _findings(series, month="2019-11"):
    settings = Analysis(measure="incidents", alert_years_back=2, alert_window=2)
    notes = {}
    rows = _alerts(series, pd.Period(month, "M"), settings, notes)
    total = series["All regions"]
    return Findings(pd.Period(month, "M"), settings, total, pd.DataFrame(), alerts=rows)


def test_headline_calls_a_low_month_unusually_low():
    """IS incidents in Syria, November 2019: 15 against 134 expected."""
    f = _findings({"All regions": _is_syria()})
    first = headlines(f, "Syria")[0]
    low = f.alerts.iloc[0]["lower_bound"]
    assert first == (
        "November 2019: 15 incidents (Syria), against 134 expected from the same time of year "
        f"in the past 2 years: unusually low (below the lower bound of {low:.1f}). A month outside "
        "its bounds happens by chance in about 1 month in 20 on each side when nothing has changed."
    )
    assert "within the usual range" not in first


def test_headline_names_regions_on_each_side():
    y = _is_syria()
    regions = {"Up": y.where(y.index != y.index[-1], 900), "Down": y, "Flat": y.shift(1).bfill()}
    f = _findings(regions | {"All regions": y})
    lines = headlines(f, "Syria")
    assert lines[1] == (
        "Regions above their upper alert threshold: Up. "
        "Regions below their lower alert threshold: Down, Flat."
    )
    quiet = _findings({"A": y, "B": y, "All regions": y}, month="2019-02")
    assert quiet.alerts.iloc[-1]["verdict"].endswith("(both sides checked)")
    assert "No region was above its upper or below its lower alert threshold." in headlines(
        quiet, "Syria"
    )


def test_region_table_marks_the_side_of_each_alarm():
    y = _is_syria()
    regions = {"Up": y.where(y.index != y.index[-1], 900), "Down": y,
               "Same": y.where(y.index != y.index[-1], 150)}
    f = _findings(regions | {"All regions": y})
    panel = pd.concat(
        pd.DataFrame({"region": name, "month": v.index, "incidents": v.to_numpy()})
        for name, v in regions.items()
    )
    f = dataclasses.replace(f, panel=panel)
    table = region_table(f)
    alarm = table.columns.index("alarm")
    cells = {r["cells"][0]: (r["cells"][alarm], r["flag"]) for r in table.rows}
    assert cells == {"Up": ("high", True), "Down": ("low", True), "Same": ("no", False),
                     "All regions": ("low", True)}
    assert table.columns.index("lower bound") == table.columns.index("upper bound") - 1


def test_provenance_names_inputs_by_hash_and_the_rebuild_command(built):
    html = built[1].page.read_text()
    assert hashlib.sha256(GED.read_bytes()).hexdigest() in html
    assert "trends report" in html and "--month 2019-11" in html
    assert "Built " not in html
    # built from input files, not a definition: the rebuild says where to run it from
    assert "run from the folder the input files are named relative to" in html
    assert "holds the definition" not in html


@pytest.mark.slow
def test_rebuild_gives_identical_bytes(tmp_path, monkeypatch):
    """Two builds from different working folders into differently named output folders."""
    trees = []
    for name, out in (("first", "site"), ("second", str(tmp_path / "elsewhere" / "other-name"))):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        build_report(small_definition(bootstrap=19), out)
        trees.append(digest_tree(tmp_path / name / out))
    assert trees[0] == trees[1]
    assert len(trees[0]) > 20
    page = next((tmp_path / "first" / "site").glob("*.html"))
    assert str(tmp_path) not in page.read_text() and "--out FOLDER" in page.read_text()


@pytest.mark.slow
def test_archive_keeps_earlier_months(built, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(built[0], out)
    build_report(small_definition(), out, month="2019-10")
    index = (out / "index.html").read_text()
    assert "three-2019-10.html" in index and "three-2019-11.html" in index
    assert index.index("November 2019") < index.index("October 2019")


@pytest.mark.slow
def test_source_date_epoch_adds_the_only_timestamp(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    page = build_report(small_definition(bootstrap=19), tmp_path / "site")
    assert "Built 2023-11-14 22:13:20 UTC" in page.page.read_text()


@pytest.mark.slow
def test_failed_build_leaves_the_previous_report_intact(built, tmp_path, monkeypatch):
    out = tmp_path / "site"
    shutil.copytree(built[0], out)
    before = digest_tree(out)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("trends.report.build.export.write_chart_files", broken)
    with pytest.raises(OSError):
        build_report(small_definition(), out, month="2019-09")
    assert digest_tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def hostile_incidents(path: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["incident_id,date_start,country,region,actor1,actor2,killed_best,source,notes"]
    months = [f"{2016 + i // 12}-{i % 12 + 1:02d}" for i in range(48)]
    for i, month in enumerate(months):
        for region in ("Homs", HOSTILE[1]):
            for k in range(int(rng.poisson(6)) + 1):
                text = HOSTILE[(i + k) % len(HOSTILE)].replace('"', '""')
                place = region.replace('"', '""')
                lines.append(
                    f'e{i}-{k}-{len(region)},{month}-{k % 27 + 1:02d},Syria,"{place}",'
                    f'"{text}",IS,{int(rng.poisson(3))},"{text}","{text}"'
                )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    hostile_incidents(folder / "events.csv")
    definition = ReportDefinition(
        title=HOSTILE[0],
        slug="hostile",
        inputs=(str(folder / "events.csv"),),
        description=HOSTILE[3],
        analysis=Analysis(
            break_month="2018-01",
            bootstrap=19,
            alert_years_back=2,
            alert_window=2,
            scope_label=HOSTILE[1],
        ),
    )
    return build_report(definition, folder / "site", single_file=True), folder / "site"


@pytest.mark.slow
def test_hostile_strings_are_escaped_everywhere(hostile_page):
    page, out = hostile_page
    html = page.page.read_text()
    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    # the bundle, one JSON block per chart and the loader are the only script blocks
    opened = len(re.findall(r"<script\b", html))
    assert opened == len(re.findall(r"</script>", html)) == 2 + len(page.charts) // 3
    assert "&lt;/script&gt;" in html
    for csv in (out / "tables").glob("*.csv"):
        for cell in re.findall(r'(?:^|,)"?(=HYPERLINK)', csv.read_text(), flags=re.M):
            pytest.fail(f"{csv.name} has an undefused formula {cell}")
    incidents = next((out / "tables").glob("hostile-*-incidents.csv")).read_text()
    assert "'=HYPERLINK" in incidents
    # direction and control characters are shown as codes in every file, never raw
    for path in out.rglob("*"):
        if path.suffix in (".html", ".svg", ".json", ".csv"):
            text = path.read_text(encoding="utf-8")
            assert not set(text) & set(BIDI), path.name
    assert "&lt;U+202E&gt;" in html


def render(page: Path) -> tuple[str, list[str]]:
    """Open the page in headless Chromium with the network blocked; return DOM and console."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                *OFFLINE,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=20000",
                "--dump-dom",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


needs_browser = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="Chromium is not installed (CI installs it and runs this test)",
)


@pytest.mark.browser
@needs_browser
@pytest.mark.parametrize("which", ["built", "hostile_page"])
def test_every_chart_renders_offline_without_console_errors(which, request):
    page = request.getfixturevalue(which)[0 if which == "hostile_page" else 1]
    dom, console = render(page.page)
    charts = re.findall(r'<div id="chart-([a-z]+)"[^>]*>(.*?)</div>\s*<figcaption', dom, re.S)
    assert len(charts) == len(page.charts) // 3
    for name, inner in charts:
        assert "<svg" in inner, f"chart {name} did not render"
    assert console == [], console
    assert "alert(" not in "".join(console)


@pytest.mark.slow
def test_cli_report_and_chart(tmp_path, capsys):
    definition = tmp_path / "r.toml"
    definition.write_text(
        'title = "Homs"\nslug = "homs"\n[input]\nfiles = ["' + str(GED) + '"]\n'
        '[filters]\nactors = ["IS"]\nregions = ["Homs"]\n'
        '[analysis]\nbreak_month = "2017-11"\nbootstrap = 99\nalert_years_back = 2\n'
        "alert_window = 2\n"
    )
    assert main(["report", str(definition), "--out", str(tmp_path / "site"), "--single-file"]) == 0
    page = (tmp_path / "site" / "homs-2019-11.html").read_text()
    assert "trends report r.toml --single-file --month 2019-11 --out FOLDER" in page
    assert "run from the folder that holds the definition" in page
    assert "window.vegaEmbed" in page and not (tmp_path / "site" / "assets").exists()
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<svg"), ("json", b"{")):
        out = tmp_path / f"alerts.{fmt}"
        assert (
            main(
                [
                    "chart",
                    "alerts",
                    str(definition),
                    "--format",
                    fmt,
                    "--width",
                    "800",
                    "--height",
                    "400",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        assert out.read_bytes().startswith(magic)


def test_report_from_inputs_takes_the_preliminary_month_and_rebuilds_with_it():
    from trends.cli import build_parser
    from trends.cli.report import definition_from, rebuild_words

    args = build_parser().parse_args(["report", str(RESULTS / "x.csv"), "--out", "o",
                                      "--preliminary-from", "2025-01"])
    definition = definition_from(args)
    assert definition.analysis.preliminary_from == "2025-01"
    assert rebuild_words(args, definition)[-2:] == ["--preliminary-from", "2025-01"]
    args.preliminary_from = "2025-13"
    with pytest.raises(OptionError, match="--preliminary-from must be a month"):
        definition_from(args)


def test_cli_report_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'title = "x"\n[input]\nfiles = ["nope.csv"]\n[analysis]\nbreak_mont = "2017-11"\n'
    )
    assert main(["report", str(bad), "--out", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown key [analysis] 'break_mont'" in err[0]
    assert not (tmp_path / "site").exists()


def test_the_alerts_in_the_evidence_are_those_of_the_alert_chart(built):
    """The evidence paragraph names the months the page's own alert chart flags."""
    import json

    out, page = built
    html = page.page.read_text()
    said = re.search(r"(Alerts since|No month since) [^<]*?\)", html)
    assert said is not None and "as in the alert chart" in said.group(0)
    spec = json.loads((out / "charts" / "three-2019-11" / "alerts.vl.json").read_text())
    rows = [r for data in spec["datasets"].values() for r in data if "status" in r]
    flagged = {r["month"] for r in rows
               if r["month"] >= "2017-11" and r["status"].startswith("Unusually")}
    sentence = re.search(r"(Alerts since|No month since)[^<]*?(?=Single months|<)", html).group(0)
    unchecked = re.search(r"could not be checked: (\d{4}-\d{2}) to (\d{4}-\d{2})\)", sentence)
    if unchecked:  # the months before the chart's first threshold
        checked = {r["month"] for r in rows if not r["status"].startswith("No threshold")}
        assert unchecked[1] >= "2017-11" and unchecked[2] < min(m for m in checked
                                                                if m >= "2017-11")
    listed = set(re.findall(r"\d{4}-\d{2}", sentence.split("): ", 1)[-1]))
    assert listed <= flagged
    more = re.findall(r"(\d+) months \(", sentence)
    assert sum(map(int, more)) + len(listed) - 6 * len(more) == len(flagged)


def test_data_notes_account_for_every_logged_row(built):
    """The reasons listed, plus 'N more rows for K other reasons', add up to the log's rows."""
    out, page = built
    html = page.page.read_text()
    notes = re.search(r'<h2 id="data-notes">Data notes</h2>\s*<ul>(.*?)</ul>', html, re.S)
    assert notes is not None
    items = re.findall(r"<li>(.*?)</li>", notes.group(1), re.S)
    listed = sum(int(m.replace(",", "")) for i in items
                 for m in re.findall(r"^([\d,]+) rows? \w+:", i))
    more = sum(int(m.replace(",", "")) for i in items
               for m in re.findall(r"^([\d,]+) more rows for", i))
    log = (out / "tables").glob("*-rows-log.csv")
    total = sum(len(pd.read_csv(path)) for path in log)
    assert listed + more == total


def test_the_page_lists_the_verdicts_caveats_but_not_those_it_shows_elsewhere():
    """Every flag that does not stop the verdict is on the page, as on the command line; the
    later change is in the verdict's sentence, and the verdict's alerts give way to the
    page's alert chart."""
    from types import SimpleNamespace

    from trends.report.headlines import _caveats
    from trends.resurgence.verdict_parts import Flag

    flags = (Flag("short_stable_period", "only 22 months before 2017-11", False),
             Flag("later_change", "the 24 months to October 2025 were 2.75 times", False),
             Flag("alerts_unavailable", "the alerts need two years of history", False),
             Flag("preliminary", "the figures from January 2025 on are preliminary", False),
             Flag("uninformative", "the interval says nothing", True))
    page = SimpleNamespace(verdict=SimpleNamespace(flags=flags), alert_history=object(),
                           settings=SimpleNamespace(break_month="2017-11"))
    assert _caveats(page) == ["Caveat: only 22 months before 2017-11."]
    page.alert_history = None
    assert _caveats(page) == ["Caveat: only 22 months before 2017-11.",
                              "Caveat: the alerts need two years of history."]


def test_preliminary_months_are_named_in_the_notes_and_this_months_figure():
    """UCDP Candidate months may be revised: the page must not present them as final."""
    from trends.report.analysis import analyse
    from trends.report.build import prepare
    from trends.report.headlines import _figures
    from trends.report.notes import data_notes

    definition = ReportDefinition.from_toml("reports/syria-country-monthly.toml")
    assert definition.analysis.preliminary_from == "2025-01"
    data, month = prepare(definition)
    found = analyse(data, month, definition.analysis, only=("alerts",))
    notes = data_notes(data, found, "x")
    assert ("The figures from January 2025 on (14 months) are preliminary and may be revised "
            "in later releases (preliminary_from).") in notes
    assert _figures(found, "Syria")[0].startswith(
        "February 2026: 81 deaths (best estimate; Syria; a preliminary figure), against")
    final = dataclasses.replace(definition.analysis, preliminary_from="")
    found = analyse(data, month, final, only=("alerts",))
    assert not any("preliminary" in n for n in data_notes(data, found, "x"))
    assert "(best estimate; Syria), against" in _figures(found, "Syria")[0]


def test_averages_that_disagree_with_the_verdict_say_why():
    from types import SimpleNamespace

    from trends.report.headlines import _split_against_verdict

    split = SimpleNamespace(measure="killed_best", block_months=3,
                            ratio_frequency_ci=(0.23, 0.43), ratio_total_ci=(0.17, 0.52))
    test = SimpleNamespace(level_ratio_ci=(0.07, 1.28))
    verdict = SimpleNamespace(measure="incidents", verdict="no_change", test=test)
    said = _split_against_verdict(SimpleNamespace(verdict=verdict, split=split, sensitivity=None))
    assert said.startswith(" For incidents per month this interval (0.23 to 0.43) excludes 1 "
                           "and the verdict's (0.07 to 1.28) includes it: this one resamples "
                           "blocks of 3 months")
    agree = SimpleNamespace(level_ratio_ci=(0.10, 0.60))
    assert _split_against_verdict(SimpleNamespace(
        verdict=SimpleNamespace(measure="incidents", verdict="fall", test=agree),
        split=split, sensitivity=None)) == ""
    unsure = SimpleNamespace(measure="incidents", verdict="cannot_tell", test=test)
    assert _split_against_verdict(SimpleNamespace(verdict=unsure, split=split,
                                                  sensitivity=None)).endswith(
        "allows for, and the verdict cannot tell.")
    deaths = SimpleNamespace(measure="killed_best", verdict="no_change", test=test)
    assert "For deaths (best estimate) per month this interval (0.17 to 0.52)" in \
        _split_against_verdict(SimpleNamespace(verdict=deaths, split=split, sensitivity=None))
    # an incidents verdict: its test on deaths is in the sensitivity table
    test = SimpleNamespace(level_ratio_ci=(0.20, 0.50), break_month="2017-11",
                           start="2016-01", end="2019-10")
    verdict = SimpleNamespace(measure="incidents", verdict="fall", test=test)
    table = pd.DataFrame({"measure": ["killed_low", "killed_best"], "level ratio": [0.5, 0.56],
                          "95% CI low": [0.1, 0.03], "95% CI high": [2.0, 14.15]})
    said = _split_against_verdict(SimpleNamespace(verdict=verdict, split=split,
                                                  sensitivity=table))
    assert said == (" For deaths (best estimate) per month this interval (0.17 to 0.52) excludes "
                    "1 and the verdict's test on them (0.56, 95% CI 0.03 to 14.15, in the "
                    "sensitivity table) includes it: that test compares the months from "
                    "November 2017 to October 2019 with those from January 2016 on, and allows "
                    "for the slow month-to-month drift that blocks of months leave out.")
    table["95% CI high"] = [2.0, 0.9]
    assert _split_against_verdict(SimpleNamespace(verdict=verdict, split=split,
                                                  sensitivity=table)) == ""


def test_the_sensitivity_table_runs_the_verdicts_own_model():
    """A verdict that compares with the average level before (too few stable months for a
    trend) has its test on each death estimate compare with that level too."""
    from trends.report.analysis import _estimates

    idx = pd.period_range("2016-01", periods=40, freq="M")
    rng = np.random.default_rng(4)
    counts = rng.poisson(np.where(np.arange(40) < 20, 20.0, 35.0))
    y = pd.Series(counts, index=idx, name="incidents")
    verdict = assess(y, "2017-09", bootstrap=99, scan_bootstrap=99)
    assert not verdict.test.trend and verdict.test.harmonics == 0, verdict.summary()
    panel = pd.DataFrame({"month": idx.astype(str), "killed_low": counts,
                          "killed_best": counts, "killed_high": counts})
    rows = _estimates(panel, verdict.test, Analysis(bootstrap=99))
    assert rows["level ratio"].tolist() == [verdict.test.level_ratio] * 3



def test_a_band_past_the_float_range_is_left_out_of_the_series_chart():
    """Two counts among 48 zero months: the plain trend fit's band overflows; the chart draws
    the observed and fitted counts and no band there, instead of failing the page."""
    from trends.charts import series_chart
    from trends.report.figures import fitted_frame

    idx = pd.period_range("2019-01", periods=48, freq="M")
    counts = np.zeros(48)
    counts[[15, 42]] = 5
    y = pd.Series(counts, index=idx, name="killed")
    frame = fitted_frame(Findings(idx[-1], Analysis(measure="killed"), y, pd.DataFrame()))
    assert frame["fitted_high"].isna().any() and np.isfinite(frame["fitted"]).all()
    assert not np.isinf(frame[["fitted_low", "fitted_high"]].to_numpy()).any()
    series_chart(frame, measure_label="Killed per month", title="Mostly zero")


def test_a_folder_of_one_monthly_table_is_read_and_listed_file_by_file(tmp_path):
    from trends.report.data import load
    from trends.report.provenance import provenance

    folder = tmp_path / "monthly"
    folder.mkdir()
    months = pd.period_range("2020-01", periods=24, freq="M").astype(str)
    pd.DataFrame({"month": months, "killed": np.arange(24)}).to_csv(folder / "a.csv",
                                                                   index=False)
    definition = ReportDefinition.from_inputs([str(folder)], measure="killed")
    assert load(definition).panel["killed"].sum() == sum(range(24))
    block = provenance(inputs=[("monthly", str(folder))], rows_read=24, log_counts={},
                       parameters={}, command=["trends"])
    assert [entry["file"] for entry in block["inputs"]] == ["monthly/a.csv"]
    assert block["inputs"][0]["sha256"] == hashlib.sha256((folder / "a.csv").read_bytes()
                                                          ).hexdigest()


def test_the_page_says_when_no_region_can_pass_the_adjustment_for_regions():
    """96 regions and 999 series: Holm's smallest p-value is 0.096, so a region 2.8 times its
    level before (95% CI 1.9 to 4.1 alone) read 'no detectable change' without a word why."""
    from types import SimpleNamespace

    from trends.report.headlines import _region_verdicts

    def region(name, ci):
        return SimpleNamespace(name=name, verdict="no_change", regions_tested=96,
                               direction="rise", test=SimpleNamespace(level_ratio_ci=ci))

    found = SimpleNamespace(
        region_verdicts=[region("A", (1.9, 4.1)), region("B", (0.7, 1.3)),
                         *(region(f"r{i:02d}", (0.8, 1.2)) for i in range(94))],
        notes={}, settings=SimpleNamespace(break_month="2024-01", bootstrap=999))
    assert _region_verdicts(found) == (
        "By region, since January 2024 (p-values Holm-adjusted for 96 regions): no detectable "
        "change: A, B, r00, r01, r02 and 91 more (96 regions; see the table). For A the 95% "
        "interval of the region alone excludes no change, but not after allowing for the 96 "
        "regions tested: with 999 bootstrap series the smallest p-value adjusted for 96 regions "
        "is 0.096, so no region can pass whatever the data (build the page with at least 1920 "
        "(--bootstrap, or bootstrap under [analysis])).")
    found.settings.bootstrap = 1999
    assert _region_verdicts(found).endswith(
        "For A the 95% interval of the region alone excludes no change, but not after allowing "
        "for the 96 regions tested.")


def test_the_averages_say_which_months_they_compare(built):
    """They ran to the page's month (25 months) while the verdict beside them compared 24,
    and the page said only 'since November 2017'."""
    _, page = built
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.page.read_text()))
    assert ("Averages of the 25 months from November 2017 to November 2019 against the 22 "
            "months before (not against a trend)") in text


def test_charts_of_many_regions_draw_those_with_the_most_and_say_so():
    """1,200 regions drew a 36,801-pixel-tall small-multiples chart and a forest plot whose
    subtitle listed every region it left out on one line."""
    from trends.report.figures import MOST_DRAWN, build_figures

    months = pd.period_range("2020-01", periods=24, freq="M").astype(str)
    names = [f"Region {i:02d}" for i in range(45)]
    panel = pd.DataFrame([(m, r, i % 7 + 1 + (i if r == "Region 44" else 0))
                          for i, r in enumerate(names) for m in months],
                         columns=["month", "region", "incidents"])
    total = panel.groupby("month")["incidents"].sum()
    total.index = pd.PeriodIndex(total.index, freq="M")
    f = Findings(pd.Period("2021-12", "M"), Analysis(measure="incidents"), total, panel)
    charts = build_figures(f, "Somewhere", None, only=("regions", "heatmap"))
    totals = panel.groupby("region")["incidents"].sum()
    top = set(totals.sort_values(ascending=False, kind="stable").index[:MOST_DRAWN])
    for name in ("regions", "heatmap"):
        spec = charts[name].to_dict()
        drawn = {row["region"] for data in spec["datasets"].values() for row in data
                 if "region" in row}
        assert drawn == top and "Region 44" in drawn
        assert f"The {MOST_DRAWN} of 45 regions with the most incidents; every region is in " \
               "the table" in spec["title"]["subtitle"]


def test_a_chart_alone_does_not_point_to_a_table():
    """trends chart regions said 'every region is in the table', with no table beside it."""
    from trends.report.figures import build_figures

    months = pd.period_range("2020-01", periods=24, freq="M").astype(str)
    panel = pd.DataFrame([(m, f"Region {i:02d}", i + 1) for i in range(40) for m in months],
                         columns=["month", "region", "incidents"])
    total = panel.groupby("month")["incidents"].sum()
    total.index = pd.PeriodIndex(total.index, freq="M")
    f = Findings(pd.Period("2021-12", "M"), Analysis(measure="incidents"), total, panel)
    alone = build_figures(f, "Somewhere", None, only=("regions",), table=None)
    assert alone["regions"].to_dict()["title"]["subtitle"][-1] == (
        "The 30 of 40 regions with the most incidents")
