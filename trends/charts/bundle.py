"""The Vega, Vega-Lite and vega-embed bundle as one file of a report folder, named by its content.

Inlining the bundle (about 0.9 MB) into every page of a report archive
repeats it on every page; instead a report folder holds it once as
``assets/vega-bundle.<hash>.js`` and each page loads it with a relative
``<script src>``. The name carries the first 16 hex digits of the SHA-256 of
the content, so:

- identical bundles give identical names and pages stay byte-identical;
- a browser may cache the file for ever (a new bundle gets a new name);
- a page built with an older vl-convert keeps the bundle it was built with,
  since a newer bundle is written beside it, never over it.

Building the bundle takes vl-convert 1.5 to 3 s, so the folder also keeps a
small record, ``assets/vega-bundle.json``, of which file holds the bundle of
which vl-convert and Vega-Lite versions; a later build of the same folder
reuses that file after checking its content against its name.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from trends.charts.export import offline_scripts, vegalite_version

ASSETS = "assets"
RECORD = "vega-bundle.json"
"""The record of which bundle file serves which versions, in the assets folder."""


def bundle_versions() -> str:
    """The versions that decide the bundle's content, as the record's key.

    Examples
    --------
    >>> bundle_versions().startswith("vl-convert ")
    True

    """
    return f"vl-convert {metadata.version('vl-convert-python')}, Vega-Lite {vegalite_version()}"


def bundle_name(text: str) -> str:
    """The file name of a bundle with this content.

    Examples
    --------
    >>> bundle_name("window.vegaEmbed = 1;")
    'vega-bundle.ac4d10eb88e38677.js'

    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"vega-bundle.{digest}.js"


def _intact(path: Path) -> bool:
    """True when the file exists and its content still matches the hash in its name."""
    try:
        return path.is_file() and bundle_name(path.read_text("utf-8")) == path.name
    except (OSError, UnicodeDecodeError):
        return False


def _record(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / ASSETS / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def existing_bundle(folder: str | Path) -> str | None:
    """The relative path of this version's bundle in ``folder``, if it is there intact."""
    known = _record(Path(folder)).get(bundle_versions(), "")
    if known and Path(known).name == known and _intact(Path(folder) / ASSETS / known):
        return f"{ASSETS}/{known}"
    return None


def write_bundle(folder: str | Path) -> str:
    """Put the bundle in ``folder``/assets (unless it is there already); return its relative path.

    The path uses forward slashes, as a page's ``<script src>`` needs.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:  # doctest: +SKIP
    ...     write_bundle(folder)
    'assets/vega-bundle.3425bd951a44d478.js'
    """
    root = Path(folder)
    found = existing_bundle(root)
    if found is not None:
        return found
    record = _record(root)
    text = offline_scripts()
    name = bundle_name(text)
    assets = root / ASSETS
    assets.mkdir(exist_ok=True)
    if not _intact(assets / name):
        _replace(assets / name, text)
    record[bundle_versions()] = name
    _replace(assets / RECORD, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return f"{ASSETS}/{name}"


def _replace(path: Path, text: str) -> None:
    """Write a new file at ``path``; a link there is replaced, never written through."""
    if path.is_symlink() or path.exists():
        path.unlink()
    with open(path, "x", encoding="utf-8", newline="") as stream:
        stream.write(text)
