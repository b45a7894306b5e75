"""Resurgence: the verdict on a month, known and unknown break months, many regions."""

from trends.resurgence.known import ITSResult, its_test
from trends.resurgence.multiplicity import adjust_for_regions
from trends.resurgence.regions import RegionTestResult, sensitivity, test_regions
from trends.resurgence.scan import BreakScanResult, detect_break
from trends.resurgence.segmentation import MultiBreakResult, detect_breaks
from trends.resurgence.verdict import Assessment, assess

__all__ = [
    "Assessment",
    "BreakScanResult",
    "ITSResult",
    "MultiBreakResult",
    "RegionTestResult",
    "adjust_for_regions",
    "assess",
    "detect_break",
    "detect_breaks",
    "its_test",
    "sensitivity",
    "test_regions",
]
