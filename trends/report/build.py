"""Building a report folder: pages, charts, tables and the index, written atomically.

The folder is an archive: each build adds or replaces one page (one report
month) and keeps the others. The definition is checked against the data
before any analysis runs, and everything is written to a staging copy of the
folder that is swapped into place at the end (see
:mod:`trends.report.publish`), so a failed build leaves the previous report
intact. A page's bytes do not depend on where it is written or where the
command runs: inputs are named as the definition or command line gave them,
and the rebuild command leaves the output folder as ``FOLDER``.

The Vega bundle is written once per folder as ``assets/vega-bundle.<hash>.js``
(:mod:`trends.charts.bundle`) and loaded by each page with a relative path,
unless the page is built as a single file, which inlines it. Either way each
chart's PNG stands in the page's markup until the interactive chart replaces
it, so a page read without JavaScript still shows every chart.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd

from trends import charts
from trends.charts import export
from trends.charts.bundle import existing_bundle, write_bundle
from trends.charts.export import ChartFiles, png_size, render_chart_files
from trends.csvout import write_csv
from trends.escape import show_controls
from trends.report.analysis import ANALYSES, Findings, analyse
from trends.report.data import ReportData, prepare
from trends.report.definition import ReportDefinition
from trends.report.figures import CHART_ORDER, NEEDS, build_figures, missing_figures
from trends.report.headlines import headline, other_notes
from trends.report.jobs import Jobs
from trends.report.notes import data_notes, method_notes
from trends.report.progress import Progress, Silent
from trends.report.provenance import provenance
from trends.report.publish import precheck, publish, report_folder
from trends.report.tables import Table, incidents_table, region_table, sensitivity_table
from trends.resurgence.wording import month_name

MANIFEST = "pages.json"
OUT_PLACEHOLDER = "FOLDER"
"""How the rebuild command on a page names the report folder."""


@dataclass(frozen=True)
class BuiltPage:
    """Where a page and its files went."""

    page: Path
    charts: list[Path]
    month: str


def _environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(
        lambda name: (
            resources.files("trends.report").joinpath(f"templates/{name}").read_text("utf-8")
        )
    )
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_visible,
    )


def _visible(value: object) -> object:
    """Show direction and control characters of every text put on a page (markup excepted)."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return show_controls(value)
    return value


def rebuild_command(
    definition: ReportDefinition, when: pd.Period, command: list[str] | None = None
) -> list[str]:
    """The command that rebuilds the page, with its month pinned and no output path.

    Examples
    --------
    >>> d = ReportDefinition.from_inputs(["data/events.csv"])
    >>> " ".join(rebuild_command(d, pd.Period("2019-11", freq="M")))
    'trends report data/events.csv --month 2019-11 --out FOLDER'

    """
    if command is None:
        sources = [definition.source] if definition.source else list(definition.inputs)
        command = ["trends", "report", *map(definition.name_of, sources)]
    kept: list[str] = []
    skip = False
    for word in command:
        if skip or word.startswith("--out="):
            skip = False
            continue
        if word == "--out":
            skip = True
            continue
        kept.append(word)
    if "--month" not in kept:
        kept += ["--month", str(when)]
    return [*kept, "--out", OUT_PLACEHOLDER]


def build_report(
    definition: ReportDefinition,
    out: str | Path,
    *,
    month: str | None = None,
    command: list[str] | None = None,
    progress: Progress | None = None,
    single_file: bool | None = None,
    workers: int = 1,
) -> BuiltPage:
    """Build one report month into the folder ``out`` (created if needed).

    ``out`` must be a new folder, an empty one or a trends report; another
    build of the same folder is waited for. ``command`` is the command line
    shown on the page (default: one made from the definition); ``progress``
    hears of each step (reading, each analysis, each chart, writing).
    ``single_file`` inlines the JavaScript bundle in the page instead of
    loading it from the folder's ``assets/`` (default: the definition's
    ``[output] single_file``, else False). ``workers`` > 1 runs the analyses
    of the page in that many worker processes (the same results,
    sooner); as with any use of :mod:`multiprocessing`, a script that asks
    for them must start its work under ``if __name__ == "__main__":``, since
    each worker imports the script. ``trends report`` uses 2 (or
    ``TRENDS_WORKERS``).

    Examples
    --------
    >>> d = ReportDefinition.from_toml("reports/syria-is-monthly.toml")  # doctest: +SKIP
    >>> build_report(d, "out/report").page.name  # doctest: +SKIP
    'syria-is-monthly-2019-11.html'
    """
    progress = progress or Silent()
    if single_file is not None:
        definition = dataclasses.replace(
            definition, output=dataclasses.replace(definition.output, single_file=single_file)
        )
    precheck(out)
    data, when = prepare(definition, month, progress)
    scope = definition.analysis.scope_label or _scope(definition, data)
    bundle = definition.output.single_file or existing_bundle(report_folder(out)) is None
    drawing = Drawing(scope, data.incidents, progress, bundle)
    with Jobs(workers=workers) as jobs:
        findings = analyse(data, when, definition.analysis, progress=progress, workers=jobs,
                           ready=drawing)
    stem = f"{definition.slug}-{when}"
    shown = rebuild_command(definition, when, command)

    def write(folder: Path) -> Path:
        page = _write_page(folder, stem, definition, data, findings, shown, drawing)
        _write_index(folder, definition, when, stem)
        return page

    page = publish(out, write)
    out = Path(out)
    chart_files = sorted((out / "charts" / stem).glob("*"))
    return BuiltPage(out / page.name, chart_files, str(when))


class Drawing:
    """The page's charts, each drawn in this process as soon as its analyses are in.

    Called by :func:`trends.report.analysis.analyse` whenever more results
    are in; while the analyses run in worker processes, this process lays out
    and renders the charts they allow (and builds the JavaScript bundle when
    the page needs it), so little is left to do when the last result comes.
    Each chart is drawn from the same results as it would be at the end.
    """

    def __init__(
        self, scope: str, incidents: pd.DataFrame | None, progress: Progress, bundle: bool
    ) -> None:
        self.scope, self.incidents, self.progress = scope, incidents, progress
        self.bundle = bundle
        self.drawn: dict[str, ChartFiles] = {}
        self.tried: set[str] = set()

    def __call__(self, done: frozenset[str], findings: Findings) -> None:
        """Draw every chart not yet tried whose analyses are all ``done``."""
        names = tuple(n for n in CHART_ORDER if n not in self.tried and set(NEEDS[n]) <= done)
        self.tried.update(names)
        if names:
            figures = build_figures(findings, self.scope, self.incidents, only=names)
            self.progress.add(len(figures))
            for name, chart in figures.items():
                self.progress.step(f"chart: {name}")
                self.drawn[name] = render_chart_files(chart)
        if self.bundle and done >= {"alert_history", "forecast"}:
            self.bundle = False
            charts.offline_scripts()  # kept for the page (built once per process)

    def finish(self, findings: Findings) -> dict[str, ChartFiles]:
        """Every chart of the page, drawing those not drawn yet, in page order."""
        self(frozenset(ANALYSES), findings)
        return {name: self.drawn[name] for name in CHART_ORDER if name in self.drawn}


def _write_page(
    folder: Path,
    stem: str,
    definition: ReportDefinition,
    data: ReportData,
    f: Findings,
    command: list[str],
    drawing: Drawing,
) -> Path:
    scope = drawing.scope
    figures = drawing.finish(f)
    progress = drawing.progress
    progress.add(1)
    chart_dir = folder / "charts" / stem
    if chart_dir.exists():
        shutil.rmtree(chart_dir)
    chart_dir.mkdir(parents=True)
    listed = []
    for name, drawn in figures.items():
        export.write_chart_files(drawn, chart_dir / name)
        spec = drawn.spec
        raw = spec.get("title", name)
        title = raw.get("text", name) if isinstance(raw, dict) else str(raw)
        width, height = png_size(drawn.files[".png"][:24])
        listed.append(
            {
                "name": name,
                "title": title,
                "spec": charts.spec_for_script(spec),
                "base": f"charts/{stem}/{name}",
                "width": width,
                "height": height,
                "missing": "",
            }
        )
    for name, why in missing_figures(f, data.incidents).items():
        listed.append({"name": name, "title": name, "spec": "", "base": "", "missing": why})
    listed.sort(key=lambda item: CHART_ORDER.index(item["name"]))
    progress.step("tables and page")
    tables = [
        t
        for t in (region_table(f), incidents_table(data.incidents, f), sensitivity_table(f))
        if t is not None
    ]
    table_dir = folder / "tables"
    table_dir.mkdir(exist_ok=True)
    for table in tables:
        if table.frame is not None:
            write_csv(table.frame, table_dir / f"{stem}-{table.name}.csv")
    rejects = data.log.to_frame()
    rejects["file"] = rejects["file"].map(definition.name_of)
    write_csv(rejects, table_dir / f"{stem}-rows-log.csv")
    parameters = definition.to_dict()
    parameters["analysis"]["month"] = str(f.month)
    block = provenance(
        inputs=[(definition.name_of(p), p) for p in definition.inputs],
        rows_read=data.rows_read,
        log_counts=data.log.counts(),
        parameters=parameters,
        command=command,
    )
    css = resources.files("trends.report").joinpath("templates/style.css").read_text("utf-8")
    html = (
        _environment()
        .get_template("page.html.j2")
        .render(
            title=definition.title,
            description=definition.description,
            scope=scope,
            month_label=month_name(f.month),
            headline=headline(f, scope),
            notes=other_notes(f),
            figures=listed,
            tables=[_with_csv(t, stem) for t in tables],
            method_notes=method_notes(f),
            data_notes=data_notes(data, f, stem),
            provenance=block,
            parameters=json.dumps(parameters, indent=2, sort_keys=True),
            css=css,
            bundle="" if definition.output.single_file else write_bundle(folder),
            scripts=charts.offline_scripts() if definition.output.single_file else "",
        )
    )
    path = folder / f"{stem}.html"
    path.write_text(html, encoding="utf-8", newline="\n")
    return path


def _with_csv(table: Table, stem: str) -> Table:
    if table.frame is None:
        return table
    return dataclasses.replace(table, csv=f"tables/{stem}-{table.name}.csv", frame=None)


def _scope(definition: ReportDefinition, data: ReportData) -> str:
    f = definition.filters
    place = ", ".join(f.regions) or ", ".join(f.countries) or "all regions"
    who = f" (incidents involving {', '.join(f.actors)})" if f.actors else ""
    return place + who


def _write_index(folder: Path, definition: ReportDefinition, month: pd.Period, stem: str) -> None:
    manifest_path = folder / MANIFEST
    pages = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else []
    pages = [p for p in pages if p["file"] != f"{stem}.html"]
    pages.append(
        {
            "slug": definition.slug,
            "title": definition.title,
            "month": str(month),
            "file": f"{stem}.html",
        }
    )
    pages.sort(key=lambda p: (p["slug"], p["month"]))
    manifest_path.write_text(json.dumps(pages, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    reports: dict[str, dict] = {}
    for page in pages:
        entry = reports.setdefault(page["slug"], {"title": page["title"], "pages": []})
        entry["pages"].append({"file": page["file"], "label": month_name(page["month"])})
    for entry in reports.values():
        entry["pages"].reverse()
    css = resources.files("trends.report").joinpath("templates/style.css").read_text("utf-8")
    html = (
        _environment().get_template("index.html.j2").render(reports=list(reports.values()), css=css)
    )
    (folder / "index.html").write_text(html, encoding="utf-8", newline="\n")
