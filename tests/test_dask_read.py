"""A folder of incident files aggregated on a Dask cluster gives the local run's bytes."""

from __future__ import annotations

import csv
import gzip
import io
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import GED, SEEDS
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trends import aggregate
from trends.cli import main
from trends.errors import InputError, TrendsError
from trends.folders import folder_files
from trends.rowlog import RowLog


def _rows(path) -> tuple[list[str], list[list[str]]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _parquet(path, header: list[str], rows: list[list[str]]) -> None:
    columns = {name: pa.array([row[i] for row in rows], pa.string())
               for i, name in enumerate(header)}
    pq.write_table(pa.table(columns), path)


@pytest.fixture
def events(tmp_path):
    """A folder of GED (CSV, gzip CSV, Parquet) and native (CSV, Parquet) files.

    Ten GED events are in both the CSV and the gzip file, which revises two
    of them (a death toll, a province); one native incident
    has one report in each native file, which disagree on its region; one
    native incident is known only to its year; another names a region no
    gazetteer knows.
    """
    folder = tmp_path / "events"
    folder.mkdir()
    header, ged = _rows(GED)
    (folder / "a_ged.csv").write_text(_csv_text(header, ged[:5000]), encoding="utf-8")
    revised = [list(row) for row in ged[4990:10000]]
    revised[0][header.index("best")] = str(int(revised[0][header.index("best")]) + 5)
    revised[0][header.index("high")] = str(int(revised[0][header.index("high")]) + 5)
    revised[1][header.index("adm_1")] = "Homs governorate"
    with gzip.open(folder / "b_ged.csv.gz", "wt", encoding="utf-8", newline="") as out:
        out.write(_csv_text(header, revised))
    _parquet(folder / "c_ged.parquet", header, ged[10000:])
    seed_header, seeds = _rows(SEEDS)
    col = {name: i for i, name in enumerate(seed_header)}
    year_only = list(seeds[2])
    year_only[col["incident_id"]], year_only[col["date_start"]] = "year-only", "2023"
    year_only[col["date_precision"]] = "year"
    unknown = list(seeds[2])
    unknown[col["incident_id"]], unknown[col["region"]] = "far-away", "Nowhere Province"
    (folder / "d_native.csv").write_text(_csv_text(seed_header, [*seeds, year_only, unknown]),
                                         encoding="utf-8")
    second = list(seeds[2])  # a second report of the Sukhna incident, in another file
    second[col["killed_low"]] = second[col["killed_best"]] = second[col["killed_high"]] = "60"
    second[col["region"]] = "Deir ez-Zor"
    second[col["source"]] = "another source"
    _parquet(folder / "e_native.parquet", seed_header, [second])
    (folder / ".e_native.csv.swp").write_text("not read", encoding="utf-8")
    (folder / "README.txt").write_text("not read", encoding="utf-8")
    ged_ids = {row[header.index("id")] for row in ged}
    native_ids = {row[col["incident_id"]] for row in seeds} | {"year-only", "far-away"}
    return folder, len(ged_ids) + len(native_ids)


def _aggregate(capsys, args: list[str]) -> tuple[int, str]:
    status = main(["aggregate", *args, "--quiet"])
    return status, capsys.readouterr().err


def test_a_folder_is_its_files_in_name_order_and_each_event_counts_once(events, tmp_path,
                                                                       capsys):
    folder, distinct = events
    files = sorted(p for p in folder.iterdir() if p.name in {
        "a_ged.csv", "b_ged.csv.gz", "c_ged.parquet", "d_native.csv", "e_native.parquet"})
    outputs = []
    for name, inputs in (("folder", [str(folder)]), ("files", [str(p) for p in files])):
        out, rejects = tmp_path / f"{name}.csv", tmp_path / f"{name}-rejects.csv"
        status, err = _aggregate(capsys, [*inputs, "--by", "none", "--out", str(out),
                                          "--rejects", str(rejects)])
        assert status == 0, err
        outputs.append((out.read_bytes(), rejects.read_bytes()))
    assert outputs[0] == outputs[1]
    panel = pd.read_csv(io.BytesIO(outputs[0][0]))
    assert panel["incidents"].sum() == distinct
    log = pd.read_csv(io.BytesIO(outputs[0][1]))
    again = log[log["reason"].str.startswith("event id already read from")]
    assert len(again) == 10 and set(again["file"]) == {str(folder / "b_ged.csv.gz")}
    first = f"event id already read from {folder / 'a_ged.csv'}"
    assert (again["reason"].iloc[2:] == first).all()
    header, ged = _rows(GED)
    best, high = (int(ged[4990][header.index(c)]) for c in ("best", "high"))
    assert ged[4991][header.index("adm_1")].startswith("Idlib")
    kept = f"{first}, whose reading is kept; this one gives"
    assert again["reason"].iloc[:2].tolist() == [
        f"{kept} killed_best {best + 5} ({best} there), killed_high {high + 5} ({high} there)",
        f"{kept} region Homs (Idlib there)",
    ]
    merged = log[log["action"] == "merged"]
    assert str(folder / "e_native.parquet") in set(merged["file"])


NAMES = st.text(st.sampled_from("aB1._- é"), min_size=1, max_size=6)
SUFFIXES = st.sampled_from([".csv", ".CSV", ".csv.gz", ".parquet", ".Parquet", ".txt", ".gz",
                            ".csv.bak", ""])


@given(st.lists(st.tuples(NAMES, SUFFIXES), min_size=1, max_size=12, unique=True))
def test_folder_files_are_the_incident_files_in_name_order(tmp_path_factory, entries):
    folder = tmp_path_factory.mktemp("folder")
    (folder / "sub.csv").mkdir()  # a folder is never an input file, whatever its name
    names = {stem + suffix for stem, suffix in entries} - {"sub.csv", ".", ".."}
    for name in names:
        (folder / name).write_bytes(b"")
    wanted = sorted(n for n in names if not n.startswith(".") and any(
        n.lower().endswith(s) for s in (".csv", ".csv.gz", ".parquet")))
    if wanted:
        assert folder_files(folder) == [str(folder / n) for n in wanted]
    else:
        with pytest.raises(InputError, match="the folder holds no incident file"):
            folder_files(folder)


def test_a_folder_without_incident_files_is_one_line_and_status_two(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    status, err = _aggregate(capsys, [str(tmp_path)])
    assert status == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "the folder holds no incident file" in err and str(tmp_path) in err


def test_aggregate_scheduler_without_dask_is_one_line_and_status_two(events, capsys,
                                                                     monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    status, err = _aggregate(capsys, [str(events[0]), "--scheduler", "tcp://127.0.0.1:1"])
    assert status == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "pip install trends[dask]" in err


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    [],
    ["--by", "region,violence_type", "--min-precision", "month", "--actor", "IS",
     "--start", "2016-06"],
    ["--by", "country,subregion,actor2,victim_category", "--span-rule", "end"],
    ["--by", "none", "--actor", "Government of Syria", "--country", "Syria", "--end", "2018-12"],
])
def test_cli_on_a_dask_cluster_writes_the_local_panel_and_row_log(cluster, events, tmp_path,
                                                                  capsys, options):
    address, _ = cluster
    folder, _ = events
    if options:
        (tmp_path / "aliases.csv").write_text("alias,region,country\nNowhere Province,Homs,Syria\n",
                                              encoding="utf-8")
        options = [*options, "--aliases", str(tmp_path / "aliases.csv")]
    runs = {}
    for name, extra in (("local", []), ("cluster", ["--scheduler", address])):
        (tmp_path / name).mkdir()
        out, rejects = tmp_path / name / "panel.csv", tmp_path / name / "rejects.csv"
        status = main(["aggregate", str(folder), *options, "--out", str(out),
                       "--rejects", str(rejects), *extra])
        err = capsys.readouterr().err
        assert status == 0, err
        runs[name] = (out.read_bytes(), rejects.read_bytes(), err.replace(f"/{name}/", "/"))
    assert runs["cluster"] == runs["local"]
    panel, log = (pd.read_csv(io.BytesIO(b)) for b in runs["local"][:2])
    assert panel["incidents"].sum() > 1000
    actions = set(log["action"])
    assert {"dropped", "changed", "note"} <= actions
    assert "merged" in actions if not options else len(actions) >= 4
    unknown = log[log["incident_id"] == "far-away"]
    assert unknown["reason"].str.contains("not in the gazetteer").any() != bool(options)


@pytest.mark.slow
def test_a_relative_path_the_workers_would_resolve_elsewhere_is_refused(cluster, events,
                                                                        capsys, monkeypatch):
    address, _ = cluster
    folder, _ = events
    monkeypatch.chdir(folder.parent)  # the workers run in the folder pytest started in
    status, err = _aggregate(capsys, ["events", "--scheduler", address])
    assert status == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "a_ged.csv is a relative path, and the Dask workers run in another folder" in err


@pytest.mark.slow
def test_python_on_a_dask_cluster_gives_the_local_panel_and_log(cluster, events):
    address, client = cluster
    folder, _ = events
    logs = [RowLog(), RowLog(), RowLog()]
    local = aggregate(folder, by=["region", "actor1"], log=logs[0])
    by_address = aggregate(folder, by=["region", "actor1"], log=logs[1], scheduler=address)
    by_client = aggregate([folder], by=["region", "actor1"], log=logs[2], client=client)
    pd.testing.assert_frame_equal(by_address, local)
    pd.testing.assert_frame_equal(by_client, local)
    for log in logs[1:]:
        pd.testing.assert_frame_equal(log.to_frame(), logs[0].to_frame())
    assert client.status == "running"  # a client the caller gave is left open


@pytest.mark.slow
def test_a_bad_file_on_a_worker_is_the_local_one_line_error(cluster, events, capsys):
    address, _ = cluster
    folder, _ = events
    header, ged = _rows(GED)
    bad = [list(row) for row in ged[:3]]
    bad[1][header.index("best")] = "lots"
    (folder / "b_bad.csv").write_text(_csv_text(header, bad), encoding="utf-8")
    worse = [list(row) for row in ged[:3]]
    worse[0][header.index("date_start")] = "2019-02-30"
    (folder / "f_bad.csv").write_text(_csv_text(header, worse), encoding="utf-8")
    missing = [str(folder / "a_ged.csv"), str(folder / "gone.csv"), str(folder / "f_bad.csv")]
    errors: dict[str, list[str]] = {"folder": [], "missing": []}
    for extra in ([], ["--scheduler", address]):
        for name, inputs in (("folder", [str(folder)]), ("missing", missing)):
            status, err = _aggregate(capsys, [*inputs, *extra])
            assert status == 2 and "Traceback" not in err
            assert len(err.strip().splitlines()) == 1
            errors[name].append(err)
    assert errors["folder"][0] == errors["folder"][1]
    assert f"{folder / 'b_bad.csv'}:3: column 'best'" in errors["folder"][0]
    assert "'lots'" in errors["folder"][0]
    assert errors["missing"][0] == errors["missing"][1]
    assert "gone.csv: cannot read the file: No such file" in errors["missing"][0]


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    ["--region", "Deir ez Zor"],  # corrected to the data's name, as locally
    ["--region", "Hommes"],
    ["--actor", "Islamic Stat"],
    ["--country", "Syira"],
    ["--start", "2019-05", "--end", "2019-01"],
    ["--by", "regoin"],
    ["--min-precision", "day", "--span-rule", "drop", "--start", "2030-01", "--end", "2030-02"],
])
def test_options_give_the_local_output_or_error_on_a_dask_cluster(cluster, events, tmp_path,
                                                                   capsys, options):
    address, _ = cluster
    folder, _ = events
    runs = {}
    for name, extra in (("local", []), ("cluster", ["--scheduler", address])):
        out = tmp_path / f"{name}.csv"
        status = main(["aggregate", str(folder), *options, "--out", str(out), *extra])
        err = capsys.readouterr().err
        runs[name] = (status, err.replace(f"{name}.csv", ""),
                      out.read_bytes() if out.exists() else None)
    assert runs["cluster"] == runs["local"]
    assert "Traceback" not in runs["local"][1]


@pytest.mark.slow
def test_native_files_alone_give_the_local_panel_on_a_dask_cluster(cluster, tmp_path):
    _, client = cluster
    header, seeds = _rows(SEEDS)
    (tmp_path / "a.csv").write_text(_csv_text(header, seeds), encoding="utf-8")
    (tmp_path / "b.csv").write_text(_csv_text(header, seeds[:2]), encoding="utf-8")
    logs = [RowLog(), RowLog()]
    local = aggregate(tmp_path, log=logs[0])
    remote = aggregate(tmp_path, log=logs[1], client=client)
    pd.testing.assert_frame_equal(remote, local)
    pd.testing.assert_frame_equal(logs[1].to_frame(), logs[0].to_frame())
    assert (logs[0].to_frame()["action"] == "merged").sum() == 4  # both reports of two incidents


@pytest.mark.slow
def test_the_events_stay_on_the_workers(cluster, events):
    from trends import load_panel

    _, client = cluster
    folder, _ = events
    loaded = load_panel([folder], client=client)
    local = load_panel([folder], compact=True)
    assert loaded.kept is None and len(loaded.incidents.table) == 0
    assert loaded.incidents.rows_read == local.incidents.rows_read > 16000
    assert list(loaded.incidents.table.columns) == list(local.incidents.table.columns)
    pd.testing.assert_frame_equal(loaded.panel, local.panel)


GROUPINGS = st.sampled_from([(), ("region",), ("country", "actor1"), ("violence_type",),
                             ("region", "actor2")])


@pytest.mark.slow
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cuts=st.lists(st.tuples(st.integers(0, 1500), st.integers(1, 600)), min_size=1, max_size=4),
    native=st.booleans(),
    by=GROUPINGS,
    span_rule=st.sampled_from(["start", "end", "drop"]),
    min_precision=st.sampled_from(["day", "month", "year"]),
    window=st.sampled_from([{}, {"start": "2017-03"}, {"end": "2016-08"},
                            {"start": "2018-01", "end": "2018-06"}]),
)
@example(cuts=[(0, 1)], native=False, by=("country", "actor1"), span_rule="start",
         min_precision="day", window={"start": "2018-01", "end": "2018-06"})  # an empty panel
def test_any_folder_and_rules_give_the_local_panel_and_log_on_a_dask_cluster(
        cluster, tmp_path_factory, cuts, native, by, span_rule, min_precision, window):
    """Overlapping slices of the GED rows (events repeated within and across files), with or
    without native reports, under any grouping and month rules: the local run's panel and log,
    or its error."""
    _, client = cluster
    folder = tmp_path_factory.mktemp("any")
    header, ged = _rows(GED)
    for k, (start, size) in enumerate(cuts):
        rows = ged[start:start + size]
        if k % 2:
            _parquet(folder / f"f{k}.parquet", header, rows + rows[:3])
        else:
            (folder / f"f{k}.csv").write_text(_csv_text(header, rows), encoding="utf-8")
    if native:
        seed_header, seeds = _rows(SEEDS)
        (folder / "n.csv").write_text(_csv_text(seed_header, seeds + seeds[1:2]),
                                      encoding="utf-8")
    rules = {"by": list(by), "span_rule": span_rule, "min_precision": min_precision, **window}
    results = []
    for where in ({}, {"client": client}):
        log = RowLog()
        try:
            results.append((aggregate(folder, log=log, **rules, **where), log.to_frame()))
        except TrendsError as err:
            results.append((type(err), str(err)))
    if isinstance(results[0][0], pd.DataFrame):
        pd.testing.assert_frame_equal(results[1][0], results[0][0])
        pd.testing.assert_frame_equal(results[1][1], results[0][1])
    else:
        assert results[1] == results[0]
