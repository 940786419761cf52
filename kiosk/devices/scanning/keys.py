"""Turn a keyboard-wedge scanner's key events (Linux input key codes) into scanned strings."""

from __future__ import annotations

# Linux input-event-codes.h: the keys a barcode scanner types (US layout)
_ROWS = {
    2: "1!", 3: "2@", 4: "3#", 5: "4$", 6: "5%", 7: "6^", 8: "7&", 9: "8*", 10: "9(", 11: "0)",
    12: "-_", 13: "=+", 16: "qQ", 17: "wW", 18: "eE", 19: "rR", 20: "tT", 21: "yY", 22: "uU",
    23: "iI", 24: "oO", 25: "pP", 26: "[{", 27: "]}", 30: "aA", 31: "sS", 32: "dD", 33: "fF",
    34: "gG", 35: "hH", 36: "jJ", 37: "kK", 38: "lL", 39: ";:", 40: "'\"", 41: "`~", 43: "\\|",
    44: "zZ", 45: "xX", 46: "cC", 47: "vV", 48: "bB", 49: "nN", 50: "mM", 51: ",<", 52: ".>",
    53: "/?", 57: "  ",
}  # fmt: skip
KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15
SHIFTS = {42, 54}  # left and right shift
KEY_UP, KEY_DOWN, KEY_HOLD = 0, 1, 2
SUFFIX_KEYS = {
    "CR": {KEY_ENTER, KEY_KPENTER},
    "LF": {KEY_ENTER, KEY_KPENTER},
    "CRLF": {KEY_ENTER, KEY_KPENTER},
}


class KeyDecoder:
    """Feed (key code, value) events; get the text of a scan when its suffix key goes down."""

    def __init__(self, suffix: str = "CR", max_len: int = 128) -> None:
        self.enders = SUFFIX_KEYS.get(suffix.upper(), {KEY_ENTER, KEY_KPENTER})
        self.max_len = max_len
        self._shift = False
        self._chars: list[str] = []

    def feed(self, code: int, value: int) -> str | None:
        """One key event; returns the scanned text when a scan ends, else None."""
        if code in SHIFTS:
            self._shift = value != KEY_UP
            return None
        if value != KEY_DOWN:
            return None
        if code in self.enders:
            text, self._chars = "".join(self._chars), []
            return text or None
        pair = _ROWS.get(code)
        if pair is None:
            self._chars = []  # an unexpected key: whatever came before is not a clean scan
            return None
        if len(self._chars) < self.max_len:
            self._chars.append(pair[1] if self._shift else pair[0])
        return None

    def reset(self) -> None:
        """Drop a partial scan."""
        self._chars, self._shift = [], False
