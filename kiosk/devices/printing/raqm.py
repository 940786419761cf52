"""Start-up check that Pillow can shape complex scripts (Bengali needs the RAQM layout)."""

from __future__ import annotations

from PIL import features


class RaqmMissing(RuntimeError):
    """Pillow was built without libraqm (or libfribidi is missing), so Bengali would print wrongly."""


def check_raqm() -> str:
    """Return the libraqm version, or raise RaqmMissing with what to install."""
    if not features.check("raqm"):
        raise RaqmMissing(
            "Pillow has no RAQM text layout: Bengali conjuncts would print unshaped. "
            "Install libraqm0 and libfribidi0 (Debian) and use a Pillow wheel with RAQM support."
        )
    return str(features.version("raqm") or "unknown")
