"""The Python tour in README.md runs as written, and says what it prints."""

from __future__ import annotations

import os
import re
import warnings

import pytest
from conftest import DATA, ROOT

README = ROOT / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.slow
def test_the_api_tour_runs(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert blocks, "README.md has no python block"
    (tmp_path / "data").symlink_to(DATA)
    monkeypatch.chdir(tmp_path)  # the tour saves a chart in the working folder
    scope: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the tour uses today's names
        for block in blocks:
            exec(compile(block, str(README), "exec"), scope)
    assert (tmp_path / "verdict.html").stat().st_size > 0
    alerts = scope["trends"].alerts(  # type: ignore[attr-defined]
        scope["deir"], "2019-11", method="farrington", years_back=2, window_half_width=2
    )
    comment = re.search(r"# '(unusually [^']*)'", blocks[-1])
    assert comment is not None and alerts.verdict() == comment.group(1)
    assert sorted(os.listdir(tmp_path)) == ["data", "verdict.html"]  # nothing else written
