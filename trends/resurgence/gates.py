"""Checks whose simulated p-value is too close to call, and the answer with them flipped.

The verdict passes through checks decided by bootstrap p-values (a scan for a
break before the month asked about, a quadratic term, the scan of the whole
window). A p-value from B simulated series is itself uncertain: about
sqrt(0.05 x 0.95 / B) near 0.05, 0.015 with 199 series. When it falls that
close to the level, another seed could decide the check the other way, and
the whole comparison changes with it (which months are compared, or whether
there is anything to compare with). So a check near its level is simulated
again with :data:`REFINED` series; if the level is still inside the
:data:`Z`-sigma interval of its p-value (:func:`near`) it is *borderline*:
:func:`trends.assess` works out the verdict with it decided the other way
too, and when the two answers differ the verdict is "cannot tell"
(docs/models.md, "The verdict").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

REFINED = 999  # series for a check whose first p-value is near its level
Z = 3.0  # width, in standard errors, of the interval that counts as "near"

T = TypeVar("T")


def near(p_value: float, bootstrap: int, level: float) -> bool:
    """True when ``level`` lies in the Z-sigma Wilson interval of ``p_value`` from ``bootstrap``.

    ``p_value`` is (1 + k) / (B + 1) for k of B series beyond the statistic;
    the interval is that of k / B.

    The Wilson score interval, unlike p +/- Z standard errors, stays honest at
    the smallest p-value B series can give: none of 199 series beyond the
    statistic is strong evidence against p = 0.05 (0.95^199 = 4e-5).

    Examples
    --------
    >>> near(0.045, 199, 0.05), near(0.005, 199, 0.05), near(0.067, 999, 0.05)
    (True, False, True)
    >>> near(0.02, 999, 0.05), near(0.08, 999, 0.05)
    (False, False)

    """
    share = max(0.0, (p_value * (bootstrap + 1.0) - 1.0) / bootstrap)  # series beyond it
    z2 = Z * Z / bootstrap
    centre = (share + z2 / 2.0) / (1.0 + z2)
    half = Z / (1.0 + z2) * math.sqrt(share * (1.0 - share) / bootstrap
                                      + z2 / (4.0 * bootstrap))
    return abs(level - centre) < half


def refined(
    run: Callable[[int], T], p_value: Callable[[T], float], bootstrap: int, level: float,
) -> tuple[T, int]:
    """``run(bootstrap)``, or ``run(REFINED)`` when its p-value is :func:`near` ``level``.

    Returns the result and the number of series it used.

    Examples
    --------
    >>> refined(lambda b: 0.04 if b == 199 else 0.02, lambda p: p, 199, 0.05)
    (0.02, 999)
    >>> refined(lambda b: 0.5, lambda p: p, 199, 0.05)
    (0.5, 199)

    """
    result = run(bootstrap)
    if bootstrap < REFINED and near(p_value(result), bootstrap, level):
        return run(REFINED), REFINED
    return result, bootstrap


@dataclass(frozen=True)
class Borderline:
    """A check too close to call: its key, what it decides, and its p-value."""

    key: str
    question: str
    test: str
    p_value: float
    bootstrap: int
    level: float
    if_passed: str
    if_not: str
    """How to say each way of deciding it ("counting that change", "not counting it")."""

    @property
    def passed(self) -> bool:
        """How its p-value decides it: under the level."""
        return self.p_value < self.level

    def p_text(self) -> str:
        """``scan p = 0.043 from 999 bootstrap series``."""
        return f"{self.test} p = {self.p_value:.3f} from {self.bootstrap} bootstrap series"


@dataclass
class Gates:
    """The borderline checks one run met, the ones to decide the other way, and a memo.

    ``flip`` holds the keys of checks to decide against their p-value; the
    memo keeps each check's simulation so that a second run with one check
    flipped repeats none of them.
    """

    flip: frozenset[str] = frozenset()
    seen: list[Borderline] = field(default_factory=list)
    memo: dict[str, object] = field(default_factory=dict)

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, once per key across the runs sharing this memo."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]  # type: ignore[return-value]

    def decide(self, check: Borderline) -> bool:
        """Whether the check passed: recorded if its p-value is near its level, flipped if asked."""
        if near(check.p_value, check.bootstrap, check.level):
            self.seen.append(check)
            if check.key in self.flip:
                return not check.passed
        return check.passed

    def other_way(self, key: str) -> Gates:
        """A fresh record for a run that decides ``key`` the other way, sharing the memo."""
        return Gates(flip=frozenset({key}), memo=self.memo)


__all__ = ["REFINED", "Borderline", "Gates", "Z", "near", "refined"]
