"""How a long job tells whoever watches it which step it is on.

The report and its analyses take a :class:`Progress`: they say how many
steps they plan (:meth:`~Progress.add`) and when each one starts
(:meth:`~Progress.step`). The command line draws this as a progress bar; a
library caller passes nothing and nothing is drawn. No result depends on it.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A listener to a job's steps."""

    def add(self, steps: int) -> None:
        """``steps`` more steps are planned."""

    def step(self, label: str) -> None:
        """A step starts (and the one before it, if any, is done)."""


class Silent:
    """The listener that ignores every step.

    Examples
    --------
    >>> Silent().step("charts")
    """

    def add(self, steps: int) -> None:
        """Ignore planned steps."""

    def step(self, label: str) -> None:
        """Ignore a step."""
