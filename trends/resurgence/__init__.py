"""Resurgence tests: known break month, unknown break month(s), many regions."""

from trends.resurgence.known import ITSResult, its_test
from trends.resurgence.regions import RegionTestResult, sensitivity, test_regions
from trends.resurgence.scan import BreakScanResult, detect_break
from trends.resurgence.segmentation import MultiBreakResult, detect_breaks

__all__ = [
    "BreakScanResult",
    "ITSResult",
    "MultiBreakResult",
    "RegionTestResult",
    "detect_break",
    "detect_breaks",
    "its_test",
    "sensitivity",
    "test_regions",
]
