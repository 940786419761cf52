"""Import python-escpos without its import-time logging.basicConfig() taking over the app's logging."""

import importlib
import logging

_root, _guard = logging.getLogger(), logging.NullHandler()
_root.addHandler(_guard)  # basicConfig does nothing while the root logger has a handler
try:
    importlib.import_module("escpos.capabilities")
finally:
    _root.removeHandler(_guard)
