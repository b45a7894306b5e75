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

    Raises :class:`~trends.errors.OptionError` with the install command when
    Dask's distributed package is not installed, and one that says how to
    start a scheduler when none answers at ``scheduler``.

    Examples
    --------
    >>> client = dask_client("tcp://10.0.0.5:8786")  # doctest: +SKIP

    """
    if client is not None:
        return client
    try:
        from distributed import Client
    except ImportError as err:
        msg = (f"--scheduler {scheduler}: Dask is not installed; install it with "
               "`pip install trends[dask]` (or run without --scheduler)")
        raise OptionError(msg) from err
    _check_address(scheduler)
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, ValueError) as err:
        msg = (f"--scheduler {scheduler}: no Dask scheduler answered there within "
               f"{CONNECT_TIMEOUT} ({err}); start one "
               "with `dask scheduler` and give its address, e.g. tcp://127.0.0.1:8786")
        raise OptionError(msg) from err


SCHEMES = ("tcp", "tls", "ws", "wss")
CONNECT_TIMEOUT = "10s"
"""How long to wait for a scheduler: a reachable one answers in well under a second."""


def _check_address(scheduler: str | None) -> None:
    """Refuse an address Dask could not connect to, before it tries for seconds.

    Examples
    --------
    >>> _check_address("localhost")  # doctest: +SKIP
    OptionError: --scheduler 'localhost': not a scheduler address (missing port number ...)

    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(str(scheduler))
        if scheme not in SCHEMES:
            msg = f"unknown scheme {scheme!r}, expected {' or '.join(SCHEMES)}"
            raise ValueError(msg)
        _, port = parse_host_port(location)
        if not 0 < int(port) < 65536:
            msg = f"port {port} is not between 1 and 65535"
            raise ValueError(msg)
    except ValueError as err:
        msg = (f"--scheduler {scheduler!r}: not a scheduler address ({err}); give it as "
               "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
        raise OptionError(msg) from err
