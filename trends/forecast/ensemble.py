"""The default forecaster: a CRPS-stacked mixture of simple forecasters, checked on its own series.

At every origin of a rolling backtest over the series' own history (the
months before the origin only), each forecaster in :data:`MIXED` forecasts
the next ``horizon`` months, and each baseline of
:data:`trends.forecast.baselines.BASELINES` too. The mixture weights at an
origin minimise the mean CRPS of the mixture on the targets already observed
there (past targets count half as much every :data:`HALF_LIFE` months) and
are then shrunk half way (:data:`SHRINK`) towards equal weights on the
forecasters with a spread of their own (:data:`SPREAD`). The point masses
(zero, the capped last value) get weight only from the stacking, and zero is
offered only where a month of at most :data:`LOW_COUNT` occurred in the last
:data:`ZERO_WINDOW` months: a forecast of no deaths at all for a series that
has not come near zero in two years is not credible, however it scores.

Because the weights at each origin use only earlier months, the forecasts
this procedure made at the past origins are honest out-of-sample forecasts;
their scores against the baselines' are the procedure's own backtest
(:class:`trends.forecast.skill.Skill`), reported with every forecast.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trends.forecast.baselines import (
    BASELINES,
    Forecaster,
    empirical_forecast,
    last_value_forecast,
    zero_forecast,
)
from trends.forecast.levels import (
    despiked,
    fast_robust_level_forecast,
    random_walk_forecast,
    robust_level_forecast,
)
from trends.forecast.scoring import DEFAULT_LEVELS
from trends.forecast.skill import FIRST_ORIGIN, LEARN_MONTHS, Skill, quiet_origins, skill_of
from trends.forecast.stacking import (
    POINTS,
    energy_terms,
    mixture_crps,
    mixture_quantiles,
    quantile_points,
    stack_weights,
)

MIXED: dict[str, Forecaster] = {
    "robust_level": robust_level_forecast,
    "robust_level_fast": fast_robust_level_forecast,
    "random_walk": random_walk_forecast,
    "empirical_12_capped": despiked(empirical_forecast),
    "zero": zero_forecast,
    "last_value_capped": despiked(last_value_forecast),
}
"""The forecasters the default method mixes (one-off spikes capped in what they see)."""

SPREAD = ("robust_level", "robust_level_fast", "random_walk", "empirical_12_capped")
"""Mixed forecasters with a spread of their own: the weights are shrunk towards these."""

CANDIDATES: dict[str, Forecaster] = {**MIXED, **BASELINES}
"""Every forecaster the backtest scores: the mixed ones and the baselines (raw history)."""

MIN_TARGETS = 12  # scored past forecasts before the weights are fitted
HALF_LIFE = 12.0
SHRINK = 0.5
INNER_DRAWS = 400
LOW_COUNT = 10
ZERO_WINDOW = 24


@dataclass(frozen=True)
class EnsembleFit:
    """Weights of the default forecaster at every origin, and its backtest on the series."""

    names: tuple[str, ...]
    weights: np.ndarray
    fitted: bool
    skill: Skill | None
    warning: str | None
    online: pd.DataFrame = field(repr=False)
    weight_history: pd.DataFrame = field(repr=False)

    def weights_at(self, month: pd.Period | str) -> np.ndarray:
        """The weights used for the forecast made after ``month`` (the last month seen)."""
        return self.weight_history.loc[str(month)].to_numpy(dtype=float)


def _seed(seed: int, name: str, month: pd.Period, stream: int = 0) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(
            [seed, zlib.crc32(name.encode()), int(month.ordinal) + 10**6, stream]
        )
    )


def _discounted_mean(values: np.ndarray, age: np.ndarray) -> np.ndarray:
    weight = 0.5 ** (age / HALF_LIFE)
    return np.tensordot(weight, values, axes=(0, 0)) / weight.sum()


def _offered(names: tuple[str, ...], values: np.ndarray, t: int) -> np.ndarray:
    """Which mixed forecasters may get weight at origin ``t`` (months before ``t`` only)."""
    offered = np.array([name in MIXED for name in names])
    recent = values[max(0, t - ZERO_WINDOW) : t]
    if recent.min() > LOW_COUNT:
        offered[names.index("zero")] = False
    return offered


def _component_points(y: pd.Series, horizon: int, seed: int) -> np.ndarray:
    """Quantile points of every candidate at every origin: shape (n + 1, k, POINTS, horizon)."""
    n, names = len(y), tuple(CANDIDATES)
    points = np.zeros((n + 1, len(names), POINTS, horizon))
    for s in range(FIRST_ORIGIN, n + 1):
        history, month = y.iloc[:s], y.index[s - 1]
        for i, name in enumerate(names):
            draws = CANDIDATES[name](history, horizon, INNER_DRAWS, _seed(seed, name, month))
            points[s, i] = quantile_points(draws)
    return points


def fit_ensemble(y: pd.Series, horizon: int, *, seed: int = 0) -> EnsembleFit:
    """Run the nested backtest of the default forecaster over ``y`` and fit it at the end.

    ``y`` is a complete monthly count series of at least
    :data:`~trends.forecast.skill.FIRST_ORIGIN` months. The weights at every
    origin depend on the months before it only, so the weights a run on
    ``y[:t]`` ends with are the weights this run used at origin ``t``.

    Examples
    --------
    >>> idx = pd.period_range("2015-01", periods=60, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).poisson(30, 60), index=idx)
    >>> fit = fit_ensemble(y, 3)
    >>> round(float(fit.weights.sum()), 6), fit.skill is not None
    (1.0, True)
    """
    values = y.to_numpy(dtype=float)
    months = y.index
    n, names = len(values), tuple(CANDIDATES)
    k, levels = len(names), DEFAULT_LEVELS
    spread = np.array([name in SPREAD for name in names])
    prior = spread / spread.sum()
    points = _component_points(y, horizon, seed)
    origins = range(FIRST_ORIGIN, n + 1)
    pairs = [(s, h) for s in origins for h in range(1, horizon + 1) if s + h <= n]
    ts = np.array([s for s, _ in pairs], dtype=int)
    th = np.array([h for _, h in pairs], dtype=int)
    observed = values[ts + th - 1] if pairs else np.zeros(0)
    if pairs:
        stacked = np.stack([points[s, :, :, h - 1] for s, h in pairs], axis=-1)
        a, b, _, _ = energy_terms(stacked, observed)
    else:
        a, b = np.zeros((0, k)), np.zeros((0, k, k))
    crps = np.full(len(pairs), np.nan)
    below = {lv: np.zeros(len(pairs), dtype=bool) for lv in levels}
    above = {lv: np.zeros(len(pairs), dtype=bool) for lv in levels}
    level_probs = np.array([p for lv in levels for p in ((1 - lv) / 2, (1 + lv) / 2)])
    fitted_at = np.zeros(n + 1, dtype=bool)
    weight_rows = []
    weights = prior
    for t in origins:
        past = ts + th <= t
        weights = prior
        if past.sum() >= MIN_TARGETS:
            use = _offered(names, values, t)
            age = (t - (ts + th))[past].astype(float)
            a_bar = _discounted_mean(a[past][:, use], age)
            b_bar = _discounted_mean(b[past][:, use][:, :, use], age)
            weights = SHRINK * prior
            weights[use] += (1 - SHRINK) * stack_weights(a_bar, b_bar)
            fitted_at[t] = True
        weight_rows.append(weights)
        own = np.flatnonzero(ts == t)
        if own.size:
            crps[own] = mixture_crps(weights, a[own], b[own])
            bounds = mixture_quantiles(points[t][:, :, th[own] - 1], weights, level_probs)
            for j, lv in enumerate(levels):
                below[lv][own] = observed[own] < bounds[2 * j]
                above[lv][own] = observed[own] > bounds[2 * j + 1]
    crps_each = a - 0.5 * np.einsum("ckk->ck", b)
    online = pd.DataFrame(
        {
            "origin": [str(months[s - 1]) for s in ts],
            "target_month": [str(months[s + h - 1]) for s, h in pairs],
            "horizon": th,
            "observed": observed,
            "crps": crps,
            **{f"covered_{round(100 * lv)}": ~(below[lv] | above[lv]) for lv in levels},
            **{f"below_{round(100 * lv)}": below[lv] for lv in levels},
            **{f"above_{round(100 * lv)}": above[lv] for lv in levels},
            **{f"crps_{name}": crps_each[:, i] for i, name in enumerate(names)},
        }
    )
    history = pd.DataFrame(
        np.array(weight_rows), columns=list(names), index=[str(months[t - 1]) for t in origins]
    )
    scored = ts >= FIRST_ORIGIN + LEARN_MONTHS
    quiet = quiet_origins(values, horizon)[ts]
    left_out = len(np.unique(ts[scored & quiet]))
    skill, warning = skill_of(online[scored & ~quiet], horizon, left_out)
    if not fitted_at[n]:
        few = (
            f"{n} months are too few to weigh the forecasters: the four with a spread of their "
            "own have the same weight"
        )
        warning = f"{few}; {warning}" if warning else few
    return EnsembleFit(
        names=names,
        weights=weights,
        fitted=bool(fitted_at[n]),
        skill=skill,
        warning=warning,
        online=online,
        weight_history=history,
    )


def _allocate(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights * total
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def ensemble_draws(
    names: tuple[str, ...],
    weights: np.ndarray,
    y: pd.Series,
    horizon: int,
    draws: int,
    *,
    seed: int = 0,
) -> np.ndarray:
    """Draws of the mixture with ``weights`` for the months after ``y``: shape (draws, horizon).

    Each forecaster contributes draws in proportion to its weight; the rows
    are shuffled so that any subset of paths is a sample of the mixture.

    Examples
    --------
    >>> idx = pd.period_range("2015-01", periods=40, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).poisson(30, 40), index=idx)
    >>> fit = fit_ensemble(y, 2)
    >>> ensemble_draws(fit.names, fit.weights, y, 2, 500).shape
    (500, 2)
    """
    last = y.index[-1]
    parts = [
        CANDIDATES[name](y, horizon, int(count), _seed(seed, name, last, 1))
        for name, count in zip(names, _allocate(weights, draws), strict=True)
        if count > 0
    ]
    rng = _seed(seed, "mixture", last, 2)
    return np.concatenate(parts, axis=0)[rng.permutation(draws)].astype(np.int64)
