"""Reading in pieces into the compact table against reading each file whole.

The pieces are forced tiny (a few records) so that every boundary a real file
could put between two pieces is crossed: the panel, the row log and every
error must be the whole-file reading's.
"""

from __future__ import annotations

import csv
import functools
import io

import pandas as pd
import pytest
from conftest import FIXTURES, GED, SEEDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trends.ingest.compact as compact_module
from trends.errors import InputError
from trends.ingest import read_incidents
from trends.ingest.files import iter_raw, read_raw
from trends.loading import load_panel

RULES = [
    {},
    {"by": ["actor1", "violence_type"]},
    {"actors": ["IS"]},
    {"span_rule": "drop", "min_precision": "month"},
    {"by": []},
    {"regions": ["Homs"], "start": "2017-01", "end": "2018-03"},
]


def _whole_file_only(*args, **kwargs):
    raise AssertionError("the pieces were discarded and the file read whole")


def both_ways(paths, rows, monkeypatch, *, fallback_allowed=False, **rules):
    """(whole, pieces) results: the panel and row log, or the error message."""
    out = []
    for compact in (False, True):
        with monkeypatch.context() as patch:
            patch.setattr(compact_module, "ROWS", rows)
            if compact and not fallback_allowed:
                patch.setattr(compact_module, "read_raw", _whole_file_only)
            try:
                loaded = load_panel([str(p) for p in paths], compact=compact, **rules)
                out.append((loaded.panel, loaded.log.to_frame()))
            except InputError as err:
                out.append(str(err))
    return out


def assert_same(whole, pieces):
    if isinstance(whole, str):
        assert pieces == whole
        return
    pd.testing.assert_frame_equal(pieces[0], whole[0])
    pd.testing.assert_frame_equal(pieces[1], whole[1])


@pytest.mark.parametrize(
    ("paths", "rows"),
    [
        ([GED], 4000),
        ([SEEDS], 3),
        ([FIXTURES / "acled_sample.csv"], 3),
        ([FIXTURES / "gtd_sample.csv"], 3),
        ([FIXTURES / "ged_candidate_sample.csv"], 3),
        ([GED, FIXTURES / "ged_candidate_sample.csv"], 5000),
        ([SEEDS, SEEDS], 4),
    ],
    ids=["ged", "seeds", "acled", "gtd", "candidate", "ged+candidate", "seeds twice"],
)
def test_real_files_give_the_same_panel_and_row_log(paths, rows, monkeypatch):
    whole, pieces = both_ways(paths, rows, monkeypatch)
    assert not isinstance(whole, str)
    assert_same(whole, pieces)


@pytest.mark.parametrize("rules", RULES, ids=[str(r) for r in RULES])
def test_every_rule_gives_the_same_panel_and_row_log(rules, monkeypatch):
    assert_same(*both_ways([GED, SEEDS], 6000, monkeypatch, **rules))


def test_pieces_hold_every_record_with_its_line(tmp_path):
    path = tmp_path / "multi.csv"
    rows = [["id", "text"], *([str(i), "two\nlines" if i % 3 else "one"] for i in range(20))]
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    whole = read_raw(path)
    pieces = list(iter_raw(path, rows=7))
    assert [len(p.cells) for p in pieces] == [7, 7, 6]
    cells = pd.concat([p.cells for p in pieces])
    lines = pd.concat([p.lines for p in pieces])
    pd.testing.assert_frame_equal(cells, whole.cells)
    assert lines.tolist() == whole.lines.tolist()
    # 20 records, two in three spanning two lines: record i starts on line 2 + i + (spans before)
    assert lines.tolist() == [2 + i + sum(1 for j in range(i) if j % 3) for i in range(20)]


def test_parquet_pieces_hold_every_record(tmp_path):
    frame = pd.read_csv(GED, dtype=str, keep_default_na=False).head(50)
    path = tmp_path / "ged.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path)
    whole = read_raw(path)
    pieces = list(iter_raw(path, rows=8))
    assert [len(p.cells) for p in pieces] == [8] * 6 + [2]
    pd.testing.assert_frame_equal(pd.concat([p.cells for p in pieces]), whole.cells)
    assert pd.concat([p.lines for p in pieces]).tolist() == list(range(1, 51))


@functools.cache
def ged_head() -> pd.DataFrame:
    return pd.read_csv(GED, dtype=str, keep_default_na=False, nrows=40)


def ged_text(edit=None, rows=40) -> tuple[str, list[int]]:
    """The first ``rows`` bundled GED events as CSV, each edited, and each record's line."""
    frame = ged_head().head(rows).copy()
    frame["source_headline"] = [("a\nb" if i % 4 == 0 else "c") for i in range(rows)]
    if edit:
        edit(frame)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    lines, line = [], 2
    for i in range(rows):
        lines.append(line)
        line += 2 if i % 4 == 0 else 1
    return buffer.getvalue(), lines


@pytest.mark.parametrize(
    ("column", "value", "row"),
    [("best", "many", 33), ("date_start", "2017-13-01", 25), ("type_of_violence", "7", 38)],
)
def test_an_error_in_a_later_piece_names_the_file_line(tmp_path, monkeypatch, column, value, row):
    def edit(frame):
        frame.loc[row, column] = value

    text, lines = ged_text(edit)
    path = tmp_path / "ged.csv"
    path.write_text(text)
    whole, pieces = both_ways([path], 4, monkeypatch, fallback_allowed=True)
    assert pieces == whole
    assert f"{path}:{lines[row]}" in pieces
    assert column in pieces


def test_an_error_is_the_whole_file_one_not_the_first_piece_one(tmp_path, monkeypatch):
    # A bad count early and a bad date late: the whole file checks dates first.
    def edit(frame):
        frame.loc[2, "best"] = "x"
        frame.loc[30, "date_start"] = "2017-02-30"

    text, lines = ged_text(edit)
    path = tmp_path / "ged.csv"
    path.write_text(text)
    whole, pieces = both_ways([path], 4, monkeypatch, fallback_allowed=True)
    assert pieces == whole
    assert f"{path}:{lines[30]}" in pieces


incident = st.fixed_dictionaries(
    {
        "id": st.integers(0, 12),
        "day": st.integers(1, 28),
        "month": st.integers(1, 12),
        "region": st.sampled_from(["Homs", "Deir ez-Zor", " Aleppo", "Nowhere", ""]),
        "actor": st.sampled_from(["IS", "Government of Syria", "XXX12", ""]),
        "best": st.integers(0, 30),
        "spread": st.tuples(st.integers(0, 3), st.integers(0, 3)),
        "injured": st.sampled_from(["", "0", "4"]),
    }
)


def native_text(rows: list[dict]) -> str:
    out = [
        "incident_id,date_start,date_precision,country,region,actor1,killed_low,"
        "killed_best,killed_high,injured,source,notes"
    ]
    for r in rows:
        low, high = r["best"] - r["spread"][0], r["best"] + r["spread"][1]
        out.append(
            f"e{r['id']},2020-{r['month']:02d}-{r['day']:02d},day,Syria,{r['region']},"
            f"{r['actor']},{max(low, 0)},{r['best']},{high},{r['injured']},src,\"a\nnote\""
        )
    return "\n".join(out) + "\n"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(incident, min_size=1, max_size=30),
    size=st.integers(1, 7),
    by=st.sampled_from([("region",), (), ("actor1", "region")]),
)
def test_reports_of_one_incident_merge_the_same_across_pieces(tmp_path, rows, size, by):
    # Ids repeat (0-12 among up to 30 reports), so reports of one incident fall in different pieces.
    path = tmp_path / "events.csv"
    path.write_text(native_text(rows))
    with pytest.MonkeyPatch.context() as patch:
        whole, pieces = both_ways([path], size, patch, by=list(by))
    assert_same(whole, pieces)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.integers(1, 40), second=st.integers(1, 40), size=st.integers(2, 9))
def test_an_event_in_two_files_is_counted_once_across_pieces(tmp_path, first, second, size):
    a, _ = ged_text(rows=first)
    b, _ = ged_text(rows=second)
    (tmp_path / "a.csv").write_text(a)
    (tmp_path / "b.csv").write_text(b)
    with pytest.MonkeyPatch.context() as patch:
        whole, pieces = both_ways([tmp_path / "a.csv", tmp_path / "b.csv"], size, patch)
    assert_same(whole, pieces)
    assert whole[1]["action"].eq("dropped").sum() == min(first, second)


def test_the_compact_table_holds_no_free_text_and_categorical_places(monkeypatch):
    monkeypatch.setattr(compact_module, "ROWS", 5000)
    table = read_incidents(GED, compact=True).table
    assert "notes" not in table and "source" not in table
    assert isinstance(table["region"].dtype, pd.CategoricalDtype)
    whole = read_incidents(GED).table
    assert len(table) == len(whole)
    for column in ("killed_low", "killed_best", "killed_high"):
        assert table[column].sum() == whole[column].sum()


def test_the_command_exits_2_with_one_line_on_an_error_in_a_later_piece(tmp_path):
    # A process of its own: leaving pyarrow's reading early must not abort it as it exits.
    import subprocess
    import sys

    def edit(frame):
        frame.loc[29, "best"] = "many"

    text, lines = ged_text(edit)
    path = tmp_path / "ged.csv"
    body = text.split("\n", 1)[1]
    path.write_text(text + body * 30)  # more for pyarrow to read ahead
    code = (
        "import sys, trends.ingest.compact as c, trends.ingest.arrow_csv as a; c.ROWS = 3; "
        "a.BLOCK = 2048; from trends.cli import main; "
        f"sys.exit(main(['aggregate', {str(path)!r}, '--out', {str(tmp_path / 'p.csv')!r}]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"trends aggregate: error: {path}:{lines[29]}: column 'best': not a number (value 'many')"
    ]
