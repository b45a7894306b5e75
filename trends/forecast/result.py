"""ForecastResult: the simulated predictive distribution, what made it and how well it has done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.forecast.skill import Skill
from trends.results import ResultView

LEVELS = (0.5, 0.8, 0.95)

METHOD_WORDS = {
    "auto": "a CRPS-weighted mixture of simple forecasters, the weights chosen by a backtest "
    "on this series and each forecaster's spread taken from its own past errors",
    "count_model": "the count model",
}


SHORTFALL = 0.05
"""Backtest coverage this far under an interval's level is pointed out."""


@dataclass(frozen=True)
class ForecastResult(ResultView):
    """Simulated predictive distribution of the next ``horizon`` months.

    ``method`` is "auto" (the default mixture; ``weights`` says how much each
    forecaster counts) or "count_model". ``skill`` is the method's
    out-of-sample backtest on this series, or None with a ``warning`` saying why.
    """

    history: pd.Series
    months: pd.PeriodIndex
    draws: np.ndarray = field(repr=False)
    family: str
    threshold: float | None = None
    method: str = "count_model"
    weights: tuple[tuple[str, float], ...] = ()
    skill: Skill | None = None
    warning: str | None = None
    preliminary_from: str | None = None
    """The first month of ``history`` whose figures are preliminary (None: none said to be)."""

    @property
    def spike_note(self) -> str:
        """What the default forecaster made of a one-off spike in the last year, or "".

        It caps the spike (:func:`trends.forecast.levels.despike`), so a month
        of 10,000 after years of zeros gives intervals of a few: right for a
        one-off, too low if the spike starts a new level.
        """
        from trends.forecast.levels import SPIKE_FACTOR, despike

        if self.method != "auto":
            return ""
        changed = np.flatnonzero(despike(self.history).to_numpy() != self.history.to_numpy())
        if not changed.size:
            return ""
        at = int(changed[0])
        return (f"{self.history.index[at]}'s {float(self.history.iloc[at]):,.0f} is over "
                f"{SPIKE_FACTOR:g} times every other month of the last 12; the forecast treats "
                "it as a one-off, so its intervals are too low if it starts a new level")

    def quantiles(self, probs: Sequence[float]) -> np.ndarray:
        """Predictive quantiles, shape (len(probs), horizon); type-1 (inverse CDF) for counts."""
        return np.quantile(self.draws, probs, axis=0, method="inverted_cdf")

    def tidy(self) -> pd.DataFrame:
        """One row per month: mean, median, central 50/80/95% intervals, P(count > threshold)."""
        table = pd.DataFrame(
            {
                "month": self.months.astype(str),
                "horizon": np.arange(1, len(self.months) + 1),
                "mean": self.draws.mean(axis=0),
                "median": self.quantiles([0.5])[0],
            }
        )
        for level in LEVELS:
            low, high = self.quantiles([(1 - level) / 2, (1 + level) / 2])
            tag = round(level * 100)
            table[f"lo{tag}"], table[f"hi{tag}"] = low, high
        if self.threshold is not None:
            table["prob_exceed"] = (self.draws > self.threshold).mean(axis=0)
        return table

    def method_lines(self) -> list[str]:
        """Which forecaster made the forecast, and how it has done on this series, in words."""
        lines = [f"Forecaster: {METHOD_WORDS.get(self.method, self.method)} ({self.method})."]
        if self.weights:
            shares = ", ".join(
                f"{name} {weight:.2f}" if weight >= 0.005 else f"{name} <0.01"
                for name, weight in self.weights
            )
            lines.append(f"Weights: {shares}.")
        if self.skill is not None:
            s = self.skill
            shown = round(s.ratio, 3)  # the words follow the ratio as printed
            if not np.isfinite(s.ratio):  # the best baseline was exact: CRPS 0
                verdict = (f"no ratio, as the {s.best_baseline} baseline forecast every month "
                           "exactly (CRPS 0); " + ("worse than that baseline" if s.crps > 0
                                                   else "as good as that baseline"))
            elif shown > 1:
                verdict = f"ratio {s.ratio:.3f}, worse than the {s.best_baseline} baseline"
            else:
                verdict = f"ratio {s.ratio:.3f}, " + (
                    "better than every baseline" if shown < 1 else "as good as the best")
            cover = ", ".join(f"{key}%: {value:.2f}" for key, value in s.coverage.items())
            best = s.baseline_crps[s.best_baseline]
            lines += [
                f"Backtest on this series ({s.n_origins} origins {s.first_origin} to "
                f"{s.last_origin}, horizons 1-{s.horizon}, each forecast made with earlier "
                f"months only{_quiet(s)}): mean CRPS {s.crps:.4g} against {best:.4g} for the best "
                f"baseline ({s.best_baseline}); {verdict}.",
                f"Interval coverage in that backtest: {cover} (nominal 0.50, 0.80, 0.95).",
            ]
            short = [(key, value) for key, value in s.coverage.items()
                     if int(key) / 100 - value >= SHORTFALL - 1e-9]
            if short:
                held = " and ".join(f"the {key}% intervals held {value:.0%}"
                                    for key, value in short)
                lines.append(f"Caution: in that backtest {held} of the months forecast: "
                             "these intervals are narrower than their labels say.")
        if self.warning:
            lines.append(f"Warning: {self.warning}.")
        if self.spike_note:
            lines.append(f"Spike: {self.spike_note}.")
        if self.preliminary_from is not None:
            late = int((self.history.index >= pd.Period(self.preliminary_from, freq="M")).sum())
            lines.append(f"Preliminary figures: {late} of the {len(self.history)} months of "
                         f"history (from {self.preliminary_from}) may be revised, and the "
                         "forecast with them.")
        return lines

    def summary(self) -> str:
        """A readable table of the forecast, with the forecaster and its backtest."""
        name = self.history.name or "count"
        head = (
            f"Forecast of {name} for {self.months[0]} to {self.months[-1]} from "
            f"{self.history.index[0]}..{self.history.index[-1]} "
            f"({self.draws.shape[0]} simulated paths)"
        )
        tidy = self.tidy()
        table = tidy.to_string(index=False, float_format=lambda v: f"{v:.3g}")
        return "\n".join([head, *self.method_lines(), table, *_heavy_tail_note(tidy)])

    def plot(self) -> Any:
        """The last 36 months and a fan of the 50, 80 and 95% intervals ahead."""
        from trends.charts import forecast_fan
        from trends.measures import measure_label

        recent = self.history.iloc[-36:]
        history = pd.DataFrame({"month": recent.index.astype(str), "observed": recent.to_numpy()})
        name = str(self.history.name or "count")
        return forecast_fan(
            history,
            self.tidy(),
            measure_label=measure_label(name),
            title=f"Forecast of {name.replace('_', ' ')}",
            subtitle=f"forecaster: {self.method}",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe forecast table, forecaster, backtest (or None), warning, preliminary start."""
        rows = [
            {k: (v if isinstance(v, str) else finite_or_none(v)) for k, v in row.items()}
            for row in self.tidy().to_dict(orient="records")
        ]
        for row in rows:
            row["horizon"] = int(row["horizon"] or 0)
        return {
            "method": self.method,
            "family": self.family,
            "weights": {name: weight for name, weight in self.weights} or None,
            "backtest": None if self.skill is None else self.skill.to_dict(),
            "warning": self.warning,
            "spike_note": self.spike_note or None,
            "preliminary_from": self.preliminary_from,
            "history_end": str(self.history.index[-1]),
            "n_draws": int(self.draws.shape[0]),
            "threshold": self.threshold,
            "forecast": rows,
        }


def _heavy_tail_note(tidy: pd.DataFrame) -> list[str]:
    """A line when a month's mean lies above its 95% upper bound, and why that is no error.

    Examples
    --------
    >>> table = pd.DataFrame({"month": ["2024-01"], "mean": [754.0], "hi95": [12]})
    >>> _heavy_tail_note(table)[0][:41]
    'Mean above the 95% upper bound in 2024-01'

    """
    above = tidy[tidy["mean"] > tidy["hi95"]]
    if above.empty:
        return []
    months = ", ".join(str(m) for m in above["month"])
    return [f"Mean above the 95% upper bound in {months}: at most 1 simulated path in 40 "
            "carries counts far above the rest, so quote the median and the interval, not the "
            "mean."]


def _quiet(skill: Skill) -> str:
    """Say how many origins the backtest left out as quiet (:attr:`Skill.quiet_origins`)."""
    if not skill.quiet_origins:
        return ""
    return (f"; {skill.quiet_origins:,} origins with no count in the year before them nor in "
            "the months forecast left out")
