"""Design matrices for monthly count models: trend, Fourier seasonality, breaks, lag.

Columns follow R's ``y ~ t + post + tpost + s1 + c1 + s2 + c2`` so coefficients
can be compared with ``glm``/``glm.nb`` term by term.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trends.errors import InputError
from trends.options import Change

ChangeChoice = Change

INTERCEPT = "(Intercept)"


def seasonal_columns(index: pd.Index, harmonics: int) -> dict[str, np.ndarray]:
    """Fourier terms s_k = sin(2 pi k m / 12), c_k = cos(2 pi k m / 12), m = 1..12."""
    month = np.asarray(pd.PeriodIndex(index).month).astype(float)
    columns: dict[str, np.ndarray] = {}
    for k in range(1, harmonics + 1):
        angle = 2.0 * np.pi * k * month / 12.0
        columns[f"s{k}"] = np.sin(angle)
        columns[f"c{k}"] = np.cos(angle)
    return columns


def break_columns(n_months: int, break_position: int) -> tuple[np.ndarray, np.ndarray]:
    """Level-change ``post`` (1 from the break on) and slope-change ``tpost`` = (t - t0) post."""
    t = np.arange(n_months, dtype=float)
    post = (t >= break_position).astype(float)
    return post, (t - break_position) * post


def lag_column(y: np.ndarray) -> np.ndarray:
    """Return log(y[t-1] + 1); the first month has no lag and gets NaN."""
    lag = np.full(len(y), np.nan)
    lag[1:] = np.log(np.asarray(y[:-1], dtype=float) + 1.0)
    return lag


def build_design(
    index: pd.Index,
    *,
    trend: bool = True,
    harmonics: int = 2,
    break_position: int | None = None,
    lagged: np.ndarray | None = None,
    change: ChangeChoice = "both",
    covariates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Design matrix with columns (Intercept), t, post, tpost, s1, c1, ..., covariates, lag.

    Parameters
    ----------
    index : pandas.PeriodIndex
        Months of the series, in order.
    trend : bool
        Include the linear trend ``t`` = months since the series start.
    harmonics : int
        Number of sine/cosine pairs of the calendar month (0 for none).
    break_position : int, optional
        0-based position of the break month; adds ``post`` and ``tpost``
        (``tpost`` only when ``trend`` is true).
    lagged : numpy.ndarray, optional
        Counts from which the autoregressive term log(y[t-1] + 1) is built.
    change : {"both", "level", "slope"}
        Which changes the break brings: ``post`` and ``tpost``, ``post``
        alone, or ``tpost`` alone (``tpost`` needs ``trend``).
    covariates : pandas.DataFrame, optional
        Numeric columns (e.g. a price, a population share) added as regressors;
        rows must line up with ``index``.

    Examples
    --------
    >>> idx = pd.period_range("2020-01", periods=24, freq="M")
    >>> list(build_design(idx, break_position=12).columns)
    ['(Intercept)', 't', 'post', 'tpost', 's1', 'c1', 's2', 'c2']
    >>> list(build_design(idx, break_position=12, change="level", harmonics=0).columns)
    ['(Intercept)', 't', 'post']

    """
    n = len(index)
    columns: dict[str, np.ndarray] = {INTERCEPT: np.ones(n)}
    if trend:
        columns["t"] = np.arange(n, dtype=float)
    if break_position is not None:
        post, tpost = break_columns(n, break_position)
        if change in ("both", "level"):
            columns["post"] = post
        if trend and change in ("both", "slope"):
            columns["tpost"] = tpost
    columns.update(seasonal_columns(index, harmonics))
    if covariates is not None:
        for name in covariates.columns:
            if str(name) in columns:
                msg = f"covariate {name!r} has the name of a model term; rename it"
                raise InputError(msg)
            columns[str(name)] = covariates[name].to_numpy(dtype=float)
        _check_covariates(columns, list(map(str, covariates.columns)), index)
    if lagged is not None:
        columns["lag"] = lag_column(np.asarray(lagged, dtype=float))
    return pd.DataFrame(columns, index=index)


def scan_designs(
    index: pd.Index,
    positions: Sequence[int],
    *,
    trend: bool = True,
    harmonics: int = 2,
    covariates: pd.DataFrame | None = None,
) -> np.ndarray:
    """Stack of design matrices, one per candidate break, shape (K, n, p)."""
    mats = [
        build_design(index, trend=trend, harmonics=harmonics, break_position=k,
                     covariates=covariates).to_numpy()
        for k in positions
    ]
    return np.stack(mats)


def _check_covariates(columns: dict[str, np.ndarray], names: list[str], index: pd.Index) -> None:
    """A covariate that adds nothing to the terms before it is an error naming it.

    A constant covariate repeats the intercept, one equal to the month number
    repeats the trend: the model could not tell their effects apart.
    """
    for name in names:
        largest = float(np.max(np.abs(columns[name]))) if len(columns[name]) else 0.0
        if not (largest == 0 or 1e-9 <= largest <= 1e9):
            msg = (f"covariate {name!r} reaches {largest:.3g} at most: give it in units that "
                   "keep its values between 1e-9 and 1e9 (the fit loses its precision beyond)")
            raise InputError(msg)
    # each column scaled to at most 1, so that the rank does not depend on units
    scaled = [values / largest if (largest := float(np.max(np.abs(values), initial=0.0))) > 0
              else values for values in columns.values()]
    terms = len(columns) - len(names)  # the model's own terms come first
    rank = int(np.linalg.matrix_rank(np.column_stack(scaled[:terms])))
    for number, name in enumerate(names, start=terms + 1):
        before, rank = rank, int(np.linalg.matrix_rank(np.column_stack(scaled[:number])))
        if rank == before:
            msg = (f"covariate {name!r} is constant, or a combination of the model's other "
                   f"terms (trend, season, break, earlier covariates) over {index[0]} to "
                   f"{index[-1]}: its effect cannot be told apart from theirs; drop it")
            raise InputError(msg)


def aligned_covariates(covariates: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame | None:
    """``covariates`` on the months of ``index`` (by a monthly index, or by position).

    Every value must be a finite number; a missing month is an error naming it.

    Examples
    --------
    >>> idx = pd.period_range("2020-01", periods=3, freq="M")
    >>> aligned_covariates(pd.DataFrame({"price": [1.0, 1.1, 1.2]}, index=idx), idx[1:]).shape
    (2, 1)

    """
    if covariates is None:
        return None
    frame = (covariates.reindex(index) if isinstance(covariates.index, pd.PeriodIndex)
             else covariates.set_axis(index[: len(covariates)]) if len(covariates) == len(index)
             else covariates)
    if len(frame) != len(index):
        msg = (f"covariates have {len(covariates)} rows for {len(index)} months "
               f"({index[0]} to {index[-1]}); index them by month or give one row a month")
        raise InputError(msg)
    values = frame.apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=float))
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        msg = (f"covariate {frame.columns[col]!r} has no number for {index[row]} "
               f"(value {frame.iat[row, col]!r}); every month needs one")
        raise InputError(msg)
    return values.astype(float)


def log_exposure(offset: pd.Series | None, index: pd.Index) -> np.ndarray:
    """Log of the exposure ``offset`` on the months of ``index`` (zeros without one).

    ``offset`` is indexed by month, or has one value a month in order.

    Examples
    --------
    >>> idx = pd.period_range("2020-01", periods=2, freq="M")
    >>> log_exposure(pd.Series([1.0, np.e], index=idx), idx).round(6).tolist()
    [0.0, 1.0]

    """
    if offset is None:
        return np.zeros(len(index))
    exposure = offset.reindex(index) if isinstance(offset.index, pd.PeriodIndex) else offset
    values = np.asarray(exposure, dtype=float)
    if len(values) != len(index) or not np.all(np.isfinite(values) & (values > 0)):
        msg = (
            "offset: exposure must be positive and cover every month of the series "
            f"({index[0]} to {index[-1]}); check for missing or zero values"
        )
        raise InputError(msg)
    logs = np.log(values)
    if logs.max() - logs.min() > EXPOSURE_SPAN:
        low, high = int(np.argmin(logs)), int(np.argmax(logs))
        msg = (f"offset: the exposure runs from {values[low]:.3g} ({index[low]}) to "
               f"{values[high]:.3g} ({index[high]}), a factor above 1e20; no count model can "
               "span that, check its values and units")
        raise InputError(msg)
    return logs


EXPOSURE_SPAN = 20 * np.log(10.0)
"""Largest spread of the log exposure: the fits' means span 1e-13 to 1e13."""
