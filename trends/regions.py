"""Region names: one canonical spelling per admin-1 region.

Sources spell the same governorate many ways ("Deir el-Zour", "Deir Ezzor",
"Deir ez Zor Governorate"). The gazetteer maps each known spelling to one
canonical name; matching is exact after folding case, accents, punctuation,
a leading article (al-, ar-, el- ...) and words such as "governorate" or
"province". There is no fuzzy matching: a name the gazetteer does not know is
kept as written and reported, never merged into a near neighbour.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from trends.errors import InputError
from trends.folders import regular_file

UNASSIGNED = "Unassigned"
"""Region of an incident whose source names no admin-1 region."""

_ADMIN_WORDS = re.compile(
    r"\b(governorate|governate|gouvernorat|province|provinz|muhafazat|mohafazat|muhafazah|wilayat)\b"
)
_ARTICLE = re.compile(r"^(al|ar|as|ad|an|at|az|ash|el|ed|er|es|et|ez)(?=[ -]|'|’|$)[ '’-]*")


def fold(name: str) -> str:
    """Return the matching key of a region name.

    Examples
    --------
    >>> fold("Deir ez Zor Governorate") == fold("Deir Ez-Zor") == fold("deir ezzor")
    True
    >>> fold("Ar Raqqah")
    'raqqah'

    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = _ADMIN_WORDS.sub(" ", text).strip()
    text = _ARTICLE.sub("", text)
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Gazetteer:
    """Canonical region names by country, with the spellings that map to them.

    Examples
    --------
    >>> g = Gazetteer.default()
    >>> g.canonical("Deir el-Zour")
    'Deir ez-Zor'
    >>> g.canonical("Atlantis") is None
    True
    >>> len(g.regions("Syria"))
    14

    """

    by_key: dict[str, str] = field(default_factory=dict)
    country_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Gazetteer:
        """Syria's 14 governorates and Iraq's 19 provinces."""
        text = resources.files("trends.data").joinpath("gazetteer.csv").read_text("utf-8")
        by_key: dict[str, str] = {}
        country_of: dict[str, str] = {}
        for row in csv.DictReader(text.splitlines()):
            region = row["region"]
            country_of[region] = row["country"]
            for alias in [region, *row["aliases"].split("|")]:
                key = fold(alias)
                if by_key.setdefault(key, region) != region:
                    msg = f"gazetteer spelling {alias!r} names both {by_key[key]!r} and {region!r}"
                    raise ValueError(msg)
        return cls(by_key, country_of)

    def with_aliases(self, path: str | Path) -> Gazetteer:
        """Return a copy extended by a user alias file (CSV: ``alias,region[,country]``).

        A new canonical region needs its ``country``; an alias may also name an
        existing region.
        """
        by_key, country_of = dict(self.by_key), dict(self.country_of)
        try:
            with open(regular_file(path), encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError) as err:
            msg = f"cannot read the alias file: {err}"
            raise InputError(msg, path=str(path)) from err
        given: dict[str, int] = {}  # the line that set each alias
        for line, row in enumerate(rows, start=2):
            if None in row:  # more fields than the header names
                msg = "expected alias,region[,country]; this row has more fields"
                raise InputError(msg, path=str(path), line=line,
                                 value=",".join(map(str, row[None])))
            alias, region = (row.get("alias") or "").strip(), (row.get("region") or "").strip()
            if not alias or not region:
                msg = "each row needs an 'alias' and a 'region'"
                raise InputError(msg, path=str(path), line=line,
                                 value=",".join(v or "" for v in row.values()))
            country = (row.get("country") or "").strip()
            if region not in country_of:
                if not country:
                    msg = f"region {region!r} is not in the gazetteer; give its 'country'"
                    raise InputError(msg, path=str(path), line=line, column="country")
                country_of[region] = country
                by_key[fold(region)] = region
            named = by_key.get(fold(alias))
            if named is not None and named != region:
                where = f"line {given[fold(alias)]}" if fold(alias) in given else "the gazetteer"
                msg = (f"alias {alias!r} already names {named!r} ({where}); a spelling names "
                       "one region")
                raise InputError(msg, path=str(path), line=line, column="alias", value=alias)
            by_key[fold(alias)] = region
            given.setdefault(fold(alias), line)
        return Gazetteer(by_key, country_of)

    def canonical(self, name: str) -> str | None:
        """Canonical spelling of ``name``, or None when the gazetteer does not know it."""
        return self.by_key.get(fold(name))

    def regions(self, country: str) -> list[str]:
        """Canonical regions of ``country``, sorted."""
        return sorted(r for r, c in self.country_of.items() if c == country)
