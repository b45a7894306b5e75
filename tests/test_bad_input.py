"""Every kind of bad input gives one line naming file, line, column and value; exit 2."""

from __future__ import annotations

import io
import re

import pytest

from trends.cli import main

HEADER = "incident_id,date_start,date_end,country,region,killed_low,killed_best,killed_high\n"
GOOD = "a1,2023-11-09,2023-11-09,Syria,Homs,1,2,3\n"


def run(capsys, *args):
    status = main(["aggregate", *map(str, args)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, [line for line in err.splitlines() if ": error: " in line]


CASES = [
    (
        "missing column",
        "incident_id,date_start,country,region\na1,2023-11-09,Syria,Homs\n",
        r":1: missing column\(s\) killed_best required by the native layout",
    ),
    (
        "bad date",
        HEADER + GOOD + "a2,2023-13-40,,Syria,Homs,1,1,1\n",
        r":3: column 'date_start': unparseable date; expected YYYY-MM-DD, YYYY-MM or YYYY "
        r"\(value '2023-13-40'\)",
    ),
    (
        "negative",
        HEADER + "a2,2023-11-09,,Syria,Homs,0,-2,3\n",
        r":2: column 'killed_best': casualty counts cannot be negative \(value '-2'\)",
    ),
    (
        "non-integer",
        HEADER + GOOD + GOOD.replace("a1", "a3") + "a2,2023-11-09,,Syria,Homs,1,2.5,3\n",
        r":4: column 'killed_best': casualty counts must be whole numbers \(value '2.5'\)",
    ),
    (
        "not a number",
        HEADER + "a2,2023-11-09,,Syria,Homs,1,two,3\n",
        r":2: column 'killed_best': not a number \(value 'two'\)",
    ),
    (
        "low above best",
        HEADER + "a2,2023-11-09,,Syria,Homs,5,2,3\n",
        r":2: column 'killed_low': estimates must satisfy low <= best <= high "
        r"\(value 'low 5 > best 2'\)",
    ),
    (
        "best above high",
        HEADER + "a2,2023-11-09,,Syria,Homs,1,4,3\n",
        r":2: column 'killed_high': estimates must satisfy low <= best <= high "
        r"\(value 'best 4 > high 3'\)",
    ),
    (
        "end before start",
        HEADER + "a2,2023-11-09,2023-11-01,Syria,Homs,1,2,3\n",
        r":2: column 'date_end': end date is before start date \(value '2023-11-01'\)",
    ),
    ("empty file", "", r": the file is empty"),
    ("header only", HEADER, r":1: the file has a header but no records"),
    (
        "ragged row",
        HEADER + "a2,2023-11-09,Syria\n",
        r":2: expected 8 fields as in the header, found 3",
    ),
    (
        "missing value",
        HEADER + ",2023-11-09,,Syria,Homs,1,2,3\n",
        r":2: column 'incident_id': a value is required",
    ),
]


@pytest.mark.parametrize(("label", "text", "pattern"), CASES, ids=[c[0] for c in CASES])
def test_bad_native_input(capsys, write, label, text, pattern):
    path = write("bad.csv", text)
    status, err = run(capsys, path)
    assert status == 2
    assert len(err) == 1, err
    assert err[0].startswith(f"trends aggregate: error: {path}")
    assert re.search(pattern, err[0]), err[0]


@pytest.mark.parametrize("command", [["aggregate"], ["detect"], ["test", "--since", "2020-01"]])
def test_a_file_that_is_not_a_table_gets_a_hint(capsys, write, command):
    """A newcomer's first try: the folder's README instead of its data."""
    path = write("README.md", "# Data\n\nThe files, their sources, and how to cite them.\n"
                 "| file | rows | licence | source |\n")
    status = main([command[0], str(path), *command[1:]])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert err[0] == (f"trends {command[0]}: error: {path}:3: expected 1 field as in the header, "
                      "found 3; is it a data file? trends reads CSV (plain or gzip) and Parquet "
                      "files of incidents, or a monthly table")


def test_wrong_encoding_names_the_line(capsys, write):
    path = write(
        "latin.csv", HEADER + GOOD + "a2,2023-11-09,,Syria,Homs à l'est,1,2,3\n", "latin-1"
    )
    status, err = run(capsys, path)
    assert status == 2 and len(err) == 1
    assert f"{path}:3: the file is not valid utf-8 text" in err[0]
    assert "--encoding" in err[0]


def test_utf16_file_is_refused_clearly(capsys, write):
    path = write("wide.csv", HEADER + GOOD, "utf-16")
    status, err = run(capsys, path)
    assert status == 2 and len(err) == 1
    assert str(path) in err[0]


def test_unknown_layout(capsys, write):
    path = write("what.csv", "x,y\n1,2\n")
    status, err = run(capsys, path)
    assert status == 2 and "cannot tell the layout from the header (x, y)" in err[0]


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_split_by_another_separator_says_so(capsys, write, separator, name):
    """'cannot tell the layout ...; name it with --format' sent the user to an option that
    cannot help."""
    path = write("semi.csv", f"month{separator}killed\n2020-01{separator}3\n")
    status, err = run(capsys, path)
    assert status == 2 and err == [
        f"trends aggregate: error: {path}:1: the header is one column of names split by {name} "
        f"({'month' + separator + 'killed'!r}): trends reads fields separated by commas; save "
        "the file as comma-separated CSV"]


@pytest.mark.parametrize("name", ["events.parquet.gz", "events.csv"])
def test_a_parquet_file_under_a_text_name_says_so(capsys, tmp_path, name):
    """A gzipped Parquet file was 'not valid utf-8 text; name its encoding with --encoding'."""
    import gzip

    import pandas as pd

    data = io.BytesIO()
    pd.DataFrame({"incident_id": ["a"], "date_start": ["2023-11-09"]}).to_parquet(data)
    raw = data.getvalue()
    path = tmp_path / name
    path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    status, err = run(capsys, path)
    assert status == 2 and err == [
        f"trends aggregate: error: {path}: this is a Parquet file (it starts with PAR1), not CSV "
        "text: name it .parquet and leave it uncompressed (Parquet compresses inside)"]


def test_missing_file(capsys, tmp_path):
    status, err = run(capsys, tmp_path / "nope.csv")
    assert status == 2 and len(err) == 1 and "No such file" in err[0]


def test_bad_ged_date_names_the_source_column(capsys, write):
    from conftest import FIXTURES

    text = (
        (FIXTURES / "ged_candidate_sample.csv")
        .read_text()
        .replace("2019-12-17 00:00:00.000", "17.12.2019", 1)
    )
    path = write("cand.csv", text)
    status, err = run(capsys, path)
    assert status == 2
    assert ":6: column 'date_start': unparseable date" in err[0] and "'17.12.2019'" in err[0]


def test_bad_gtd_month(capsys, write):
    from conftest import FIXTURES

    text = (
        (FIXTURES / "gtd_sample.csv")
        .read_text()
        .replace("201701010001,2017,1,1", "201701010001,2017,13,1")
    )
    path = write("gtd.csv", text)
    status, err = run(capsys, path)
    assert (
        status == 2
        and ":2: column 'imonth': expected a whole number from 0 to 12 (value '13')" in err[0]
    )


def _blanked(name: str, column: str, row: int) -> str:
    """A fixture's text with one cell of ``column`` (0-based data ``row``) left blank."""
    import pandas as pd
    from conftest import FIXTURES

    table = pd.read_csv(FIXTURES / name, dtype=str, keep_default_na=False)
    table.loc[row, column] = ""
    return table.to_csv(index=False)


@pytest.mark.parametrize(("name", "column"), [
    ("ged_candidate_sample.csv", "id"), ("ged_candidate_sample.csv", "country"),
    ("acled_sample.csv", "event_id_cnty"), ("acled_sample.csv", "country"),
    ("gtd_sample.csv", "eventid"), ("gtd_sample.csv", "country_txt"),
])
def test_a_blank_event_id_or_country_is_an_error(capsys, write, name, column):
    """Blank ids made unrelated events one repeated event (all but one dropped), and a blank
    country a panel row no reader takes back; the native layout already refused both."""
    path = write(name, _blanked(name, column, 1))
    status, err = run(capsys, path)
    assert status == 2 and err == [
        f"trends aggregate: error: {path}:3: column '{column}': a value is required (value '')"]


# the file has one more extended event, dropped whatever the value
@pytest.mark.parametrize(("value", "dropped"), [("1.0", 2), ("1", 2), ("0.0", 1)])
def test_gtd_extended_written_as_a_float_is_read(capsys, write, tmp_path, value, dropped):
    """extended = 1.0 (a float column written by pandas) was read as not extended."""
    import pandas as pd
    from conftest import FIXTURES

    table = pd.read_csv(FIXTURES / "gtd_sample.csv", dtype=str, keep_default_na=False)
    table.loc[0, ["extended", "resolution"]] = [value, "2017-03-31"]
    path = write("gtd.csv", table.to_csv(index=False))
    rejects = tmp_path / "rejects.csv"
    status = main(["aggregate", str(path), "--span-rule", "drop", "--quiet", "--out",
                   str(tmp_path / "out.csv"), "--rejects", str(rejects)])
    assert status == 0
    log = pd.read_csv(rejects)
    assert (log["action"] == "dropped").sum() == dropped


def test_gtd_extended_other_than_0_or_1_is_an_error(capsys, write):
    import pandas as pd
    from conftest import FIXTURES

    table = pd.read_csv(FIXTURES / "gtd_sample.csv", dtype=str, keep_default_na=False)
    table.loc[2, "extended"] = "yes"
    path = write("gtd.csv", table.to_csv(index=False))
    status, err = run(capsys, path)
    assert status == 2 and err[0].endswith(
        ":4: column 'extended': extended must be 0 or 1 (value 'yes')")


@pytest.mark.parametrize(("rows", "ending"), [(3, "\n"), (10_000, "\n"), (5, "\r"), (5, "\r\n")])
def test_an_unclosed_quote_is_named_where_it_opens(capsys, write, rows, ending):
    """It was reported on the file's last line, with no column or value."""
    records = [HEADER.strip() + ",notes"] + [GOOD.strip().replace("a1", f"a{i}") + ",ok"
                                             for i in range(rows)]
    records[2] = records[2][:-2] + '"He said hello'
    path = write("open.csv", ending.join(records) + ending)
    status, err = run(capsys, path)
    assert status == 2 and err == [
        f"trends aggregate: error: {path}:3: column 'notes': malformed CSV: this quoted field "
        "is never closed (value '\"He said hello')"]


def test_strict_turns_published_inconsistencies_into_errors(capsys):
    from conftest import GED

    status, err = run(capsys, GED, "--strict")
    assert status == 2 and "estimates must satisfy low <= best <= high" in err[0]


def test_bad_option_values(capsys):
    from conftest import SEEDS

    status, err = run(capsys, SEEDS, "--start", "2023/11")
    assert status == 2 and "start must be a month written YYYY-MM; got '2023/11'" in err[0]
    status, err = run(capsys, SEEDS, "--region", "Atlantis")
    assert status == 2 and "--region 'Atlantis': no such region in the data; the data have" in (
        err[0])


@pytest.mark.parametrize("kind", ["binary", "list", "struct"])
def test_a_parquet_column_with_no_text_is_refused_where_a_reader_needs_it(capsys, tmp_path, kind):
    """Bytes, lists and structs became regions named b'Homs', ['Homs'] or {'a': 'Homs'}."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    region = {"binary": pa.array([b"Homs", b"\xff\xfe"], pa.binary()),
              "list": pa.array([["Homs"], ["Aleppo"]]),
              "struct": pa.array([{"a": "Homs"}, {"a": "Aleppo"}])}[kind]
    columns = {"incident_id": ["a1", "a2"], "date_start": ["2023-11-09"] * 2,
               "country": ["Syria"] * 2, "region": region, "killed_best": [1, 2]}
    pq.write_table(pa.table(columns), tmp_path / "bad.parquet")
    status, err = run(capsys, tmp_path / "bad.parquet")
    assert status == 2 and len(err) == 1
    assert f"bad.parquet: column 'region': a Parquet column of type {kind}" in err[0]
    assert err[0].endswith("has no text; expected text or numbers")
    columns["region"], columns["tags"] = ["Homs", "Aleppo"], region  # a column no reader uses
    pq.write_table(pa.table(columns), tmp_path / "fine.parquet")
    status, err = run(capsys, tmp_path / "fine.parquet", "--out", tmp_path / "out.csv")
    assert status == 0, err


def test_dictionary_coded_bytes_and_monthly_tables_are_refused_too(capsys, tmp_path):
    """A dictionary-coded bytes column, and a monthly table's bytes region, became b'Homs'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    incidents = {"incident_id": ["a1", "a2"], "date_start": ["2023-11-09"] * 2,
                 "country": ["Syria"] * 2, "killed_best": [1, 2],
                 "region": pa.array([b"Homs", b"Aleppo"]).dictionary_encode()}
    pq.write_table(pa.table(incidents), tmp_path / "coded.parquet")
    monthly = {"month": ["2023-01", "2023-02"], "region": pa.array([b"Homs"] * 2),
               "incidents": [1, 2]}
    pq.write_table(pa.table(monthly), tmp_path / "monthly.parquet")
    for name in ("coded.parquet", "monthly.parquet"):
        status = main(["alerts", str(tmp_path / name), "--by", "region"])
        err = capsys.readouterr().err
        assert status == 2 and f"{name}: column 'region': a Parquet column of type" in err
        assert "has no text" in err and "Traceback" not in err


def test_gtd_extended_as_a_parquet_boolean_is_read(capsys, tmp_path):
    import pandas as pd
    from conftest import FIXTURES

    table = pd.read_csv(FIXTURES / "gtd_sample.csv", dtype=str, keep_default_na=False)
    table["extended"] = table["extended"] == "1"
    table.to_parquet(tmp_path / "gtd.parquet", index=False)
    status = main(["aggregate", str(tmp_path / "gtd.parquet"), "--span-rule", "drop", "--quiet",
                   "--out", str(tmp_path / "out.csv"), "--rejects", str(tmp_path / "log.csv")])
    assert status == 0
    assert (pd.read_csv(tmp_path / "log.csv")["action"] == "dropped").sum() == 1
