from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs every property test on the same examples (derandomised, no example database);
# a developer's run explores new ones. HYPOTHESIS_PROFILE chooses one explicitly.
settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)

SLOW_DOCTESTS = {
    "trends.resurgence.verdict.assess",
    "trends.resurgence.regions.regions_test",
    "trends.resurgence.regions.sensitivity",
}
"""Doctests that run a full bootstrap: they run with the slow tests."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the doctests of :data:`SLOW_DOCTESTS` slow (before -m deselects by marker)."""
    for item in items:
        if item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RESULTS = Path(__file__).resolve().parent / "results"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GED = DATA / "ucdp_ged_syria_2016-01_2019-11.csv.gz"
SEEDS = DATA / "seed_incidents.csv"


@pytest.fixture
def write(tmp_path):
    """Write text to a file in a temporary folder and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture(scope="session")
def cluster():
    """A Dask scheduler and two one-thread workers, each its own process on 127.0.0.1."""
    pytest.importorskip("distributed")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    if dask is None:
        pytest.skip("the dask command is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], **quiet)]
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                "--no-dashboard"], **quiet) for _ in range(2)]
    from distributed import Client

    try:
        client = Client(address, timeout="30s")
        client.wait_for_workers(2, timeout=60)
        yield address, client
        client.close()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
