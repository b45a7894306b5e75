r"""Making hostile text harmless where people read it: pages, notebooks, charts, terminals.

Text from a data file (a region, an actor, a note) can hold characters that
change how the text around them looks without showing themselves:
right-to-left overrides (U+202E and friends) that make ``exe.txt`` read as
``txt.exe``, terminal escape sequences, or control characters that break an
SVG. :func:`show_controls` writes each such character as a visible code,
``<U+202E>``; the HTML helpers also escape markup.

Examples
--------
>>> show_controls("Homs\u202eevil")
'Homs<U+202E>evil'
>>> html_pre("<img src=x onerror=alert(1)>")
'<pre>&lt;img src=x onerror=alert(1)&gt;</pre>'
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Characters that change the direction of the text around them."""
_CONTROLS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
_VISIBLE = {code: f"<U+{code:04X}>" for code in [*_CONTROLS, *map(ord, BIDI_CONTROLS)]}


def show_controls(text: str) -> str:
    r"""``text`` with direction and control characters written as ``<U+XXXX>``.

    Tabs and line breaks are kept.

    Examples
    --------
    >>> show_controls("a\x1b[2Jb\tc")
    'a<U+001B>[2Jb\tc'

    """
    return text.translate(_VISIBLE)


def show_controls_in(value: Any) -> Any:
    r""":func:`show_controls` applied to every string in nested dicts, lists and tuples (keys too).

    Examples
    --------
    >>> show_controls_in({"title": ["x\u202e"], "n": 1})
    {'title': ['x<U+202E>'], 'n': 1}

    """
    if isinstance(value, str):
        return show_controls(value)
    if isinstance(value, dict):
        return {show_controls_in(k): show_controls_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(show_controls_in(v) for v in value)
    return value


def html_text(text: str) -> str:
    r"""Text safe inside HTML: markup escaped, controls shown.

    Examples
    --------
    >>> html_text('"<b>"\u202e')
    '&quot;&lt;b&gt;&quot;&lt;U+202E&gt;'

    """
    return html.escape(show_controls(text))


def html_pre(text: str) -> str:
    """A ``<pre>`` block of ``text`` for a notebook's ``_repr_html_``."""
    return "<pre>" + html_text(text) + "</pre>"


def html_table(frame: pd.DataFrame) -> str:
    """A table as HTML with every cell and heading escaped and its controls shown."""
    shown = frame.rename(columns=lambda c: show_controls(str(c)))
    for column in shown.columns:
        if pd.api.types.is_object_dtype(shown[column]) or pd.api.types.is_string_dtype(
            shown[column]
        ):
            shown[column] = shown[column].map(
                lambda v: show_controls(v) if isinstance(v, str) else v
            )
    return str(shown.to_html(index=False, escape=True))
