"""The option check, under the name older imports use; see :mod:`trends.options`."""

from trends.options import check_choice

__all__ = ["check_choice"]
