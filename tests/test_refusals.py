"""Options that do not apply and inputs no model can use: one line, status 2, never ignored."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS

import trends
from trends.cli import main
from trends.errors import OptionError

MONTHS = pd.period_range("2020-01", periods=48, freq="M").astype(str)


def run(capsys, *args):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, out.err.strip()


@pytest.fixture
def by_country(tmp_path) -> Path:
    """A monthly table of two countries' regions: Homs about 20 a month, Anbar about 40."""
    rng = np.random.default_rng(1)
    rows = [(m, country, region, rng.poisson(mean)) for m in MONTHS
            for country, region, mean in (("Syria", "Homs", 20), ("Iraq", "Anbar", 40))]
    path = tmp_path / "by_country.csv"
    pd.DataFrame(rows, columns=["month", "country", "region", "killed"]).to_csv(path, index=False)
    return path


@pytest.fixture
def plain(tmp_path) -> Path:
    path = tmp_path / "plain.csv"
    counts = np.random.default_rng(2).poisson(20, 48)
    pd.DataFrame({"month": MONTHS, "killed": counts, "flat": 3.0}).to_csv(path, index=False)
    return path


def test_a_country_filter_on_a_monthly_table_filters_it_and_logs_the_rows_left_out(
        capsys, by_country, tmp_path):
    rejects = tmp_path / "rejects.csv"
    status, out, err = run(capsys, "forecast", by_country, "--measure", "killed", "--horizon",
                           "1", "--json", "--country", "Syria", "--rejects", rejects)
    homs = run(capsys, "forecast", by_country, "--measure", "killed", "--horizon", "1",
               "--json", "--region", "Homs")[1]
    assert status == 0 and json.loads(out)["forecast"] == json.loads(homs)["forecast"]
    assert "48 filtered" in err
    log = pd.read_csv(rejects)
    assert len(log) == 48 and set(log["reason"]) == {"country not Syria"}


@pytest.mark.parametrize(("option", "words"), [
    (["--country", "Narnia"], "country 'Narnia' is not in"),
    (["--actor", "IS"], "actors (--actor) applies to incident records only"),
    (["--format", "gtd"], "format 'gtd' (--format) applies to incident records only"),
    (["--span-rule", "end"], "span_rule (--span-rule) applies to incident records only"),
])
def test_options_for_incident_records_are_refused_on_a_monthly_table(
        capsys, by_country, option, words):
    status, _, err = run(capsys, "assess", by_country, "--measure", "killed", "--since",
                         "2022-07", *option)
    assert status == 2 and len(err.splitlines()) == 1 and words in err


def test_a_country_filter_needs_a_country_column(capsys, plain):
    status, _, err = run(capsys, "detect", plain, "--measure", "killed", "--country", "Syria")
    assert status == 2
    assert err == (f"trends detect: error: {plain} is a monthly table with no country column, "
                   "so it cannot be filtered by country ('Syria')")


def test_a_region_is_matched_exactly_before_any_looser_spelling(capsys, tmp_path):
    path = tmp_path / "cases.csv"
    rows = [(m, region, count) for m in MONTHS[:24]
            for region, count in (("Homs", 19), ("homs", 17), ("Idlib", 5))]
    pd.DataFrame(rows, columns=["month", "region", "killed"]).to_csv(path, index=False)
    status, out, _ = run(capsys, "alerts", path, "--measure", "killed", "--region", "homs",
                         "--method", "acled", "--json")
    assert status == 0 and json.loads(out)["observed"] == 17
    status, _, err = run(capsys, "alerts", path, "--measure", "killed", "--region", "HOMS")
    assert status == 2
    assert err.endswith("the data have 2 regions spelt like it ('Homs', 'homs'); give one of "
                        "them exactly")
    status, out, _ = run(capsys, "alerts", path, "--measure", "killed", "--region", "idlib",
                         "--method", "acled", "--json")
    assert status == 0 and json.loads(out)["region"] == "Idlib"


@pytest.mark.parametrize("alpha", ["0.5", "0.95", "0", "1e-300"])
def test_an_alert_level_from_one_half_or_too_small_to_compute_is_refused(capsys, plain, alpha):
    """From 0.5 the bounds cross; at 1e-300 every bound was "not computed", with no reason."""
    status, _, err = run(capsys, "alerts", plain, "--measure", "killed", "--years-back", "2",
                         "--alpha", alpha)
    assert status == 2 and err == ("trends alerts: error: --alpha must be a number of at least "
                                   f"1e-10 and below 0.5; got {float(alpha)}")


def test_a_png_too_large_to_draw_is_refused_before_anything_runs(capsys, plain, tmp_path):
    status, _, err = run(capsys, "chart", "series", plain, "--measure", "killed", "--width",
                         "20000", "--height", "20000", "--scale", "10",
                         "--out", tmp_path / "big.png")
    assert status == 2 and "a PNG of 40,000 million pixels" in err
    assert not (tmp_path / "big.png").exists()


def test_a_backtest_of_too_short_a_series_is_one_line(capsys, plain, tmp_path):
    short = tmp_path / "short.csv"
    pd.read_csv(plain).head(11).to_csv(short, index=False)
    status, _, err = run(capsys, "backtest", short, "--measure", "killed")
    assert status == 2
    assert err == ("trends backtest: error: a forecast needs at least 12 months of history; "
                   "got 11 (2020-01 to 2020-11)")


def test_a_region_too_short_to_forecast_gets_a_note_and_the_others_their_forecasts(
        capsys, by_country, tmp_path):
    table = pd.read_csv(by_country)
    late = table[table["region"] == "Homs"].tail(8).assign(region="Late")
    path = tmp_path / "late.csv"
    pd.concat([table, late]).to_csv(path, index=False)
    status, out, _ = run(capsys, "forecast", path, "--measure", "killed", "--by", "region",
                         "--horizon", "1", "--json")
    rows = {row["region"]: row for row in json.loads(out)}
    assert status == 0 and "forecast" in rows["Homs"] and "forecast" in rows["Anbar"]
    assert rows["Late"]["note"].startswith("not forecast: a forecast needs at least 12 months")


def test_a_covariate_the_model_cannot_tell_apart_is_named(capsys, plain):
    status, _, err = run(capsys, "assess", plain, "--measure", "killed", "--since", "2022-07",
                         "--covariate", "flat")
    assert status == 2 and len(err.splitlines()) == 1
    assert "covariate 'flat' is constant, or a combination of the model's other terms" in err


def test_an_exposure_spanning_more_than_any_model_can_is_refused(capsys, plain, tmp_path):
    table = pd.read_csv(plain).assign(pop=1000.0)
    table.loc[7, "pop"] = 1e308
    path = tmp_path / "pop.csv"
    table.to_csv(path, index=False)
    status, _, err = run(capsys, "test", path, "--measure", "killed", "--since", "2022-07",
                         "--offset", "pop")
    assert status == 2 and "a factor above 1e20" in err and "2020-08" in err


@pytest.mark.parametrize(("text", "key"), [
    ('analysis = 5\n', "analysis"),
    ('analysis = "abc"\n', "analysis"),
    ('analysis = [["measure", "killed"]]\n', "analysis"),
    ('[analysis]\nalternative = ["x"]\n', "analysis.alternative"),
    ('title = {a = 1}\n', "title"),
])
def test_a_definition_with_a_wrong_type_is_one_line(capsys, tmp_path, plain, text, key):
    definition = tmp_path / "bad.toml"
    definition.write_text(text + f'[input]\nfiles = ["{plain.name}"]\n')
    status, _, err = run(capsys, "report", definition, "--out", tmp_path / "out")
    assert status == 2 and len(err.splitlines()) == 1 and key in err


def test_files_given_as_one_string_are_refused(capsys, tmp_path, plain):
    definition = tmp_path / "bad.toml"
    definition.write_text(f'[input]\nfiles = "{plain.name}"\n')
    status, _, err = run(capsys, "report", definition, "--out", tmp_path / "out")
    assert status == 2 and "[input] files must be a list of file paths" in err


def test_a_damaged_file_is_reported_as_damaged_whatever_the_measure(capsys, tmp_path, plain):
    whole = gzip.compress(plain.read_bytes())
    damaged = tmp_path / "damaged.csv.gz"
    damaged.write_bytes(whole[: len(whole) // 2])
    status, _, err = run(capsys, "assess", damaged, "--measure", "killed", "--since", "2022-07")
    assert status == 2 and "--measure" not in err and "damaged" in err


def test_a_scan_of_a_few_counts_among_zeros_gives_no_p_value(capsys, tmp_path):
    path = tmp_path / "sparse.csv"
    counts = np.zeros(48, dtype=int)
    counts[[3, 30]] = 5
    pd.DataFrame({"month": MONTHS, "killed": counts}).to_csv(path, index=False)
    status, out, _ = run(capsys, "detect", path, "--measure", "killed", "--json")
    found = json.loads(out)
    assert status == 0 and found["p_value"] is None and found["bootstrap"] == 0
    assert found["p_value_note"] == ("only 2 of the 48 months have a count; a p-value needs at "
                                     "least 10")


def test_a_scan_whose_break_model_runs_off_far_beyond_the_counts_gives_no_p_value(
        capsys, tmp_path):
    """Ten spikes of up to 850,000 among zeros: the best break model fits a mean of 1e13 in a
    month with no count, and the bootstrap drawn from it said p = 0.003, level ratio 0.000."""
    counts = np.zeros(84, dtype=int)
    counts[[30, 32, 33, 38, 40, 43, 56, 57, 69, 81]] = [
        365351, 284391, 782524, 579121, 707260, 89681, 76617, 854621, 816609, 676290]
    path = tmp_path / "spikes.csv"
    months = pd.period_range("2018-01", periods=84, freq="M").astype(str)
    pd.DataFrame({"month": months, "killed": counts}).to_csv(path, index=False)
    status, out, _ = run(capsys, "detect", path, "--measure", "killed", "--json",
                         "--max-count", "10000000")
    found = json.loads(out)
    assert status == 0 and found["p_value"] is None and found["bootstrap"] == 0
    assert found["level_ratio"] is None
    assert found["p_value_note"].startswith("the break model fits a mean of 1.1e+13 in 2020-09")
    assert found["p_value_note"].endswith(
        "times the largest count (854,621); it does not describe these counts")


@pytest.mark.parametrize("command", [["forecast"], ["aggregate"]])
def test_a_device_is_refused_before_it_is_read(capsys, command):
    status, _, err = run(capsys, *command, "/dev/zero")
    assert status == 2
    assert err.endswith("/dev/zero: not a regular file (a device or a pipe); save the data to "
                        "a file and give that")


def test_a_png_of_small_multiples_is_measured_before_it_is_drawn():
    from trends.charts.export import _check_pixels

    _check_pixels('<svg class="marks" width="800" height="600" viewBox="0 0 800 600">', 2.0)
    with pytest.raises(OptionError, match=r"7,200 x 134,530 pixels, above the 100 million"):
        _check_pixels('<svg class="marks" width="720" height="13453">', 10.0)


def test_the_regions_chart_takes_a_width_for_each_panel(capsys, by_country, tmp_path):
    out = tmp_path / "regions.svg"
    status, _, _ = run(capsys, "chart", "regions", by_country, "--measure", "killed",
                       "--width", "150", "--height", "60", "--format", "svg", "--out", out)
    assert status == 0 and out.read_text().startswith("<svg")


def test_an_alias_file_or_a_definition_that_is_a_device_is_refused(capsys, tmp_path, plain):
    from conftest import SEEDS

    status, _, err = run(capsys, "aggregate", SEEDS, "--aliases", "/dev/zero")
    assert status == 2 and "/dev/zero: not a regular file" in err
    status, _, err = run(capsys, "report", "/dev/zero", "--out", tmp_path / "out")
    assert status == 2 and "/dev/zero: not a regular file" in err


def test_a_pipe_among_a_folders_files_is_not_skipped(capsys, tmp_path, plain):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.csv").write_bytes(plain.read_bytes())
    os.mkfifo(folder / "b.csv")
    status, _, err = run(capsys, "detect", folder, "--measure", "killed")
    assert status == 2 and err.endswith("b.csv: not a regular file (a device or a pipe); save "
                                        "the data to a file and give that")


def test_a_gzip_damaged_near_its_start_is_one_line(capsys, tmp_path):
    from conftest import GED

    data = bytearray(GED.read_bytes())
    data[20_000:20_004] = b"\xff\xff\xff\xff"
    damaged = tmp_path / "flip.csv.gz"
    damaged.write_bytes(bytes(data))
    status, _, err = run(capsys, "assess", damaged, "--since", "2017-11", "--measure", "killed")
    assert status == 2 and "the gzip file is damaged or truncated" in err


def test_a_covariate_in_units_too_large_for_the_fit_is_refused(capsys, plain, tmp_path):
    table = pd.read_csv(plain)
    table["rain"] = np.random.default_rng(3).gamma(2.0, 10.0, len(table)) * 1e12
    path = tmp_path / "rain.csv"
    table.to_csv(path, index=False)
    status, _, err = run(capsys, "test", path, "--measure", "killed", "--since", "2022-07",
                         "--covariate", "rain", "--inference", "model")
    assert status == 2 and "covariate 'rain' reaches" in err and "between 1e-9 and 1e9" in err


def test_a_table_of_countries_without_regions_sums_them(capsys, by_country, tmp_path):
    table = pd.read_csv(by_country).drop(columns="region")
    path = tmp_path / "countries.csv"
    table.to_csv(path, index=False)
    status, out, _ = run(capsys, "alerts", path, "--measure", "killed", "--method", "acled",
                         "--json")
    assert status == 0
    assert json.loads(out)["observed"] == int(table[table["month"] == MONTHS[-1]]["killed"].sum())


def test_every_filter_name_is_checked_against_the_whole_table(capsys, by_country):
    from trends.loading import load_panel

    with pytest.raises(OptionError, match=r"no row of .* is of country 'Syria' and region 'Anbar'"):
        load_panel([by_country], measure="killed", countries=["Syria"], regions=["Anbar"])
    with pytest.raises(OptionError, match="region 'Aleppo' is not in"):
        load_panel([by_country], measure="killed", countries=["Syria"], regions=["Aleppo"])


def test_a_spelling_the_gazetteer_gives_two_regions_of_the_data_is_an_error():
    from trends.cli.suggest import check_region

    with pytest.raises(OptionError, match="2 regions spelt like it"):
        check_region("Deir el-Zour", ["Deir ez-Zor", "Deir Ez-Zor", "Homs"])
    assert check_region("Deir el-Zour", ["Deir ez-Zor", "Homs"]) == "Deir ez-Zor"


def test_a_scan_that_places_no_break_says_so(capsys, tmp_path):
    path = tmp_path / "constant.csv"
    pd.DataFrame({"month": MONTHS, "killed": 7}).to_csv(path, index=False)
    status, out, _ = run(capsys, "detect", path, "--measure", "killed", "--bootstrap", "99")
    assert status == 0
    assert out.rstrip().endswith("every candidate month: the data do not place a break")


def test_a_utf8_file_read_as_utf16_is_said_to_be_in_another_encoding(capsys):
    status, _, err = run(capsys, "aggregate", SEEDS, "--encoding", "utf-16")
    assert status == 2
    assert err.endswith(f"{SEEDS}:1: the file does not read as utf-16 text: its "
                        "line breaks are lost; leave out --encoding for UTF-8, or name the "
                        "file's own encoding")


def test_a_backtest_of_a_constant_series_says_why_its_skill_is_not_a_number(capsys, tmp_path):
    path = tmp_path / "constant.csv"
    pd.DataFrame({"month": MONTHS, "killed": 40}).to_csv(path, index=False)
    status, out, err = run(capsys, "backtest", path, "--measure", "killed")
    assert status == 0 and "warning" not in err
    assert out.rstrip().endswith("NaN: the last_value baseline forecast every month exactly "
                                 "(CRPS 0), so no method can be compared with it by skill")


MASSACRES = (  # counts of 0-9 a month and two massacres (767 and 432, then 899), from 2016-01
    "0,2,0,0,0,4,6,767,432,0,1,3,4,5,5,1,8,0,3,0,3,9,6,0,0,0,5,0,5,2,0,4,3,0,0,3,8,899,8,4,1,4,"
    "4,6,2,0,0,4,5,0,1,2,4,0,6,0,0,0,7,3,0,0,4,3,6,7,4,0,0,0,8,6,0,0,0,0,6,0,0,4,0,0,0,0")


def test_a_scan_gives_no_level_ratio_the_trend_before_cannot_reach(capsys, tmp_path):
    """The break lands on the first candidate month after the massacres, where the trend before
    carried on is vast: the ratio read 0.000. The verdict's bound applies (100 either way)."""
    path = tmp_path / "massacres.csv"
    months = pd.period_range("2016-01", periods=84, freq="M").astype(str)
    pd.DataFrame({"month": months, "killed": [int(c) for c in MASSACRES.split(",")]}).to_csv(
        path, index=False)
    status, out, _ = run(capsys, "detect", path, "--measure", "killed", "--json",
                         "--bootstrap", "99")
    found = json.loads(out)
    assert status == 0 and found["level_ratio"] is None and found["p_value"] is not None
    assert found["level_ratio_note"] == ("the trend before the break, carried on, gives a level "
                                         "ratio of 0.00014: the trend cannot be extrapolated "
                                         "that far")


def test_a_scan_without_a_p_value_says_its_break_month_is_no_finding(capsys, tmp_path):
    path = tmp_path / "sparse.csv"
    counts = np.zeros(48, dtype=int)
    counts[[3, 30]] = 5
    pd.DataFrame({"month": MONTHS, "killed": counts}).to_csv(path, index=False)
    status, out, _ = run(capsys, "detect", path, "--measure", "killed")
    assert status == 0 and out.rstrip().endswith(
        "With no p-value, the break month and its confidence set only say where the scan's "
        "models fit best, not that anything changed.")


SPIKES = {7: 883971, 12: 428942, 17: 802179, 20: 443849, 38: 285583, 44: 901553, 48: 155731,
          49: 172904, 55: 402222, 57: 324104, 59: 729783, 65: 881292, 72: 663883, 74: 866367,
          76: 501695}


@pytest.mark.slow
@pytest.mark.parametrize(("command", "counts"), [
    ("assess", SPIKES),  # a singular information matrix in a bootstrap refit: a traceback
    ("test", {**dict.fromkeys(range(83), 1), 83: 10**9}),  # a singular bootstrap covariance
])
def test_extreme_series_are_analysed_without_tracebacks_or_warnings(capsys, tmp_path, command,
                                                                    counts):
    path = tmp_path / "extreme.csv"
    values = np.zeros(84, dtype=np.int64)
    values[list(counts)] = list(counts.values())
    months = pd.period_range("2018-01", periods=84, freq="M").astype(str)
    pd.DataFrame({"month": months, "killed": values}).to_csv(path, index=False)
    status, out, err = run(capsys, command, path, "--measure", "killed", "--since", "2021-06",
                           "--max-count", "10000000000")
    assert status == 0 and "warning" not in err and out


def test_unknown_regions_spelt_alike_but_for_case_are_kept_apart_with_a_word(capsys, tmp_path):
    path = tmp_path / "case.csv"
    path.write_text("incident_id,date_start,country,region,killed_best\n"
                    "a,2020-01-05,Syria,Xyzzy,3\nb,2020-02-05,Syria,xyzzy,2\n")
    status, out, err = run(capsys, "aggregate", path)
    assert status == 0 and ",Xyzzy," in out and ",xyzzy," in out
    assert err.endswith("trends: regions spelt alike but for case or spaces are kept apart: "
                        "'Xyzzy', 'xyzzy'; to count them as one, map the spellings to one name "
                        "in an alias file (--aliases)")


FOUR_SPIKES = {17: 643_457, 38: 863_579, 66: 569_247, 83: 283_347}  # among 80 zero months


def four_spikes(tmp_path) -> Path:
    values = np.zeros(84, dtype=np.int64)
    values[list(FOUR_SPIKES)] = list(FOUR_SPIKES.values())
    path = tmp_path / "spikes.csv"
    months = pd.period_range("2018-01", periods=84, freq="M").astype(str)
    pd.DataFrame({"month": months, "killed": values}).to_csv(path, index=False)
    return path


def test_a_count_model_whose_means_run_off_to_infinity_is_refused_with_the_reason():
    """Its fit ended with coefficients near 1e10 and infinite means, and the zero-excess test
    then crashed drawing from them."""
    from trends.errors import DataError
    from trends.models import CountModel

    y = pd.Series(0, index=pd.period_range("2018-01", periods=84, freq="M"), name="killed")
    y.iloc[list(FOUR_SPIKES)] = list(FOUR_SPIKES.values())
    with pytest.raises(DataError, match=r"^series 'killed': the count model's fitted means run "
                                        r"off to infinity; 4 months with a count among 84 "
                                        r"cannot fix its 6 coefficients$"):
        CountModel().fit(y)


@pytest.mark.slow
def test_a_report_on_four_spikes_among_zeros_shows_the_counts_without_a_trend(capsys, tmp_path):
    out = tmp_path / "out"
    status, _, err = run(capsys, "report", four_spikes(tmp_path), "--measure", "killed",
                         "--since", "2021-06", "--out", out, "--max-count", "10000000000")
    assert status == 0 and "warning" not in err
    page = (out / "spikes-2024-12.html").read_text(encoding="utf-8")
    assert "Killed per month: observed (no trend model fits these counts)" in page
    assert "only 2 months with any count and 1,507,036 counted" in page


def test_a_series_that_stops_is_not_called_an_absurd_extrapolation(capsys, tmp_path):
    """About 10 a month, then a year of zeros: the verdict said the trend before 'cannot be
    extrapolated that far' (level ratio 2.7e-12), as if the trend were at fault."""
    counts = np.r_[np.random.default_rng(3).poisson(10.0, 48), np.zeros(12, dtype=int)]
    path = tmp_path / "stops.csv"
    months = pd.period_range("2000-01", periods=60, freq="M").astype(str)
    pd.DataFrame({"month": months, "incidents": counts}).to_csv(path, index=False)
    status, out, _ = run(capsys, "assess", path, "--since", "2004-01", "--direction", "either",
                         "--json")
    found = json.loads(out)
    assert status == 0 and found["verdict"] == "cannot_tell"
    assert found["flags"][0]["code"] == "none_after"
    assert found["sentence"].startswith(
        "Cannot tell whether incidents changed at January 2004: none were counted "
        "in the 12 months from January 2004 to December 2004, against ")


def test_a_forecast_after_a_one_off_spike_says_it_treats_it_so(capsys, tmp_path):
    """95 zero months and then 10,000: the default forecaster caps the spike and gave a 95%
    interval of 0-5 without a word."""
    path = tmp_path / "spike.csv"
    months = pd.period_range("2015-01", periods=96, freq="M").astype(str)
    pd.DataFrame({"month": months, "incidents": np.r_[np.zeros(95, dtype=int), 10_000]}).to_csv(
        path, index=False)
    status, out, _ = run(capsys, "forecast", path, "--horizon", "3", "--json")
    assert status == 0 and json.loads(out)["spike_note"] == (
        "2022-12's 10,000 is over 5 times every other month of the last 12; the forecast "
        "treats it as a one-off, so its intervals are too low if it starts a new level")


def test_a_wide_interval_blames_the_level_before_when_no_trend_is_carried_on(capsys):
    """Deir ez-Zor has 22 months before November 2017, compared by their average level; the
    reason said 'the trend before ... does not pin down', a trend the model does not have."""
    from conftest import GED

    status, out, _ = run(capsys, "assess", GED, "--actor", "IS", "--region", "Deir ez-Zor",
                         "--since", "2017-11", "--bootstrap", "199", "--json")
    found = json.loads(out)
    assert status == 0 and found["verdict"] == "cannot_tell"
    reasons = {flag["code"]: flag["message"] for flag in found["flags"]}
    assert reasons["uninformative"].startswith(
        "the level before November 2017 does not pin down what to expect after it")


def test_a_forecast_beaten_by_an_exact_baseline_says_so_without_a_nan_ratio(capsys, tmp_path):
    """A constant series: the last_value baseline is exact (CRPS 0). The line read 'ratio nan,
    cannot tell whether better than every baseline'."""
    path = tmp_path / "constant.csv"
    pd.DataFrame({"month": pd.period_range("2018-01", periods=84, freq="M").astype(str),
                  "killed": 40}).to_csv(path, index=False)
    status, out, _ = run(capsys, "forecast", path, "--measure", "killed")
    assert status == 0 and "nan" not in out
    assert ("no ratio, as the last_value baseline forecast every month exactly (CRPS 0); worse "
            "than that baseline.") in out
    assert ("Warning: the last_value baseline forecast every backtest month exactly (CRPS 0) and "
            "the default forecaster did not") in out


def test_a_forecast_of_zeros_after_zeros_is_called_unchecked_not_short(capsys, tmp_path):
    """One month of 5 and then 83 zeros: every origin forecasts zeros after a quiet year."""
    path = tmp_path / "first-only.csv"
    pd.DataFrame({"month": pd.period_range("2018-01", periods=84, freq="M").astype(str),
                  "killed": np.r_[5, np.zeros(83, dtype=int)]}).to_csv(path, index=False)
    status, out, _ = run(capsys, "forecast", path, "--measure", "killed")
    assert status == 0 and ("Warning: only 0 of the 60 origins the backtest could score had a "
                            "count in the year before them or in the months forecast") in out


def test_an_excess_interval_never_passes_the_observed_count(capsys):
    """Aleppo: 52 observed against 926 expected, and the excess's interval reached +220, which
    needs a negative expected count. Its disagreement with the level ratio is explained."""
    from conftest import GED

    status, out, _ = run(capsys, "assess", GED, "--actor", "IS", "--region", "Aleppo",
                         "--since", "2017-11", "--json")
    found = json.loads(out)
    assert status == 0 and found["excess_ci"][1] == 52.0 and found["level_ratio_ci"][1] < 1
    assert ("The excess's interval (-1,491 to +52) includes zero while the level ratio's "
            "excludes 1: the two intervals are made differently") in found["sentence"] + " ".join(
                found.get("evidence", []))


def test_a_chart_does_not_replace_a_file_of_the_same_name_without_force(capsys, tmp_path,
                                                                       monkeypatch):
    """``trends chart series`` writes series.png in the current folder by default, and
    replaced a slide of that name without a word."""
    from conftest import GED

    monkeypatch.chdir(tmp_path)
    (tmp_path / "series.png").write_text("my slide")
    status, _, err = run(capsys, "chart", "series", GED, "--actor", "IS")
    assert status == 2 and (tmp_path / "series.png").read_text() == "my slide"
    assert err.strip() == ("trends chart: error: the chart file series.png already exists: add "
                           "--force to replace it, or choose another file")
    status, _, err = run(capsys, "chart", "forest", GED, "--actor", "IS")
    assert status == 2 and err.strip().endswith(
        "not available for this data: it compares each region since a month: give --since "
        "YYYY-MM")


def test_the_verdicts_alerts_name_the_settings_that_reproduce_them(capsys):
    """assess flagged 2024-04 with a window of 2 months while 'trends alerts' (window 3 by
    default) did not, and assess's sentence did not say which settings it used."""
    from conftest import DATA

    table = DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
    status, out, _ = run(capsys, "assess", table, "--measure", "syria_killed_best", "--since",
                         "2023-11")
    assert status == 0 and ("Alerts since November 2023 (Farrington, 5 years back, window 2 "
                            "months, both sides checked): unusually high in 11 months (2024-02, "
                            "2024-03, 2024-04,") in out
    status, out, _ = run(capsys, "alerts", table, "--measure", "syria_killed_best", "--month",
                         "2024-04", "--years-back", "5", "--window", "2", "--side", "both")
    assert status == 0 and "2024-04: observed 185, expected 39.8, bounds 0.0 to 162.8: ALARM" in out


def test_an_absurd_counterfactual_is_described_without_quoting_the_excess_it_withholds(capsys):
    """'gives an absurd counterfactual (level ratio 0.475, excess -7,913); the excess is not
    reported' quoted the excess it withheld."""
    from conftest import GED

    status, out, _ = run(capsys, "test", GED, "--actor", "IS", "--since", "2017-11",
                         "--bootstrap", "99")
    assert status == 0 and "excess" not in out.split("Level ratio:")[0].split("it cannot")[0]
    assert ("carried on, expects 9,647 in the months from it, against 1,734 observed and 6,472 "
            "in the whole series: it cannot be extrapolated that far, so the excess is not "
            "reported") in out


def test_a_plain_trend_chart_says_what_its_band_is_and_when_the_months_stray(capsys, tmp_path):
    """30 of 47 months lay outside the band of the fitted mean, and nothing said that the
    band is not where months fall nor that a trend with seasons misses this hump."""
    from conftest import GED

    out = tmp_path / "series.vl.json"
    status, _, _ = run(capsys, "chart", "series", GED, "--actor", "IS", "--format", "json",
                       "--out", out)
    subtitle = json.loads(out.read_text())["title"]["subtitle"]
    assert status == 0 and subtitle[1].startswith("Band: 95% interval of the fitted mean")
    assert subtitle[2].startswith("The months stray above and below this trend for long "
                                  "stretches (Ljung-Box p = 8.8e-15)")


def test_a_missing_default_measure_is_called_the_default(capsys, tmp_path):
    path = tmp_path / "good.csv"
    pd.DataFrame({"month": MONTHS, "killed": 3}).to_csv(path, index=False)
    status, _, err = run(capsys, "assess", path, "--since", "2021-06")
    assert status == 2 and err.strip().endswith(
        f"--measure 'incidents' (the default): not in {path} (measures: killed)")


def test_a_forecasts_backtest_leaves_out_decades_of_quiet(capsys):
    """Syria from 1989: the origins before 2011 were 97% zero months, every interval covered
    them, and the 50% intervals read as covering 76% of months (48% from 2011 on)."""
    from conftest import DATA

    table = DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
    status, out, _ = run(capsys, "forecast", table, "--measure", "syria_killed_best", "--json")
    skill = json.loads(out)["backtest"]
    assert status == 0 and (skill["n_origins"], skill["quiet_origins"]) == (227, 195)
    assert 0.4 < skill["coverage"]["50"] < 0.6 and skill["coverage"]["80"] < 0.8
    status, out, _ = run(capsys, "forecast", table, "--measure", "iraq_killed_best", "--json")
    assert json.loads(out)["backtest"]["quiet_origins"] == 0  # no quiet year in Iraq's series


def test_files_of_two_layouts_say_that_one_event_in_both_counts_twice(capsys):
    """The same car bomb in an ACLED and a GTD file counted twice without a word."""
    from conftest import FIXTURES

    status, _, err = run(capsys, "aggregate", FIXTURES / "acled_sample.csv",
                         FIXTURES / "gtd_sample.csv", "--by", "none")
    assert status == 0 and ("files of 2 layouts (acled, gtd): an event in two datasets cannot "
                            "be matched across them, so it counts once in each") in err


def _series() -> pd.Series:
    return pd.Series(np.random.default_rng(1).poisson(10, 60).astype(float),
                     index=pd.period_range("2018-01", periods=60, freq="M"))


@pytest.mark.parametrize(("call", "message"), [
    (lambda y: trends.detect_break(y, bootstrap=-1), "bootstrap must be"),
    (lambda y: trends.detect_break(y, min_segment_months=0),
     "min_segment_months must be a whole number of at least 1; got 0"),
    (lambda y: trends.detect_break(y, seed="a"), "seed must be a whole number"),
    (lambda y: trends.detect_break(y, confidence_level=2),
     "confidence_level must be a number above 0 and below 1; got 2"),
    (lambda y: trends.forecast(y, 1.5), "horizon must be a whole number; got 1.5"),
    (lambda y: trends.forecast(y, "6"), "horizon must be a whole number; got '6'"),
    (lambda y: trends.forecast(y, 3, threshold=float("nan")),
     "threshold must be a number of at least 0; got nan"),
    (lambda y: trends.forecast(y, 3, threshold=-5), "threshold must be"),
    (lambda y: trends.CountModel(family="poisson").fit(y).predict(
        confidence_level=1.5), "confidence_level must be a number above 0 and below 1"),
])
def test_python_arguments_the_command_line_refuses_are_refused(call, message):
    """They gave NaN p-values and bounds, an empty confidence set, IndexError or TypeError."""
    with pytest.raises(OptionError, match=re.escape(message)):
        call(_series())
