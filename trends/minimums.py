"""How many months each analysis needs: the minimum series lengths, in one place.

A series shorter than these gets a clear error (or "cannot tell") instead of
a number the data cannot support. The values come from the methods: a
seasonal model with a break needs about a year on each side; a one-year
comparison needs two years; a forecast needs a year of history to learn its
spread from. docs/models.md and docs/forecast.md give the reasons.

Examples
--------
>>> MIN_SEGMENT_MONTHS, MIN_BEFORE_MONTHS, MIN_PAST_YEAR_MONTHS
(12, 24, 24)
"""

from __future__ import annotations

from typing import Final

YEAR: Final = 12
"""Months in a year."""

# Tests for a change.
MIN_SEGMENT_MONTHS: Final = YEAR
"""Months on each side of a candidate break in the break scans (default)."""
MIN_KNOWN_SEGMENT_MONTHS: Final = 6
"""Months before and after a known break month that :func:`trends.its_test` needs (default)."""
MIN_ACTIVE_MONTHS: Final = 5
"""Months with a non-zero count needed on each side of a break (its_test, detect_breaks)."""
MIN_BEFORE_MONTHS: Final = 2 * YEAR
"""Months before the month asked about that the verdict's pre-period keeps at the least."""
MIN_STABLE_MONTHS: Final = YEAR
"""Months after an earlier break before the verdict's pre-period can start there."""
MIN_PAST_YEAR_MONTHS: Final = 2 * YEAR
"""The last year against the year before needs two whole years."""

# Alerts.
MIN_ALERT_BASELINE_MONTHS: Final = YEAR
"""Months of in-control history the GLR alert fits its baseline model to, at the least."""

# Forecasts.
MIN_FORECAST_MONTHS: Final = YEAR
"""History a forecast needs: the first backtest origin, and the count model's training window."""
MIN_FORECAST_ALL_MONTHS: Final = 2 * YEAR
"""History a count-model forecast fitted to the whole series needs (trend and seasons)."""
MIN_FORECAST_ACTIVE_MONTHS: Final = 6
"""Months with a non-zero count a count-model forecast needs."""
BACKTEST_TRAIN_MONTHS: Final = 3 * YEAR
"""History before the first origin of :func:`trends.rolling_origin` (default)."""

# Report pages.
MIN_REGION_ACTIVE_MONTHS: Final = YEAR
"""Months with a count a region needs before a report page tests it."""
