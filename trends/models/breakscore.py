"""Score statistics of a level-and-slope break at every candidate month, from one null fit.

For a log-linear count model with design ``X0`` (no break) fitted by maximum
likelihood, the score test of adding ``post_k = 1[t >= k]`` and ``tpost_k =
(t - k) 1[t >= k]`` needs only the null fit: with per-month weights
``w = mu theta / (theta + mu)`` (Fisher weights of the log link; ``w = mu``
for Poisson) and working scores ``r = (y - mu) theta / (theta + mu)``,

    U_k = Z_k' r,    I_k = Z_k' W Z_k - Z_k' W X0 (X0' W X0)^-1 X0' W Z_k,
    S_k = U_k' I_k^-1 U_k,

theta held at its null estimate (for NB2 it is orthogonal to the
coefficients). Every sum over ``t >= k`` is a reverse cumulative sum, so all
candidate months of all series cost about as much as one fit. The break
scan uses S_k to pick, in each bootstrap series, the few months worth a full
refit (:func:`top_candidates`); the statistic it reports stays the
likelihood ratio.
"""

from __future__ import annotations

import numpy as np


def _reverse_cumsum(values: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(values, axis=axis), axis=axis), axis=axis)


def break_scores(
    X0: np.ndarray,
    Y: np.ndarray,
    beta0: np.ndarray,
    theta0: np.ndarray,
    positions: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    slope: bool = True,
) -> np.ndarray:
    """Score statistics S_k of a break at each of ``positions``, for every row of ``Y``.

    Parameters
    ----------
    X0 : numpy.ndarray
        Null design, shape (n, p0).
    Y : numpy.ndarray
        Counts, shape (B, n).
    beta0, theta0 : numpy.ndarray
        Null-model estimates for each row of ``Y``: shapes (B, p0) and (B,)
        (``inf`` for Poisson).
    positions : numpy.ndarray
        0-based candidate break positions, shape (K,).
    offset : numpy.ndarray, optional
        Log-exposure, shape (n,).
    slope : bool
        Test ``post`` and ``tpost`` (True) or the level change ``post`` alone.

    Returns
    -------
    numpy.ndarray
        Shape (B, K).

    Examples
    --------
    >>> X0 = np.column_stack([np.ones(40), np.arange(40.0)])
    >>> y = np.r_[np.full(20, 10.0), np.full(20, 30.0)][None]
    >>> from trends.models.batched import fit_batch
    >>> null = fit_batch(X0, y, family="poisson")
    >>> s = break_scores(X0, y, null.beta[0], null.theta[0], np.arange(5, 36))
    >>> int(np.argmax(s[0])) + 5
    20

    """
    n = X0.shape[0]
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    mu = np.exp(np.clip(beta0 @ X0.T + off, -30.0, 30.0))
    theta = np.asarray(theta0, dtype=float)[:, None]
    share = 1.0 / (1.0 + mu / theta)  # 1 for Poisson (theta inf)
    w, r = mu * share, (Y - mu) * share
    t = np.arange(n, dtype=float)
    k = np.asarray(positions, dtype=float)
    pos = np.asarray(positions, dtype=int)

    def tail(values: np.ndarray) -> np.ndarray:
        """Sums over t >= k of ``values`` (B, n, ...) -> (B, K, ...)."""
        return _reverse_cumsum(values, axis=1)[:, pos]

    s0, s1 = tail(w), tail(w * t)
    u0, u1 = tail(r), tail(r * t)
    wx = w[:, :, None] * X0[None]
    cx0, cx1 = tail(wx), tail(wx * t[None, :, None])
    kk = k[None, :]
    if slope:
        s2 = tail(w * t * t)
        zwz = np.empty((*s0.shape, 2, 2))
        zwz[..., 0, 0] = s0
        zwz[..., 0, 1] = zwz[..., 1, 0] = s1 - kk * s0
        zwz[..., 1, 1] = s2 - 2.0 * kk * s1 + kk * kk * s0
        zwx = np.stack([cx0, cx1 - k[None, :, None] * cx0], axis=2)  # (B, K, 2, p0)
        u = np.stack([u0, u1 - kk * u0], axis=-1)  # (B, K, 2)
    else:
        zwz = s0[..., None, None]
        zwx = cx0[:, :, None, :]
        u = u0[..., None]
    a = np.einsum("bn,np,nq->bpq", w, X0, X0)
    solved = _solve(a[:, None], np.swapaxes(zwx, -1, -2))  # (B, K, p0, d)
    info = zwz - zwx @ solved
    stat = np.einsum("bki,bki->bk", u, _solve(info, u[..., None])[..., 0])
    return np.maximum(np.nan_to_num(stat, nan=0.0), 0.0)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``solve(a, b)``, or the least-squares answer where some ``a`` is singular.

    A simulated series of near-zero counts makes its information singular; its
    scores then rank its months only roughly, which screening tolerates.
    """
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(a) @ b


def top_candidates(scores: np.ndarray, count: int) -> np.ndarray:
    """Column indices of the ``count`` largest scores in each row, shape (B, count).

    Examples
    --------
    >>> top_candidates(np.array([[0.1, 5.0, 3.0, 4.0]]), 2).tolist()
    [[1, 3]]

    """
    count = min(count, scores.shape[1])
    part = np.argpartition(-scores, count - 1, axis=1)[:, :count]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
