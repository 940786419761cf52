"""Scanner input: line framing of serial scanners, S10 classification and duplicate filtering."""

from kiosk.devices.scanning.classify import Scan, classify
from kiosk.devices.scanning.dedupe import DuplicateFilter
from kiosk.devices.scanning.lines import SUFFIXES, LineFramer, Rejected

__all__ = ["SUFFIXES", "DuplicateFilter", "LineFramer", "Rejected", "Scan", "classify"]
