"""Camera helpers: barcode/QR/DataMatrix decode from frames with zxing-cpp or pyzbar."""

from kiosk.devices.camera.decode import ENGINES, Symbol, decode_frame
from kiosk.devices.camera.synthetic import synthetic_frame

__all__ = ["ENGINES", "Symbol", "decode_frame", "synthetic_frame"]
