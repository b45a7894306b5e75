"""The monthly panel: real totals, completeness, conservation, order and byte stability."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import FIXTURES, GED, RESULTS, SEEDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trends.aggregate import aggregate
from trends.cli import main
from trends.ingest import read_incidents
from trends.rowlog import RowLog

MEASURES = ["incidents", "killed_best", "killed_low", "killed_high"]


@pytest.fixture(scope="module")
def ged():
    return read_incidents(GED)


@pytest.mark.parametrize(
    ("region", "reference"),
    [
        ("Deir ez-Zor", "ged_is_deir_ez_zor_monthly.csv"),
        ("Homs", "ged_is_homs_monthly.csv"),
    ],
)
def test_is_events_per_governorate_match_the_reference_series(ged, region, reference):
    """The reference series were built in R from the same GED file (tests/results/README.md)."""
    panel = aggregate(ged, actors=["IS"])
    mine = panel[panel["region"] == region].reset_index(drop=True)
    expected = pd.read_csv(RESULTS / reference)
    pd.testing.assert_frame_equal(
        mine[["month", *MEASURES]], expected[["month", *MEASURES]], check_dtype=False
    )


def test_is_totals_match_the_published_counts(ged):
    panel = aggregate(ged, actors=["IS"])
    assert panel["incidents"].sum() == 6472
    assert panel["killed_best"].sum() == 53502


def test_panel_is_complete_with_zeros(ged):
    panel = aggregate(ged, actors=["IS"], start="2015-06", end="2020-03")
    assert len(panel) == 58 * 15
    assert panel.groupby("region").size().eq(58).all()
    assert panel.loc[panel["month"] < "2016-01", MEASURES].eq(0).all().all()
    assert "Tartus" in set(panel["region"])


def test_region_filter_uses_any_spelling_and_keeps_scope(ged):
    a = aggregate(ged, actors=["IS"], regions=["Deir Ezzor"])
    assert set(a["region"]) == {"Deir ez-Zor"}


def test_every_excluded_row_is_logged(ged):
    log = RowLog()
    panel = aggregate(ged, actors=["IS"], start="2017-01", end="2017-12", log=log)
    counts = log.counts()
    assert panel["incidents"].sum() + counts["filtered"] == len(ged.table)
    frame = log.to_frame()
    assert frame.query("action == 'filtered'")["reason"].str.contains("window|no side is").all()


def test_span_rules(ged):
    start = aggregate(ged, by=(), span_rule="start")
    end = aggregate(ged, by=(), span_rule="end")
    log = RowLog()
    drop = aggregate(ged, by=(), span_rule="drop", log=log)
    assert start["incidents"].sum() == end["incidents"].sum() == 16566
    assert drop["incidents"].sum() == 16566 - 143 == 16566 - log.counts()["dropped"]
    assert not start["incidents"].equals(end["incidents"])


def test_min_precision_drops_vague_dates(ged):
    log = RowLog()
    panel = aggregate(ged, by=(), min_precision="month", log=log)
    assert panel["incidents"].sum() == 16566 - 51
    assert log.counts()["dropped"] == 51


def test_group_by_several_columns_conserves_totals(ged):
    by_region = aggregate(ged)
    by_two = aggregate(ged, by=["region", "violence_type"])
    by_country = aggregate(ged, by=["country"])
    for measure in MEASURES:
        assert by_region[measure].sum() == by_two[measure].sum() == by_country[measure].sum()
    assert len(by_two) == 47 * 15 * 3


def test_candidate_release_extends_the_series():
    panel = aggregate(
        [GED, FIXTURES / "ged_candidate_sample.csv"], actors=["IS"], regions=["Deir ez-Zor"]
    )
    december = panel.set_index("month").loc["2019-12"]
    assert december["incidents"] == 2


def test_injured_missing_when_no_source_reports_it():
    panel = aggregate(SEEDS, start="2023-11", end="2023-11").set_index("region")
    assert panel.loc["Deir ez-Zor", "injured"] == 10
    assert panel.loc["Homs", "injured"] == 0


def cli_csv(*args) -> str:
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["aggregate", *map(str, args)]) == 0
    return out.getvalue()


def test_cli_writes_the_documented_columns(tmp_path):
    text = cli_csv(GED, "--actor", "IS", "--by", "region", "--rejects", tmp_path / "r.csv")
    header = text.splitlines()[0].split(",")
    assert header == [
        "month",
        "region",
        "incidents",
        "killed_low",
        "killed_best",
        "killed_high",
        "injured",
    ]
    rejects = pd.read_csv(tmp_path / "r.csv")
    assert set(rejects["action"]) == {"filtered", "changed", "note"}
    assert cli_csv(GED, "--actor", "IS") == text


# --- property tests on generated incident files -------------------------------------------

REGIONS = ["Homs", "Deir Ezzor", "Deir el-Zour", "Raqqa", "Nowhere Province", ""]
incident = st.fixed_dictionaries(
    {
        "month": st.integers(0, 23),
        "day": st.integers(1, 28),
        "precision": st.sampled_from(["day", "day", "month", "year"]),
        "span": st.integers(0, 70),
        "region": st.sampled_from(REGIONS),
        "actor": st.sampled_from(["IS", "SDF", "Government of Syria"]),
        "victims": st.sampled_from(["soldiers", "civilians", ""]),
        "best": st.integers(0, 60),
        "spread": st.tuples(st.integers(0, 5), st.integers(0, 9)),
    }
)


def native_csv(rows: list[dict]) -> str:
    lines = [
        "incident_id,date_start,date_end,date_precision,country,region,actor1,"
        "victim_category,killed_low,killed_best,killed_high"
    ]
    for i, r in enumerate(rows):
        year, month = 2020 + r["month"] // 12, r["month"] % 12 + 1
        start = pd.Timestamp(year, month, r["day"])
        if r["precision"] == "day":
            date, end = (
                start.strftime("%Y-%m-%d"),
                (start + pd.Timedelta(days=r["span"])).strftime("%Y-%m-%d"),
            )
        elif r["precision"] == "month":
            date, end = start.strftime("%Y-%m"), ""
        else:
            date, end = str(year), ""
        low, high = max(0, r["best"] - r["spread"][0]), r["best"] + r["spread"][1]
        lines.append(
            f"e{i},{date},{end},{r['precision']},Syria,{r['region']},{r['actor']},"
            f"{r['victims']},{low},{r['best']},{high}"
        )
    return "\n".join(lines) + "\n"


def aggregate_text(tmp_path, text: str, **options) -> pd.DataFrame:
    path = tmp_path / "events.csv"
    path.write_text(text)
    return aggregate(path, **options)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(incident, min_size=1, max_size=40),
    by=st.sampled_from([(), ("region",), ("region", "victim_category"), ("actor1",)]),
)
def test_totals_conserved_and_panel_complete(tmp_path, rows, by):
    text = native_csv(rows)
    incidents = read_incidents_from(tmp_path, text)
    panel = aggregate(incidents, by=by)
    table = incidents.table
    assert panel["incidents"].sum() == len(table)
    for measure in ("killed_low", "killed_best", "killed_high"):
        assert panel[measure].sum() == table[measure].sum()
    months = panel["month"].unique()
    expected_months = pd.period_range(min(months), max(months), freq="M").astype(str)
    assert list(months) == list(expected_months)
    groups = panel.groupby(list(by)).size() if by else pd.Series([len(panel)])
    assert groups.eq(len(months)).all()
    if "region" in by:
        assert set(panel["region"]) >= {"Homs", "Deir ez-Zor", "Ar-Raqqah", "Tartus"}


def read_incidents_from(tmp_path, text):
    path = tmp_path / "events.csv"
    path.write_text(text)
    return read_incidents(path)


@pytest.mark.slow
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(incident, min_size=2, max_size=30), seed=st.randoms(use_true_random=False))
def test_input_order_does_not_change_output(tmp_path, rows, seed):
    shuffled = list(rows)
    seed.shuffle(shuffled)
    # ids follow position, so renumber the shuffled rows to keep each incident's id
    ids = {id(r): i for i, r in enumerate(rows)}
    lines = native_csv(rows).splitlines()
    body = [lines[1 + ids[id(r)]] for r in shuffled]
    first = aggregate_text(tmp_path, native_csv(rows), by=("region",))
    second = aggregate_text(tmp_path, "\n".join([lines[0], *body]) + "\n", by=("region",))
    pd.testing.assert_frame_equal(first, second)


def test_aggregating_twice_gives_the_same_bytes(tmp_path):
    args = (SEEDS, GED, "--by", "region,violence_type", "--rejects")
    first = cli_csv(*args, tmp_path / "r1.csv")
    second = cli_csv(*args, tmp_path / "r2.csv")
    assert first == second
    assert (tmp_path / "r1.csv").read_bytes() == (tmp_path / "r2.csv").read_bytes()


def test_an_actor_that_is_no_side_is_refused_with_the_closest_names():
    """A misspelt actor would filter every row out and leave a series of zeros."""
    from trends.errors import OptionError

    incidents = read_incidents([SEEDS])
    assert aggregate(incidents, actors=["is"])["incidents"].sum() > 0  # case does not matter
    with pytest.raises(OptionError, match=r"actor 'ISIS': no incident has it as a side; "
                                          r"did you mean 'IS'\?"):
        aggregate(incidents, actors=["ISIS"])


def test_a_country_no_incident_is_in_is_refused_with_the_closest_name():
    """A misspelt country would leave an empty panel, or months of zeros with --by none."""
    from trends.errors import OptionError

    incidents = read_incidents([SEEDS])
    assert aggregate(incidents, countries=["syria"], by=[])["incidents"].sum() > 0
    with pytest.raises(OptionError, match=r"country 'Syrai': no incident is in it; "
                                          r"did you mean 'Syria'\?"):
        aggregate(incidents, countries=["Syrai"], by=[])


def test_a_misspelt_grouping_column_names_the_closest():
    from trends.errors import OptionError

    with pytest.raises(OptionError, match=r"cannot group by regoin; did you mean 'region'\?"):
        aggregate(read_incidents([SEEDS]), by=["regoin"])


@pytest.mark.parametrize("by", [["region", "region"], ["country", "region", "country"]])
def test_a_grouping_column_given_twice_is_refused(capsys, by):
    """It stopped with a pandas traceback ("column label 'region' is not unique"), status 1."""
    from trends import load_panel
    from trends.errors import OptionError

    with pytest.raises(OptionError, match=f"cannot group by {by[-1]} twice"):
        load_panel([SEEDS], by=by)
    assert main(["aggregate", str(SEEDS), "--by", ",".join(by)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"trends aggregate: error: cannot group by {by[-1]} twice"


def test_one_name_given_where_a_list_is_expected_is_one_name():
    """load_panel("f.csv") read the folder "/" and "f"; by="region" grouped by r, e, g, ...;
    actors="IS" looked for actor 'I'."""
    from trends import load_panel

    whole = load_panel([SEEDS], by=["region"], actors=["IS"], regions=["Deir ez-Zor"]).panel
    given = load_panel(str(SEEDS), by="region", actors="IS", regions="Deir ez-Zor").panel
    pd.testing.assert_frame_equal(given, whole)
    pd.testing.assert_frame_equal(aggregate(SEEDS, by="region", countries="Syria"),
                                  aggregate([SEEDS], by=["region"], countries=["Syria"]))


def test_a_misspelt_measure_names_the_measures_it_is_like():
    from trends.cli.suggest import check_measure
    from trends.errors import OptionError

    with pytest.raises(OptionError, match=r"did you mean 'killed_low' or 'killed_high' or "
                                          r"'killed_best'\?"):
        check_measure("killd", ["incidents", "killed_best", "killed_low", "killed_high"], "x")
