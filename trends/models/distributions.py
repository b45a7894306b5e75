"""Tails and quantiles of the chi-square, t, F and normal distributions, without scipy.stats.

Each is the :mod:`scipy.special` function that scipy.stats itself calls, so
the values are the same bit for bit (``tests/test_distributions.py`` checks
them against scipy.stats); importing scipy.stats takes about 0.4 s, which
every analysis command would otherwise pay before its first fit.

Examples
--------
>>> round(float(chi2_sf(3.841458820694124, 1)), 6), round(float(norm_ppf(0.975)), 6)
(0.05, 1.959964)

"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special


def chi2_sf(x: Any, df: Any) -> Any:
    """P(X > x) for X chi-square with ``df`` degrees of freedom (scipy.stats.chi2.sf)."""
    return special.chdtrc(df, np.maximum(x, 0.0))  # 1 below the support, as scipy.stats says


def chi2_ppf(q: Any, df: Any) -> Any:
    """The ``q`` quantile of the chi-square distribution (scipy.stats.chi2.ppf)."""
    return 2 * special.gammaincinv(df / 2, q)


def t_sf(x: Any, df: Any) -> Any:
    """P(T > x) for Student's t with ``df`` degrees of freedom (scipy.stats.t.sf)."""
    return special.stdtr(df, -x)


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """P(F > x) for the F distribution (scipy.stats.f.sf)."""
    return special.fdtrc(dfn, dfd, np.maximum(x, 0.0))


def norm_sf(x: Any) -> Any:
    """P(Z > x) for the standard normal (scipy.stats.norm.sf)."""
    return special.ndtr(-x)


def norm_ppf(q: Any) -> Any:
    """The ``q`` quantile of the standard normal (scipy.stats.norm.ppf)."""
    return special.ndtri(q)
