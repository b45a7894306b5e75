"""Count models for monthly series: design matrices, families, batched fitter, CountModel."""

from trends.models.batched import BatchFit, fit_batch
from trends.models.countmodel import CountFit, CountModel
from trends.models.glm import GLMFit, fit_glm
from trends.models.zeroinflated import ZeroInflatedFit, fit_zero_inflated, zero_excess_test

__all__ = [
    "BatchFit", "CountFit", "CountModel", "GLMFit", "ZeroInflatedFit", "fit_batch", "fit_glm",
    "fit_zero_inflated", "zero_excess_test",
]  # fmt: skip
