"""trends: statistical trend analysis of conflict-incident casualty data."""

__version__ = "0.1.0"
