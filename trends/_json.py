"""Numbers as JSON can carry them: finite floats, or null."""

from __future__ import annotations

import math


def finite_or_none(value: object) -> float | None:
    """``float(value)``, or None where it is NaN or infinite.

    Examples
    --------
    >>> finite_or_none(2), finite_or_none(float("nan")), finite_or_none(float("inf"))
    (2.0, None, None)
    """
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
