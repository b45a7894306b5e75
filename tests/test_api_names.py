"""One vocabulary across the API: choices defined once, parameters named alike, old names warned."""

from __future__ import annotations

import argparse
import inspect
import warnings
from typing import get_args

import numpy as np
import pandas as pd
import pytest

import trends
from trends import options
from trends._deprecate import renamed_function, renamed_keywords
from trends.cli import build_parser
from trends.errors import OptionError
from trends.report.definition import CHOICES

OLD_NAMES = {"n_draws", "bootstrap_replicates", "gof_replicates", "min_train", "replicates",
             "n_boot", "n_bootstrap", "level", "conf_level", "random_state"}
"""Parameter names the public API no longer uses (draws, bootstrap, confidence_level, seed)."""


def monthly(values, start="2016-01"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def test_public_functions_use_one_vocabulary():
    for name in trends.__all__:
        obj = getattr(trends, name)
        if not inspect.isfunction(obj) or name == "test_regions":
            continue
        params = set(inspect.signature(obj).parameters)
        assert not params & OLD_NAMES, (name, params & OLD_NAMES)


def test_every_choice_tuple_is_its_literal_type():
    pairs = {"FAMILIES": "Family", "DIRECTIONS": "Direction", "CHANGES": "Change",
             "ALTERNATIVES": "Alternative", "INFERENCES": "Inference",
             "ALERT_METHODS": "AlertMethod", "SIDES": "Side", "SPAN_RULES": "SpanRule"}
    for values, literal in pairs.items():
        assert getattr(options, values) == get_args(getattr(options, literal))
    assert set(options.GLM_FAMILIES) < set(options.FORECAST_FAMILIES) < set(options.FAMILIES)


def _choices() -> dict[tuple[str, str], tuple[str, ...]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = {}
    for command, p in sub.choices.items():
        for action in p._actions:
            if action.choices is not None and action.option_strings:
                found[(command, action.option_strings[-1])] = tuple(action.choices)
    return found


@pytest.mark.parametrize(
    ("command", "option", "expected"),
    [
        ("test", "--family", options.FAMILIES),
        ("test", "--alternative", options.ALTERNATIVES),
        ("test", "--inference", options.INFERENCES),
        ("test", "--change", options.CHANGES),
        ("detect", "--inference", options.INFERENCES),
        ("assess", "--direction", options.DIRECTIONS),
        ("alerts", "--method", options.ALERT_METHODS),
        ("alerts", "--side", options.SIDES),
        ("forecast", "--method", options.FORECAST_METHODS),
        ("forecast", "--family", options.FORECAST_FAMILIES),
        ("aggregate", "--span-rule", options.SPAN_RULES),
        ("aggregate", "--format", options.INPUT_FORMATS),
        ("chart", "--format", options.CHART_FORMATS),
    ],
)
def test_command_line_choices_come_from_the_options_module(command, option, expected):
    assert _choices()[(command, option)] == expected


def test_report_definitions_check_the_same_choices():
    assert CHOICES["family"] == options.FORECAST_FAMILIES
    assert CHOICES["direction"] == options.DIRECTIONS
    assert CHOICES["alert_method"] == options.ALERT_METHODS
    assert CHOICES["format"] == options.INPUT_FORMATS
    from trends.cli.chart import NAMES
    from trends.report.figures import CHART_ORDER

    assert CHART_ORDER == NAMES == options.CHART_NAMES


def test_renamed_keyword_warns_and_gives_the_same_result():
    y = monthly(np.random.default_rng(1).poisson(20, 36))
    new = trends.forecast(y, 2, family="poisson", draws=200, seed=3)
    with pytest.warns(DeprecationWarning, match="'n_draws' is renamed 'draws'"):
        old = trends.forecast(y, 2, family="poisson", n_draws=200, seed=3)
    np.testing.assert_array_equal(old.draws, new.draws)
    with pytest.raises(OptionError, match="got both 'n_draws' and 'draws'"):
        trends.forecast(y, 2, draws=10, n_draws=10)


def test_every_renamed_keyword_still_works():
    deaths = np.random.default_rng(2).geometric(0.2, 300)
    with pytest.warns(DeprecationWarning, match="'gof_replicates' is renamed 'gof_bootstrap'"):
        old = trends.fit_power_law(deaths, xmin=2, bootstrap_replicates=5, gof_replicates=5)
    new = trends.fit_power_law(deaths, xmin=2, bootstrap=5, gof_bootstrap=5)
    assert old.to_dict() == new.to_dict()
    y = monthly(np.random.default_rng(3).poisson(9, 30))
    with pytest.warns(DeprecationWarning, match="'min_train' is renamed 'min_train_months'"):
        old_backtest = trends.rolling_origin(y, trends.BASELINES, min_train=24, n_draws=20)
    new_backtest = trends.rolling_origin(y, trends.BASELINES, min_train_months=24, draws=20)
    pd.testing.assert_frame_equal(old_backtest.tidy(), new_backtest.tidy())


def test_keywords_not_renamed_pass_through_untouched():
    @renamed_keywords(old="new")
    def f(*, new: int = 0, other: int = 0) -> tuple[int, int]:
        return new, other

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(new=1, other=2) == (1, 2)
    with pytest.raises(TypeError):
        f(unknown=1)


def test_old_regions_name_warns_and_is_not_collected_by_pytest():
    idx = pd.period_range("2016-01", periods=48, freq="M")
    rng = np.random.default_rng(4)
    panel = {r: pd.Series(rng.poisson(10, 48), index=idx) for r in ("a", "b")}
    new = trends.regions_test(panel, "2018-01", family="poisson", inference="model")
    with pytest.warns(DeprecationWarning, match=r"test_regions\(\) is renamed regions_test\(\)"):
        old = trends.test_regions(panel, "2018-01", family="poisson", inference="model")
    pd.testing.assert_frame_equal(old.tidy(), new.tidy())
    assert trends.test_regions.__test__ is False
    assert renamed_function(len, "size").__name__ == "size"


def test_minimum_lengths_are_the_named_constants():
    from trends import minimums
    from trends.resurgence import detect_break, detect_breaks

    for func in (detect_break, detect_breaks):
        default = inspect.signature(func).parameters["min_segment_months"].default
        assert default == minimums.MIN_SEGMENT_MONTHS
    its_default = inspect.signature(trends.its_test).parameters["min_segment_months"].default
    assert its_default == minimums.MIN_KNOWN_SEGMENT_MONTHS
    short = monthly(np.full(minimums.MIN_FORECAST_MONTHS - 1, 5))
    with pytest.raises(trends.DataError, match=f"at least {minimums.MIN_FORECAST_MONTHS} months"):
        trends.forecast(short, 1)


def test_version_has_one_source_and_the_command_prints_it_without_heavy_imports():
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "trends.__version__"}
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["trends"]
    assert (Path(trends.__file__).parent / "py.typed").exists()
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted({'pandas', 'numpy', 'altair'} & set(sys.modules))))\n"
        "from trends.cli import main\n"
        "main(['--version'])\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"trends {trends.__version__}", "[]"]


def _modules_after(args: list[str], modules: tuple[str, ...]):
    """Run ``trends ARGS`` in a fresh interpreter; its result and which of ``modules`` it loaded.

    The list of modules is the last line of its stdout.
    """
    import subprocess
    import sys

    probe = (
        "import atexit, sys\n"
        f"atexit.register(lambda: print(sorted(set({modules!r}) & set(sys.modules))))\n"
        "from trends.cli import main\n"
        f"sys.exit(main({args!r}))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=False)
    return run, run.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("command", [
    ["test", "--since", "2020-01"], ["detect"], ["detect", "--by", "region"],
    ["assess", "--since", "2020-01"], ["alerts"], ["forecast"], ["backtest"], ["severity"],
    ["chart", "series"], ["aggregate"],
])
def test_a_missing_input_is_reported_before_the_models_are_imported(command, tmp_path):
    # the error must come at once: statsmodels, scipy.stats and altair take a second or more
    args = command[:1] + (command[1:2] if command[0] == "chart" else []) + [
        str(tmp_path / "missing.csv")] + command[2 if command[0] == "chart" else 1:]
    heavy = ("statsmodels", "scipy.stats", "altair", "trends.models.countmodel")
    run, loaded = _modules_after(args, heavy)
    assert run.returncode == 2 and "missing.csv" in run.stderr
    assert loaded == "[]"


@pytest.mark.parametrize("command", [
    ["detect", "--bootstrap", "99"], ["test", "--since", "2023-11", "--bootstrap", "99"],
    ["assess", "--since", "2023-11", "--bootstrap", "99"], ["forecast"],
])
def test_the_break_tests_and_forecasts_run_without_importing_statsmodels(command):
    # statsmodels takes 0.5-1 s to import; only the zero-inflated fits, the GLR chart's
    # reference fit, HAC errors and the Holm/BH step load it
    from conftest import DATA

    series = DATA / "ucdp_country_month_killed_syria_iraq_1989-2026.csv"
    args = [command[0], str(series), "--measure", "syria_killed_best", "--start", "2019-01",
            "--end", "2025-12", "--json", *command[1:]]
    run, loaded = _modules_after(args, ("statsmodels",))
    assert run.returncode == 0, run.stderr
    assert loaded == "[]"
