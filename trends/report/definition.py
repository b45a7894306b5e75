"""Report definitions: what a monthly report reads, keeps and tests, in TOML.

A definition lives under ``reports/`` and names its inputs relative to its
own folder. Every key is checked before any work: an unknown key, a value of
the wrong type or outside its range (:data:`RANGES`) is an error naming the
key, so a typo cannot silently fall back to a default. Keys whose meaning
depends on the data (a break month, the alert history) are checked against
the data by :func:`check_with_data` before any analysis runs.

``[input]`` takes ``files``, ``format``, ``aliases`` and the ceilings of
:class:`trends.validate.Limits`: ``max_count`` (deaths in one record),
``max_expanded`` (bytes a compressed file may expand to) and ``max_ratio``.
``[analysis]`` takes the fields of :class:`Analysis`; ``preliminary_from``
names the first month whose figures are preliminary (UCDP Candidate data,
say), which the verdicts and the data notes then point out.
``[output]`` takes ``single_file``: true inlines the JavaScript bundle in
each page instead of loading it from the report folder's ``assets/``.

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
from typing import Any

import pandas as pd

from trends.errors import InputError, OptionError
from trends.folders import regular_file
from trends.options import (
    ALERT_METHODS,
    ALTERNATIVES,
    DIRECTIONS,
    FORECAST_FAMILIES,
    INPUT_FORMATS,
    PRECISIONS,
    SPAN_RULES,
    AlertMethod,
    Alternative,
    Direction,
    ForecastFamily,
    SpanRule,
)
from trends.validate import INT64_MAX, Limits, check_range, parse_month

CHOICES: dict[str, tuple[str, ...]] = {
    "span_rule": SPAN_RULES,
    "min_precision": PRECISIONS,
    "family": FORECAST_FAMILIES,
    "alternative": ALTERNATIVES,
    "direction": DIRECTIONS,
    "alert_method": ALERT_METHODS,
    "format": INPUT_FORMATS,
}
RANGES: dict[str, tuple[int, int]] = {
    "bootstrap": (99, 1_000_000),
    "seed": (0, 2**32 - 1),
    "alert_years_back": (1, 50),
    "alert_window": (0, 11),
    "forecast_horizon": (1, 24),
    "max_count": (1, INT64_MAX),
    "max_expanded": (1, INT64_MAX),
    "max_ratio": (1, INT64_MAX),
}
"""Ranges of the numeric keys; ``bootstrap`` needs 99 series for the verdict's 95% intervals."""
FLAGS = {
    "analysis.break_month": "--since",
    "analysis.preliminary_from": "--preliminary-from",
    "analysis.measure": "--measure",
    "analysis.month": "--month",
}
"""The command-line option that sets a key when the report is built from input files."""
MONTH_KEYS = ("start", "end", "break_month", "month", "preliminary_from")


@dataclass(frozen=True)
class Filters:
    """Which incidents the report keeps."""

    actors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    start: str = ""
    end: str = ""
    span_rule: SpanRule = "start"
    min_precision: str = "year"


@dataclass(frozen=True)
class Analysis:
    """What the report measures and tests."""

    measure: str = "incidents"
    break_month: str = ""
    month: str = ""
    family: ForecastFamily = "auto"
    direction: Direction = "rise"
    alternative: Alternative = "two-sided"
    bootstrap: int = 999
    seed: int = 0
    alert_method: AlertMethod = "farrington"
    alert_years_back: int = 5
    alert_window: int = 3
    forecast_horizon: int = 6
    scope_label: str = ""
    preliminary_from: str = ""


@dataclass(frozen=True)
class Output:
    """How the pages are written."""

    single_file: bool = False


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
    output: Output = field(default_factory=Output)
    source: str = ""
    limits: Limits = field(default_factory=Limits)
    shown: tuple[tuple[str, str], ...] = ()
    given: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def from_toml(cls, path: str | Path) -> ReportDefinition:
        """Read and check a definition file."""
        name = str(path)
        try:
            data = tomllib.loads(Path(regular_file(path)).read_text(encoding="utf-8"))
        except OSError as err:
            msg = f"cannot read the report definition: {err.strerror}"
            raise InputError(msg, path=name) from err
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            msg = f"not valid TOML: {err}"
            raise InputError(msg, path=name) from err
        base = Path(path).parent
        top = _take(data, {"title", "slug", "description", "input", "filters", "analysis",
                           "output"}, name)
        allowed = {"files", "format", "aliases", "max_count", "max_expanded", "max_ratio"}
        source = _take(top.get("input", {}), allowed, name, "input")
        for key in ("title", "slug", "description"):
            if not isinstance(top.get(key, ""), str):
                msg = "expected a string"
                raise InputError(msg, path=name, column=key, value=top[key])
        files = source.get("files")
        if (not files or not isinstance(files, list)
                or not all(isinstance(f, str) and f.strip() for f in files)):
            msg = "[input] files must be a list of file paths"
            raise InputError(msg, path=name, column="input.files")
        aliases = source.get("aliases", "")
        if not isinstance(aliases, str):
            msg = "expected a file path"
            raise InputError(msg, path=name, column="input.aliases", value=aliases)
        fmt = source.get("format", "auto")
        if fmt not in INPUT_FORMATS:
            msg = f"expected one of {', '.join(INPUT_FORMATS)}"
            raise InputError(msg, path=name, column="input.format", value=fmt)
        limits = {k: _number(source[k], k, name, "input") for k in RANGES if k in source}
        inputs = tuple(str((base / f).resolve()) for f in files)
        shown = tuple(zip(inputs, files, strict=True))
        if aliases:
            shown += ((str((base / aliases).resolve()), aliases),)
        analysis = dict(_take(top.get("analysis", {}), {f.name for f in fields(Analysis)}, name,
                              "analysis"))
        if "alternative" in analysis and "direction" not in analysis:
            # the older key: the one-sided test of an increase asked "has it risen?"
            older = analysis["alternative"]
            if older not in ("increase", "two-sided"):
                msg = "expected one of increase, two-sided (or use direction)"
                raise InputError(msg, path=name, column="analysis.alternative", value=older)
            analysis["direction"] = {"increase": "rise", "two-sided": "either"}[older]
        definition = cls(
            title=str(top.get("title") or Path(path).stem),
            slug=_slug(str(top.get("slug") or Path(path).stem), name),
            description=str(top.get("description", "")),
            inputs=inputs,
            format=fmt,
            aliases=str((base / aliases).resolve()) if aliases else "",
            filters=_section(Filters, top.get("filters", {}), name, "filters"),
            analysis=_section(Analysis, analysis, name, "analysis"),
            output=_section(Output, top.get("output", {}), name, "output"),
            source=name,
            limits=Limits(**limits),
            shown=(*shown, (name, Path(path).name)),
            given=frozenset(f"analysis.{key}" for key in analysis),
        )
        definition.filters_window()
        return definition

    @classmethod
    def from_inputs(cls, inputs: list[str], **analysis: Any) -> ReportDefinition:
        """A definition for input files given on the command line."""
        slug = _slug(re.sub(r"\.(csv|parquet|pq|gz)$", "", Path(inputs[0]).name).split(".")[0], "")
        return cls(
            title=f"Monthly trend report: {Path(inputs[0]).name}",
            slug=slug,
            inputs=tuple(inputs),
            analysis=Analysis(**analysis),
            shown=tuple((p, shown_path(p)) for p in inputs),
        )

    def name_of(self, path: str) -> str:
        """How a page names an input: as the definition or the command line gave it.

        Pages never show absolute paths, so that they do not depend on where
        the report is built from or written to.
        """
        return dict(self.shown).get(path) or shown_path(path)

    def to_dict(self) -> dict[str, Any]:
        """Every setting, JSON-safe (for the provenance block), inputs named as given."""
        out = asdict(self)
        del out["shown"], out["given"]
        del out["analysis"]["alternative"]  # the older key, read as ``direction``; unused
        out["inputs"] = [self.name_of(p) for p in self.inputs]
        out["aliases"] = self.name_of(self.aliases) if self.aliases else ""
        out["source"] = self.name_of(self.source) if self.source else ""
        return out

    def fail(self, message: str, key: str, value: object) -> InputError | OptionError:
        """An error about ``key``: in the definition file, or the option that set it."""
        if self.source:
            return InputError(message, path=self.source, column=key, value=value)
        return OptionError(f"{FLAGS.get(key, key)} {value}: {message}")

    def filters_window(self) -> None:
        """Refuse a window whose start comes after its end."""
        f = self.filters
        if f.start and f.end and f.start > f.end:
            msg = f"is before filters.start {f.start}"
            raise self.fail(msg, "filters.end", f.end)


def shown_path(path: str) -> str:
    """A path as typed when it is relative and stays below the working folder, else its name.

    Examples
    --------
    >>> shown_path("data/events.csv"), shown_path("/home/a/events.csv"), shown_path("../x.csv")
    ('data/events.csv', 'events.csv', 'x.csv')

    """
    parts = Path(path).parts
    if Path(path).is_absolute() or ".." in parts:
        return Path(path).name
    return str(Path(*parts)) if parts else path


def check_with_data(
    definition: ReportDefinition, first: pd.Period, month: pd.Period, measures: list[str],
    *, last: pd.Period | None = None,
) -> None:
    """Check the keys whose meaning depends on the data, before any analysis runs.

    ``first`` is the first month of the data, ``month`` the report month and
    ``last`` the data's last month (default: the report month); a
    ``preliminary_from`` after it is a typo, since no month would be marked.
    A break month must leave at least :data:`BREAK_MARGIN` months on each
    side of it by the report month; the measure must be one the data hold;
    Farrington alert settings given in the definition must fit the history.
    """
    a = definition.analysis
    if a.measure not in measures:
        msg = f"the data hold no such measure; choose one of {', '.join(measures)}"
        raise definition.fail(msg, "analysis.measure", a.measure)
    if a.break_month:
        low, high = first + BREAK_MARGIN, month - BREAK_MARGIN + 1
        when = pd.Period(a.break_month, freq="M")
        if not low <= when <= high:
            msg = (
                f"the break month must leave {BREAK_MARGIN} months of data on each side by the "
                f"report month: the data run from {first} to {month}, so choose a month from "
                f"{low} to {high}" + ("" if low <= high else " (there is none: too few months)")
            )
            raise definition.fail(msg, "analysis.break_month", a.break_month)
    last = month if last is None else last
    if a.preliminary_from and pd.Period(a.preliminary_from, freq="M") > last:
        msg = (f"lies after the data ({first} to {last}), so no month of it would be marked "
               "preliminary")
        raise definition.fail(msg, "analysis.preliminary_from", a.preliminary_from)
    history = (month - first).n
    need = 12 * a.alert_years_back + a.alert_window
    chosen = {"analysis.alert_years_back", "analysis.alert_window"} & definition.given
    if a.alert_method == "farrington" and chosen and history < need:
        msg = (
            f"Farrington alerts with alert_years_back = {a.alert_years_back} and alert_window "
            f"= {a.alert_window} need {need} months of history before the report month; the "
            f"data have {history} ({first} to {month - 1}): lower alert_years_back"
        )
        key = sorted(chosen)[0]
        raise definition.fail(msg, key, getattr(a, key.split(".")[1]))


BREAK_MARGIN = 6
"""Months a break month must leave on each side (the interrupted time series' minimum)."""


def _number(value: object, key: str, name: str, section: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        msg = "expected a whole number"
        raise InputError(msg, path=name, column=f"{section}.{key}", value=value)
    low, high = RANGES[key]
    return int(check_range(f"{section}.{key}", value, low=low, high=high, path=name))


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
        if key in MONTH_KEYS:  # an empty month is a slip (a template left blank), not "none"
            value = str(parse_month(value, f"{section}.{key}", path=name))
        if key in RANGES:
            value = _number(value, key, name, section)
        if key == "measure" and not value.strip():
            msg = "expected the name of a measure"
            raise InputError(msg, path=name, column=f"{section}.{key}", value=value)
        out[key] = value
    return kind(**out)


def _slug(text: str, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug:
        msg = "the report slug must hold letters or digits"
        raise InputError(msg, path=name, column="slug", value=text)
    return slug
