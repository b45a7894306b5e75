"""Checks too close to call: refined, recorded, flipped, and the verdict they leave."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from trends.resurgence.gates import Borderline, Gates, near
from trends.resurgence.verdict import assess, settle, with_words
from trends.resurgence.verdict_parts import Flag


def check(p_value, bootstrap=999):
    return Borderline("scan 2016-01 to 2019-12", "whether the series changed around 2017-06",
                      "scan", p_value, bootstrap, 0.05, "counting that change",
                      "not counting it")


@given(st.integers(min_value=0, max_value=999), st.sampled_from([99, 199, 999]))
def test_near_is_the_level_inside_the_three_sigma_wilson_interval(exceed, bootstrap):
    exceed = min(exceed, bootstrap)
    p = (1 + exceed) / (bootstrap + 1)
    low, high = proportion_confint(exceed, bootstrap, alpha=2 * norm.sf(3), method="wilson")
    if abs(low - 0.05) > 1e-9 and abs(high - 0.05) > 1e-9:
        assert near(p, bootstrap, 0.05) == (low < 0.05 < high)


def test_near_spans_the_monte_carlo_error_around_the_level():
    """With 999 series about 0.03 to 0.07 is too close to 0.05; with 199 anything but the
    smallest p-value up to about 0.1."""
    grid = np.arange(1, 1000) / 1000
    close = grid[[near(p, 999, 0.05) for p in grid]]
    assert 0.029 < close.min() < 0.033 and 0.069 < close.max() < 0.074
    assert not near(1 / 200, 199, 0.05) and near(2 / 200, 199, 0.05)


def test_a_close_check_is_recorded_and_decided_the_other_way_when_asked():
    gates = Gates()
    assert gates.decide(check(0.043)) is True
    assert gates.decide(check(0.20)) is False
    assert [b.p_value for b in gates.seen] == [0.043]     # only the close one
    assert gates.seen[0].passed is True
    other = gates.other_way(gates.seen[0].key)
    assert other.decide(check(0.043)) is False
    assert other.decide(replace(check(0.043), key="another")) is True
    # a check far from the level is never flipped
    assert other.decide(check(0.001)) is True


def test_the_memo_is_shared_by_the_run_decided_the_other_way():
    gates, calls = Gates(), []
    assert gates.remember("k", lambda: calls.append(1) or 7) == 7
    assert gates.other_way("k").remember("k", lambda: calls.append(1) or 8) == 7
    assert calls == [1]


@pytest.fixture(scope="module")
def steady():
    idx = pd.period_range("2016-01", periods=60, freq="M")
    y = pd.Series(np.random.default_rng(5).poisson(20.0, 60), index=idx, name="incidents")
    return assess(y, "2019-07", bootstrap=99, scan_bootstrap=99)


def test_an_answer_that_depends_on_a_close_check_is_cannot_tell(steady):
    assert steady.verdict == "no_change", steady.summary()
    other = replace(steady, verdict="cannot_tell", flags=(Flag(
        "earlier_break", "the series changed around 2017-06 (scan p = 0.043): no stable trend",
        True),))
    settled = settle(steady, [(check(0.057), other)])   # this run did not count it
    assert settled.verdict == "cannot_tell"
    flag = settled.flags[-1]
    assert flag.code == "borderline_check" and flag.blocks
    assert settled.sentence.startswith("Cannot tell whether incidents rose at July 2019: "
                                       "whether the series changed around 2017-06 is too "
                                       "close to call (scan p = 0.057 from 999 bootstrap")
    # each way of deciding the check, with the answer it gives
    assert "counting that change, cannot tell (a break at another month)" in flag.message
    assert "; not counting it, no detectable change (" in flag.message
    assert settled.to_dict()["verdict"] == "cannot_tell"


def test_an_answer_the_close_check_does_not_change_is_kept_with_a_note(steady):
    settled = settle(steady, [(check(0.06), steady)])
    assert settled.verdict == steady.verdict
    assert settled.sentence == steady.sentence
    flag = settled.flags[-1]
    assert flag.code == "borderline_check" and not flag.blocks
    assert flag.message.endswith("but the answer is the same either way")
    assert settle(steady, []) is steady


def test_the_close_check_leads_the_sentence_of_a_cannot_tell(steady):
    """Counted, the change leaves no stable trend; not counted, no change: the sentence gives
    both ways rather than only the reason of the way this seed took."""
    blocked = with_words(replace(steady, verdict="cannot_tell", flags=(Flag(
        "earlier_break", "the series changed around 2017-06 (scan p = 0.043): no stable trend",
        True),)))
    settled = settle(blocked, [(check(0.043), steady)])   # this run counted it
    assert settled.sentence.startswith(
        "Cannot tell whether incidents rose at July 2019: whether the series changed around "
        "2017-06 is too close to call")
    assert ("counting that change, cannot tell (a break at another month); not counting it, "
            "no detectable change (") in settled.sentence


def test_the_trend_check_names_its_months_as_the_sentences_do(monkeypatch):
    from trends.resurgence import window

    monkeypatch.setattr(window, "curvature_p_value", lambda *a, **k: 0.05)
    y = pd.Series(np.arange(48.0), index=pd.period_range("2016-01", periods=48, freq="M"))
    gates = Gates()
    window._bent(y, gates, bootstrap=999, seed=0, offset=None, covariates=None)
    assert [b.question for b in gates.seen] == [
        "whether one straight trend fits the months from January 2016 to December 2019"]
