"""'Did you mean ...?' for misspelt regions, measures, commands and option values.

Region names are compared by their gazetteer key (:func:`trends.regions.fold`:
case, accents, punctuation, articles and "governorate" folded away), so
"Deir Ezor" finds "Deir ez-Zor" through the spelling "Deir Ezzor". A
suggestion is only ever offered in an error message: nothing is renamed or
merged silently.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from trends.closest import CUTOFF, did_you_mean
from trends.errors import OptionError
from trends.regions import Gazetteer, fold


def region_names(gazetteer: Gazetteer, in_data: Iterable[str]) -> dict[str, str]:
    """The key of every spelling of the data's regions, mapped to the data's name."""
    present = set(in_data)
    names = {fold(name): name for name in present}
    for key, region in gazetteer.by_key.items():
        if region in present:
            names.setdefault(key, region)
    return names


def check_region(name: str, in_data: Iterable[str], gazetteer: Gazetteer | None = None) -> str:
    """The canonical name of a region asked for; an error with suggestions if it is not there.

    ``in_data`` are the regions the data hold; the gazetteer's spellings are
    used to find what the user meant.

    Examples
    --------
    >>> check_region("Deir Ezzor", ["Deir ez-Zor", "Homs"])
    'Deir ez-Zor'
    >>> check_region("homs", ["Homs", "homs"])
    'homs'
    >>> check_region("Deir Ezor", ["Deir ez-Zor", "Homs"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --region 'Deir Ezor': ...; did you mean 'Deir ez-Zor'?

    """
    gazetteer = gazetteer or Gazetteer.default()
    present = list(dict.fromkeys(in_data))
    if name in present:
        return name
    canonical = gazetteer.canonical(name) or name
    alike = [r for r in present if fold(r) == fold(name)
             or (gazetteer.canonical(r) or r) == canonical]
    if len(alike) > 1:
        msg = (f"--region {name!r}: the data have {len(alike)} regions spelt like it ("
               f"{', '.join(map(repr, alike[:5]))}); give one of them exactly")
        raise OptionError(msg)
    if canonical in present:
        return canonical
    if alike:
        return alike[0]
    known = region_names(gazetteer, present)
    found = difflib.get_close_matches(fold(name), list(known), n=6, cutoff=CUTOFF)
    meant = list(dict.fromkeys(known[k] for k in found))
    if meant:
        hint = "; did you mean " + " or ".join(repr(m) for m in meant[:3]) + "?"
    else:
        shown = ", ".join(present[:20]) + (" ..." if len(present) > 20 else "")
        hint = f"; the data have {shown}" if present else "; the data have no regions"
    where = "" if canonical in present or canonical == name else f" ({canonical})"
    msg = f"--region {name!r}{where}: no such region in the data{hint}"
    raise OptionError(msg)


def check_measure(measure: str, columns: Iterable[str], where: str) -> None:
    """An error naming the measures there are, and the likeliest, if ``measure`` is not one.

    Examples
    --------
    >>> check_measure("incidnets", ["incidents", "killed_best"], "the data")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trends.errors.OptionError: --measure 'incidnets': not in the data; did you mean 'incidents'? ...

    """
    choices = [c for c in columns if c.strip().casefold() not in ("month", "region", "country")]
    if measure in choices:
        return
    # measure names share prefixes (killed_low, killed_best), so a looser match still helps
    shown = ", ".join(choices[:20]) + (f" and {len(choices) - 20:,} more" if len(choices) > 20
                                       else "")
    default = " (the default)" if measure == "incidents" else ""
    msg = (f"--measure {measure!r}{default}: not in {where}"
           f"{did_you_mean(measure, choices, cutoff=0.6)} (measures: {shown})")
    raise OptionError(msg)
