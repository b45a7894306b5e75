"""The default forecaster: a CRPS-stacked mixture of simple forecasters, checked on its own series.

At every origin of a rolling backtest over the series' own history (the
months before the origin only), each forecaster in :data:`MIXED` forecasts
the next ``horizon`` months from the history with a one-off spike capped
(:func:`trends.levels.despike`), and each baseline of
:data:`trends.baselines.BASELINES` from the history as it is. The mixture
weights at an origin minimise the mean CRPS of the mixture on the targets
already observed there (past targets count half as much every
:data:`HALF_LIFE` months) and are then shrunk half way towards equal weights
(:data:`SHRINK`), which measured better than pure stacking, pure selection or
equal weights on the bundled series (docs/forecast.md). A conformal width
adjustment from the mixture's own past PIT values (:mod:`trends.recalibrate`)
is applied at an origin only when it had the lower CRPS on the targets
already observed there.

Because the weights and the adjustment at each origin use only earlier
months, the forecasts this procedure made at the past origins are honest
out-of-sample forecasts; their scores against the baselines' are the
procedure's own backtest (:class:`Skill`), reported with every forecast.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.baselines import (
    BASELINES,
    Forecaster,
    empirical_forecast,
    last_value_forecast,
    poisson_mean_forecast,
    zero_forecast,
)
from trends.levels import (
    despiked,
    fast_robust_level_forecast,
    negbin_mean_forecast,
    robust_level_forecast,
)
from trends.recalibrate import adjusted_probs, recalibrate_draws
from trends.scoring import DEFAULT_LEVELS, crps_sample
from trends.stacking import (
    POINTS,
    energy_terms,
    mixture_quantiles,
    quantile_points,
    stack_weights,
)

MIXED: dict[str, Forecaster] = {
    "robust_level": despiked(robust_level_forecast),
    "robust_level_fast": despiked(fast_robust_level_forecast),
    "negbin_mean_12": despiked(negbin_mean_forecast),
    "zero": zero_forecast,
    "last_value_capped": despiked(last_value_forecast),
    "poisson_mean_12_capped": despiked(poisson_mean_forecast),
    "empirical_12_capped": despiked(empirical_forecast),
}
"""The forecasters the default method mixes; all see the history with a one-off spike capped."""

CANDIDATES: dict[str, Forecaster] = {**MIXED, **BASELINES}
"""Every forecaster the backtest scores: the mixed ones and the baselines (raw history)."""

POOL = tuple(MIXED)

FIRST_ORIGIN = 12  # months of history at the first backtest origin
MIN_TARGETS = 12  # scored past forecasts before the weights are fitted
LEARN_MONTHS = 12  # origins after the first before the procedure is scored
MIN_CHECKED_ORIGINS = 12  # scored origins needed to report a backtest
MIN_CHECK_MONTHS = FIRST_ORIGIN + LEARN_MONTHS + MIN_CHECKED_ORIGINS
MAX_HISTORY = 144  # months used; older targets weigh under 2**-10 anyway
HALF_LIFE = 12.0
SHRINK = 0.5
PIT_WINDOW = 24
INNER_DRAWS = 400


@dataclass(frozen=True)
class Skill:
    """Out-of-sample scores of the procedure on its own series, against every baseline."""

    first_origin: str
    last_origin: str
    n_origins: int
    n_forecasts: int
    horizon: int
    crps: float
    baseline_crps: dict[str, float]
    best_baseline: str
    ratio: float
    coverage: dict[str, float]
    adjusted_share: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (NaN as None)."""
        return {
            "first_origin": self.first_origin,
            "last_origin": self.last_origin,
            "n_origins": self.n_origins,
            "n_forecasts": self.n_forecasts,
            "horizon": self.horizon,
            "crps": finite_or_none(self.crps),
            "baseline_crps": {k: finite_or_none(v) for k, v in self.baseline_crps.items()},
            "best_baseline": self.best_baseline,
            "crps_ratio": finite_or_none(self.ratio),
            "coverage": {k: finite_or_none(v) for k, v in self.coverage.items()},
            "width_adjusted_share": finite_or_none(self.adjusted_share),
        }


@dataclass(frozen=True)
class EnsembleFit:
    """Weights, width adjustment and backtest of the default forecaster at the series' end."""

    names: tuple[str, ...]
    weights: np.ndarray
    adjust: bool
    pits: tuple[np.ndarray, ...] = field(repr=False)
    fitted: bool
    skill: Skill | None
    warning: str | None
    online: pd.DataFrame = field(repr=False)
    weight_history: pd.DataFrame = field(repr=False)


def _seed(seed: int, name: str, month: pd.Period, stream: int = 0) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(
            [seed, zlib.crc32(name.encode()), int(month.ordinal) + 10**6, stream]
        )
    )


def _discounted_mean(values: np.ndarray, age: np.ndarray) -> np.ndarray:
    weight = 0.5 ** (age / HALF_LIFE)
    return np.tensordot(weight, values, axes=(0, 0)) / weight.sum()


def fit_ensemble(
    y: pd.Series, horizon: int, *, seed: int = 0, max_history: int | None = MAX_HISTORY
) -> EnsembleFit:
    """Run the nested backtest of the default forecaster over ``y`` and fit it at the end.

    ``y`` is a complete monthly count series of at least :data:`FIRST_ORIGIN`
    months; only its last ``max_history`` months are used (None: all).

    Examples
    --------
    >>> idx = pd.period_range("2015-01", periods=60, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).poisson(30, 60), index=idx)
    >>> fit = fit_ensemble(y, 3)
    >>> round(float(fit.weights.sum()), 6), fit.skill is not None
    (1.0, True)
    """
    series = y if max_history is None else y.iloc[-max_history:]
    values = series.to_numpy(dtype=float)
    months = series.index
    n, names = len(values), tuple(CANDIDATES)
    k, levels = len(names), DEFAULT_LEVELS
    pool = np.array([name in POOL for name in names])
    origins = range(FIRST_ORIGIN, n + 1)
    points = np.zeros((n + 1, k, POINTS, horizon))
    for s in origins:
        for i, name in enumerate(names):
            rng = _seed(seed, name, months[s - 1])
            draws = CANDIDATES[name](series.iloc[:s], horizon, INNER_DRAWS, rng)
            points[s, i] = quantile_points(draws)
    pairs = [(s, h) for s in origins for h in range(1, horizon + 1) if s + h <= n]
    ts = np.array([s for s, _ in pairs], dtype=int)
    th = np.array([h for _, h in pairs], dtype=int)
    observed = values[ts + th - 1] if pairs else np.zeros(0)
    if pairs:
        stacked = np.stack([points[s, :, :, h - 1] for s, h in pairs], axis=-1)
        a, b, below, at = energy_terms(stacked, observed)
    else:
        a, b = np.zeros((0, k)), np.zeros((0, k, k))
        below, at = np.zeros((0, k)), np.zeros((0, k))
    n_targets = len(pairs)
    pit = np.full(n_targets, np.nan)
    crps_raw = np.full(n_targets, np.nan)
    crps_adj = np.full(n_targets, np.nan)
    crps_out = np.full(n_targets, np.nan)
    covered = {lv: np.zeros(n_targets, dtype=bool) for lv in levels}
    adjusted_at = np.zeros(n + 1, dtype=bool)
    fitted_at = np.zeros(n + 1, dtype=bool)
    weight_rows: list[np.ndarray] = []
    pit_rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5049]))
    grid = (np.arange(POINTS) + 0.5) / POINTS
    level_probs = np.array([p for lv in levels for p in ((1 - lv) / 2, (1 + lv) / 2)])
    final_pits: list[np.ndarray] = [np.zeros(0)] * horizon
    prior = pool / pool.sum()
    weights = prior
    for t in origins:
        past = ts + th <= t
        age = (t - (ts + th))[past].astype(float)
        weights = prior
        if past.sum() >= MIN_TARGETS:
            a_bar = _discounted_mean(a[past][:, pool], age)
            b_bar = _discounted_mean(b[past][:, pool][:, :, pool], age)
            weights = np.zeros(k)
            weights[pool] = (1 - SHRINK) * stack_weights(a_bar, b_bar) + SHRINK / pool.sum()
            fitted_at[t] = True
        weight_rows.append(weights)
        both = past & np.isfinite(crps_adj)
        if both.sum() >= MIN_TARGETS:
            age_both = (t - (ts + th))[both].astype(float)
            better = _discounted_mean(crps_adj[both], age_both) < _discounted_mean(
                crps_raw[both], age_both
            )
            adjusted_at[t] = bool(better)
        pits_by_h = []
        for h in range(1, horizon + 1):
            use = past & (th == h) & (ts >= t - PIT_WINDOW) & fitted_at[ts]
            pits_by_h.append(pit[use])
        final_pits = pits_by_h
        own = np.flatnonzero(ts == t)
        if own.size == 0:
            continue
        low, high = below[own] @ weights, at[own] @ weights
        pit[own] = low + pit_rng.random(own.size) * (high - low)
        columns = points[t][:, :, th[own] - 1]
        probs = np.stack(
            [
                np.r_[grid, adjusted_probs(grid, pits_by_h[h - 1]), level_probs,
                      adjusted_probs(level_probs, pits_by_h[h - 1])]
                for h in th[own]
            ],
            axis=1,
        )  # fmt: skip
        q = mixture_quantiles(columns, weights, probs)
        crps_raw[own] = crps_sample(observed[own], q[:POINTS])
        has_pits = np.array([pits_by_h[h - 1].size > 0 for h in th[own]])
        adjusted = crps_sample(observed[own], q[POINTS : 2 * POINTS])
        crps_adj[own] = np.where(has_pits, adjusted, np.nan)
        n_bounds = level_probs.size
        bounds = q[2 * POINTS + n_bounds :] if adjusted_at[t] else q[2 * POINTS : -n_bounds]
        crps_out[own] = np.where(adjusted_at[t] & has_pits, crps_adj[own], crps_raw[own])
        for j, lv in enumerate(levels):
            inside = (bounds[2 * j] <= observed[own]) & (observed[own] <= bounds[2 * j + 1])
            covered[lv][own] = inside
    crps_each = a - 0.5 * np.einsum("ckk->ck", b)
    online = pd.DataFrame(
        {
            "origin": [str(months[s - 1]) for s in ts],
            "target_month": [str(months[s + h - 1]) for s, h in pairs],
            "horizon": th,
            "observed": observed,
            "crps": crps_out,
            "crps_unadjusted": crps_raw,
            "width_adjusted": adjusted_at[ts] if n_targets else np.zeros(0, dtype=bool),
            **{f"covered_{round(100 * lv)}": covered[lv] for lv in levels},
            **{f"crps_{name}": crps_each[:, i] for i, name in enumerate(names)},
        }
    )
    history = pd.DataFrame(
        np.array(weight_rows), columns=list(names), index=[str(months[t - 1]) for t in origins]
    )
    checked = ts >= FIRST_ORIGIN + LEARN_MONTHS
    skill, warning = _skill(online[checked], ts[checked], horizon, adjusted_at)
    if not fitted_at[n]:
        warning = (
            f"{n} months are too few to weigh the forecasters: every one has the same weight. "
            + (warning or "")
        ).strip()
    return EnsembleFit(
        names=names,
        weights=weights,
        adjust=bool(adjusted_at[n]),
        pits=tuple(final_pits),
        fitted=bool(fitted_at[n]),
        skill=skill,
        warning=warning,
        online=online,
        weight_history=history,
    )


def _skill(
    checked: pd.DataFrame, origins: np.ndarray, horizon: int, adjusted_at: np.ndarray
) -> tuple[Skill | None, str | None]:
    n_origins = int(np.unique(origins).size)
    if n_origins < MIN_CHECKED_ORIGINS:
        short = (
            f"the history is too short to check the forecaster: a backtest needs "
            f"{MIN_CHECK_MONTHS} months ({FIRST_ORIGIN} before the first forecast, "
            f"{LEARN_MONTHS} to learn the weights, {MIN_CHECKED_ORIGINS} to score them); "
            f"this series gives {n_origins} scored origins. Treat the intervals as unchecked"
        )
        return None, short
    baseline_crps = {name: float(checked[f"crps_{name}"].mean()) for name in BASELINES}
    best = min(baseline_crps, key=lambda name: baseline_crps[name])
    crps = float(checked["crps"].mean())
    ratio = crps / baseline_crps[best] if baseline_crps[best] > 0 else float("nan")
    skill = Skill(
        first_origin=str(checked["origin"].iloc[0]),
        last_origin=str(checked["origin"].iloc[-1]),
        n_origins=n_origins,
        n_forecasts=len(checked),
        horizon=horizon,
        crps=crps,
        baseline_crps=baseline_crps,
        best_baseline=best,
        ratio=ratio,
        coverage={
            col.removeprefix("covered_"): float(checked[col].mean())
            for col in checked.columns
            if col.startswith("covered_")
        },
        adjusted_share=float(adjusted_at[np.unique(origins)].mean()),
    )
    warning = None
    if ratio > 1:
        warning = (
            f"in its backtest on this series the default forecaster did worse than the "
            f"{best} baseline (CRPS ratio {ratio:.3f}); prefer that baseline's forecast here"
        )
    elif not np.isfinite(ratio):
        warning = (
            f"the {best} baseline forecast every backtest month exactly, so the backtest "
            "cannot tell whether the default forecaster is better"
        )
    return skill, warning


def _allocate(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights * total
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def ensemble_draws(
    fit: EnsembleFit, y: pd.Series, horizon: int, n_draws: int, *, seed: int = 0
) -> np.ndarray:
    """Draws of the fitted mixture for the months after ``y``: shape (n_draws, horizon).

    Each candidate contributes draws in proportion to its weight; the rows are
    shuffled, then widened or narrowed by the conformal adjustment when the
    fit chose it.

    Examples
    --------
    >>> idx = pd.period_range("2015-01", periods=40, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).poisson(30, 40), index=idx)
    >>> ensemble_draws(fit_ensemble(y, 2), y, 2, 500).shape
    (500, 2)
    """
    series = y.iloc[-FIRST_ORIGIN:]
    last = series.index[-1]
    parts = [
        CANDIDATES[name](series, horizon, int(count), _seed(seed, name, last, 1))
        for name, count in zip(fit.names, _allocate(fit.weights, n_draws), strict=True)
        if count > 0
    ]
    rng = _seed(seed, "mixture", last, 2)
    draws = np.concatenate(parts, axis=0)[rng.permutation(n_draws)]
    if fit.adjust:
        draws = recalibrate_draws(draws, list(fit.pits), rng)
    return draws.astype(np.int64)
