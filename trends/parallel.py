"""Map one function over many regions: in this process, a local process pool, or a Dask cluster.

Every by-region analysis (``test``, ``assess``, ``detect``, ``alerts``,
``forecast``, ``backtest``) calls :func:`map_regions`; :func:`by_region` runs
any analysis of one series on every region of a panel, from Python. The
regions are cut into contiguous chunks that depend only on their number
(:func:`chunks`), each chunk runs as one task, and the results come back in
region order, so a run with one worker, with two processes or on a Dask
cluster gives the same results. Each job carries its region's seed: the
known- and unknown-break tests give region ``i`` the seed
:func:`region_seed` (the user's seed plus ``i``); the other analyses give
every region the user's seed, as a run on that region alone does.

Workers of the process pool and of a cluster run each region's fits with one
thread (``TRENDS_THREADS=1``), so processes, not threads, share the cores.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd

from trends.cluster import dask_client
from trends.errors import DataError, InputError

Item = TypeVar("Item")
Out = TypeVar("Out")
TASKS_PER_WORKER = 4
_PROGRESS: list[Callable[[int], None]] = []


@contextmanager
def progress(done: Callable[[int], None]) -> Iterator[None]:
    """Call ``done(n)`` as :func:`map_regions` finishes ``n`` more regions (for a bar).

    Examples
    --------
    >>> counted = []
    >>> with progress(counted.append):
    ...     map_regions(abs, [-2, 3], workers=1)
    [2, 3]
    >>> counted
    [1, 1]

    """
    _PROGRESS.append(done)
    try:
        yield
    finally:
        _PROGRESS.pop()


def _done(count: int) -> None:
    for done in _PROGRESS[-1:]:
        done(count)


def region_seed(seed: int, position: int) -> int:
    """Seed of the region at 0-based ``position``: the user's seed plus the position.

    Examples
    --------
    >>> region_seed(10, 3)
    13

    """
    return int(seed) + int(position)


def chunks(n_items: int, n_chunks: int) -> list[tuple[int, int]]:
    """Cut ``range(n_items)`` into at most ``n_chunks`` contiguous, near-equal (start, stop) pairs.

    Examples
    --------
    >>> chunks(10, 3)
    [(0, 4), (4, 7), (7, 10)]

    """
    n_chunks = max(1, min(n_chunks, n_items))
    size, extra = divmod(n_items, n_chunks)
    bounds, start = [], 0
    for k in range(n_chunks):
        stop = start + size + (k < extra)
        bounds.append((start, stop))
        start = stop
    return [b for b in bounds if b[1] > b[0]]


def default_workers() -> int:
    """Processes for a local run: the environment variable TRENDS_WORKERS, else the core count."""
    value = os.environ.get("TRENDS_WORKERS")
    if value is not None and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


def _single_threaded() -> None:
    """Fits in this worker use one thread: the processes already share the cores."""
    os.environ["TRENDS_THREADS"] = "1"
    from trends.models import batched

    batched._THREADS = 1


def _run_chunk(
    func: Callable[[Item], Out], items: Sequence[Item]
) -> list[tuple[Out, list[tuple[str, type[Warning]]]]]:
    """Run ``func`` on a chunk in a worker; each result comes with the warnings it raised."""
    from trends.models.batched import one_blas_thread

    _single_threaded()
    out = []
    with one_blas_thread():
        for item in items:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = func(item)
            out.append((result, [(str(w.message), w.category) for w in caught]))
    return out


def _unpack(parts: list[list[tuple[Out, list[tuple[str, type[Warning]]]]]]) -> list[Out]:
    """Results in order; a worker's warnings are raised again here, in region order."""
    results = []
    for part in parts:
        for result, caught in part:
            for message, category in caught:
                warnings.warn(message, category, stacklevel=3)
            results.append(result)
    return results


def map_regions(
    func: Callable[[Item], Out],
    items: Sequence[Item],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> list[Out]:
    """``[func(item) for item in items]``, spread over processes or a Dask cluster.

    Parameters
    ----------
    func : callable
        A module-level function (it is pickled to other processes) of one item.
    items : sequence
        One item per region, in region order; each carries what ``func``
        needs, including the region's seed.
    workers : int, optional
        Local processes (default :func:`default_workers`); 1 runs in this
        process. Ignored with a scheduler or client.
    scheduler : str, optional
        Address of a Dask scheduler, e.g. "tcp://10.0.0.5:8786".
    client : distributed.Client, optional
        An existing Dask client (takes precedence over ``scheduler``).

    Returns
    -------
    list
        The results in the order of ``items``.

    Examples
    --------
    >>> map_regions(abs, [-2, 3, -4], workers=1)
    [2, 3, 4]

    """
    items = list(items)
    if scheduler is not None or client is not None:
        dask = dask_client(scheduler, client)
        try:
            n_workers = max(1, len(dask.scheduler_info().get("workers", {})))
            bounds = chunks(len(items), TASKS_PER_WORKER * n_workers)
            futures = dask.map(_run_chunk, [func] * len(bounds),
                               [items[a:b] for a, b in bounds], pure=False)
            parts = dask.gather(futures)
        finally:
            if client is None:
                dask.close()
        _done(len(items))
        return _unpack(parts)
    n_workers = default_workers() if workers is None else max(1, int(workers))
    if n_workers == 1 or len(items) < 2:
        from trends.models.batched import one_blas_thread

        results = []
        with one_blas_thread():
            for item in items:
                results.append(func(item))
                _done(1)
        return results
    bounds = chunks(len(items), TASKS_PER_WORKER * n_workers)
    parts = []
    with ProcessPoolExecutor(min(n_workers, len(bounds))) as pool:
        for (a, b), part in zip(bounds, pool.map(_run_chunk, [func] * len(bounds),
                                                 [items[a:b] for a, b in bounds]), strict=True):
            parts.append(part)
            _done(b - a)
    return _unpack(parts)


def region_series(
    panel: Mapping[str, pd.Series] | pd.DataFrame, measure: str | None = None
) -> dict[str, pd.Series]:
    """The regions' monthly series of a panel, by region name.

    ``panel`` is ``{region: series}``, a wide frame (one column per region) or
    a long frame with ``region``, ``month`` and the ``measure`` column (such
    as ``trends.load_panel(...).panel``); each region keeps its own months, in
    region order, and is named by its region.

    Examples
    --------
    >>> long = pd.DataFrame({"month": ["2020-01", "2020-02"] * 2, "region": list("aabb"),
    ...                      "killed": [1, 2, 3, 4]})
    >>> {k: v.tolist() for k, v in region_series(long, "killed").items()}
    {'a': [1, 2], 'b': [3, 4]}

    """
    if isinstance(panel, pd.DataFrame):
        if {"region", "month"}.issubset(panel.columns):
            if measure is None or measure not in panel.columns:
                msg = f"long panel: name the count column with measure=; got {measure!r}"
                raise InputError(msg)
            out = {}
            for region, rows in panel.groupby("region", sort=True):
                months = pd.PeriodIndex(rows["month"].astype(str), freq="M")
                y = pd.Series(rows[measure].to_numpy(), index=months, name=str(region))
                out[str(region)] = y.groupby(level=0).sum().sort_index()
            return out
        return {str(c): panel[c].rename(str(c)) for c in panel.columns}
    # named by region, so that a warning from one region's analysis says which one
    return {str(k): v.rename(str(k)) if isinstance(v, pd.Series) else v
            for k, v in panel.items()}


def require_some(notes: Sequence[tuple[str, str]], what: str) -> None:
    """Stop with one line when ``--by region`` could analyse no region.

    ``notes`` holds each region's name and why it could not be analysed ("" when it was).
    A table of reasons only is no answer: the run stops as a one-series run
    would, with the first region's reason.

    Examples
    --------
    >>> require_some([("a", "too short"), ("b", "")], "tested")
    >>> require_some([("a", "too short"), ("b", "too short")], "tested")
    Traceback (most recent call last):
    trends.errors.DataError: no region could be tested: region 'a': too short (and 1 other region)

    """
    if not notes or any(reason == "" for _, reason in notes):
        return
    (region, reason), others = notes[0], len(notes) - 1
    msg = f"no region could be {what}: region {region!r}: {reason}"
    if others:
        msg += f" (and {others} other region{'s' if others != 1 else ''})"
    raise DataError(msg)


def _analyse(job: tuple[Callable[..., Out], str, pd.Series, dict[str, Any]]) -> Out:
    analysis, region, y, options = job
    try:
        return analysis(y, **options)
    except DataError as err:
        msg = f"region {region!r}: {err}"
        raise DataError(msg) from err


def by_region(
    analysis: Callable[..., Out],
    panel: Mapping[str, pd.Series] | pd.DataFrame,
    *,
    measure: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    **options: Any,
) -> dict[str, Out]:
    """``analysis(series, **options)`` for every region of ``panel``, locally or on a Dask cluster.

    Parameters
    ----------
    analysis : callable
        An analysis of one monthly series, importable by name (it is pickled to
        other processes): :func:`trends.assess`, :func:`trends.detect_break`,
        :func:`trends.alerts`, :func:`trends.forecast`, :func:`trends.its_test`...
    panel : dict of Series or DataFrame
        As in :func:`region_series`.
    measure : str, optional
        Count column of a long frame.
    workers, scheduler, client
        Where the regions run (:func:`map_regions`); the results do not depend on it.
    **options
        Passed to ``analysis`` for every region (so every region gets the same
        ``seed``, as a run on that region alone does).

    Returns
    -------
    dict
        The results by region, in panel order. A region the analysis cannot
        handle stops the run with its ``DataError``, the region named.

    Examples
    --------
    >>> idx = pd.period_range("2020-01", periods=3, freq="M")
    >>> panel = {"a": pd.Series([1, 2, 3], index=idx), "b": pd.Series([5, 5, 5], index=idx)}
    >>> by_region(pd.Series.max, panel, workers=1)["b"].item()
    5

    """
    series = region_series(panel, measure)
    jobs = [(analysis, region, y, options) for region, y in series.items()]
    results = map_regions(_analyse, jobs, workers=workers, scheduler=scheduler, client=client)
    return dict(zip(series, results, strict=True))
