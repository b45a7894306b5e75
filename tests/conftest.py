from __future__ import annotations

from pathlib import Path

import pytest

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
