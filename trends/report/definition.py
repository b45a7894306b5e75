"""Report definitions: what a monthly report reads, keeps and tests, in TOML.

A definition lives under ``reports/`` and names its inputs relative to its
own folder. Every key is checked; an unknown key is an error, so a typo
cannot silently fall back to a default.

Examples
--------
>>> d = ReportDefinition.from_inputs(["events.csv"], measure="incidents")
>>> d.slug, d.analysis.measure
('events', 'incidents')
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from trends.errors import InputError
from trends.schema import MONTH_PATTERN

CHOICES: dict[str, tuple[str, ...]] = {
    "span_rule": ("start", "end", "drop"),
    "min_precision": ("day", "week", "month", "year"),
    "family": ("auto", "poisson", "quasipoisson", "negbin"),
    "alternative": ("two-sided", "increase"),
    "alert_method": ("farrington", "glrnb", "acled"),
}


@dataclass(frozen=True)
class Filters:
    """Which incidents the report keeps."""

    actors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    start: str = ""
    end: str = ""
    span_rule: Literal["start", "end", "drop"] = "start"
    min_precision: str = "year"


@dataclass(frozen=True)
class Analysis:
    """What the report measures and tests."""

    measure: str = "incidents"
    break_month: str = ""
    month: str = ""
    family: Literal["auto", "poisson", "quasipoisson", "negbin"] = "auto"
    alternative: Literal["two-sided", "increase"] = "two-sided"
    bootstrap: int = 999
    seed: int = 0
    alert_method: Literal["farrington", "glrnb", "acled"] = "farrington"
    alert_years_back: int = 5
    alert_window: int = 3
    forecast_horizon: int = 6
    scope_label: str = ""


@dataclass(frozen=True)
class ReportDefinition:
    """A whole report: title, inputs, filters and analysis settings."""

    title: str
    slug: str
    inputs: tuple[str, ...]
    format: str = "auto"
    aliases: str = ""
    description: str = ""
    filters: Filters = field(default_factory=Filters)
    analysis: Analysis = field(default_factory=Analysis)
    source: str = ""

    @classmethod
    def from_toml(cls, path: str | Path) -> ReportDefinition:
        """Read and check a definition file."""
        name = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as err:
            msg = f"cannot read the report definition: {err.strerror}"
            raise InputError(msg, path=name) from err
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            msg = f"not valid TOML: {err}"
            raise InputError(msg, path=name) from err
        base = Path(path).parent
        top = _take(data, {"title", "slug", "description", "input", "filters", "analysis"}, name)
        source = _take(top.get("input", {}), {"files", "format", "aliases"}, name, "input")
        files = source.get("files")
        if not files or not all(isinstance(f, str) for f in files):
            msg = "[input] files must be a list of file paths"
            raise InputError(msg, path=name, column="input.files")
        aliases = source.get("aliases", "")
        return cls(
            title=str(top.get("title") or Path(path).stem),
            slug=_slug(str(top.get("slug") or Path(path).stem), name),
            description=str(top.get("description", "")),
            inputs=tuple(str((base / f).resolve()) for f in files),
            format=str(source.get("format", "auto")),
            aliases=str((base / aliases).resolve()) if aliases else "",
            filters=_section(Filters, top.get("filters", {}), name, "filters"),
            analysis=_section(Analysis, top.get("analysis", {}), name, "analysis"),
            source=name,
        )

    @classmethod
    def from_inputs(cls, inputs: list[str], **analysis: Any) -> ReportDefinition:
        """A definition for input files given on the command line."""
        slug = _slug(re.sub(r"\.(csv|parquet|pq|gz)$", "", Path(inputs[0]).name).split(".")[0], "")
        return cls(
            title=f"Monthly trend report: {Path(inputs[0]).name}",
            slug=slug,
            inputs=tuple(inputs),
            analysis=Analysis(**analysis),
        )

    def to_dict(self) -> dict[str, Any]:
        """Every setting, JSON-safe (for the provenance block)."""
        return asdict(self)


def _take(data: object, allowed: set[str], name: str, section: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        msg = f"[{section}] must be a table"
        raise InputError(msg, path=name, column=section)
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = f"[{section}] " if section else ""
        msg = f"unknown key {where}{unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        raise InputError(msg, path=name, column=unknown[0])
    return data


def _section(kind: type, data: object, name: str, section: str) -> Any:
    spec = {f.name: f for f in fields(kind)}
    values = _take(data, set(spec), name, section)
    defaults = kind()
    out = {}
    for key, value in values.items():
        expected = type(getattr(defaults, key))
        if expected is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                msg = "expected a list of strings"
                raise InputError(msg, path=name, column=f"{section}.{key}", value=value)
            value = tuple(value)
        elif not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            msg = f"expected {expected.__name__}"
            raise InputError(msg, path=name, column=f"{section}.{key}", value=value)
        if key in CHOICES and value not in CHOICES[key]:
            msg = f"expected one of {', '.join(CHOICES[key])}"
            raise InputError(msg, path=name, column=f"{section}.{key}", value=value)
        is_month = key in ("start", "end", "break_month", "month")
        if is_month and value and not MONTH_PATTERN.match(value):
            msg = "expected a month written YYYY-MM"
            raise InputError(msg, path=name, column=f"{section}.{key}", value=value)
        out[key] = value
    return kind(**out)


def _slug(text: str, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug:
        msg = "the report slug must hold letters or digits"
        raise InputError(msg, path=name, column="slug", value=text)
    return slug
