"""Vectorised Poisson / NB2 fits of many count regressions at once.

A batch is K design matrices ``X`` (K, n, p) crossed with B count vectors
``Y`` (B, n) (or one vector per problem, (K, B, n)); every one of the K x B
problems gets its own coefficients and, for NB2, its own theta by maximum
likelihood. Coefficients take Fisher-scoring (IRLS) steps, log(theta) takes a
safeguarded Newton step after each, with step halving whenever the
log-likelihood would fall. This converges to the joint maximum-likelihood
estimate that ``MASS::glm.nb`` reaches by alternation.

theta -> infinity: when a problem shows no overdispersion at its Poisson fit
(sum((y - mu)^2 - y) <= 0) or theta reaches ``theta_max``, the problem's result
is the Poisson fit, with theta reported as ``inf``. The rule is deterministic:
the same data always give the same result.

X'WX is formed as one matrix product of the weights with the row outer
products of each design, so the cost is dominated by a few dense products and
element-wise passes; replicates are processed in cache-sized chunks over a
small thread pool. Within a chunk, a count series whose problems have all
converged leaves the working arrays (:class:`_Columns`), and the NB2 sums of
log-gamma, digamma and trigamma terms over months come from a table of the
counts (:mod:`trends.models.gammasums`) rather than from special functions at
every month.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from threadpoolctl import ThreadpoolController

from trends.models.families import log_factorial
from trends.models.gammasums import GammaSums

_ETA_LIMIT = 30.0
_CHUNK_ELEMENTS = 150_000
# threads over chunks of replicates; TRENDS_THREADS=1 when processes already share the cores
_THREADS = int(os.environ.get("TRENDS_THREADS", "2"))
_BLAS: list[ThreadpoolController] = []


def one_blas_thread() -> Any:
    """Context in which BLAS runs on one thread.

    The fits make many small matrix products (a thousand replicates by a
    hundred months by ten columns); a threaded BLAS splits each of them over
    the cores, which made ``fit_batch`` three times slower on a two-core
    machine (products up to 25 times slower on a busy one) and competes with
    the threads and processes that already share the cores. The results do
    not change.
    """
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class BatchFit:
    """Results of a batch of fits; arrays have the batch shape (K, B) in front."""

    beta: np.ndarray
    loglik: np.ndarray
    theta: np.ndarray
    converged: np.ndarray
    iterations: int


def _linear(X: np.ndarray, beta: np.ndarray, offset: np.ndarray) -> np.ndarray:
    eta = beta @ np.swapaxes(X, -1, -2)
    eta += offset
    np.minimum(eta, _ETA_LIMIT, out=eta)
    return np.maximum(eta, -_ETA_LIMIT, out=eta)


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


def _poisson_ll(Y: np.ndarray, eta: np.ndarray, mu: np.ndarray, log_fact: np.ndarray) -> np.ndarray:
    """Poisson log-likelihood from eta = log(mu); ``log_fact`` is sum(log(y!)) of each series."""
    return np.sum(Y * eta - mu, axis=-1) - log_fact


def _poisson_chunk(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray | None,
    max_iter: int, tol: float, log_fact: np.ndarray | None = None, early: bool = False,
) -> BatchFit:
    """Poisson fits by Fisher scoring, from ``beta`` (step halving) or from mu = y + 0.1.

    ``log_fact`` is sum(log(y!)) of each series when known. With ``early``, the
    iterations stop once no more than a quarter of the problems are still
    moving (see :func:`_stragglers_alone`).
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
        eta = _linear(X, beta, offset)
        mu = np.exp(eta)
        ll = _poisson_ll(Y, eta, mu, log_fact)
    columns = _Columns(shape[1], {"beta": beta, "ll": ll,
                                       "converged": np.zeros(shape, dtype=bool)})
    it = 0
    for it in range(1, max_iter + 1):
        new_beta = _scoring_step(X, outer, Y, eta, mu, offset)
        eta_new = _linear(X, new_beta, offset)
        mu_new = np.exp(eta_new)
        ll_new = _poisson_ll(Y, eta_new, mu_new, log_fact)
        for _ in range(30 if halve else 0):
            worse = ~(ll_new >= ll - 1e-12 * np.abs(ll) - noise)
            worse &= np.isfinite(ll)
            if not worse.any():
                break
            new_beta = np.where(worse[..., None], 0.5 * (new_beta + beta), new_beta)
            eta_new = _linear(X, new_beta, offset)
            mu_new = np.exp(eta_new)
            ll_new = _poisson_ll(Y, eta_new, mu_new, log_fact)
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


def _negbin_chunk(
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
    of the problems are still moving (see :func:`_stragglers_alone`).
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
    eta = _linear(X, beta, offset)
    mu = np.exp(eta)
    th = np.exp(phi)
    ll, sum_log = _negbin_ll(Y, eta, mu, th, sums.loggamma(th), log_fact)
    idle = np.zeros(shape, dtype=bool) if active is None else ~active
    # converged problems are frozen, so one slow problem does not keep moving the others
    done = idle.copy()
    columns = _Columns(shape[1], {"beta": beta, "phi": phi, "ll": ll, "done": done})
    it = 0
    for it in range(1, max_iter + 1):
        leaving = np.asarray(done.all(axis=0))
        if leaving.any():
            stay = columns.finish(leaving, {"beta": beta, "phi": phi, "ll": ll, "done": done})
            if not stay.any():
                it -= 1
                break
            beta, phi, eta, mu, ll, sum_log, done = (
                a[:, stay] for a in (beta, phi, eta, mu, ll, sum_log, done))
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
        eta_new = _linear(X, new_beta, offset)
        mu_new = np.exp(eta_new)
        th_new = np.exp(new_phi)
        ll_new, sum_log_new = _negbin_ll(Y, eta_new, mu_new, th_new, sums.loggamma(th_new),
                                         log_fact)
        for _ in range(30):
            worse = ~(ll_new >= ll - 1e-12 * np.abs(ll) - noise) & ~done
            if not worse.any():
                break
            which = np.nonzero(worse)
            new_beta[which] = 0.5 * (new_beta[which] + beta[which])
            new_phi[which] = 0.5 * (new_phi[which] + phi[which])
            X_w = np.broadcast_to(X[:, None], (*worse.shape, *X.shape[-2:]))[which]
            eta_w = _linear(X_w, new_beta[which][:, None, :],
                            np.broadcast_to(offset, mu_new.shape)[which][:, None, :])[:, 0]
            eta_new[which] = eta_w
            mu_new[which] = np.exp(eta_w)
            th_w = np.exp(new_phi[which])
            ll_new[which], sum_log_new[which] = _negbin_ll(
                np.broadcast_to(Y, mu_new.shape)[which], eta_w, mu_new[which], th_w,
                sums.loggamma(th_w, which), np.broadcast_to(log_fact, ll_new.shape)[which],
            )
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


Chunk = Callable[[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None,
                  np.ndarray | None, int, bool, bool], tuple[BatchFit, np.ndarray]]


def _stragglers_alone(
    run: Chunk, X: np.ndarray, Y: np.ndarray, beta: np.ndarray | None,
    theta: np.ndarray | None, active: np.ndarray | None, max_iter: int, restart: bool = False,
) -> tuple[BatchFit, np.ndarray]:
    """``run`` (a chunk fitter), the slow problems restarted alone when each design has one series.

    A column of problems leaves the working arrays only when all of its
    designs have converged; with one series per design (a break scan's
    candidate months) the chunk is one column, so a few slow problems kept
    every converged one in the arithmetic, up to the iteration limit. Here,
    once three quarters have converged, the rest are fitted on their own,
    from where they stopped. ``run(X, Y, beta, theta, active, max_iter,
    early, restart)`` returns a fit and a flag per problem (``restart``: the
    problems are a subset, so what was computed for all of them does not apply).
    """
    single = Y.shape[-2] == 1 and X.shape[0] >= 32
    fit, flags = run(X, Y, beta, theta, active, max_iter, single, restart)
    moving = ~fit.converged[:, 0] if active is None else ~fit.converged[:, 0] & active[:, 0]
    left = max_iter - fit.iterations
    if not single or left <= 0 or not moving.any():
        return fit, flags
    k = np.nonzero(moving)[0]
    sub, sub_flags = _stragglers_alone(run, X[k], Y[k] if Y.ndim == 3 else Y, fit.beta[k],
                                       fit.theta[k], None, left, restart=True)
    beta, loglik, theta, converged, flags = (
        a.copy() for a in (fit.beta, fit.loglik, fit.theta, fit.converged, flags))
    beta[k], loglik[k], theta[k], converged[k], flags[k] = (
        sub.beta, sub.loglik, sub.theta, sub.converged, sub_flags)
    return BatchFit(beta, loglik, theta, converged, fit.iterations + sub.iterations), flags


def _poisson_fits(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray | None, max_iter: int,
    tol: float, log_fact: np.ndarray | None = None,
) -> BatchFit:
    """:func:`_poisson_chunk`, its slow problems restarted alone (:func:`_stragglers_alone`)."""
    def run(X: np.ndarray, Y: np.ndarray, beta: np.ndarray | None, _theta: np.ndarray | None,
            _active: np.ndarray | None, max_iter: int, early: bool, restart: bool,
            ) -> tuple[BatchFit, np.ndarray]:
        fit = _poisson_chunk(X, Y, offset, beta, max_iter, tol, None if restart else log_fact,
                             early)
        return fit, np.zeros(fit.converged.shape, dtype=bool)

    return _stragglers_alone(run, X, Y, beta, None, None, max_iter)[0]


def _negbin_fits(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray, theta: np.ndarray,
    max_iter: int, tol: float, theta_min: float, theta_max: float, active: np.ndarray | None,
    sums: GammaSums,
) -> tuple[BatchFit, np.ndarray]:
    """:func:`_negbin_chunk`, its slow problems restarted alone (:func:`_stragglers_alone`)."""
    def run(X: np.ndarray, Y: np.ndarray, beta: np.ndarray | None, theta: np.ndarray | None,
            active: np.ndarray | None, max_iter: int, early: bool, restart: bool,
            ) -> tuple[BatchFit, np.ndarray]:
        assert beta is not None and theta is not None
        table = GammaSums(Y, (X.shape[0], Y.shape[-2])) if restart else sums
        return _negbin_chunk(X, Y, offset, beta, theta, max_iter, tol, theta_min, theta_max,
                             active, table, early)

    return _stragglers_alone(run, X, Y, beta, theta, active, max_iter)


def _negbin_full(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray | None,
    theta: np.ndarray | None, max_iter: int, tol: float, theta_min: float, theta_max: float,
) -> BatchFit:
    """NB2 fits; without ``theta`` they start from the Poisson fits (from ``beta`` if given)."""
    sums = GammaSums(Y, (X.shape[0], Y.shape[-2]))
    log_fact = sums.log_factorials()
    pois = None
    excess = np.zeros(0)
    if theta is None:
        pois = _poisson_fits(X, Y, offset, beta, max_iter, tol, log_fact)
        mu = np.exp(_linear(X, pois.beta, offset))
        excess = np.sum((Y - mu) ** 2 - Y, axis=-1)
        moment = Y.shape[-1] / np.maximum(np.sum((Y / mu - 1.0) ** 2, axis=-1), 1e-300)
        theta = np.where(excess > 0, np.clip(moment, theta_min, theta_max), theta_max)
        beta = pois.beta
    assert beta is not None
    active = None if pois is None else np.broadcast_to(excess > 0, theta.shape)
    nb, at_limit = _negbin_fits(X, Y, offset, beta, theta, max_iter, tol, theta_min, theta_max,
                                active, sums)
    at_limit |= nb.theta >= 0.5 * theta_max
    if pois is not None:
        at_limit |= excess <= 0
    if not at_limit.any():
        return nb
    if pois is None:
        pois = _poisson_fits(X, Y, offset, nb.beta, max_iter, tol, log_fact)
    use_poisson = at_limit & ((pois.loglik >= nb.loglik) | (nb.theta >= 0.5 * theta_max))
    return BatchFit(
        np.where(use_poisson[..., None], pois.beta, nb.beta),
        np.where(use_poisson, pois.loglik, nb.loglik),
        np.where(use_poisson, np.inf, nb.theta),
        np.where(use_poisson, pois.converged, nb.converged),
        max(nb.iterations, pois.iterations),
    )


def fit_batch(
    X: np.ndarray,
    Y: np.ndarray,
    *,
    family: Literal["poisson", "negbin"],
    offset: np.ndarray | None = None,
    start_beta: np.ndarray | None = None,
    start_theta: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-11,
    theta_min: float = 1e-4,
    theta_max: float = 1e8,
    workers: int | None = None,
) -> BatchFit:
    """Fit every design in ``X`` to every count vector in ``Y`` by maximum likelihood.

    Parameters
    ----------
    X : numpy.ndarray
        Designs, shape (K, n, p) (a single (n, p) design is promoted to K = 1).
    Y : numpy.ndarray
        Counts, shape (B, n) shared by all designs, or (K, B, n).
    family : {"poisson", "negbin"}
        Poisson, or NB2 with theta estimated per problem.
    offset : numpy.ndarray, optional
        Log-exposure added to the linear predictor, shape (n,).
    start_beta, start_theta : numpy.ndarray, optional
        Starting values, shapes (K, B, p) and (K, B) (e.g. the null-model fit).
        For NB2, ``start_beta`` alone starts the Poisson fits the NB2 fits
        begin from (e.g. the fit of the series the replicates were drawn from).
    max_iter, tol : int, float
        Iteration limit and relative log-likelihood tolerance.
    theta_min, theta_max : float
        Bounds for theta; reaching ``theta_max`` means the Poisson limit.
    workers : int, optional
        Threads over chunks of replicates (default: up to 2, or the
        environment variable TRENDS_THREADS).

    Returns
    -------
    BatchFit
        ``beta`` (K, B, p), ``loglik``, ``theta`` (``inf`` for Poisson),
        ``converged`` (K, B) and the largest iteration count.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(40), np.arange(40) / 40])
    >>> fit = fit_batch(X, rng.poisson(5.0, size=(3, 40)), family="poisson")
    >>> fit.beta.shape
    (1, 3, 2)

    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[None]
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[None]
    n_designs, n = X.shape[0], X.shape[1]
    n_reps = Y.shape[-2]
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    per_chunk = max(1, _CHUNK_ELEMENTS // max(1, n_designs * n))
    bounds = [(s, min(s + per_chunk, n_reps)) for s in range(0, n_reps, per_chunk)]

    def run(bound: tuple[int, int]) -> BatchFit:
        a, b = bound
        y = Y[..., a:b, :]
        sb = None if start_beta is None else np.broadcast_to(
            start_beta, (n_designs, n_reps, X.shape[2]))[:, a:b]
        st = None if start_theta is None else np.broadcast_to(
            start_theta, (n_designs, n_reps))[:, a:b]
        if family == "poisson":
            return _poisson_fits(X, y, off, sb, max_iter, tol)
        return _negbin_full(X, y, off, sb, st, max_iter, tol, theta_min, theta_max)

    n_workers = workers if workers is not None else min(_THREADS, os.cpu_count() or 1)
    with one_blas_thread():
        if n_workers > 1 and len(bounds) > 1:
            with ThreadPoolExecutor(n_workers) as pool:
                parts = list(pool.map(run, bounds))
        else:
            parts = [run(b) for b in bounds]
    return BatchFit(
        np.concatenate([p.beta for p in parts], axis=1),
        np.concatenate([p.loglik for p in parts], axis=1),
        np.concatenate([p.theta for p in parts], axis=1),
        np.concatenate([p.converged for p in parts], axis=1),
        max(p.iterations for p in parts),
    )
