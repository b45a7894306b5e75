"""ACLED-style heuristic: published bands (acleddata.com change maps), surge rules."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from trends.alerts import CORE_COLUMNS, acled_heuristic, alerts
from trends.errors import DataError, OptionError


def _y(last, base=10.0, n_base=12):
    idx = pd.period_range("2018-01", periods=n_base + 1, freq="M")
    values = np.r_[np.full(n_base, base), [last]] if np.isscalar(base) else np.r_[base, [last]]
    return pd.Series(values, index=idx, name="incidents")


@pytest.mark.parametrize(
    ("last", "level"),
    [(13, "large increase"), (12, "moderate increase"), (11, "limited change"),
     (10, "limited change"), (8, "limited change"), (7.5, "limited change"),
     (7, "large decrease")],
)
def test_acled_published_bands(last, level):
    row = acled_heuristic(_y(last)).tidy().iloc[-1]
    assert row["change_level"] == level
    assert row["percent_change"] == pytest.approx(100 * (last / 10 - 1))


@pytest.mark.parametrize(
    ("last", "level"),
    [(13, "large increase"), (12, "moderate increase"), (9, "no significant change"),
     (8, "moderate decrease"), (7, "large decrease")],
)
def test_symmetric_bands(last, level):
    assert acled_heuristic(_y(last), bands="symmetric").tidy()["change_level"].iloc[-1] == level


def test_low_activity_is_limited_change():
    row = acled_heuristic(_y(5, base=1.0)).tidy().iloc[-1]
    assert row["percent_change"] == pytest.approx(400) and row["change_level"] == "limited change"


def test_surge_rules():
    assert acled_heuristic(_y(20)).tidy()["alarm"].iloc[-1]  # +100% exactly: ACLED's "or more"
    assert not acled_heuristic(_y(19.9)).tidy()["alarm"].iloc[-1]
    base = np.r_[np.full(6, 8.0), np.full(6, 12.0)]  # mean 10, sd = 2.0889
    sd = base.std(ddof=1)
    above = acled_heuristic(_y(10 + sd + 0.01, base=base), surge_rule="one_sd").tidy()
    below = acled_heuristic(_y(10 + sd - 0.01, base=base), surge_rule="one_sd").tidy()
    assert above["alarm"].iloc[-1] and not below["alarm"].iloc[-1]
    # baseline mean below 1 a month: no surge even at +400%
    assert not acled_heuristic(_y(2, base=0.5)).tidy()["alarm"].iloc[-1]


def test_drop_rules_mirror_the_surge_rules():
    row = acled_heuristic(_y(5)).tidy().iloc[-1]  # -50% exactly: half the baseline mean
    assert row["alarm"] and row["alarm_low"] and not row["alarm_high"]
    assert row["direction"] == "low" and row["drop_threshold"] == 5.0
    assert row["verdict"] == "unusually low (at or below the drop threshold of 5.0)"
    assert not acled_heuristic(_y(5.1)).tidy()["alarm"].iloc[-1]
    base = np.r_[np.full(6, 8.0), np.full(6, 12.0)]
    sd = base.std(ddof=1)
    below = acled_heuristic(_y(10 - sd - 0.01, base=base), surge_rule="one_sd").tidy()
    above = acled_heuristic(_y(10 - sd + 0.01, base=base), surge_rule="one_sd").tidy()
    assert below["alarm_low"].iloc[-1] and not above["alarm"].iloc[-1]
    # baseline mean below 1 a month: no drop even to zero, and the words say why
    quiet = acled_heuristic(_y(0, base=0.5)).tidy().iloc[-1]
    assert not quiet["alarm"] and quiet["verdict"].startswith("cannot tell: the baseline mean")


def test_side_limits_the_flags():
    surge, drop = _y(30), _y(2)
    assert not acled_heuristic(surge, side="low").tidy()["alarm"].iloc[-1]
    assert not acled_heuristic(drop, side="high").tidy()["alarm"].iloc[-1]
    assert acled_heuristic(drop, side="low").alarms == [{"month": "2019-01", "direction": "low"}]
    high = acled_heuristic(drop, side="high")
    assert high.verdict() == "not unusually high (only highs were checked)"
    assert np.isnan(high.tidy()["drop_threshold"].iloc[-1])
    steady = acled_heuristic(_y(11)).verdict()
    assert steady == "within the usual range of 5.0 to 20.0 (both sides checked)"


def test_labelled_descriptive_without_p_values():
    res = alerts(_y(30), method="acled")
    t = res.tidy()
    assert tuple(t.columns[:5]) == CORE_COLUMNS
    assert (t["method"] == "acled-heuristic").all() and t["upper_bound"].isna().all()
    assert t["lower_bound"].isna().all()
    assert not any("p_value" in c or "pvalue" in c for c in t.columns)
    assert res.method == "acled-heuristic" and "heuristic" in res.summary()
    json.dumps(res.to_dict())


def test_errors():
    with pytest.raises(DataError, match="12 months before"):
        acled_heuristic(_y(3, n_base=6))
    with pytest.raises(OptionError, match="bands must be one of"):
        acled_heuristic(_y(3), bands="wide")
    with pytest.raises(OptionError, match="method must be one of"):
        alerts(_y(3), method="cusum")
    with pytest.raises(OptionError, match="side must be one of high, low, both"):
        alerts(_y(3), method="acled", side="down")


def test_a_floor_below_1_still_lets_a_zero_alarm_and_the_words_agree():
    """A floor of 0.8: 'no count can be unusually low' was printed beside a month of 1, while
    the next month's 0 raised a low alarm (at or below 0.8)."""
    idx = pd.period_range("2023-01", periods=14, freq="M")
    y = pd.Series([1, 2] * 6 + [1, 0], index=idx)
    rows = acled_heuristic(y, months=idx[-2:]).tidy()
    assert rows["alarm_low"].tolist() == [False, True]
    assert "no count can be unusually low" not in rows["verdict"].iloc[0]
    assert rows["verdict"].iloc[0].startswith("within the usual range of 0.8 to")
