"""--scheduler and --workers: a wrong address or a useless option is one line, never a hang."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import GED

import trends.cluster
from trends.cli import main
from trends.cluster import dask_client
from trends.errors import OptionError

ANALYSIS = ["test", str(GED), "--actor", "IS", "--since", "2018-01"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("option", [["--scheduler", "tcp://127.0.0.1:1"], ["--workers", "2"]])
def test_placing_options_without_by_region_are_refused(capsys, option):
    status = main([*ANALYSIS, *option])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert f"{' '.join(option)}: it places the regions of --by region" in err


def test_workers_and_scheduler_together_are_refused(capsys):
    status = main([*ANALYSIS, "--by", "region", "--workers", "3", "--scheduler",
                   "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert status == 2 and "--workers 3 and --scheduler tcp://127.0.0.1:1: give one" in err


@pytest.mark.parametrize("command", [["aggregate", str(GED)], [*ANALYSIS, "--by", "region"]])
def test_an_address_where_nothing_listens_is_refused_at_once(capsys, command):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.perf_counter()
    status = main([*command, "--scheduler", address])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert f"--scheduler {address}: no Dask scheduler answered there" in err
    assert time.perf_counter() - start < 5  # Dask alone retries for its whole timeout


def test_a_server_that_is_not_a_scheduler_is_refused_within_the_timeout(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(trends.cluster, "CONNECT_SECONDS", 1)
    with socket.socket() as server:  # accepts, then never answers (as a dashboard's port might)
        server.bind(("127.0.0.1", 0))
        server.listen()
        held: list[socket.socket] = []
        threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        start = time.perf_counter()
        with pytest.raises(OptionError, match="something listens but did not answer"):
            dask_client(address)
        assert time.perf_counter() - start < 5
        for conn in held:
            conn.close()


def test_a_scheduler_and_a_client_together_are_refused():
    with pytest.raises(OptionError, match="give one of them"):
        dask_client("tcp://127.0.0.1:8786", client=object())


@pytest.mark.slow
def test_a_scheduler_without_workers_is_refused_after_the_wait(monkeypatch):
    pytest.importorskip("distributed")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    if dask is None:
        pytest.skip("the dask command is not installed")
    monkeypatch.setattr(trends.cluster, "WORKER_WAIT", 1)
    port = _free_port()
    proc = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--no-dashboard"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # until the scheduler listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with pytest.raises(OptionError, match="the scheduler has no workers"):
            dask_client(f"tcp://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
