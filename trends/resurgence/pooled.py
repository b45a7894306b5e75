"""The pooled regions model: is a change common to all regions or does it differ between them?

The regions' series are stacked; every region keeps its own intercept, trend
and seasonal terms, and NB2 has one theta shared by all regions. Three
nested models are compared: M0 no change, M1 one common level and slope
change, M2 region-specific changes. LR(M1 vs M0) tests a common change
(df 2); LR(M2 vs M1) tests heterogeneity of the change across regions
(df 2 (R - 1)). For quasi-Poisson the statistics are scaled deviances with F
p-values. The fits use the block fitter (:mod:`trends.models.blockglm`), so
no dense block design is built; regions whose months align share one design.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from trends.models.blockglm import fit_blocks
from trends.models.countmodel import Z975
from trends.models.design import ChangeChoice, build_design
from trends.models.distributions import chi2_sf, f_sf
from trends.validate import month_position, monthly_series


def _pooled_arrays(
    series: dict[str, pd.Series], break_month: str, harmonics: int, trend: bool,
    change: ChangeChoice,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]:
    """Padded counts (R, n), design (R, n, k) and mask; regions with the same months share one.

    Returns the counts, the design, the mask, the changed column names and the
    nuisance column names (the design's columns are nuisance then changed).
    """
    designs: dict[tuple[int, int], np.ndarray] = {}
    rows: list[tuple[np.ndarray, np.ndarray]] = []
    names: list[str] = []
    for r, raw in series.items():
        s = monthly_series(raw, name=r)
        key = (int(s.index[0].ordinal), len(s))
        if key not in designs:
            pos = month_position(s.index, break_month)
            frame = build_design(s.index, trend=trend, harmonics=harmonics, break_position=pos,
                                 change=change)
            if not names:
                names = list(frame.columns)
            designs[key] = frame[names].to_numpy(dtype=float)
        rows.append((s.to_numpy(dtype=float), designs[key]))
    changed: list[str] = [c for c in ("post", "tpost") if c in names]
    nuisance = [c for c in names if c not in changed]
    order = [names.index(c) for c in nuisance + changed]
    n_max = max(len(y) for y, _ in rows)
    Y = np.zeros((len(rows), n_max))
    D = np.zeros((len(rows), n_max, len(names)))
    mask = np.zeros((len(rows), n_max), dtype=bool)
    for j, (y, design) in enumerate(rows):
        Y[j, : len(y)], D[j, : len(y)], mask[j, : len(y)] = y, design[:, order], True
    return Y, D, mask, changed, nuisance


def pooled_model(
    series: dict[str, pd.Series], break_month: str, family: str, harmonics: int, trend: bool,
    change: ChangeChoice = "both",
) -> dict[str, Any]:
    """Fit M0, M1 and M2 to the regions' series and compare them (model-based inference).

    Examples
    --------
    >>> idx = pd.period_range("2016-01", periods=48, freq="M")
    >>> rng = np.random.default_rng(4)
    >>> panel = {r: pd.Series(rng.poisson(10, 48), index=idx) for r in ("a", "b", "c")}
    >>> result = pooled_model(panel, "2018-01", "poisson", 2, True)
    >>> result["regions"], result["common_df"], result["heterogeneity_df"]
    (3, 2, 4)

    """
    Y, D, mask, changed, nuisance = _pooled_arrays(series, break_month, harmonics, trend, change)
    n_reg, k0 = len(Y), len(nuisance)
    X0, Xc = D[..., :k0], D[..., k0:]
    core: Any = "poisson" if family == "quasipoisson" else family
    no_common = np.zeros((*Y.shape, 0))
    fits = [fit_blocks(X0, no_common, Y, mask, family=core),
            fit_blocks(X0, Xc, Y, mask, family=core),
            fit_blocks(D, no_common, Y, mask, family=core)]
    df_common, df_het = len(changed), len(changed) * (n_reg - 1)
    if family == "quasipoisson":
        disp = fits[2].pearson_chi2 / fits[2].df_resid
        s_common = (fits[0].deviance - fits[1].deviance) / disp
        s_het = (fits[1].deviance - fits[2].deviance) / disp
        p_common = float(f_sf(s_common / df_common, df_common, fits[2].df_resid))
        p_het = float(f_sf(s_het / df_het, df_het, fits[2].df_resid))
        se_scale = math.sqrt(disp)
    else:
        s_common = max(0.0, 2 * (fits[1].loglik - fits[0].loglik))
        s_het = max(0.0, 2 * (fits[2].loglik - fits[1].loglik))
        p_common = float(chi2_sf(s_common, df_common))
        p_het = float(chi2_sf(s_het, df_het))
        se_scale = 1.0
    b, se = fits[1].common[0], math.sqrt(fits[1].common_cov[0, 0]) * se_scale
    if p_het < 0.05:
        text = "The change differs between regions (heterogeneity test rejects at 5%)."
    elif p_common < 0.05:
        text = "A common, countrywide change fits the regions (no evidence of heterogeneity)."
    else:
        text = "Neither a common nor a region-specific change is detected at 5%."
    result: dict[str, Any] = {
        "family": family,
        "regions": n_reg,
        "common_level_ratio": math.exp(b),
        "common_level_ratio_ci": (math.exp(b - Z975 * se), math.exp(b + Z975 * se)),
        "common_statistic": s_common,
        "common_df": df_common,
        "common_p_value": p_common,
        "heterogeneity_statistic": s_het,
        "heterogeneity_df": df_het,
        "heterogeneity_p_value": p_het,
        "theta": fits[1].theta,
        "inference": "model",
        "interpretation": text,
    }
    return result
