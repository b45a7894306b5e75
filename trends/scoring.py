"""Proper scores of count forecasts (moved to :mod:`trends.forecast`).

Kept so that ``trends.scoring`` imports keep working; new code imports from
:mod:`trends.forecast.scoring` (samples) and :mod:`trends.forecast.negbin_scores`
(negative binomial forecasts).
"""

from trends.forecast.negbin_scores import (
    crps_by_cdf_sum,
    crps_negbinom,
    log_score_negbinom,
    pit_negbinom,
)
from trends.forecast.scoring import (
    DEFAULT_LEVELS,
    absolute_error_median,
    central_interval,
    crps_sample,
    interval_coverage,
    log_score_sample,
    pit_sample,
    score_sample,
)

__all__ = [
    "DEFAULT_LEVELS", "absolute_error_median", "central_interval", "crps_by_cdf_sum",
    "crps_negbinom", "crps_sample", "interval_coverage", "log_score_negbinom",
    "log_score_sample", "pit_negbinom", "pit_sample", "score_sample",
]  # fmt: skip
