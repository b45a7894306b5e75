"""Provenance: what a page was built from and how to build it again."""

from __future__ import annotations

import hashlib
import os
import shlex
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from trends import __version__
from trends.folders import folder_files

PACKAGES = (
    "trends",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "altair",
    "vl-convert-python",
    "scoringrules",
    "pyarrow",
    "jinja2",
)


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Installed versions of the package and the libraries its numbers depend on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = __version__ if name == "trends" else metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_time() -> str | None:
    """The build time from SOURCE_DATE_EPOCH, or None: pages carry no clock time otherwise."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def provenance(
    *,
    inputs: list[tuple[str, str]],
    rows_read: int,
    log_counts: dict[str, int],
    parameters: dict[str, Any],
    command: list[str],
) -> dict[str, Any]:
    """The provenance block of a page; ``inputs`` are (name shown, path read) pairs.

    A folder is listed file by file, as it was read (:func:`trends.folders.folder_files`).
    """
    files = [pair for shown, path in inputs for pair in (
        [(f"{shown.rstrip('/')}/{Path(one).name}", one) for one in folder_files(path)]
        if os.path.isdir(path) else [(shown, path)])]
    return {
        "inputs": [{"file": shown, "sha256": sha256(path)} for shown, path in files],
        "rows_read": rows_read,
        "rows_by_action": log_counts,
        "versions": versions(),
        "parameters": parameters,
        "command": shlex.join(command),
        "built": build_time(),
    }
