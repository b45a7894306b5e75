"""Rolling-origin backtest: forecasters refitted at every origin and scored against baselines.

At each origin a forecaster (the protocol of :mod:`trends.forecast.baselines`)
sees the months up to the origin and forecasts the next ``horizon`` months;
each forecast is scored by CRPS, log score, absolute error of the median,
central-interval coverage and randomised PIT
(:func:`trends.forecast.scoring.score_sample`).
"""

from __future__ import annotations

import collections
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trends._deprecate import renamed_keywords
from trends.errors import DataError, OptionError
from trends.forecast.baselines import BASELINES, Forecaster
from trends.forecast.scoring import DEFAULT_LEVELS, score_sample
from trends.minimums import BACKTEST_TRAIN_MONTHS
from trends.results import ResultView


def _check_monthly(y: pd.Series) -> pd.Series:
    if not isinstance(y, pd.Series) or not isinstance(y.index, pd.PeriodIndex):
        msg = "the series must be a pandas Series indexed by a monthly PeriodIndex (freq 'M')"
        raise DataError(msg)
    if y.index.freqstr not in ("M", "ME"):
        msg = f"the series index must have monthly frequency 'M'; got {y.index.freqstr!r}"
        raise DataError(msg)
    expected = pd.period_range(y.index.min(), y.index.max(), freq="M")
    if len(y) and not y.index.equals(expected):
        msg = (
            f"the series {y.name!r} must hold every month from {y.index.min()} to "
            f"{y.index.max()} once, in order; fill missing months with 0"
        )
        raise DataError(msg)
    values = y.to_numpy(dtype=float, na_value=np.nan)
    if np.any(~np.isfinite(values)) or np.any(values < 0):
        msg = f"the series {y.name!r} must hold non-negative finite counts; found NaN or negatives"
        raise DataError(msg)
    return y


def _check_draws(paths: np.ndarray, name: str, draws: int, horizon: int) -> np.ndarray:
    values = np.asarray(paths)
    if values.shape != (draws, horizon):
        msg = f"forecaster {name!r} returned shape {values.shape}; expected ({draws}, {horizon})"
        raise OptionError(msg)
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values != np.rint(values)):
        msg = f"forecaster {name!r} must return non-negative integer draws"
        raise OptionError(msg)
    return values


def _json_safe(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


@dataclass(frozen=True, eq=False)
class BacktestResult(ResultView):
    """Scores of a rolling-origin backtest; build with :func:`rolling_origin`.

    ``forecasts`` holds one row per method, origin and horizon. ``skill`` in
    :meth:`tidy` is ``1 - CRPS / CRPS of the best baseline at that horizon``
    for methods that are not baselines (positive: better than every baseline).
    """

    forecasts: pd.DataFrame
    methods: tuple[str, ...]
    baselines: tuple[str, ...]
    horizon: int
    min_train: int
    n_draws: int
    seed: int
    levels: tuple[float, ...]
    series_name: str
    left_out: tuple[tuple[str, str, str], ...] = ()
    """(origin, method, reason) for each origin left out because a method could not forecast
    from it; every method is scored on the same origins."""

    def tidy(self) -> pd.DataFrame:
        """Mean scores per method and horizon, with the CRPS skill score."""
        covered = [f"covered_{round(100 * level)}" for level in self.levels]
        grouped = self.forecasts.groupby(["method", "horizon"], sort=False)
        table = grouped.agg(
            n_forecasts=("crps", "size"),
            crps=("crps", "mean"),
            log_score=("log_score", "mean"),
            mae=("absolute_error", "mean"),
            **{c.replace("covered", "coverage"): (c, "mean") for c in covered},
        ).reset_index()
        table["best_baseline"] = None
        table["skill"] = np.nan
        base = table[table["method"].isin(self.baselines)]
        for horizon, rows in base.groupby("horizon"):
            best = rows.iloc[int(np.argmin(rows["crps"].to_numpy()))]
            at_h = (table["horizon"] == horizon) & ~table["method"].isin(self.baselines)
            table.loc[at_h, "best_baseline"] = best["method"]
            if best["crps"] > 0:
                table.loc[at_h, "skill"] = 1 - table.loc[at_h, "crps"] / best["crps"]
        rank = table["method"].map({name: i for i, name in enumerate(self.methods)})
        order = np.lexsort((table["horizon"].to_numpy(), rank.to_numpy()))
        return table.iloc[order].reset_index(drop=True)

    def plot(self) -> Any:
        """Mean CRPS by horizon, one line per method."""
        from trends.charts.results import backtest_chart

        return backtest_chart(
            self.tidy(),
            title=f"Backtest of {self.series_name}",
            subtitle="rolling origin; lower CRPS is better",
        )

    def summary(self) -> str:
        """Text report: settings, mean CRPS by horizon, overall scores and coverage, skill."""
        table = self.tidy()
        origins = self.forecasts["origin"]
        lines = [
            f"Rolling-origin backtest of {self.series_name}: {origins.nunique()} origins "
            f"({origins.min()} to {origins.max()}), horizons 1-{self.horizon} months, "
            f"{self.n_draws} draws, seed {self.seed}.",
            *self._left_out_lines(),
            f"Baselines: {', '.join(self.baselines) or 'none'}. Lower CRPS is better.",
            "",
            "Mean CRPS by method (rows) and horizon (columns):",
            table.pivot(index="method", columns="horizon", values="crps")
            .loc[list(self.methods)]
            .round(3)
            .to_string(),
        ]
        overall = table.groupby("method", sort=False).agg(
            crps=("crps", "mean"),
            log_score=("log_score", "mean"),
            mae=("mae", "mean"),
            **{c: (c, "mean") for c in table.columns if c.startswith("coverage_")},
        )
        lines += [
            "",
            "All horizons: mean scores and interval coverage (nominal 0.50/0.80/0.95):",
            overall.loc[list(self.methods)].round(3).to_string(),
        ]
        models = table[~table["method"].isin(self.baselines)]
        if len(models) and len(self.baselines):
            lines += [
                "",
                "Skill vs the best baseline at each horizon (1 - CRPS/CRPS_baseline):",
                models.pivot(index="method", columns="horizon", values="skill")
                .round(3)
                .to_string(),
            ]
            exact = sorted(set(table.loc[table["skill"].isna() & table["best_baseline"].notna(),
                                         "best_baseline"]))
            if exact and models["skill"].isna().any():
                which = ", ".join(f"the {name} baseline" for name in exact)
                lines.append(f"NaN: {which} forecast every month exactly (CRPS 0), so no "
                             "method can be compared with it by skill")
        return "\n".join(lines)

    def _left_out_lines(self) -> list[str]:
        """Which origins were left out, for which methods, with the first reason."""
        if not self.left_out:
            return []
        count = len(self.left_out)
        by_method = collections.Counter(method for _, method, _ in self.left_out)
        who = ", ".join(f"{method} ({n})" if len(by_method) > 1 else method
                        for method, n in by_method.items())
        first, _, reason = self.left_out[0]
        span = first if count == 1 else f"{first} to {self.left_out[-1][0]}"
        return [f"Left out {count} origin{'s' * (count != 1)} ({span}) for every method, so "
                f"that all are scored on the same origins: {who} could not forecast from "
                f"{'it' if count == 1 else 'them'} (at {first}: {reason})."]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe settings and the per-method, per-horizon table."""
        rows = [
            {key: _json_safe(value) for key, value in row.items()}
            for row in self.tidy().to_dict(orient="records")
        ]
        return {
            "series": self.series_name,
            "methods": list(self.methods),
            "baselines": list(self.baselines),
            "horizon": self.horizon,
            "min_train": self.min_train,
            "n_draws": self.n_draws,
            "seed": self.seed,
            "levels": list(self.levels),
            "scores": rows,
            "left_out": [{"origin": origin, "method": method, "reason": reason}
                         for origin, method, reason in self.left_out],
        }


@renamed_keywords(min_train="min_train_months", n_draws="draws")
def rolling_origin(
    y: pd.Series,
    forecasters: Mapping[str, Forecaster],
    *,
    horizon: int = 6,
    min_train_months: int = BACKTEST_TRAIN_MONTHS,
    draws: int = 2000,
    seed: int = 0,
    baselines: Sequence[str] | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
) -> BacktestResult:
    """Backtest forecasters from every origin with at least ``min_train_months`` months of history.

    At each origin the forecaster sees the months up to and including the
    origin and forecasts the next ``horizon`` months (fewer at the end of the
    series). Each forecast is scored by CRPS, log score, absolute error of the
    median, central-interval coverage and randomised PIT
    (:func:`trends.forecast.scoring.score_sample`). The random stream of each method and
    origin is derived from ``seed``, the method name and the origin, so results
    do not depend on which other methods are run.

    Parameters
    ----------
    y : pandas.Series
        Complete monthly series of counts (``PeriodIndex`` freq "M").
    forecasters : mapping of str to Forecaster
        Methods to compare, by name.
    horizon : int
        Months ahead to forecast from each origin.
    min_train_months : int
        Months of history at the first origin.
    draws : int
        Predictive paths per forecast.
    seed : int
        Seed of all random draws.
    baselines : sequence of str, optional
        Names in ``forecasters`` that are baselines; default the names that are
        keys of :data:`BASELINES`.
    levels : sequence of float
        Central interval levels for coverage.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=40, freq="M")
    >>> y = pd.Series(np.arange(40) % 5, index=idx, name="incidents")
    >>> result = rolling_origin(y, BASELINES, horizon=2, min_train_months=36, draws=200)
    >>> result.tidy().shape
    (8, 11)

    """
    _check_monthly(y)
    if horizon < 1 or min_train_months < 1 or draws < 1:
        msg = (
            "horizon, min_train_months and draws must be >= 1; got "
            f"{horizon}, {min_train_months}, {draws}"
        )
        raise OptionError(msg)
    if not forecasters:
        msg = "forecasters is empty; pass at least one, e.g. trends.BASELINES"
        raise OptionError(msg)
    if len(y) <= min_train_months:
        msg = (
            f"the series {y.name!r} has {len(y)} months; the backtest needs more than "
            f"min_train_months = {min_train_months} months. Use a longer series or lower "
            "min_train_months (--min-train on the command line)"
        )
        raise DataError(msg)
    names = tuple(forecasters)
    if baselines is None:
        base = tuple(name for name in names if name in BASELINES)
    else:
        base = tuple(baselines)
        unknown = [name for name in base if name not in forecasters]
        if unknown:
            msg = f"baselines {unknown} are not among the forecasters {list(names)}"
            raise OptionError(msg)
    values = y.to_numpy(dtype=float)
    rows: list[pd.DataFrame] = []
    failed: dict[str, tuple[str, str]] = {}
    for name in names:
        name_key = zlib.crc32(name.encode())
        for origin in range(min_train_months, len(y)):
            steps = min(horizon, len(y) - origin)
            draw_seq, pit_seq = np.random.SeedSequence([seed, name_key, origin]).spawn(2)
            try:
                paths = forecasters[name](
                    y.iloc[:origin], horizon, draws, np.random.default_rng(draw_seq)
                )
            except DataError as err:  # too little history here, say: left out for every method
                failed.setdefault(str(y.index[origin - 1]), (name, str(err)))
                continue
            paths = _check_draws(paths, name, draws, horizon)[:, :steps]
            observed = values[origin : origin + steps]
            scores = score_sample(
                observed, paths, levels=levels, rng=np.random.default_rng(pit_seq)
            )
            rows.append(
                pd.DataFrame(
                    {
                        "method": name,
                        "origin": str(y.index[origin - 1]),
                        "target_month": [str(p) for p in y.index[origin : origin + steps]],
                        "horizon": np.arange(1, steps + 1),
                        "observed": observed,
                        **scores,
                    }
                )
            )
    forecasts = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame({"origin": []})
    forecasts = forecasts[~forecasts["origin"].isin(failed)].reset_index(drop=True)
    if forecasts.empty:
        name, reason = next(iter(failed.values()))
        msg = f"{reason} (from every origin, so {name} cannot be backtested)"
        raise DataError(msg)
    return BacktestResult(
        forecasts=forecasts,
        methods=names,
        baselines=base,
        horizon=horizon,
        min_train=min_train_months,
        n_draws=draws,
        seed=seed,
        levels=tuple(levels),
        series_name=str(y.name),
        left_out=tuple((origin, *failed[origin]) for origin in sorted(failed)),
    )
