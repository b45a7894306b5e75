"""Count models for monthly series: design matrices, families, batched fitter, CountModel."""

from trends.models.batched import BatchFit, fit_batch
from trends.models.countmodel import CountFit, CountModel
from trends.models.glm import GLMFit, fit_glm

__all__ = ["BatchFit", "CountFit", "CountModel", "GLMFit", "fit_batch", "fit_glm"]
