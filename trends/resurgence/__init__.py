"""Resurgence: the verdict on a month, known and unknown break months, many regions."""

from trends._deprecate import renamed_function
from trends.resurgence.known import ITSResult, its_test
from trends.resurgence.multiplicity import adjust_for_regions
from trends.resurgence.regions import RegionTestResult, regions_test, sensitivity
from trends.resurgence.regions_detect import RegionDetectResult, regions_detect
from trends.resurgence.scan import BreakScanResult, detect_break
from trends.resurgence.segmentation import MultiBreakResult, detect_breaks
from trends.resurgence.verdict import Assessment, assess

test_regions = renamed_function(regions_test, "test_regions")
"""Deprecated name of :func:`regions_test` (pytest would collect ``test_*`` names)."""

__all__ = [
    "Assessment",
    "BreakScanResult",
    "ITSResult",
    "MultiBreakResult",
    "RegionDetectResult",
    "RegionTestResult",
    "adjust_for_regions",
    "assess",
    "detect_break",
    "detect_breaks",
    "its_test",
    "regions_detect",
    "regions_test",
    "sensitivity",
    "test_regions",
]
