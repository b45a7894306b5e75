"""Running a report's analyses side by side in worker processes, with the results in order.

A page runs a dozen or more independent analyses (a verdict for the whole
series and one per region, each with 999 bootstrap series, the alert
history, the forecast, the tail fit). Each depends only on its data and its
seed, so running them at once in worker processes gives exactly the results
of running them one after another, in less time on a machine with more than
one core.

Workers come from a fork server that imports the analyses once (about 1.5 s
of CPU time, without the charts); ``trends report`` starts the server first
(:func:`start_fork_server`), so that it imports on the other core while the
command imports the rest. Each worker also imports the main script, as
:mod:`multiprocessing` does, so only ``trends report`` (whose script is
guarded) asks for them by default; ``build_report(workers=2)`` needs a script
guarded by ``if __name__ == "__main__":``. With one worker
(``TRENDS_WORKERS=1``, a machine with one core, or a system where worker
processes cannot start) every analysis runs in this process, when its result
is asked for.

Examples
--------
>>> from functools import partial
>>> with Jobs(workers=1) as jobs:
...     jobs.submit("answer", partial(int, "21"))
...     jobs.result("answer")
(21, None)
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

from trends.errors import ModelWarning, TrendsError

__all__ = ["Jobs", "default_workers", "run_noting", "start_fork_server"]

PRELOAD = ["trends.report.analysis"]
"""What the fork server imports once for every worker: the analyses, not the charts."""


def default_workers() -> int:
    """Worker processes to use: ``TRENDS_WORKERS`` if set, else up to 2 of the machine's cores."""
    given = os.environ.get("TRENDS_WORKERS", "")
    if given.strip().isdigit() and int(given) >= 1:
        return int(given)
    return max(1, min(2, os.cpu_count() or 1))


def run_noting(run: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run one analysis; a data or option problem gives ``(None, why)`` instead of an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return run(), None
    except TrendsError as err:
        return None, str(err)


def _fork_context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_fork_server() -> None:
    """Start the fork server now, so that it imports the analyses while this process works.

    The server takes about as long to import the analyses as ``trends
    report`` takes to import itself; started first, it does so on another
    core, and the workers :class:`Jobs` asks for later start at once. Does
    nothing where worker processes cannot start (:class:`Jobs` then runs
    everything here).
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    _fork_context()
    try:
        forkserver.ensure_running()
    except (OSError, ImportError, NotImplementedError):
        return


def _one_thread_each() -> None:
    """In a worker: the batched fitter uses one thread, since the workers share the cores."""
    from trends.models import batched

    batched._THREADS = 1


class Jobs:
    """Analyses submitted by name and collected by name, in worker processes or here.

    Use as a context manager: the workers stop when it ends.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: dict[str, tuple[Callable[[], Any], Future[Any] | None]] = {}
        if self.workers > 1 and "forkserver" in multiprocessing.get_all_start_methods():
            try:
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=_fork_context(), initializer=_one_thread_each
                )
                # start the fork server and workers now, while the jobs are being set up
                self._pool.submit(int)
            except (OSError, ImportError, NotImplementedError):
                self._pool = None

    @property
    def parallel(self) -> bool:
        """True when the analyses run in worker processes."""
        return self._pool is not None

    def __enter__(self) -> Jobs:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (cancelling what has not started)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, key: str, run: Callable[[], Any]) -> None:
        """Start ``run`` (a picklable callable, e.g. a ``partial`` of a module function)."""
        future = None
        if self._pool is not None:
            try:
                future = self._pool.submit(run_noting, run)
            except (BrokenProcessPool, RuntimeError):
                self._pool = None
        self._waiting[key] = (run, future)

    def result(self, key: str) -> tuple[Any, str | None]:
        """The result of ``key``, or ``(None, why)`` when it could not be computed."""
        run, future = self._waiting.pop(key)
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                # a worker died (killed, out of memory): do what is left here, one at a time
                self.close()
        return run_noting(run)
