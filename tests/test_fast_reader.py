"""The pyarrow reader against the csv-module reader it replaces: same cells, lines and errors."""

from __future__ import annotations

import csv
import gzip
import io
import string

import pandas as pd
import pytest
from conftest import FIXTURES, GED, SEEDS
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trends.errors import TrendsError
from trends.ingest import read_incidents
from trends.ingest.arrow_csv import read_csv_arrow
from trends.ingest.files import read_raw, read_raw_reference
from trends.ingest.scan import LineScanner, Unsure
from trends.validate import Limits


def both(path, **options):
    """(fast, reference) results of reading ``path``: a table and its row log, or the error."""
    out = []
    for engine in ("auto", "python"):
        try:
            raw = read_raw(path, engine=engine)
            out.append((raw.cells.astype(str).to_dict("list"), raw.lines.tolist(), raw.header))
        except TrendsError as err:
            out.append(str(err))
    return out


def incidents_both(path, monkeypatch):
    out = []
    for engine in ("auto", "python"):
        with monkeypatch.context() as patch:
            if engine == "python":
                patch.setattr("trends.ingest.read_raw", _reference_only)
            try:
                found = read_incidents(path)
                out.append((found.table, found.log.to_frame()))
            except TrendsError as err:
                out.append(str(err))
    return out


def _reference_only(path, *, encoding="utf-8", limits=None, columns=None):
    return read_raw_reference(path, encoding=encoding, limits=limits)


@pytest.mark.parametrize(
    "path",
    [GED, SEEDS, FIXTURES / "acled_sample.csv", FIXTURES / "ged_candidate_sample.csv"],
)
def test_real_files_give_the_same_table_and_row_log(path, monkeypatch):
    fast, reference = incidents_both(path, monkeypatch)
    pd.testing.assert_frame_equal(fast[0], reference[0])
    pd.testing.assert_frame_equal(fast[1], reference[1])


def test_the_bundled_file_is_read_by_pyarrow_not_the_fallback():
    cells, lines, header = read_csv_arrow(GED, encoding="utf-8", limits=Limits(), columns=None)
    reference = read_raw_reference(GED)
    assert header == reference.header
    assert lines.tolist() == reference.lines.tolist()
    pd.testing.assert_frame_equal(cells, reference.cells.astype(str))


def test_parquet_gives_the_same_table(tmp_path, monkeypatch):
    frame = pd.read_csv(GED, dtype={"adm_2": str}).head(500)
    path = tmp_path / "ged.parquet"
    frame.to_parquet(path, index=False)
    plain = tmp_path / "plain.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(), plain)
    for file in (path, plain):
        fast, reference = incidents_both(file, monkeypatch)
        pd.testing.assert_frame_equal(fast[0], reference[0])
        pd.testing.assert_frame_equal(fast[1], reference[1])


ODD = [
    b'a,b\n"x"y,2\n',  # strict mode refuses a quote that closes mid-field
    b'a,b\nx"y,2\n',  # a quote inside a field is text
    b'a,b\n"xy,2\n',  # never closed
    b"a,b\n1,2\n\n   \n3,4\n",  # blank and white lines
    b"a,b\r1,2\r3,4",  # old Mac line ends
    b'\xef\xbb\xbf"a","b"\r\n"1\r\n2",3\r\n',  # byte-order mark, quoted line breaks
    b"a,b\n1,2,3\n",  # ragged
    b"a,b\n1,\xff\n",  # not UTF-8
    b"a,b\n1,\x00\n",  # NUL
    b"a,a\n1,2\n",  # a column named twice
    b"a,b\n",  # no records
    b"",  # empty
    b"a,b\n1," + b"x" * 200_000 + b"\n",  # past the csv module's default field limit
]


@pytest.mark.parametrize("data", ODD, ids=range(len(ODD)))
def test_odd_files_read_or_fail_the_same_way(tmp_path, data):
    path = tmp_path / "odd.csv"
    path.write_bytes(data)
    fast, reference = both(path)
    assert fast == reference


def test_a_field_past_the_limit_fails_the_same_way_on_both_readers(tmp_path):
    """The fast reader hands a record past csv's limit to the reference, which refuses it."""
    path = tmp_path / "long.csv"
    path.write_bytes(b"a,b\n1," + b"x" * 2000 + b"\n")
    old = csv.field_size_limit(1000)
    try:
        fast, reference = both(path)
    finally:
        csv.field_size_limit(old)
    assert fast == reference and "field larger than field limit (1000)" in str(fast)


def test_gzip_is_read_the_same_way_and_within_its_limits(tmp_path):
    path = tmp_path / "g.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 100_000))
    fast, reference = both(path)
    assert fast == reference
    errors = []
    for engine in ("auto", "python"):
        with pytest.raises(TrendsError) as caught:
            read_raw(path, engine=engine, limits=Limits(max_expanded=1000))
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "expands to more than 1,000 bytes" in errors[0]


CELL = st.text(
    alphabet=st.sampled_from([*string.ascii_letters[:6], " ", ",", '"', "\n", "\r", "é", "€"]),
    max_size=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
    terminator=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    blank=st.booleans(),
)
def test_any_well_formed_csv_reads_the_same_way(tmp_path, rows, terminator, quoting, blank):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=terminator, quoting=quoting)
    writer.writerow(["a", "b", "c"])
    for row in rows:
        writer.writerow(row)
        if blank:
            buffer.write(terminator)
    path = tmp_path / "h.csv"
    path.write_bytes(buffer.getvalue().encode())
    fast, reference = both(path)
    assert fast == reference


@given(data=st.binary(max_size=60), cut=st.integers(1, 60))
@example(data=b"\r\n", cut=1)  # a CR LF split between pieces counted a blank line as a record
@example(data=b"a\r\n\r\nb\r\n", cut=4)
def test_scanner_lines_match_the_csv_module_or_it_declines(data, cut):
    try:
        text = data.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        expected, start = [], 1
        for row in reader:
            if row:
                expected.append(start)
            start = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error):
        expected = None
    scanner = LineScanner()
    try:
        for k in range(0, len(data), cut):
            scanner.feed(data[k : k + cut])
        got = scanner.finish().tolist()
    except Unsure:
        return
    assert expected is not None
    if "\x00" not in text:
        assert got == expected
