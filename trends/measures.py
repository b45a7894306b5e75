"""What a measure counts, in words and as an axis title with its unit."""

from __future__ import annotations

# measure: (axis title, noun in a sentence)
WORDS = {
    "incidents": ("Incidents per month", "incidents"),
    "killed_best": ("Deaths per month (best estimate)", "deaths (best estimate)"),
    "killed_low": ("Deaths per month (low estimate)", "deaths (low estimate)"),
    "killed_high": ("Deaths per month (high estimate)", "deaths (high estimate)"),
}


def _known(measure: str) -> tuple[str, str] | None:
    """The words of a standard measure, also under a prefix such as ``syria_killed_best``."""
    for key, words in WORDS.items():
        if measure == key or measure.endswith("_" + key):
            return words
    return None


def measure_label(measure: str) -> str:
    """Axis title of a measure, with its unit.

    Examples
    --------
    >>> measure_label("syria_killed_best")
    'Deaths per month (best estimate)'
    """
    words = _known(measure)
    return words[0] if words else f"{measure.replace('_', ' ').capitalize()} per month"


def noun(measure: str) -> str:
    """What a measure counts, in words.

    Examples
    --------
    >>> noun("syria_killed_best")
    'deaths (best estimate)'
    """
    words = _known(measure)
    return words[1] if words else measure.replace("_", " ")


def noun_of(measure: str, *notes: str) -> str:
    """:func:`noun` with notes in parentheses, inside its own if it has them.

    Examples
    --------
    >>> noun_of("killed_best", "Syria")
    'deaths (best estimate; Syria)'
    >>> noun_of("incidents", "Homs", "a preliminary figure")
    'incidents (Homs; a preliminary figure)'
    """
    words = noun(measure)
    given = "; ".join(n for n in notes if n)
    if not given:
        return words
    if words.endswith(")"):
        return f"{words[:-1]}; {given})"
    return f"{words} ({given})"
