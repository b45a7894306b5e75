"""Resurgence tests: known break month, unknown break month, many regions."""

from trends.resurgence.known import ITSResult, its_test
from trends.resurgence.regions import RegionTestResult, sensitivity, test_regions
from trends.resurgence.scan import BreakScanResult, detect_break

__all__ = [
    "BreakScanResult",
    "ITSResult",
    "RegionTestResult",
    "detect_break",
    "its_test",
    "sensitivity",
    "test_regions",
]
