"""CRPS stacking: the mixture of predictive samples with the lowest CRPS on past targets.

For a mixture with weights ``w`` of forecasts ``X_1..X_K`` the CRPS of a
target ``y`` is ``sum_k w_k A_k - 0.5 * sum_jk w_j w_k B_jk`` with
``A_k = E|X_k - y|`` and ``B_jk = E|X_j - X_k'|``, a convex quadratic in ``w``
on the simplex. So the weights that minimise the mean CRPS over past targets
come from one small quadratic programme on the target-averaged ``A`` and ``B``
(the "optimal linear pool" under the CRPS). Every forecast is summarised by
``POINTS`` evenly spaced order statistics of its draws, which makes ``A``,
``B``, mixture quantiles and mixture PIT values exact for that summary.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

POINTS = 100


def quantile_points(draws: np.ndarray, points: int = POINTS) -> np.ndarray:
    """``points`` evenly spaced order statistics of each column: shape (points, columns).

    Examples
    --------
    >>> quantile_points(np.arange(10)[:, None], 5)[:, 0].tolist()
    [1.0, 3.0, 5.0, 7.0, 9.0]
    """
    values = np.sort(np.asarray(draws, dtype=float), axis=0)
    ranks = np.floor((np.arange(points) + 0.5) / points * values.shape[0]).astype(int)
    return values[ranks]


def mean_abs_difference(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``E|X - Y|`` for independent X, Y with equally weighted points, column by column.

    Computed as the integral of ``F(1 - G) + G(1 - F)`` over the merged points,
    so it costs one sort of both samples together.

    Examples
    --------
    >>> mean_abs_difference(np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]])).tolist()
    [1.0]
    """
    merged = np.concatenate([x, y], axis=0)
    label = np.concatenate([np.ones(x.shape[0]), np.zeros(y.shape[0])])
    order = np.argsort(merged, axis=0, kind="stable")
    values = np.take_along_axis(merged, order, axis=0)
    from_x = label[order]
    cdf_x = np.cumsum(from_x, axis=0)[:-1] / x.shape[0]
    cdf_y = np.cumsum(1.0 - from_x, axis=0)[:-1] / y.shape[0]
    step = np.diff(values, axis=0)
    return np.sum((cdf_x * (1.0 - cdf_y) + cdf_y * (1.0 - cdf_x)) * step, axis=0)


def energy_terms(
    points: np.ndarray, observed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``A``, ``B`` and the CDF just below and at the observation, for K forecasts of C targets.

    Parameters
    ----------
    points : numpy.ndarray, shape (K, P, C)
        Quantile points of each forecast (see :func:`quantile_points`).
    observed : numpy.ndarray, shape (C,)
        The observed count of each target.

    Returns
    -------
    A : (C, K); B : (C, K, K); below : (C, K) = P(X < y); at : (C, K) = P(X <= y)

    Examples
    --------
    >>> pts = np.array([[[0.0], [2.0]], [[1.0], [1.0]]])
    >>> a, b, below, at = energy_terms(pts, np.array([1.0]))
    >>> a.tolist(), b[0].tolist(), at.tolist()
    ([[1.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], [[0.5, 1.0]])
    """
    k = points.shape[0]
    a = np.abs(points - observed[None, None, :]).mean(axis=1).T
    b = np.empty((points.shape[2], k, k))
    for i in range(k):
        for j in range(i, k):
            b[:, i, j] = b[:, j, i] = mean_abs_difference(points[i], points[j])
    below = (points < observed[None, None, :]).mean(axis=1).T
    at = (points <= observed[None, None, :]).mean(axis=1).T
    return a, b, below, at


def mixture_crps(weights: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CRPS of the mixture with ``weights`` for every target (rows of ``a`` and ``b``).

    Examples
    --------
    >>> a = np.array([[1.0, 0.0]]); b = np.array([[[1.0, 1.0], [1.0, 0.0]]])
    >>> mixture_crps(np.array([0.0, 1.0]), a, b).tolist()
    [0.0]
    """
    return a @ weights - 0.5 * np.einsum("j,cjk,k->c", weights, b, weights)


def stack_weights(a_bar: np.ndarray, b_bar: np.ndarray) -> np.ndarray:
    """Simplex weights minimising ``w.a_bar - 0.5 w'b_bar w`` (the mean mixture CRPS).

    Examples
    --------
    >>> a = np.array([1.0, 0.0]); b = np.array([[1.0, 1.0], [1.0, 0.0]])
    >>> stack_weights(a, b).round(3).tolist()
    [0.0, 1.0]
    """
    k = a_bar.size
    start = np.full(k, 1.0 / k)
    result = optimize.minimize(
        lambda w: float(w @ a_bar - 0.5 * w @ b_bar @ w),
        start,
        jac=lambda w: a_bar - b_bar @ w,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(k)}],
        options={"maxiter": 200, "ftol": 1e-10},
    )
    weights = np.clip(result.x if result.success else start, 0.0, None)
    return weights / weights.sum()


def mixture_quantiles(points: np.ndarray, weights: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantiles (inverse CDF) of the mixture, column by column: shape (len(probs), C).

    ``probs`` is one vector for every column, or an array (n, C) of its own per column.

    Examples
    --------
    >>> pts = np.array([[[0.0], [0.0]], [[10.0], [10.0]]])
    >>> mixture_quantiles(pts, np.array([0.3, 0.7]), np.array([0.2, 0.5]))[:, 0].tolist()
    [0.0, 10.0]
    """
    k, p, c = points.shape
    values = points.reshape(k * p, c)
    mass = np.repeat(weights / p, p)
    order = np.argsort(values, axis=0, kind="stable")
    cumulative = np.cumsum(mass[order], axis=0)
    cumulative /= cumulative[-1]
    probs = np.clip(np.asarray(probs, dtype=float), 0.0, 1.0)
    if probs.ndim == 1:
        probs = np.repeat(probs[:, None], c, axis=1)
    index = np.empty(probs.shape, dtype=int)
    for col in range(c):
        index[:, col] = np.searchsorted(cumulative[:, col], probs[:, col] - 1e-12)
    index = np.minimum(index, k * p - 1)
    sorted_values = np.take_along_axis(values, order, axis=0)
    return np.take_along_axis(sorted_values, index, axis=0)
