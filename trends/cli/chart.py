"""``trends chart``: one chart alone, at slide size, as PNG, SVG, JSON or HTML."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trends.cli.console import CONSOLE
from trends.cli.report import add_source_options, definition_from
from trends.errors import OptionError
from trends.options import CHART_FORMATS, CHART_NAMES

NAMES = CHART_NAMES


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "chart",
        help="render one report chart alone for a briefing slide",
        description="Render one chart of a report (built from a definition or input files), "
        "running only the analyses that chart is drawn from.",
    )
    parser.add_argument("name", choices=NAMES, metavar="NAME", help=", ".join(NAMES))
    add_source_options(parser)
    parser.add_argument(
        "--format",
        dest="chart_format",
        choices=CHART_FORMATS,
        default="png",
        help="png (default), svg, json (Vega-Lite) or html (a page with the chart alone)",
    )
    parser.add_argument("--width", type=int,
                        help="width in pixels (default: the chart's; of each panel of the "
                        "regions chart)")
    parser.add_argument("--height", type=int, help="height in pixels (of each panel, likewise)")
    parser.add_argument("--scale", type=float, default=2.0, help="PNG scale factor (2)")
    parser.add_argument("--month", metavar="YYYY-MM", help="month of the data to chart up to")
    parser.add_argument("--out", metavar="FILE", help="output file (default: NAME.FORMAT)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand: only the analyses its chart is drawn from."""
    from trends.outputs import check_new
    from trends.report.data import prepare

    definition = definition_from(args)
    suffix = {"json": ".vl.json"}.get(args.chart_format, "." + args.chart_format)
    out = Path(args.out or f"{args.name}{suffix}")
    if not args.out:  # an --out file was checked with every other output (trends.cli.main)
        check_new([("the chart file", str(out))], args.force)
    with CONSOLE.bar(f"chart {args.name}") as bar:
        data, month = prepare(definition, args.month, bar)
        # a bad input has stopped by now, before the analyses and charts are imported
        import altair as alt

        from trends.charts import save_chart
        from trends.report.analysis import analyse
        from trends.report.figures import NEEDS, build_figures

        findings = analyse(data, month, definition.analysis, only=NEEDS[args.name],
                           progress=bar)
        bar.add(1)
        bar.step("drawing")
        scope = definition.analysis.scope_label or "all regions"
        figures = build_figures(findings, scope, data.incidents, only=(args.name,),
                                table=None)  # a chart alone: no table to point to
    if args.name not in figures:
        why = findings.notes.get(
            {"forest": "regions_test", "alerts": "alert_history", "severity": "tail"}.get(
                args.name, args.name
            ),
            "",
        )
        if not why and args.name == "forest" and not definition.analysis.break_month:
            why = "it compares each region since a month: give --since YYYY-MM"
        msg = f"chart {args.name!r} is not available for this data" + (f": {why}" if why else "")
        raise OptionError(msg)
    chart = figures[args.name]
    size = {k: v for k, v in (("width", args.width), ("height", args.height)) if v}
    if size and isinstance(chart, alt.FacetChart):  # small multiples: the size of each
        chart = chart.copy()
        chart.spec = chart.spec.properties(**size)
    elif size:
        chart = chart.properties(**size)
    save_chart(
        chart, out, "json" if args.chart_format == "json" else args.chart_format, scale=args.scale
    )
    CONSOLE.info(f"wrote {out}")
    return 0
