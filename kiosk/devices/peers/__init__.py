"""Simulated device peers over real I/O (pty, TCP) with fault injection, for demo, training and tests."""

from kiosk.devices.peers.printer import PrinterPeer
from kiosk.devices.peers.scale import ScalePeer
from kiosk.devices.peers.scanner import ScannerPeer

__all__ = ["PrinterPeer", "ScalePeer", "ScannerPeer"]
