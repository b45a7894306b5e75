"""Connecting to a Dask cluster: the one place that imports Dask's distributed package.

Dask is an optional extra (``pip install trends[dask]``); without it, asking
for a scheduler is an :class:`~trends.errors.OptionError` that says how to
install it.
"""

from __future__ import annotations

from typing import Any

from trends.errors import OptionError


def dask_client(scheduler: str | None = None, client: Any = None) -> Any:
    """A ``distributed.Client``: ``client`` itself, or one connected to ``scheduler``.

    Raises :class:`~trends.errors.OptionError`, in one line and within
    seconds, when Dask's distributed package is not installed (with the
    install command), when nothing listens at ``scheduler`` or what listens
    is not a Dask scheduler (with how to start one), when the scheduler has
    no worker after :data:`WORKER_WAIT` seconds, and when both ``scheduler``
    and ``client`` are given.

    Examples
    --------
    >>> client = dask_client("tcp://10.0.0.5:8786")  # doctest: +SKIP

    """
    if client is not None:
        if scheduler is not None:
            msg = (f"scheduler={scheduler!r} and client=: give one of them (the client "
                   "already names its scheduler)")
            raise OptionError(msg)
        return client
    scheme = check_reachable(str(scheduler))
    from distributed import Client

    if scheme == "tcp":
        _check_identity(str(scheduler))
    try:
        dask = Client(scheduler, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, ValueError) as err:
        raise OptionError(_no_scheduler(scheduler, str(err))) from err
    try:
        dask.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError as err:
        dask.close()
        msg = (f"--scheduler {scheduler}: the scheduler has no workers (waited {WORKER_WAIT} s); "
               f"start them with `dask worker {scheduler}`")
        raise OptionError(msg) from err
    return dask


SCHEMES = ("tcp", "tls", "ws", "wss")
CONNECT_SECONDS = 10
"""How long to wait for a scheduler: a reachable one answers in well under a second."""
WORKER_WAIT = 30
"""Seconds to wait for a scheduler's first worker (workers are often started after it)."""


def _no_scheduler(scheduler: str | None, why: str) -> str:
    return (f"--scheduler {scheduler}: no Dask scheduler answered there ({why}); start one "
            "with `dask scheduler` and give its address, e.g. tcp://127.0.0.1:8786")


def check_reachable(scheduler: str) -> str:
    """The scheme of ``scheduler``; a malformed address, or one where nothing listens, is refused.

    Dask's own client retries a refused connection until its timeout; this
    says so at once, and lets a command check its option before reading input.

    Examples
    --------
    >>> check_reachable("localhost")  # doctest: +SKIP
    OptionError: --scheduler 'localhost': not a scheduler address (missing port number ...)

    """
    import socket

    try:
        import distributed  # noqa: F401
    except ImportError as err:
        msg = (f"--scheduler {scheduler}: Dask is not installed; install it with "
               "`pip install trends[dask]` (or run without --scheduler)")
        raise OptionError(msg) from err
    scheme, host, port = _check_address(scheduler)
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as err:
        raise OptionError(_no_scheduler(scheduler, err.strerror or str(err))) from err
    return scheme


def _check_identity(scheduler: str) -> None:
    """Ask the server at ``scheduler`` who it is, within :data:`CONNECT_SECONDS`.

    Dask's client waits without limit for an answer from a server that is not
    a scheduler (a dashboard's port, say). This runs in a thread of its own so
    that it also works beside a running event loop (a notebook's); only on
    tcp://, as the other schemes need the client's security settings.
    """
    import asyncio
    import concurrent.futures

    async def identity() -> Any:
        from distributed.core import rpc

        async def ask() -> Any:
            remote = rpc(scheduler, timeout=CONNECT_SECONDS)
            try:
                return await remote.identity()
            finally:
                await remote.close_rpc()

        return await asyncio.wait_for(ask(), CONNECT_SECONDS)

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        try:
            answer = thread.submit(asyncio.run, identity()).result()
        except Exception as err:  # any failure means that no scheduler answered
            if isinstance(err, TimeoutError):
                why = f"something listens but did not answer as one within {CONNECT_SECONDS} s"
            elif isinstance(err, OSError):
                why = str(err)
            else:  # the bytes that came back were not Dask's protocol
                why = "something listens but its answer is not Dask's protocol"
            raise OptionError(_no_scheduler(scheduler, why)) from err
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        kind = answer.get("type") if isinstance(answer, dict) else type(answer).__name__
        raise OptionError(_no_scheduler(scheduler, f"a {kind} answered, not a scheduler"))


def _check_address(scheduler: str | None) -> tuple[str, str, int]:
    """Scheme, host and port of ``scheduler``; an address Dask could not connect to is refused."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(str(scheduler))
        if scheme not in SCHEMES:
            msg = f"unknown scheme {scheme!r}, expected {' or '.join(SCHEMES)}"
            raise ValueError(msg)
        host, port = parse_host_port(location)
        if not 0 < int(port) < 65536:
            msg = f"port {port} is not between 1 and 65535"
            raise ValueError(msg)
    except ValueError as err:
        msg = (f"--scheduler {scheduler!r}: not a scheduler address ({err}); give it as "
               "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
        raise OptionError(msg) from err
    return scheme, host, int(port)
