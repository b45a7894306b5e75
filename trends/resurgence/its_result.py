"""The result of the interrupted time-series test: estimates, words, tables and a chart.

:func:`trends.resurgence.known.its_test` computes it; this module only shows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends._json import finite_or_none
from trends.models.countmodel import CountFit
from trends.models.latent import LatentAR1
from trends.results import ResultView, smallest_p


@dataclass(frozen=True)
class ITSResult(ResultView):
    """Result of :func:`its_test`."""

    break_month: str
    family: str
    alternative: str
    n_months: int
    level_ratio: float
    level_ratio_ci: tuple[float, float]
    slope_ratio_per_year: float
    slope_ratio_per_year_ci: tuple[float, float]
    lr_statistic: float
    df: int
    p_value: float
    statistic_kind: str
    test_description: str
    excess_total: float
    excess_total_ci: tuple[float, float]
    inference: str
    bootstrap: int
    seed: int
    std_errors: tuple[float, float]
    model_based: dict[str, object]
    latent: LatentAR1 | None
    counterfactual: pd.DataFrame = field(repr=False)
    fit: CountFit = field(repr=False)
    bootstrap_statistics: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    def tidy(self) -> pd.DataFrame:
        """Level and slope change: the rows' estimates, intervals and p-values.

        Columns: term, estimate, std_error, rate_ratio, ci_low, ci_high,
        p_value and p_value_tests.

        The one source of the result's numbers: ``summary()`` and ``to_dict()``
        read them from here. ``slope_ratio_per_year`` is on the scale of 12
        months (estimate = 12 b_tpost). ``std_error`` is the one behind the
        reported intervals (bootstrap or model-based, see ``inference``);
        ``ci_low``/``ci_high`` are the result's intervals. ``p_value`` is the
        test's p-value (see ``hypothesis``) on the rows it tests: both rows for
        the joint two-sided test, the level row for ``alternative="increase"``;
        NaN on a row the test leaves free; ``p_value_tests`` says which (a
        joint p-value is not the row's own, so a row's interval may exclude 1
        beside a large one). A level row whose counterfactual is absurd (see
        ``absurd``) holds NaN: it is not a finding.
        """
        table = self.fit.tidy().set_index("term")
        terms = set(self.fit.design.columns)
        tests = ("a rise in level (one-sided)" if self.alternative == "increase" else
                 "level and trend jointly (2 df)" if {"post", "tpost"} <= terms else
                 f"{'level' if 'post' in terms else 'trend'} (1 df)")
        rows = []
        for term, label, scale, se, ci in (
            ("post", "level_ratio", 1.0, self.std_errors[0], self.level_ratio_ci),
            ("tpost", "slope_ratio_per_year", 12.0, self.std_errors[1],
             self.slope_ratio_per_year_ci),
        ):
            if term not in table.index:
                continue
            est = scale * float(table.at[term, "estimate"])  # type: ignore[arg-type]
            if term == "post" and self.absurd_level:
                est, se, ci = math.nan, math.nan, (math.nan, math.nan)
            tested = self.alternative == "two-sided" or term == "post"
            rows.append(
                {
                    "term": label,
                    "estimate": est,
                    "std_error": se,
                    "rate_ratio": math.exp(est),
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "p_value": self.p_value if tested else math.nan,
                    "p_value_tests": tests if tested else "",
                }
            )
        return pd.DataFrame(rows)

    @property
    def months(self) -> tuple[str, str]:
        """The first and last month fitted (``max_before_months`` may leave earlier ones out)."""
        index = self.fit.design.index
        return str(index[0]), str(index[-1])

    @property
    def absurd_level(self) -> bool:
        """True when the level ratio is below 0.01 or above 100: not a finding."""
        ratio = self.level_ratio
        return math.isfinite(ratio) and not 0.01 <= ratio <= 100.0

    @property
    def absurd(self) -> bool:
        """True when the trend before the break, carried on, gives an absurd counterfactual.

        An absurd level ratio (:attr:`absurd_level`), or an excess larger than
        every count in the series together: the trend cannot be extrapolated
        that far, and the excess is not a finding.
        """
        return self.absurd_level or abs(self.excess_total) > float(np.sum(self.fit.y))

    @property
    def hypothesis(self) -> str:
        """What the p-value tests, in plain words."""
        month = self.break_month
        if self.alternative == "increase":
            return (f"the p-value tests whether the level rose at {month} (a jump up in the "
                    "months from it, against the trend before), with the change of trend left "
                    "free; it does not test a fall or a change of trend")
        terms = set(self.fit.design.columns)
        if {"post", "tpost"} <= terms:
            return (f"the p-value tests whether the level or trend changed at {month}, up or "
                    "down (jointly, 2 degrees of freedom); a small p-value can come from a "
                    "change of trend alone")
        changes = "level" if "post" in terms else "trend"
        return (f"the p-value tests whether the {changes} changed at {month}, up or down "
                "(1 degree of freedom)")

    def summary(self) -> str:
        """Readable report of the test, with every number read from :meth:`tidy`."""
        table = self.tidy().set_index("term")
        lines = [
            f"Interrupted time-series test at {self.break_month} ({self.family}, "
            f"{self.n_months} months: {self.months[0]} to {self.months[1]}, alternative: "
            f"{self.alternative})",
            self._inference_text(),
        ]
        if self.absurd:
            observed = float(self.counterfactual["observed"].sum())
            expected = observed - self.excess_total
            lines.append(
                f"The trend fitted to the months before {self.break_month}, carried on, expects "
                f"{expected:,.0f} in the months from it, against {observed:,.0f} observed and "
                f"{float(np.sum(self.fit.y)):,.0f} in the whole series: it cannot be "
                "extrapolated that far, so "
                + (f"neither the excess nor the level ratio ({self.level_ratio:.3g}) is reported"
                   if self.absurd_level else
                   "the excess is not reported (the level ratio below compares the break "
                   "month alone with that trend)")
                + ". Fit fewer months before the break (--start), or use `trends assess`, "
                "which chooses them.")
        for term, label in (("level_ratio", "Level ratio"),
                            ("slope_ratio_per_year", "Slope ratio per year")):
            if term not in table.index:
                continue
            ratio, low, high = table.loc[term, ["rate_ratio", "ci_low", "ci_high"]].to_numpy(
                dtype=float)
            if math.isfinite(ratio):
                lines.append(f"{label}: {ratio:.3f} (95% CI {low:.3f} to {high:.3f})")
        elo, ehi = self.excess_total_ci
        lines += [
            f"{self.test_description}: statistic {self.lr_statistic:.3f} (df {self.df}), "
            f"p = {self.p_value:.3g}",
            f"What it tests: {self.hypothesis}.",
        ]
        if not self.absurd:
            lines.append(f"Excess after the break (observed minus counterfactual): "
                         f"{self.excess_total:.1f} (95% interval {elo:.1f} to {ehi:.1f})")
            low, high = self.level_ratio_ci
            if (elo > 0 or ehi < 0) and low <= 1 <= high:
                lines.append("  The excess's interval excludes zero while the level ratio's "
                             "includes 1: the excess also counts any change of trend, and its "
                             "interval is a basic bootstrap one; quote the level ratio.")
        if self.inference == "bootstrap":
            mb = self.model_based
            mlo, mhi = (float(v) for v in mb["level_ratio_ci"])  # type: ignore[attr-defined]
            lines.append(
                f"Model-based (chi-square/Wald, assumes independent months): "
                f"p = {mb['p_value']:.3g}, level ratio CI {mlo:.3f} to {mhi:.3f}"
            )
        lines.append("For the plain answer to 'has it risen since then?', use `trends assess`.")
        return "\n".join(lines)

    def _inference_text(self) -> str:
        if self.inference == "bootstrap" and self.latent is not None:
            flags = (f"; the noise is not well identified by these data "
                     f"({self.latent.flag_text()}), so the p-value depends on it: `trends "
                     "assess` tries other noise settings" if self.latent.flags else "")
            return (
                f"Inference: parametric bootstrap, {self.bootstrap} replicates (seed "
                f"{self.seed}; {smallest_p(self.bootstrap)}), latent AR(1) noise rho = "
                f"{self.latent.rho:.2f}, "
                f"sd = {self.latent.sd:.3f}; intervals use bootstrap standard errors{flags}"
            )
        return ("Inference: model-based (asymptotic chi-square/F/normal p-value and Wald "
                "intervals; assumes independent months)")

    def plot(self) -> Any:
        """The fitted trend and, from the break, the counterfactual with its band."""
        from trends.charts import series_chart

        frame = self.fit.predict()
        cf = self.counterfactual.reset_index()
        cf["month"] = cf["month"].astype(str)
        frame = frame.merge(cf[["month", "counterfactual", "counterfactual_low",
                                "counterfactual_high"]], on="month", how="left")
        return series_chart(frame, break_month=self.break_month,
                                   measure_label="Count per month",
                                   title=f"Known-break test at {self.break_month}")

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary (NaN becomes None); the numbers come from :meth:`tidy`."""
        cf = self.counterfactual
        table = self.tidy().set_index("term")

        def ratio(term: str) -> tuple[float | None, list[float | None]]:
            if term not in table.index:
                return None, [None, None]
            r = table.loc[term]
            return (finite_or_none(r["rate_ratio"]),
                    [finite_or_none(r["ci_low"]), finite_or_none(r["ci_high"])])

        level, level_ci = ratio("level_ratio")
        slope, slope_ci = ratio("slope_ratio_per_year")
        return {
            "test": "its",
            "break_month": self.break_month,
            "family": self.family,
            "alternative": self.alternative,
            "hypothesis": self.hypothesis,
            "n_months": self.n_months,
            "months": list(self.months),
            "level_ratio": level,
            "level_ratio_ci": level_ci,
            "slope_ratio_per_year": slope,
            "slope_ratio_per_year_ci": slope_ci,
            "lr_statistic": finite_or_none(self.lr_statistic),
            "df": self.df,
            "p_value": finite_or_none(self.p_value),
            "statistic_kind": self.statistic_kind,
            "test_description": self.test_description,
            "theta": finite_or_none(self.fit.theta),
            "inference": self.inference,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "latent_noise": None if self.latent is None else self.latent.to_dict(),
            "model_based": {
                k: (
                    [finite_or_none(x) for x in v]
                    if isinstance(v, tuple | list)
                    else (v if isinstance(v, str | int) else finite_or_none(v))
                )
                for k, v in self.model_based.items()
            },
            "excess_total": None if self.absurd else finite_or_none(self.excess_total),
            "excess_total_ci": [None, None] if self.absurd
            else [finite_or_none(v) for v in self.excess_total_ci],
            "absurd_counterfactual": self.absurd,
            "change": [term for term in ("post", "tpost") if term in self.fit.design.columns],
            "counterfactual": [
                {k: (str(v) if k == "month" else finite_or_none(v)) for k, v in row.items()}
                for row in cf.reset_index().to_dict(orient="records")
            ],
        }
