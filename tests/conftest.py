from __future__ import annotations

import os
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
