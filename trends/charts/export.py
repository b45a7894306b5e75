"""Saving charts offline: PNG, SVG, Vega-Lite JSON and self-contained HTML.

PNG and SVG are rendered by vl-convert (Vega in an embedded JavaScript
runtime with its own fonts), so no browser or network is needed. HTML pages
inline the Vega, Vega-Lite and vega-embed bundle that ships with
vl-convert: they open without a network connection and load nothing from a
CDN.

The chart spec is escaped before it goes inside a ``<script>`` block: a
region called ``</script><script>...`` must stay text, not become markup.
vl-convert's own ``vegalite_to_html`` does not escape it, so the page is
assembled here.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

from trends.errors import OptionError
from trends.escape import show_controls_in
from trends.options import CHART_FORMATS, ChartFormat, check_choice
from trends.outputs import write_atomic
from trends.validate import MAX_PIXELS

Format = ChartFormat
FORMATS = CHART_FORMATS

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec, with direction and control characters in its text made visible."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return show_controls_in(spec)


def vegalite_version() -> str:
    """Vega-Lite version (``"major.minor"``) that Altair writes, for vl-convert.

    Examples
    --------
    >>> vegalite_version().count(".")
    1

    """
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def stable_ids(svg: str) -> str:
    """Number the SVG's generated ids (``gradient_7``, ``clip12``) from zero, in order of use.

    The renderer counts ids across a whole process, so the same chart drawn
    second would otherwise differ in its bytes.

    Examples
    --------
    >>> stable_ids('<a id="gradient_7"/><b fill="url(#gradient_7)"/><c id="clip12"/>')
    '<a id="gradient_0"/><b fill="url(#gradient_0)"/><c id="clip0"/>'
    """
    seen: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        prefix = match.group(1)
        key = match.group(0)
        if key not in seen:
            seen[key] = f"{prefix}{sum(k.startswith(prefix) for k in seen)}"
        return seen[key]

    return re.sub(r"\b(gradient_|clip|pattern_|mask_)\d+\b", rename, svg)


def spec_json(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart's Vega-Lite spec as JSON: sorted keys, 2-space indent, final newline.

    Examples
    --------
    >>> print(spec_json({"b": 1, "a": "x"}), end="")
    {
      "a": "x",
      "b": 1
    }

    """
    return json.dumps(_spec(chart), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def spec_for_script(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    r"""The chart's spec as a JavaScript/JSON literal safe inside a ``<script>`` block.

    ``<``, ``>`` and ``&`` are written as ``\u003c``, ``\u003e`` and
    ``\u0026``: the text cannot contain ``</script`` or ``<!--``, yet
    ``json.loads`` and JavaScript read back exactly the same strings.
    (These characters occur only inside JSON strings, so the replacement
    cannot change the structure.)

    Examples
    --------
    >>> print(spec_for_script({"title": "</script>"}))
    {"title": "\u003c/script\u003e"}

    """
    text = json.dumps(_spec(chart), sort_keys=True, ensure_ascii=True)
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


@functools.cache
def offline_scripts() -> str:
    """JavaScript defining ``vegaEmbed`` globally, with Vega and Vega-Lite inside (cached).

    Inline it once in a ``<script>`` block of a report page, then call
    ``vegaEmbed("#id", spec)`` for each chart, with the spec from
    :func:`spec_for_script`. About 0.9 MB; built by vl-convert on the first
    call (1.5 to 3 s). It is the bundle vl-convert itself inlines in its
    offline HTML. Use ``vegaEmbed`` only: in vl-convert 1.9 the bundle also
    sets ``window.vega`` and ``window.vegaLite``, but to ``null``.
    """
    bundle = vl_convert.javascript_bundle(None, vegalite_version())  # type: ignore[arg-type]
    # Both sequences would end or disturb the script block; inside JavaScript
    # strings and regular expressions the escaped forms mean the same text.
    bundle = re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)
    return bundle.replace("<!--", "<\\!--")


def html_page(chart: alt.TopLevelMixin | dict[str, Any], *, title: str | None = None) -> str:
    """A self-contained HTML page showing the chart, with no network access needed."""
    spec = _spec(chart)
    if title is None:
        raw = spec.get("title")
        title = raw.get("text") if isinstance(raw, dict) else raw
        title = title if isinstance(title, str) else "Chart"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<script>{offline_scripts()}</script>\n</head>\n<body>\n"
        '<div id="chart"></div>\n<script>\n'
        f'vegaEmbed("#chart", {spec_for_script(spec)}, '
        '{"renderer": "svg", "actions": false}).catch(console.error);\n'
        "</script>\n</body>\n</html>\n"
    )


@dataclass(frozen=True)
class ChartFiles:
    """One chart drawn once: its spec and the bytes of its files, by suffix, in writing order."""

    spec: dict[str, Any]
    files: dict[str, bytes]


def render_chart_files(chart: alt.TopLevelMixin | dict[str, Any]) -> ChartFiles:
    """The ``.vl.json``, ``.svg`` and ``.png`` files of a chart, from one spec and one rendering.

    The same bytes as three calls of :func:`save_chart` (the PNG is byte for
    byte the one ``vegalite_to_png`` draws), at about half the cost: the spec
    is built and checked once and Vega lays the chart out once, for the SVG,
    which is then rasterised. The spec (with control characters shown) is
    kept for the page.

    Examples
    --------
    >>> chart = alt.Chart(alt.InlineData(values=[{"a": 1}])).mark_point().encode(x="a:Q")
    >>> list(render_chart_files(chart).files)
    ['.vl.json', '.svg', '.png']

    """
    spec = _spec(chart)
    svg = vl_convert.vegalite_to_svg(spec, vl_version=vegalite_version())
    return ChartFiles(spec, {".vl.json": spec_json(spec).encode("utf-8"),
                             ".svg": stable_ids(svg).encode("utf-8"),
                             ".png": vl_convert.svg_to_png(svg)})


def write_chart_files(drawn: ChartFiles, base: Path) -> None:
    """Write ``base`` + each suffix of a drawn chart (each file atomically)."""
    for suffix, data in drawn.files.items():
        write_atomic(base.with_name(base.name + suffix), data)


def save_chart_files(chart: alt.TopLevelMixin | dict[str, Any], base: Path) -> dict[str, Any]:
    """Write ``base`` + ``.vl.json``, ``.svg`` and ``.png`` (see :func:`render_chart_files`).

    Returns the spec (with control characters shown), for the page.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> chart = alt.Chart(alt.InlineData(values=[{"a": 1}])).mark_point().encode(x="a:Q")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     spec = save_chart_files(chart, pathlib.Path(folder) / "dots")
    ...     sorted(p.name for p in pathlib.Path(folder).iterdir())
    ['dots.png', 'dots.svg', 'dots.vl.json']

    """
    drawn = render_chart_files(chart)
    write_chart_files(drawn, base)
    return drawn.spec


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of PNG ``data`` (from its header).

    Examples
    --------
    >>> png_size(bytes(16) + (300).to_bytes(4, "big") + (200).to_bytes(4, "big"))
    (300, 200)

    """
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _check_pixels(svg: str, scale: float) -> None:
    """Refuse to draw a PNG of more than :data:`MAX_PIXELS` (a faceted chart of many regions)."""
    root = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', svg)
    if root is None:
        return
    width, height = (float(v) * scale for v in root.groups())
    if width * height > MAX_PIXELS:
        msg = (f"the PNG would be {width:,.0f} x {height:,.0f} pixels, above the "
               f"{MAX_PIXELS // 1_000_000} million that can be drawn: lower --scale, --width or "
               "--height, show fewer regions, or ask for --format svg")
        raise OptionError(msg)


def save_chart(
    chart: alt.TopLevelMixin | dict[str, Any],
    path: str | os.PathLike[str],
    format: Format | None = None,
    *,
    scale: float = 1.0,
    ppi: float | None = None,
) -> Path:
    """Write a chart to ``path`` as PNG, SVG, Vega-Lite JSON or offline HTML.

    Parameters
    ----------
    chart : altair chart or dict
        The chart (or its Vega-Lite spec).
    path : str or PathLike
        Output file; written to a temporary file beside it, then renamed.
    format : {"png", "svg", "json", "html"}, optional
        Output format; taken from the file suffix by default.
    scale : float
        Pixel multiplier for PNG (2 for sharp slides).
    ppi : float, optional
        Pixels per inch recorded in the PNG (72 by default).

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> chart = alt.Chart(alt.InlineData(values=[{"a": 1}])).mark_point().encode(x="a:Q")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = save_chart(chart, pathlib.Path(folder) / "chart.json")
    ...     '"$schema"' in out.read_text()
    True

    """
    target = Path(path)
    if format is None:
        suffix = target.suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            msg = (
                f"cannot tell the format of {str(target)!r} from its suffix "
                f"{target.suffix!r}; use one of .png, .svg, .json, .html or pass format="
            )
            raise OptionError(msg)
        format = suffix  # type: ignore[assignment]
    check_choice("format", str(format), FORMATS)
    if not (isinstance(scale, int | float) and scale > 0):
        msg = f"scale must be a positive number; got {scale!r}"
        raise OptionError(msg)
    if ppi is not None and not (isinstance(ppi, int | float) and ppi > 0):
        msg = f"ppi must be a positive number; got {ppi!r}"
        raise OptionError(msg)
    spec = _spec(chart)
    version = vegalite_version()
    if format == "png":
        # laid out once as SVG (the same PNG bytes), so that its size is known before drawing
        svg = vl_convert.vegalite_to_svg(spec, vl_version=version)
        _check_pixels(svg, scale)
        data = vl_convert.svg_to_png(svg, scale=scale, ppi=ppi)
    elif format == "svg":
        data = stable_ids(vl_convert.vegalite_to_svg(spec, vl_version=version)).encode("utf-8")
    elif format == "json":
        data = spec_json(spec).encode("utf-8")
    else:
        data = html_page(spec).encode("utf-8")
    write_atomic(target, data)
    return target
