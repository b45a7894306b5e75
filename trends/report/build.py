"""Building a report folder: pages, charts, tables and the index, written atomically.

The folder is an archive: each build adds or replaces one page (one report
month) and keeps the others. Everything is written to a staging folder next
to the output and swapped into place at the end, so a failed build leaves the
previous report intact.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from trends import charts
from trends.aggregate import parse_month
from trends.csvout import write_csv
from trends.errors import OptionError
from trends.report.analysis import Findings, analyse
from trends.report.data import ReportData, latest_complete_month, load
from trends.report.definition import ReportDefinition
from trends.report.figures import build_figures
from trends.report.headlines import headlines, month_name
from trends.report.notes import data_notes, method_notes
from trends.report.provenance import display_path, provenance
from trends.report.tables import Table, incidents_table, region_table, sensitivity_table

MANIFEST = "pages.json"


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
        loader=loader, autoescape=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )


def report_month(data: ReportData, requested: str | None) -> pd.Period:
    """The month to report on: the one asked for, else the latest complete month."""
    first, last = (pd.Period(data.panel["month"].iloc[i], freq="M") for i in (0, -1))
    if not requested:
        return latest_complete_month(data)
    month = parse_month(requested, "month")
    if not first <= month <= last:
        msg = f"month {month} is outside the data ({first} to {last})"
        raise OptionError(msg)
    return month


def build_report(
    definition: ReportDefinition,
    out: str | Path,
    *,
    month: str | None = None,
    command: list[str] | None = None,
) -> BuiltPage:
    """Build one report month into the folder ``out`` (created if needed).

    Examples
    --------
    >>> d = ReportDefinition.from_toml("reports/syria-is-monthly.toml")  # doctest: +SKIP
    >>> build_report(d, "out/report").page.name  # doctest: +SKIP
    'syria-is-monthly-2019-11.html'
    """
    out = Path(out)
    data = load(definition)
    when = report_month(data, month or definition.analysis.month or None)
    findings = analyse(data, when, definition.analysis)
    stem = f"{definition.slug}-{when}"
    if command and "--month" not in command:
        command = [*command, "--month", str(when)]
    command = command or [
        "trends",
        "report",
        definition.source or " ".join(definition.inputs),
        "--out",
        str(out),
        "--month",
        str(when),
    ]
    staging = Path(
        tempfile.mkdtemp(
            prefix=f".{out.name}.building-",
            dir=out.parent.resolve() if out.parent.exists() else None,
        )
    )
    try:
        if out.exists():
            shutil.copytree(out, staging, dirs_exist_ok=True)
        page = _write_page(staging, stem, definition, data, findings, command)
        _write_index(staging, definition, when, stem)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    chart_files = sorted((out / "charts" / stem).glob("*"))
    return BuiltPage(out / page.name, chart_files, str(when))


def _write_page(
    folder: Path,
    stem: str,
    definition: ReportDefinition,
    data: ReportData,
    f: Findings,
    command: list[str],
) -> Path:
    scope = definition.analysis.scope_label or _scope(definition, data)
    figures = build_figures(f, scope, data.incidents)
    chart_dir = folder / "charts" / stem
    if chart_dir.exists():
        shutil.rmtree(chart_dir)
    chart_dir.mkdir(parents=True)
    listed = []
    for name, chart in figures.items():
        for suffix in (".vl.json", ".svg", ".png"):
            charts.save_chart(chart, chart_dir / f"{name}{suffix}")
        spec = chart.to_dict()
        raw = spec.get("title", name)
        title = raw.get("text", name) if isinstance(raw, dict) else str(raw)
        listed.append(
            {
                "name": name,
                "title": title,
                "spec": charts.spec_for_script(chart),
                "base": f"charts/{stem}/{name}",
            }
        )
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
    rejects["file"] = rejects["file"].map(lambda p: display_path(p, Path.cwd()))
    write_csv(rejects, table_dir / f"{stem}-rows-log.csv")
    root = Path.cwd()
    parameters = definition.to_dict()
    parameters["inputs"] = [display_path(p, root) for p in definition.inputs]
    parameters["source"] = display_path(definition.source, root) if definition.source else ""
    parameters["aliases"] = display_path(definition.aliases, root) if definition.aliases else ""
    parameters["analysis"]["month"] = str(f.month)
    block = provenance(
        inputs=list(definition.inputs),
        rows_read=data.rows_read,
        log_counts=data.log.counts(),
        parameters=parameters,
        command=command,
        root=root,
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
            headlines=headlines(f, scope),
            notes=sorted(f.notes.items()),
            figures=listed,
            tables=[_with_csv(t, stem) for t in tables],
            method_notes=method_notes(f),
            data_notes=data_notes(data, f, stem),
            provenance=block,
            parameters=json.dumps(parameters, indent=2, sort_keys=True),
            css=css,
            scripts=charts.offline_scripts(),
        )
    )
    path = folder / f"{stem}.html"
    path.write_text(html, encoding="utf-8", newline="\n")
    return path


def _with_csv(table: Table, stem: str) -> Table:
    if table.frame is None:
        return table
    return Table(
        table.name,
        table.title,
        table.caption,
        table.columns,
        table.rows,
        table.empty,
        f"tables/{stem}-{table.name}.csv",
        None,
    )


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


def _swap(staging: Path, out: Path) -> None:
    """Put the staging folder in place of ``out``, keeping the old one until the last step."""
    for path in staging.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(staging, 0o755)
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)
    print(f"trends: report written to {out}", file=sys.stderr)
