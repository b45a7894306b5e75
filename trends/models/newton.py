"""Newton and Fisher-scoring iterations of one chunk of Poisson / NB2 count regressions.

:mod:`trends.models.batched` cuts a batch into chunks and calls these. A
chunk is K designs ``X`` (K, n, p) crossed with B count series ``Y`` (B, n),
or one series per problem (K, B, n). X'WX is formed as one matrix product of
the weights with the row outer products of each design, so the cost is a few
dense products and element-wise passes a step. A count series whose problems
have all converged leaves the working arrays (:class:`_Columns`); the NB2
sums of log-gamma, digamma and trigamma terms over months come from a table
of the counts (:mod:`trends.models.gammasums`). Convergence allows for the
rounding of the log-likelihood (:func:`_rounding`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trends.models.families import log_factorial
from trends.models.gammasums import GammaSums

ETA_LIMIT = 30.0
"""The fits' linear predictors are capped at +-30 (means from 1e-13 to 1e13)."""


@dataclass(frozen=True)
class BatchFit:
    """Results of a batch of fits; arrays have the batch shape (K, B) in front."""

    beta: np.ndarray
    loglik: np.ndarray
    theta: np.ndarray
    converged: np.ndarray
    iterations: int



def linear(X: np.ndarray, beta: np.ndarray, offset: np.ndarray) -> np.ndarray:
    eta = beta @ np.swapaxes(X, -1, -2)
    eta += offset
    np.minimum(eta, ETA_LIMIT, out=eta)
    return np.maximum(eta, -ETA_LIMIT, out=eta)


def _outer(X: np.ndarray) -> np.ndarray:
    """Row outer products of each design, (K, n, p * p)."""
    return np.einsum("kip,kiq->kipq", X, X).reshape(X.shape[0], X.shape[1], -1)


def _scoring_step(
    X: np.ndarray, outer: np.ndarray, Y: np.ndarray, eta: np.ndarray, mu: np.ndarray,
    offset: np.ndarray,
) -> np.ndarray:
    """Poisson Fisher-scoring (IRLS) step: weights mu, working response eta + (y - mu) / mu."""
    p = X.shape[-1]
    xtwx = (mu @ outer).reshape((*mu.shape[:-1], p, p))
    xtwz = (mu * (eta - offset) + (Y - mu)) @ X
    return np.linalg.solve(_damped(xtwx), xtwz[..., None])[..., 0]


def _damped(info: np.ndarray) -> np.ndarray:
    """``info`` with each diagonal element raised by a relative 1e-12.

    Keeps a singular design solvable without pulling the estimate: damping by
    a share of the trace instead biases columns on a small scale (a price
    near 0.1 beside a trend in months) by 1e-7 of their value.
    """
    p = info.shape[-1]
    diagonal = np.diagonal(info, axis1=-2, axis2=-1)
    scale = np.maximum(diagonal, 1e-300 + 1e-12 * diagonal.max(axis=-1, keepdims=True))
    info = np.ascontiguousarray(info)
    info.reshape((*info.shape[:-2], p * p))[..., :: p + 1] += 1e-12 * scale
    return info


def _converged(
    ll_new: np.ndarray, ll_old: np.ndarray, tol: float, noise: np.ndarray
) -> np.ndarray:
    return np.abs(ll_new - ll_old) <= tol * (np.abs(ll_new) + 1.0) + noise


def _rounding(Y: np.ndarray, log_fact: np.ndarray) -> np.ndarray:
    """How far rounding can move each series' log-likelihood: 1e-14 of the size of its terms.

    The log-likelihood is a small difference of large sums (y log mu, mu,
    log y!): with 50,000 a month its terms reach 1e7 while it is a few
    hundred, so a relative tolerance on the log-likelihood alone is below its
    rounding error, and a fit at the maximum halves its steps and iterates
    until the limit. The terms are of the size of log y! + 2 y.
    """
    return 1e-14 * (np.abs(log_fact) + 2.0 * Y.sum(axis=-1))


class _Columns:
    """Which columns (count series) of a chunk are still being fitted, and the results of the rest.

    A column leaves once every design's problem in it has converged; its
    values are written to the results and the working arrays shrink, so the
    iterations cost only what the slow problems need.
    """

    def __init__(self, n_columns: int, start: dict[str, np.ndarray]) -> None:
        self.at = np.arange(n_columns)
        self.out = {name: value.copy() for name, value in start.items()}

    def finish(self, leaving: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
        """Record ``values`` of the columns ``leaving``; returns the columns that stay."""
        where = self.at[leaving]
        for name, value in values.items():
            self.out[name][:, where] = value[:, leaving]
        stay = ~leaving
        self.at = self.at[stay]
        return stay


_MAX_HALVINGS = 30


def _rounds(first: int) -> list[int]:
    """How many halvings each round tries side by side: ``first``, then twice the last, 30 in all.

    >>> _rounds(1), _rounds(6), _rounds(30)
    ([1, 2, 4, 8, 15], [6, 12, 12], [30])
    """
    sizes, left, size = [], _MAX_HALVINGS, max(1, min(first, _MAX_HALVINGS))
    while left:
        sizes.append(min(size, left))
        left -= sizes[-1]
        size *= 2
    return sizes


def _first_rise(
    ll: np.ndarray, floor: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of a round of ``size`` halvings, the first whose log-likelihood does not fall, per problem.

    ``ll`` and ``floor`` hold the round's halvings one after another (the first
    halving of every problem, then the second, ...). Returns whether each
    problem rose, where its kept values are in ``ll`` (its last halving if it
    did not rise) and how many halvings it used.

    >>> _first_rise(np.array([1.0, 0.0, 3.0, 0.0]), np.full(4, 2.0), 2)
    (array([ True, False]), array([2, 3]), array([2, 2]))
    """
    rises = (ll >= floor).reshape(size, -1)
    risen = np.asarray(rises.any(axis=0))
    first = rises.argmax(axis=0)
    keep = np.where(risen, first, size - 1) * rises.shape[1] + np.arange(rises.shape[1])
    return risen, keep, np.where(risen, first + 1, size)


def _poisson_ll(Y: np.ndarray, eta: np.ndarray, mu: np.ndarray, log_fact: np.ndarray) -> np.ndarray:
    """Poisson log-likelihood from eta = log(mu); ``log_fact`` is sum(log(y!)) of each series."""
    return np.sum(Y * eta - mu, axis=-1) - log_fact


def _halve_poisson(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, log_fact: np.ndarray, noise: np.ndarray,
    depth: np.ndarray, old: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...],
) -> None:
    """Halve the Poisson steps whose log-likelihood would fall, up to 30 times, in place.

    ``old`` is (beta, ll) before the step, ``new`` (beta, eta, mu, ll) after
    it; ``depth`` as in :func:`_halve_falls`. Each halving's eta comes from the
    same matrix product as the step's, design by design, since the product's
    rounding depends on its number of rows; the rest is worked out for the
    falling problems only, the halvings of a round side by side.
    """
    beta, ll = old
    new_beta, eta, mu, ll_new = new
    floor = ll - 1e-12 * np.abs(ll) - noise
    worse = ~(ll_new >= floor) & np.isfinite(ll)
    depth[~worse] = 0
    if not worse.any():
        return
    which = np.nonzero(worse)
    offset = np.broadcast_to(offset, eta.shape)
    Y_w, fact_w = np.broadcast_to(Y, eta.shape)[which], np.broadcast_to(log_fact, ll.shape)[which]
    floor_w = floor[which]
    used = np.zeros(len(floor_w), dtype=depth.dtype)
    s = np.arange(len(floor_w))
    for size in _rounds(int(depth[which].max())):
        rows = (which[0][s], which[1][s])
        designs = np.unique(rows[0])
        at_design = (np.searchsorted(designs, rows[0]), rows[1])
        trial, origin = new_beta[designs], beta[rows]
        step, tried, etas = new_beta[rows], [], []
        for _ in range(size):
            step = 0.5 * (step + origin)
            trial[at_design] = step
            tried.append(step)
            etas.append(linear(X[designs], trial, offset[designs])[at_design])
        at = np.tile(s, size)
        eta_s = np.concatenate(etas)
        mu_s = np.exp(eta_s)
        ll_s = _poisson_ll(Y_w[at], eta_s, mu_s, fact_w[at])
        risen, keep, halvings = _first_rise(ll_s, floor_w[at], size)
        for target, values in zip((new_beta, eta, mu, ll_new),
                                  (np.concatenate(tried), eta_s, mu_s, ll_s), strict=True):
            target[rows] = values[keep]
        used[s] += halvings
        s = s[~risen]
        if not s.size:
            break
    depth[which] = used


def poisson_chunk(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray | None,
    max_iter: int, tol: float, log_fact: np.ndarray | None = None, early: bool = False,
) -> BatchFit:
    """Poisson fits by Fisher scoring, from ``beta`` (step halving) or from mu = y + 0.1.

    ``log_fact`` is sum(log(y!)) of each series when known. With ``early``, the
    iterations stop once no more than a quarter of the problems are still
    moving (see :func:`trends.models.batched._stragglers_alone`).
    """
    n_designs, n, n_coef = X.shape
    outer = _outer(X)
    if log_fact is None:
        log_fact = np.sum(log_factorial(Y), axis=-1)
    noise = _rounding(Y, log_fact)
    shape = (n_designs, Y.shape[-2])
    halve = beta is not None
    if beta is None:
        mu = np.broadcast_to(Y + 0.1, (*shape, n)).copy()
        eta = np.log(mu) + offset
        ll = np.full(shape, -np.inf)
        beta = np.zeros((*shape, n_coef))
    else:
        beta = np.array(np.broadcast_to(beta, (*shape, n_coef)))
        eta = linear(X, beta, offset)
        mu = np.exp(eta)
        ll = _poisson_ll(Y, eta, mu, log_fact)
    columns = _Columns(shape[1], {"beta": beta, "ll": ll,
                                       "converged": np.zeros(shape, dtype=bool)})
    depth = np.zeros(shape, dtype=np.int64)
    it = 0
    for it in range(1, max_iter + 1):
        new_beta = _scoring_step(X, outer, Y, eta, mu, offset)
        eta_new = linear(X, new_beta, offset)
        mu_new = np.exp(eta_new)
        ll_new = _poisson_ll(Y, eta_new, mu_new, log_fact)
        if halve:
            _halve_poisson(X, Y, offset, log_fact, noise, depth, (beta, ll),
                           (new_beta, eta_new, mu_new, ll_new))
        halve = True
        converged = _converged(ll_new, ll, tol, noise)
        beta, eta, mu, ll = new_beta, eta_new, mu_new, ll_new
        leaving = np.asarray(converged.all(axis=0) | (it == max_iter))
        if early and 4 * np.count_nonzero(~converged) <= converged.size:
            leaving[:] = True
        if leaving.any():
            stay = columns.finish(leaving, {"beta": beta, "ll": ll, "converged": converged})
            if not stay.any():
                break
            beta, eta, mu, ll = beta[:, stay], eta[:, stay], mu[:, stay], ll[:, stay]
            depth = depth[:, stay]
            Y, log_fact, noise = Y[..., stay, :], log_fact[..., stay], noise[..., stay]
    out = columns.out
    return BatchFit(out["beta"], out["ll"], np.full(shape, np.inf), out["converged"], it)


def _negbin_ll(
    Y: np.ndarray, eta: np.ndarray, mu: np.ndarray, theta: np.ndarray, gamma_sum: np.ndarray,
    log_fact: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """NB2 log-likelihood of each problem, and sum(log1p(mu / theta)) (the theta score uses it).

    With L = log1p(mu / theta) and eta = log(mu), the terms theta log(theta / (theta + mu))
    + y log(mu / (theta + mu)) are y (eta - L) - theta L - y log(theta); the last one is in
    ``gamma_sum`` (:meth:`GammaSums.loggamma`).
    """
    log_ratio = np.log1p(mu * (1.0 / theta)[..., None])
    sum_log = log_ratio.sum(axis=-1)
    np.subtract(eta, log_ratio, out=log_ratio)
    log_ratio *= Y
    return gamma_sum - log_fact + log_ratio.sum(axis=-1) - theta * sum_log, sum_log


def _halve_falls(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, log_fact: np.ndarray, noise: np.ndarray,
    sums: GammaSums, done: np.ndarray, depth: np.ndarray, old: tuple[np.ndarray, ...],
    new: tuple[np.ndarray, ...],
) -> None:
    """Halve the NB2 steps whose log-likelihood would fall, up to 30 times, in place.

    ``old`` is (beta, phi, ll) before the step, ``new`` (beta, phi, eta, mu, ll,
    sum_log) after it. The falling problems are taken out once; each round
    works out the next few halvings of those still falling side by side
    (:func:`_rounds`) and keeps, for each, the first whose log-likelihood does
    not fall. ``depth`` is how many halvings each problem's last step needed,
    and is updated: the first round tries as many as the deepest needed, since
    a fit that creeps towards infinite coefficients needs as many again. The
    results are those of halving one problem at a time.
    """
    beta, phi, ll = old
    mu_new, ll_new = new[3], new[4]
    floor = ll - 1e-12 * np.abs(ll) - noise
    worse = ~(ll_new >= floor) & ~done
    depth[~worse] = 0
    if not worse.any():
        return
    which = np.nonzero(worse)
    X_w = np.broadcast_to(X[:, None], (*worse.shape, *X.shape[-2:]))[which]
    off_w = np.broadcast_to(offset, mu_new.shape)[which][:, None, :]
    Y_w = np.broadcast_to(Y, mu_new.shape)[which]
    fact_w = np.broadcast_to(log_fact, ll_new.shape)[which]
    floor_w = floor[which]
    sums_w = sums.pick(np.ravel_multi_index(which, worse.shape))
    beta_w, phi_w = beta[which], phi[which]
    out = [a[which] for a in new]
    used = np.zeros(len(floor_w), dtype=depth.dtype)
    s = np.arange(len(floor_w))
    for size in _rounds(int(depth[which].max())):
        b, p = out[0][s], out[1][s]
        tried: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        for _ in range(size):
            b, p = 0.5 * (b + beta_w[s]), 0.5 * (p + phi_w[s])
            tried[0].append(b)
            tried[1].append(p)
        at = np.tile(s, size)
        nb, nphi = np.concatenate(tried[0]), np.concatenate(tried[1])
        # (1, p) x (p, n) products, one per problem, as in every round
        eta = linear(X_w[at], nb[:, None, :], off_w[at])[:, 0]
        mu = np.exp(eta)
        th = np.exp(nphi)
        lls, sls = _negbin_ll(Y_w[at], eta, mu, th, sums_w.pick(at).loggamma(th[None])[0],
                              fact_w[at])
        risen, keep, halvings = _first_rise(lls, floor_w[at], size)
        for target, values in zip(out, (nb, nphi, eta, mu, lls, sls), strict=True):
            target[s] = values[keep]
        used[s] += halvings
        s = s[~risen]
        if not s.size:
            break
    depth[which] = used
    for target, values in zip(new, out, strict=True):
        target[which] = values


def negbin_chunk(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray,
    theta: np.ndarray, max_iter: int, tol: float, theta_min: float, theta_max: float,
    active: np.ndarray | None = None, sums: GammaSums | None = None, early: bool = False,
) -> tuple[BatchFit, np.ndarray]:
    """Joint Newton steps in (beta, log theta) with the observed information.

    The beta block X' w X (w = theta mu (theta + y) / (theta + mu)^2 > 0) is
    always positive definite; where the Schur complement of the log-theta
    block is not positive the step falls back to Newton in beta at fixed theta
    and a unit step of log theta in the direction of its score. Problems
    outside ``active`` (known to end at the Poisson limit) are not iterated to
    convergence; their values are replaced by the caller. A converged problem
    is frozen, and a column of problems leaves the working arrays once all of
    them are. With ``early``, the iterations stop once no more than a quarter
    of the problems are still moving (see :func:`trends.models.batched._stragglers_alone`).
    """
    n_designs, n_coef = X.shape[0], X.shape[2]
    shape = (n_designs, Y.shape[-2])
    outer = _outer(X)
    sums = GammaSums(Y, shape) if sums is None else sums
    log_fact = sums.log_factorials()
    noise = _rounding(Y, log_fact)
    lo, hi = np.log(theta_min), np.log(theta_max)
    phi = np.array(np.broadcast_to(np.log(np.clip(theta, theta_min, theta_max)), shape))
    beta = np.array(np.broadcast_to(beta, (*shape, n_coef)))
    eta = linear(X, beta, offset)
    mu = np.exp(eta)
    th = np.exp(phi)
    ll, sum_log = _negbin_ll(Y, eta, mu, th, sums.loggamma(th), log_fact)
    idle = np.zeros(shape, dtype=bool) if active is None else ~active
    # converged problems are frozen, so one slow problem does not keep moving the others
    done = idle.copy()
    depth = np.zeros(shape, dtype=np.int64)
    columns = _Columns(shape[1], {"beta": beta, "phi": phi, "ll": ll, "done": done})
    it = 0
    for it in range(1, max_iter + 1):
        leaving = np.asarray(done.all(axis=0))
        if leaving.any():
            stay = columns.finish(leaving, {"beta": beta, "phi": phi, "ll": ll, "done": done})
            if not stay.any():
                it -= 1
                break
            beta, phi, eta, mu, ll, sum_log, done, depth = (
                a[:, stay] for a in (beta, phi, eta, mu, ll, sum_log, done, depth))
            Y, log_fact, noise = Y[..., stay, :], log_fact[..., stay], noise[..., stay]
            sums = sums.take(stay)
        if early and 4 * np.count_nonzero(~done) <= done.size:
            columns.finish(np.ones(done.shape[1], dtype=bool),
                           {"beta": beta, "phi": phi, "ll": ll, "done": done})
            it -= 1
            break
        th = np.exp(phi)
        thn = th[..., None]
        inv_tm = 1.0 / (thn + mu)
        resid = Y - mu
        share = thn * inv_tm  # theta / (theta + mu)
        grad_eta = share * resid
        mu_share = mu * inv_tm  # mu / (theta + mu)
        w_obs = thn + Y
        w_obs *= share
        w_obs *= mu_share
        cross_eta = grad_eta * mu_share
        info = (w_obs @ outer).reshape((*w_obs.shape[:-1], n_coef, n_coef))
        info = _damped(info)
        rhs = np.stack([grad_eta @ X, cross_eta @ X], axis=-1)
        sol = np.linalg.solve(info, rhs)
        cross = rhs[..., 1]
        # derivatives of the log-likelihood in theta (mu fixed), then by the chain rule in phi
        dig, tri = sums.digammas(th)
        resid *= inv_tm
        d1 = dig - sum_log - resid.sum(axis=-1)
        mu_share *= mu_share
        inv_tm *= inv_tm
        inv_tm *= Y
        d2 = tri + mu_share.sum(axis=-1) / th + inv_tm.sum(axis=-1)
        score, curvature = th * d1, th * th * d2 + th * d1
        schur = -curvature - np.sum(cross * sol[..., 1], axis=-1)
        joint = schur > 1e-10 * np.abs(curvature)
        d_phi_joint = (score + np.sum(cross * sol[..., 0], axis=-1)) / np.where(joint, schur, 1.0)
        d_phi = np.clip(np.where(joint, d_phi_joint, np.sign(score)), -3.0, 3.0)
        d_phi = np.where(done, 0.0, d_phi)
        d_beta = sol[..., 0] + np.where(joint, d_phi, 0.0)[..., None] * sol[..., 1]
        new_beta = np.where(done[..., None], beta, beta + d_beta)
        new_phi = np.clip(phi + d_phi, lo, hi)
        eta_new = linear(X, new_beta, offset)
        mu_new = np.exp(eta_new)
        th_new = np.exp(new_phi)
        ll_new, sum_log_new = _negbin_ll(Y, eta_new, mu_new, th_new, sums.loggamma(th_new),
                                         log_fact)
        _halve_falls(X, Y, offset, log_fact, noise, sums, done, depth, (beta, phi, ll),
                     (new_beta, new_phi, eta_new, mu_new, ll_new, sum_log_new))
        # near the Poisson limit (theta above 100 times every mean) the likelihood is flat
        # in theta and its exact value no longer matters: a steady log-likelihood is enough
        flat = new_phi > np.log(100.0 * np.max(mu_new, axis=-1))
        # a change below the rounding of the log-likelihood cannot be told from none: theta is
        # as sure as the data can make it (with huge counts, long before its step is 1e-7)
        done |= _converged(ll_new, ll, tol, noise) & (
            (np.abs(new_phi - phi) < 1e-7) | (new_phi >= hi) | flat
        ) | (np.abs(ll_new - ll) <= noise)
        beta, phi, eta, mu, ll, sum_log = new_beta, new_phi, eta_new, mu_new, ll_new, sum_log_new
    else:
        columns.finish(np.ones(done.shape[1], dtype=bool),
                       {"beta": beta, "phi": phi, "ll": ll, "done": done})
    out = columns.out
    converged = out["done"] & ~idle
    fit = BatchFit(out["beta"], out["ll"], np.exp(out["phi"]), converged, it)
    return fit, out["phi"] >= hi - 1e-9
