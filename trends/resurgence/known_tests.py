"""The model-based tests of a break's terms: likelihood ratio, scaled deviance, HAC Wald.

What :func:`trends.its_test` reports as R's numbers (``inference="model"``,
and always in ``model_based``): see :mod:`trends.resurgence.known` for which
test each family and option gets.
"""

from __future__ import annotations

import math

import numpy as np

from trends.models.countmodel import CountFit
from trends.models.distributions import chi2_sf, f_sf, norm_sf, t_sf
from trends.models.glm import fit_glm
from trends.models.zeroinflated import fit_zero_inflated
from trends.options import ZERO_INFLATED


def _restricted(fit: CountFit, drop: tuple[str, ...]) -> tuple[float, float]:
    """Log-likelihood and deviance of the break model without the ``drop`` terms."""
    keep = [c for c in fit.design.columns if c not in drop]
    if fit.family in ZERO_INFLATED:
        inflated = fit_zero_inflated(
            fit.y, fit.design[keep].to_numpy(), family=fit.family, offset=fit.offset  # type: ignore[arg-type]
        )
        return inflated.loglik, math.nan
    family = "poisson" if fit.family == "quasipoisson" else fit.family
    sub = fit_glm(
        fit.y,
        fit.design[keep].to_numpy(),
        family=family,  # type: ignore[arg-type]
        offset=fit.offset,
    )
    return sub.loglik, sub.deviance


def _test(fit: CountFit, drop: tuple[str, ...]) -> tuple[float, float, str]:
    """Return (statistic, signed root for a single term, kind) for dropping ``drop``."""
    glm = fit.glm
    idx = [list(glm.names).index(t) for t in drop]
    b = glm.beta[idx]
    if fit.model.autocorrelation == "hac":
        stat = float(b @ np.linalg.solve(glm.cov[np.ix_(idx, idx)], b))
        return stat, float(np.sign(b[0]) * math.sqrt(stat)), "wald_hac"
    ll0, dev0 = _restricted(fit, drop)
    if fit.family == "quasipoisson":
        stat = max(0.0, (dev0 - glm.deviance) / glm.dispersion)
        return stat, float(np.sign(b[0]) * math.sqrt(stat)), "scaled_deviance"
    stat = max(0.0, 2.0 * (glm.loglik - ll0))
    return stat, float(np.sign(b[0]) * math.sqrt(stat)), "lr"


def model_test(
    fit: CountFit, terms: tuple[str, ...], alternative: str
) -> tuple[float, int, float, str, str]:
    """Test the break ``terms`` of ``fit``: (statistic, df, p-value, kind, description).

    Two-sided: all of ``terms`` jointly; "increase": the signed root of the
    test of ``post`` alone, one-sided.
    """
    df_resid = fit.glm.df_resid
    if alternative == "two-sided":
        stat, _, kind = _test(fit, terms)
        df = len(terms)
        if kind == "scaled_deviance":
            p = float(f_sf(stat / df, df, df_resid))
        else:
            p = float(chi2_sf(stat, df))
        changed = {("post", "tpost"): "level and slope change", ("post",): "level change",
                   ("tpost",): "slope change"}[terms]
        what = {
            "lr": f"Likelihood-ratio test of {changed}",
            "scaled_deviance": f"Quasi-Poisson F test (scaled deviance) of {changed}",
            "wald_hac": f"Wald test (Newey-West) of {changed}",
        }[kind]
    else:
        stat, root, kind = _test(fit, ("post",))
        df = 1
        p = float(t_sf(root, df_resid) if kind == "scaled_deviance" else norm_sf(root))
        what = {
            "lr": "One-sided signed-root LR test of a level increase",
            "scaled_deviance": "One-sided signed-root quasi-LR test (t) of a level increase",
            "wald_hac": "One-sided Wald z test (Newey-West) of a level increase",
        }[kind]
    return stat, df, p, kind, what
