"""Each reader on real or realistic rows."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import FIXTURES, GED, SEEDS

from trends.errors import InputError
from trends.ingest import read_incidents
from trends.monthly import read_monthly
from trends.schema import COLUMNS


@pytest.fixture(scope="module")
def ged():
    return read_incidents(GED)


def test_ged_reads_every_event_with_published_figures(ged):
    table = ged.table
    assert ged.formats == {str(GED): "ucdp-ged"}
    assert len(table) == 16566
    assert list(table.columns[: len(COLUMNS)]) == list(COLUMNS)
    raw = pd.read_csv(GED)
    assert table["killed_best"].sum() == raw["best"].sum()
    assert table["killed_low"].sum() == raw["low"].sum()
    assert table["killed_high"].sum() == raw["high"].sum()
    assert sorted(table["incident_id"].astype(int)) == sorted(raw["id"])


def test_ged_codebook_fields_are_mapped(ged):
    row = ged.table.set_index("incident_id").loc["214797"]
    assert row["region"] == "Homs"
    assert row["subregion"] == "Ar Rastan district"
    assert (row["actor1"], row["actor2"]) == ("Government of Syria", "Syrian insurgents")
    assert row["violence_type"] == "state-based"
    assert str(row["date_start"].date()) == "2016-01-01"
    precision = ged.table["date_precision"].value_counts()
    assert precision["year"] == 51 and precision["month"] == 186


def test_ged_inconsistent_estimates_are_kept_and_noted(ged):
    notes = ged.log.to_frame()
    kept = notes[notes["reason"].str.startswith("kept as published")]
    assert len(kept) == 101
    row = ged.table.set_index("incident_id").loc["219459"]
    assert (row["killed_low"], row["killed_best"], row["killed_high"]) == (177, 142, 177)


def test_ged_events_without_region_are_unassigned_and_logged(ged):
    assert (ged.table["region"] == "Unassigned").sum() == 339
    assert ged.log.counts()["changed"] == 339


def test_candidate_release_layout_is_read():
    s = read_incidents(FIXTURES / "ged_candidate_sample.csv")
    assert set(s.table["region"]) == {"Deir ez-Zor"}
    assert s.table["date_start"].dt.strftime("%Y-%m-%d").tolist()[-1] == "2019-12-28"
    notes = s.log.to_frame()
    assert notes["reason"].str.contains("not yet identified").sum() == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_candidate_events_not_yet_cleared_are_counted_and_noted(tmp_path, suffix):
    """UCDP marks Candidate events it has not vetted with a code_status such as 'Check dyad'."""
    cells = pd.read_csv(FIXTURES / "ged_candidate_sample.csv", dtype=str, keep_default_na=False)
    cells.loc[1, "code_status"] = "Check dyad"
    path = tmp_path / f"candidate{suffix}"
    if suffix == ".csv":
        cells.to_csv(path, index=False)
    else:
        cells.to_parquet(path, index=False)
    s = read_incidents(path, compact=True)
    clear = read_incidents(FIXTURES / "ged_candidate_sample.csv", compact=True)
    assert s.table["killed_best"].tolist() == clear.table["killed_best"].tolist()
    notes = s.log.to_frame().query("reason.str.contains('cleared')")
    line = 3 if suffix == ".csv" else 2  # a Parquet file's records count from 1, with no header
    assert notes[["line", "incident_id", "action"]].values.tolist() == [
        [line, cells.loc[1, "id"], "note"]]
    assert notes["reason"].tolist() == [
        "a UCDP Candidate event not yet cleared (code_status 'Check dyad')"]


def test_a_region_written_unknown_counts_as_unassigned(tmp_path):
    """GTD writes provstate 'Unknown' where no province is known; it became a region of its own
    beside 'Unassigned'."""
    cells = pd.read_csv(FIXTURES / "gtd_sample.csv", dtype=str, keep_default_na=False)
    cells.loc[0, "provstate"] = "Unknown"
    path = tmp_path / "gtd.csv"
    cells.to_csv(path, index=False)
    for compact in (False, True):
        s = read_incidents(path, compact=compact)
        assert "Unknown" not in set(s.table["region"]) and "Unassigned" in set(s.table["region"])
        log = s.log.to_frame()
        assert log.loc[log["line"] == 2, "reason"].tolist() == [
            "region given as 'Unknown'; counted under 'Unassigned'"]


def test_yearly_plus_candidate_release_counts_each_event_once():
    s = read_incidents([GED, FIXTURES / "ged_candidate_sample.csv"])
    assert len(s.table) == 16566 + 3
    dropped = s.log.to_frame().query("action == 'dropped'")
    assert len(dropped) == 3
    assert dropped["reason"].str.contains("already read from").all()


def test_a_revised_reading_of_an_event_says_what_it_gives(tmp_path):
    first = pd.read_csv(FIXTURES / "ged_candidate_sample.csv", dtype=str, keep_default_na=False)
    revised = first.head(2).assign(best=["7", first["best"][1]],
                                   date_start=["2019-11-21", first["date_start"][1]])
    revised.to_csv(tmp_path / "revised.csv", index=False)
    paths = [FIXTURES / "ged_candidate_sample.csv", tmp_path / "revised.csv"]
    logs = [read_incidents(paths, compact=c).log.to_frame().query("action == 'dropped'")
            for c in (False, True)]
    pd.testing.assert_frame_equal(logs[0], logs[1])
    was = f"event id already read from {paths[0]}"
    assert logs[0]["reason"].tolist() == [
        f"{was}, whose reading is kept; this one gives date_start 2019-11-21 (2019-11-22 there)"
        f", killed_best 7 ({first['best'][0]} there)",
        was,
    ]


def test_acled_export():
    s = read_incidents(FIXTURES / "acled_sample.csv")
    t = s.table.set_index("incident_id")
    assert s.formats[str(FIXTURES / "acled_sample.csv")] == "acled"
    assert t.loc["SYR120001", "region"] == "Deir ez-Zor"
    assert t.loc["SYR120004", "region"] == "Deir ez-Zor"
    assert str(t.loc["SYR120004", "date_start"].date()) == "2023-12-30"
    assert t.loc["SYR120002", "victim_category"] == "civilians"
    assert t.loc["SYR120002", "date_precision"] == "week"
    month_only = t.loc["SYR120003"]
    assert month_only["date_precision"] == "month"
    assert str(month_only["date_start"].date()) == "2023-12-01"
    assert str(month_only["date_end"].date()) == "2023-12-31"
    assert t.loc["SYR120001", ["killed_low", "killed_best", "killed_high"]].tolist() == [23, 23, 23]


def test_gtd_export_with_unknown_day_month_and_deaths():
    s = read_incidents(FIXTURES / "gtd_sample.csv")
    t = s.table.set_index("incident_id")
    assert t.loc["201702000001", "date_precision"] == "month"
    assert str(t.loc["201702000001", "date_end"].date()) == "2017-02-28"
    assert t.loc["201700000001", "date_precision"] == "year"
    assert str(t.loc["201700000001", "date_end"].date()) == "2017-12-31"
    assert str(t.loc["201703100001", "date_end"].date()) == "2017-03-14"
    assert t.loc["201703100001", "region"] == "Nineveh"
    assert t.loc["201701010001", "victim_category"] == "soldiers"
    assert t.loc["201701010001", "injured"] == 5
    assert t.loc["201702000001", "killed_best"] == 0
    reasons = s.log.to_frame()["reason"]
    assert reasons.str.contains("nkill is blank").sum() == 1


def test_native_seed_file_merges_disagreeing_reports():
    s = read_incidents(SEEDS)
    bus = s.table.set_index("incident_id").loc["seed-2023-11-mayadeen-bus"]
    assert (bus["killed_low"], bus["killed_best"], bus["killed_high"]) == (20, 20, 23)
    assert bus["region"] == "Deir ez-Zor"
    assert "SOHR" in bus["source"] and "activist" in bus["source"]
    assert s.log.counts()["merged"] == 2
    assert len(s.table) == 6


def test_parquet_reads_like_csv(tmp_path):
    frame = pd.read_csv(SEEDS, dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "seeds.parquet")
    a = read_incidents(SEEDS).table.drop(columns=["_file", "_line"])
    b = read_incidents(tmp_path / "seeds.parquet").table.drop(columns=["_file", "_line"])
    pd.testing.assert_frame_equal(a, b)


def test_a_monthly_parquet_table_may_give_its_months_as_dates(tmp_path):
    months = pd.period_range("2020-01", periods=30, freq="M")
    text = pd.DataFrame({"month": months.astype(str), "killed": range(30)})
    dated = text.assign(month=[m.to_timestamp().date() for m in months])
    dated.to_parquet(tmp_path / "dated.parquet")
    stamped = text.assign(month=months.to_timestamp())
    stamped.to_parquet(tmp_path / "stamped.parquet")
    for name in ("dated.parquet", "stamped.parquet"):
        pd.testing.assert_frame_equal(read_monthly(tmp_path / name), text, check_dtype=False)
    dated.assign(month=[m.to_timestamp().date().replace(day=15) for m in months]).to_parquet(
        tmp_path / "mid.parquet")
    with pytest.raises(InputError, match=r"expected a month written YYYY-MM, or its first day "
                                         r"\(value '2020-01-15'\)"):
        read_monthly(tmp_path / "mid.parquet")


def test_latin1_gtd_export_reads_with_its_encoding(write):
    text = (FIXTURES / "gtd_sample.csv").read_text().replace("Palmyra", "Tadmur à l'est")
    path = write("gtd_latin1.csv", text, encoding="latin-1")
    s = read_incidents(path, encoding="latin-1")
    assert "Tadmur à l'est" in set(s.table["subregion"])


def test_a_region_of_another_country_is_kept_and_noted(write):
    header = SEEDS.read_text().splitlines()[0]
    rows = ["a1,2024-01-05,2024-01-05,day,Syria,Anbar,,IS,SDF,ambush,soldiers,2,3,4,,x,",
            "a2,2024-01-06,2024-01-06,day,Syria,Homs,,IS,SDF,ambush,soldiers,2,3,4,,x,",
            "a3,2024-01-07,2024-01-07,day,Iraq,Anbar,,IS,ISF,ambush,soldiers,1,1,1,,x,"]
    found = read_incidents([write("wrong.csv", "\n".join([header, *rows]) + "\n")])
    assert found.table["region"].tolist() == ["Anbar", "Homs", "Anbar"]
    log = found.log.to_frame()
    assert log[["incident_id", "action"]].values.tolist() == [["a1", "note"]]
    assert log["reason"].iloc[0] == ("region 'Anbar' is in Iraq in the gazetteer, the record "
                                     "says 'Syria'; kept as published")


def test_a_parquet_file_is_known_by_its_suffix_in_any_case_and_its_errors_name_records(
        tmp_path):
    """A folder listed 'E.Parquet' as Parquet, and then it was read as CSV text ('not valid
    utf-8'); Parquet has no lines, so its errors say "record"."""
    rows = pd.DataFrame({"incident_id": ["a", "b"], "date_start": ["2020-01-05", "2020-13-05"],
                         "country": "Syria", "region": "Homs", "killed_best": [1, 2]})
    rows.to_parquet(tmp_path / "E.Parquet")
    with pytest.raises(InputError) as caught:
        read_incidents(tmp_path / "E.Parquet")
    assert str(caught.value) == (f"{tmp_path / 'E.Parquet'}: record 2: column 'date_start': "
                                 "unparseable date; expected YYYY-MM-DD, YYYY-MM or YYYY "
                                 "(value '2020-13-05')")


def test_a_name_written_composed_and_decomposed_is_one_region(tmp_path):
    """Région typed with é and with e and a combining accent made two regions that print alike."""
    path = tmp_path / "accents.csv"
    path.write_text("incident_id,date_start,country,region,killed_best\n"
                    "a1,2023-11-09,Syria,R\u00e9gion X,1\na2,2023-11-10,Syria,Re\u0301gion X,2\n",
                    encoding="utf-8")
    for compact in (False, True):
        table = read_incidents(path, compact=compact).table
        assert table["region"].astype(str).tolist() == ["R\u00e9gion X"] * 2


def test_a_monthly_table_reads_composed_and_decomposed_names_as_one(tmp_path):
    path = tmp_path / "monthly.csv"
    path.write_text("month,region,incidents\n2023-01,Qamishl\u00e9,1\n2023-02,Qamishle\u0301,2\n",
                    encoding="utf-8")
    assert read_monthly(path)["region"].tolist() == ["Qamishl\u00e9"] * 2
