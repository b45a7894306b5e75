"""The validation layer: counts, dates, months, option ranges, names, sums, compressed input."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from trends.errors import DataError, InputError, OptionError
from trends.ingest import read_incidents
from trends.ingest.compressed import read_bytes
from trends.ingest.files import read_header, read_raw
from trends.monthly import read_monthly, to_series
from trends.validate import (
    DEFAULT_MAX_COUNT,
    INT64_MAX,
    Limits,
    check_options,
    check_total,
    latest_date,
    parse_count,
    parse_counts,
    parse_dates,
    parse_month,
    parse_size,
)

LINES = pd.Series([2])


@given(st.integers(min_value=0, max_value=DEFAULT_MAX_COUNT))
def test_every_count_up_to_the_ceiling_reads_exactly(n):
    assert parse_count(str(n)) == n
    assert parse_count(f"{n}.0") == n


@given(st.integers(min_value=DEFAULT_MAX_COUNT + 1, max_value=INT64_MAX))
def test_counts_above_the_ceiling_are_refused_until_it_is_raised(n):
    assert "plausibility ceiling" in str(parse_count(str(n)))
    assert parse_count(str(n), max_count=INT64_MAX) == n


@given(st.integers(min_value=INT64_MAX + 1, max_value=10**400))
def test_counts_beyond_int64_are_refused_whatever_the_ceiling(n):
    assert "largest count" in str(parse_count(str(n), max_count=INT64_MAX))


def test_two_to_the_53_plus_one_is_not_rounded():
    n = 2**53 + 1
    assert parse_count(str(n), max_count=INT64_MAX) == n
    parsed = parse_counts(pd.Series([str(n)]), column="k", path="f", lines=LINES, max_count=n)
    assert int(parsed.iloc[0]) == n


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e308", "largest count"),
        ("-1", "cannot be negative"),
        ("0.5", "whole numbers"),
        ("nan", "not a number"),
        ("-inf", "not a number"),
        ("1,000", "not a number"),
    ],
)
def test_bad_counts_name_file_line_column_and_value(text, reason):
    with pytest.raises(InputError) as caught:
        parse_counts(pd.Series([text]), column="best", path="ged.csv", lines=pd.Series([7]))
    assert str(caught.value).startswith("ged.csv:7: column 'best': ")
    assert reason in str(caught.value) and f"(value {text!r})" in str(caught.value)


def test_sums_that_would_overflow_are_refused_not_wrapped(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(
        "incident_id,date_start,country,region,killed_best\n"
        "a,2020-01-05,Syria,Homs,9000000000000000000\n"
        "b,2020-01-06,Syria,Homs,9000000000000000000\n"
    )
    incidents = read_incidents(path, limits=Limits(max_count=INT64_MAX))
    from trends.aggregate import aggregate

    with pytest.raises(DataError, match="add up to more than"):
        aggregate(incidents)
    check_total(pd.Series([INT64_MAX], dtype="Int64"), "x")
    with pytest.raises(DataError):
        check_total(pd.Series([INT64_MAX, 1], dtype="Int64"), "x")


def test_dates_outside_1900_to_2100_or_after_the_file_are_refused(tmp_path):
    formats = ("%Y-%m-%d",)
    ok = parse_dates(
        pd.Series(["1900-01-01", "2100-12-31"]),
        column="d",
        path="f",
        lines=pd.Series([2, 3]),
        formats=formats,
    )
    assert [str(d.date()) for d in ok] == ["1900-01-01", "2100-12-31"]
    for text, reason in (
        ("9999-12-31", "outside 1900-01-01 to 2100-12-31"),
        ("1899-12-31", "before 1900-01-01"),
        ("2101-01-01", "after 2100-12-31"),
    ):
        with pytest.raises(InputError, match=reason):
            parse_dates(pd.Series([text]), column="d", path="f", lines=LINES, formats=formats)
    path = tmp_path / "old.csv"
    path.write_text("x\n")
    written = time.mktime((2020, 6, 1, 12, 0, 0, 0, 0, -1))
    os.utime(path, (written, written))
    assert str(latest_date(path)) == "2020-06-02"
    with pytest.raises(InputError, match=r"after the file was last written \(2020-06-01\)"):
        parse_dates(
            pd.Series(["2020-06-03"]),
            column="d",
            path="f",
            lines=LINES,
            formats=formats,
            latest=latest_date(path),
        )


def test_option_months_and_ranges():
    assert parse_month(" 2023-11 ", "--since") == pd.Period("2023-11", freq="M")
    for bad in ("2023-13", "23-11", "9999-01", "1899-12", ""):
        with pytest.raises(OptionError, match="--since"):
            parse_month(bad, "--since")
    with pytest.raises(InputError, match=r"r.toml: key 'analysis.month'"):
        parse_month("2023/11", "analysis.month", path="r.toml")
    check_options({"bootstrap": 999, "seed": 0, "horizon": 24, "window": 0, "alpha": 0.05})
    check_options({"bootstrap": 0, "inference": "model", "command": "test"})
    for options in (
        {"bootstrap": -5},
        {"bootstrap": 0, "command": "detect", "inference": "model"},
        {"seed": -1},
        {"horizon": 0},
        {"alpha": 1.0},
        {"alpha": float("nan")},
        {"scale": 0.0},
        {"max_count": 0},
        {"since": "2023-13"},
    ):
        with pytest.raises(OptionError):
            check_options(options)
    assert parse_size("1.5G") == 3 * 1024**3 // 2
    with pytest.raises(OptionError):
        parse_size("lots")


def test_monthly_tables_ignore_columns_that_are_not_counts_unless_measured():
    seatbelts = FIXTURES / "seatbelts_monthly.csv"
    frame = read_monthly(seatbelts, measure="DriversKilled")
    assert "PetrolPrice" not in frame.columns and "front" in frame.columns
    y = to_series(frame, "DriversKilled")
    assert len(y) == 192 and int(y.iloc[0]) == 107  # R: Seatbelts[1, "DriversKilled"]
    with pytest.raises(InputError) as caught:
        read_monthly(seatbelts, measure="PetrolPrice")
    assert f"{seatbelts}:2: column 'PetrolPrice': casualty counts must be whole numbers" in str(
        caught.value
    )
    with pytest.raises(OptionError, match="no measure 'month'"):
        read_monthly(seatbelts, measure="month")


def test_monthly_regions_may_not_be_blank(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("month,region,n\n2020-01,Homs,1\n2020-01, ,2\n")
    with pytest.raises(InputError, match=r"m.csv:3: column 'region': a region name is required"):
        read_monthly(path)


def test_missing_values_are_not_summed_as_zero(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("month,region,n\n2020-01,A,1\n2020-01,B,\n2020-02,A,1\n2020-02,B,1\n")
    with pytest.raises(DataError, match="missing for some months"):
        to_series(read_monthly(path), "n")
    with pytest.raises(InputError, match=r"m.csv:3: column 'n': a blank value"):
        read_monthly(path, measure="n")


def bomb(path: Path, expanded: int, *, newline: bool = True) -> Path:
    with gzip.GzipFile(path, "wb", mtime=0) as stream:
        stream.write(b"incident_id,date_start\n" if newline else b"x")
        block = b"0" * (1 << 20)
        for _ in range(expanded >> 20):
            stream.write(block)
    return path


def test_compressed_input_is_read_as_a_bounded_stream(tmp_path):
    small = bomb(tmp_path / "small.csv.gz", 4 << 20)
    assert len(read_bytes(small)) > 4 << 20
    with pytest.raises(InputError, match="expands to more than 1,048,576 bytes"):
        read_bytes(small, Limits(max_expanded=1 << 20))
    big = bomb(tmp_path / "big.csv.gz", 80 << 20)
    with pytest.raises(InputError, match="expands more than 100 times its size"):
        read_raw(big)
    assert len(read_bytes(big, Limits(max_ratio=10_000))) > 80 << 20
    # a gzip file named .csv is still read as gzip, and its header without reading it all
    disguised = bomb(tmp_path / "disguised.csv", 80 << 20, newline=False)
    started = time.monotonic()
    assert read_header(disguised) == []  # no header line in the first MiB
    assert time.monotonic() - started < 5
    with pytest.raises(InputError, match="expands more than 100 times"):
        read_raw(disguised)


def test_parquet_declaring_a_huge_expansion_is_refused(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "zeros.parquet"
    pq.write_table(pa.table({"killed_best": np.zeros(2_000_000, dtype="int64")}), path)
    with pytest.raises(InputError, match="Parquet file expands to more than"):
        read_raw(path, limits=Limits(max_expanded=1 << 20))
