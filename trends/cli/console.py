"""What the command line says while it works: messages and progress bars on stderr.

``--quiet`` silences everything but errors; ``--verbose`` adds how long each
step took. Progress bars (tqdm) are drawn only when stderr is a terminal
(``--progress`` draws them anyway, ``--quiet`` never), so logs and pipes get
plain lines. A bar whose step is one long computation keeps its clock moving
from a background thread, so a user can see the command is alive.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

REFRESH = 0.5
"""Seconds between redraws of a bar whose step is still running."""


@dataclass
class Console:
    """Where a command's messages and bars go, and how many of them to show.

    Examples
    --------
    >>> console = Console(quiet=True)
    >>> console.info("not shown")
    >>> with console.bar("steps", total=2) as bar:
    ...     bar.step("first")
    """

    quiet: bool = False
    verbose: bool = False
    force_bars: bool = False
    stream: Any = field(default=None, repr=False)
    started: float = field(default_factory=time.monotonic, repr=False)

    @property
    def out(self) -> Any:
        """The stream messages go to (stderr unless set)."""
        return self.stream or sys.stderr

    @property
    def bars(self) -> bool:
        """Whether progress bars are drawn."""
        if self.quiet:
            return False
        return self.force_bars or bool(getattr(self.out, "isatty", lambda: False)())

    def info(self, message: str) -> None:
        """A line the user should see unless ``--quiet``."""
        if not self.quiet:
            print(f"trends: {message}", file=self.out)

    def detail(self, message: str) -> None:
        """A line shown only with ``--verbose``."""
        if self.verbose and not self.quiet:
            elapsed = time.monotonic() - self.started
            print(f"trends: [{elapsed:6.1f} s] {message}", file=self.out)

    @contextmanager
    def bar(self, description: str, total: int | None = None) -> Iterator[Bar]:
        """A progress bar for one task; it is closed (and the time logged) on exit."""
        bar = Bar(self, description, total)
        try:
            yield bar
        finally:
            bar.close()


def track(items: list[Any], description: str, label: Any = str) -> Iterator[Any]:
    """Yield ``items`` with a bar that counts them, labelled by ``label(item)``."""
    with CONSOLE.bar(description, total=len(items)) as bar:
        for item in items:
            bar.step(str(label(item)))
            yield item


@contextmanager
def region_bar(description: str, count: int, label: str) -> Iterator[None]:
    """A bar that counts the regions :func:`trends.parallel.map_regions` finishes."""
    from trends.parallel import progress

    with CONSOLE.bar(description, total=count) as bar:
        bar.units(label)
        with progress(bar.advance):
            yield


class Bar:
    """One task's bar: a :class:`~trends.report.progress.Progress` for the library code."""

    def __init__(self, console: Console, description: str, total: int | None) -> None:
        self.console = console
        self.description = description
        self.started = time.monotonic()
        self.steps = 0
        self.label = ""
        self._tqdm: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if console.bars:
            from tqdm import tqdm

            self._tqdm = tqdm(
                total=total,
                desc=description,
                file=console.out,
                leave=False,
                dynamic_ncols=True,
            )
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH):
            bar = self._tqdm
            if bar is not None:
                bar.refresh()

    def add(self, steps: int) -> None:
        """Plan ``steps`` more steps."""
        if self._tqdm is not None:
            self._tqdm.total = (self._tqdm.total or 0) + steps
            self._tqdm.refresh()

    def step(self, label: str) -> None:
        """Start a step, ending the one before."""
        if self.steps and self._tqdm is not None:
            self._tqdm.update(1)
        if self.label:
            self.console.detail(f"{self.description}: {self.label} done")
        self.steps += 1
        self.label = label
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(label, refresh=True)

    def units(self, label: str) -> None:
        """Label a bar counted in units (:meth:`advance`) rather than in steps."""
        self.label = label
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(label, refresh=True)

    def advance(self, count: int = 1) -> None:
        """Count ``count`` units of work done (for bars counted in units, not steps)."""
        if self._tqdm is not None:
            self._tqdm.update(count)

    def close(self) -> None:
        """Finish the bar and log how long the task took."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._tqdm is not None:
            if self.steps:
                self._tqdm.update(1)
            self._tqdm.close()
            self._tqdm = None
        if self.label:
            self.console.detail(f"{self.description}: {self.label} done")
        seconds = time.monotonic() - self.started
        self.console.detail(f"{self.description}: {seconds:.1f} s")


CONSOLE = Console()
"""The console of the running command (set by :func:`trends.cli.main`)."""


def configure(*, quiet: bool = False, verbose: bool = False, progress: bool = False) -> Console:
    """Set the running command's console from its options and return it."""
    CONSOLE.quiet, CONSOLE.verbose, CONSOLE.force_bars = quiet, verbose, progress
    CONSOLE.stream = None
    CONSOLE.started = time.monotonic()
    return CONSOLE


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show warnings raised inside as one line each (see :func:`_show_warning`)."""
    saved = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        yield
    finally:
        warnings.showwarning = saved


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning as one line, ``trends: warning: ...``, unless ``--quiet`` (not Python's form)."""
    if CONSOLE.quiet:
        return
    text = " ".join(str(message).split())
    print(f"trends: warning: {text}", file=CONSOLE.out)
