"""Hostile text is shown, never obeyed: notebook output, CSV cells and error lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trends.alerts import alerts
from trends.csvout import defuse, to_csv_text
from trends.escape import BIDI_CONTROLS, html_pre, html_table, show_controls
from trends.resurgence import detect_break, its_test

NAME = '<img src=x onerror=alert(1)>\u202egpj.exe'


@given(st.text())
def test_shown_text_has_no_controls_and_keeps_everything_else(text):
    shown = show_controls(text)
    assert not set(shown) & set(BIDI_CONTROLS)
    assert all(ord(c) >= 32 or c in "\t\n\r" for c in shown)
    plain = "".join(c for c in text if c not in BIDI_CONTROLS and (ord(c) >= 32 or c in "\t\n\r"))
    plain = "".join(c for c in plain if not 0x7F <= ord(c) < 0xA0)
    assert shown.replace("<U+", "\0").count("\0") == len(text) - len(plain)


@given(st.text())
def test_html_helpers_leave_no_markup_or_controls(text):
    out = html_pre(text)[len("<pre>") : -len("</pre>")]
    assert "<" not in out and ">" not in out
    assert not set(out) & set(BIDI_CONTROLS)


@pytest.fixture(scope="module")
def series():
    idx = pd.period_range("2016-01", periods=48, freq="M")
    rate = np.where(np.arange(48) >= 24, 30.0, 10.0)
    return pd.Series(np.random.default_rng(3).poisson(rate), index=idx, name=NAME)


def test_notebook_output_of_results_escapes_the_series_name(series):
    results = [
        its_test(series, "2018-01", family="poisson", inference="model"),
        detect_break(series, bootstrap=19, family="poisson"),
        alerts(series, None, method="farrington", years_back=2, window_half_width=2),
    ]
    shown = 0
    for result in results:
        page = result._repr_html_()
        assert "<img" not in page and "\u202e" not in page, type(result).__name__
        shown += "&lt;img src=x onerror=alert(1)&gt;&lt;U+202E&gt;gpj.exe" in page
    assert shown >= 1  # the alert table names its series


def test_html_table_escapes_cells_and_headings():
    frame = pd.DataFrame({"<b>region</b>": ["<script>x</script>\u2066"], "n": [1]})
    table = html_table(frame)
    assert "<script>" not in table and "<b>" not in table and "\u2066" not in table
    assert "&lt;U+2066&gt;" in table


def test_csv_cells_are_defused_and_show_controls():
    assert defuse("=1+1") == "'=1+1"
    assert defuse("@SUM(A1)") == "'@SUM(A1)"
    assert defuse("\u202e=1+1") == "<U+202E>=1+1"
    text = to_csv_text(pd.DataFrame({"region": ["\u202eHoms", "+cmd|' /C calc'!A0"], "n": [1, 2]}))
    assert "\u202e" not in text and "'+cmd" in text


@given(st.lists(st.one_of(st.none(), st.text(alphabet="=+-@ab\t\u202e,\"\n", max_size=4)),
                min_size=1, max_size=30),
       st.lists(st.one_of(st.integers(-2, 2), st.floats(allow_nan=True, width=16), st.none(),
                          st.text(alphabet="=a1", max_size=2)), min_size=1, max_size=30),
       st.sampled_from(["str", "object", "category"]))
def test_csv_text_defuses_each_distinct_value_as_each_cell(texts, mixed, kind):
    """Text columns are defused once per distinct value; the bytes are those of every cell."""
    size = min(len(texts), len(mixed))
    frame = pd.DataFrame({"text": pd.Series(texts[:size], dtype=kind),
                          "mixed": pd.Series(mixed[:size], dtype=object)})
    cell_by_cell = frame.copy()
    for column in cell_by_cell:
        cell_by_cell[column] = cell_by_cell[column].map(defuse)
    assert to_csv_text(frame) == cell_by_cell.to_csv(index=False, lineterminator="\n")
