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

Replicates are processed in cache-sized chunks over a small thread pool;
the iterations of one chunk are in :mod:`trends.models.newton`. When each
design has one series (a break scan's candidate months), the problems still
moving once most have converged are refitted alone (:func:`_stragglers_alone`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController

from trends.models.gammasums import GammaSums
from trends.models.newton import BatchFit, linear, negbin_chunk, poisson_chunk

_CHUNK_ELEMENTS = 150_000
# threads over chunks of replicates; TRENDS_THREADS=1 when processes already share the cores
_THREADS = int(os.environ.get("TRENDS_THREADS", "2"))
_BLAS: list[ThreadpoolController] = []
Item = TypeVar("Item")
Out = TypeVar("Out")


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

def map_threads(
    func: Callable[[Item], Out], items: Sequence[Item], workers: int | None = None
) -> list[Out]:
    """``[func(item) for item in items]`` on the fits' threads, each with one BLAS thread.

    ``workers`` threads (default: up to 2, or TRENDS_THREADS; 1 inside a
    by-region process). Each item is computed as it would be alone, so the
    results do not depend on the number of threads.

    Examples
    --------
    >>> map_threads(lambda k: k * k, [1, 2, 3])
    [1, 4, 9]

    """
    return list(imap_threads(func, items, workers))


def imap_threads(
    func: Callable[[Item], Out], items: Sequence[Item], workers: int | None = None
) -> Iterator[Out]:
    """:func:`map_threads`, each result given as soon as it and those before it are in."""
    n_workers = workers if workers is not None else min(_THREADS, os.cpu_count() or 1)
    with one_blas_thread():
        if n_workers > 1 and len(items) > 1:
            with ThreadPoolExecutor(n_workers) as pool:
                yield from pool.map(func, items)
        else:
            yield from map(func, items)


_FORKED: list[tuple[Callable[[Any], Any], Sequence[Any]]] = []


def _run_forked(index: int) -> Any:
    global _THREADS
    _THREADS = 1  # this worker shares the cores already
    func, items = _FORKED[-1]
    with one_blas_thread():
        return func(items[index])


def _can_fork() -> bool:
    """Whether worker processes can be forked here: Linux, and not inside a daemon process."""
    import multiprocessing

    return sys.platform.startswith("linux") and not multiprocessing.current_process().daemon


def imap_processes(
    func: Callable[[Item], Out], items: Sequence[Item], workers: int | None = None
) -> Iterator[Out]:
    """``func(item)`` of each item, in order, on forked worker processes.

    For work made of many small numpy steps, which holds the interpreter
    lock and so runs no faster on two threads than on one (a break scan's
    bootstrap on a series whose fits creep towards infinite coefficients).
    A forked worker shares this process's memory, so ``func`` may be a
    closure; it returns what it would alone. Where forking is not safe
    (not Linux, or inside a daemon process such as a Dask worker) this is
    :func:`imap_threads`.

    Examples
    --------
    >>> list(imap_processes(lambda k: k * k, [1, 2, 3]))
    [1, 4, 9]

    """
    n_workers = workers if workers is not None else min(_THREADS, os.cpu_count() or 1)
    if n_workers <= 1 or len(items) <= 1 or not _can_fork():
        yield from imap_threads(func, items, workers)
        return
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor

    _FORKED.append((func, items))
    try:
        with ProcessPoolExecutor(n_workers,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            with warnings.catch_warnings():
                # Python 3.12 warns of forking with threads; the workers only run numpy
                warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                results = pool.map(_run_forked, range(len(items)))  # forks the workers
            yield from results
    finally:
        _FORKED.pop()


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
    """Poisson chunk fits, their slow problems restarted alone (:func:`_stragglers_alone`)."""
    def run(X: np.ndarray, Y: np.ndarray, beta: np.ndarray | None, _theta: np.ndarray | None,
            _active: np.ndarray | None, max_iter: int, early: bool, restart: bool,
            ) -> tuple[BatchFit, np.ndarray]:
        fit = poisson_chunk(X, Y, offset, beta, max_iter, tol, None if restart else log_fact,
                             early)
        return fit, np.zeros(fit.converged.shape, dtype=bool)

    return _stragglers_alone(run, X, Y, beta, None, None, max_iter)[0]


def _negbin_fits(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray, theta: np.ndarray,
    max_iter: int, tol: float, theta_min: float, theta_max: float, active: np.ndarray | None,
    sums: GammaSums,
) -> tuple[BatchFit, np.ndarray]:
    """NB2 chunk fits, their slow problems restarted alone (:func:`_stragglers_alone`)."""
    def run(X: np.ndarray, Y: np.ndarray, beta: np.ndarray | None, theta: np.ndarray | None,
            active: np.ndarray | None, max_iter: int, early: bool, restart: bool,
            ) -> tuple[BatchFit, np.ndarray]:
        assert beta is not None and theta is not None
        table = GammaSums(Y, (X.shape[0], Y.shape[-2])) if restart else sums
        return negbin_chunk(X, Y, offset, beta, theta, max_iter, tol, theta_min, theta_max,
                             active, table, early)

    return _stragglers_alone(run, X, Y, beta, theta, active, max_iter)


def _negbin_full(
    X: np.ndarray, Y: np.ndarray, offset: np.ndarray, beta: np.ndarray | None,
    theta: np.ndarray | None, max_iter: int, tol: float, theta_min: float, theta_max: float,
) -> BatchFit:
    """NB2 fits; without ``theta`` they start from the Poisson fits (from ``beta`` if given)."""
    sums = GammaSums(Y, (X.shape[0], Y.shape[-2]))
    log_fact = sums.log_factorials()
    pois, active = None, None
    limit = np.zeros((), dtype=bool)  # problems whose Poisson fit may be the maximum
    if theta is None:
        pois = _poisson_fits(X, Y, offset, beta, max_iter, tol, log_fact)
        mu = np.exp(linear(X, pois.beta, offset))
        limit = np.sum((Y - mu) ** 2 - Y, axis=-1) <= 0  # no overdispersion at the Poisson fit
        moment = Y.shape[-1] / np.maximum(np.sum((Y / mu - 1.0) ** 2, axis=-1), 1e-300)
        # no overdispersion at the Poisson fit says the likelihood falls as theta leaves
        # infinity, which is only local: a Poisson fit dragged by one huge month can sit beside
        # a far better NB2 fit that does not chase it. Where Pearson's statistic shows gross
        # overdispersion all the same, NB2 is fitted from theta = 1 too, and the better kept.
        pearson = np.sum((Y - mu) ** 2 / mu, axis=-1) / max(1, Y.shape[-1] - X.shape[2])
        doubt = limit & (pearson > 2.0)
        theta = np.where(limit, np.where(doubt, 1.0, theta_max),
                         np.clip(moment, theta_min, theta_max))
        active = np.broadcast_to(~limit | doubt, theta.shape)
        beta = pois.beta
    assert beta is not None
    nb, at_limit = _negbin_fits(X, Y, offset, beta, theta, max_iter, tol, theta_min, theta_max,
                                active, sums)
    at_limit |= (nb.theta >= 0.5 * theta_max) | limit
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

    parts = map_threads(run, bounds, workers)
    return BatchFit(
        np.concatenate([p.beta for p in parts], axis=1),
        np.concatenate([p.loglik for p in parts], axis=1),
        np.concatenate([p.theta for p in parts], axis=1),
        np.concatenate([p.converged for p in parts], axis=1),
        max(p.iterations for p in parts),
    )
