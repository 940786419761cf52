"""What a simulated scale sends, per protocol: pure functions from the scale's state to bytes."""

from __future__ import annotations

from dataclasses import dataclass

STX, CR, CRLF = b"\x02", b"\r", b"\r\n"


@dataclass
class ScaleState:
    """The simulated scale: what lies on it and which faults are switched on."""

    weight_g: int = 0
    zero_g: int = 0
    tare_g: int = 0
    unstable: bool = False
    overload: bool = False
    capacity_g: int = 30_000
    garble: int = 0  # this many next frames go out corrupted
    tick: int = 0  # advances per frame; drives the wobble of an unstable weight

    @property
    def net_g(self) -> int:
        """Displayed weight: gross minus zero offset and tare, wobbling when unstable."""
        wobble = (7 if self.tick % 2 else -7) if self.unstable else 0
        return self.weight_g - self.zero_g - self.tare_g + wobble

    @property
    def over(self) -> bool:
        """True when the scale is over capacity."""
        return self.overload or self.weight_g > self.capacity_g


def garbled(frame: bytes) -> bytes:
    """frame with its body replaced by bytes no parser accepts, terminator kept."""
    term = CRLF if frame.endswith(CRLF) else frame[-1:]
    return b"\x02\xfe#" + b"\x80" * 3 + b"?!" + term


def toledo8217(state: ScaleState, command: bytes) -> bytes:
    """Reply to one 8217 command byte (W answers; Z, T, C act silently)."""
    if command == b"Z":
        state.zero_g = state.weight_g - state.tare_g
    elif command == b"T":
        state.tare_g = state.weight_g - state.zero_g
    elif command == b"C":
        state.tare_g = 0
    if command != b"W":
        return b""
    status = 0x30  # bits 4 and 5 set as on the wire
    if state.over:
        return STX + b"?" + bytes((status | 0x02,)) + CR
    net = state.net_g
    if net < 0:
        return STX + b"?" + bytes((status | 0x04,)) + CR
    if state.unstable:
        return STX + b"?" + bytes((status | 0x01,)) + CR
    return STX + f"{net / 1000:06.3f}".encode() + CR


def mtsics(state: ScaleState, line: bytes) -> bytes:
    """Reply to one MT-SICS level 0 command line."""
    cmd = line.strip().upper()
    if cmd in (b"S", b"SI"):
        if state.over:
            return b"S +" + CRLF
        net = state.net_g
        if net < 0:
            return b"S -" + CRLF
        if cmd == b"S" and state.unstable:
            return b"S I" + CRLF  # a stable weight was asked for and none came in time
        flag = b"D" if state.unstable else b"S"
        return b"S " + flag + f"{net / 1000:11.3f} kg".encode() + CRLF
    if cmd == b"Z":
        if state.unstable:
            return b"Z I" + CRLF
        state.zero_g = state.weight_g - state.tare_g
        return b"Z A" + CRLF
    if cmd == b"T":
        if state.unstable:
            return b"T I" + CRLF
        state.tare_g = state.weight_g - state.zero_g
        return b"T S" + f"{state.tare_g / 1000:11.3f} kg".encode() + CRLF
    return b"ES" + CRLF


def cas(state: ScaleState) -> bytes:
    """One line of a CAS continuous stream."""
    if state.over:
        return b"OL,GS,+9999.99kg" + CRLF
    head = b"US" if state.unstable else b"ST"
    net = state.net_g
    sign = "-" if net < 0 else "+"
    return head + f",GS,{sign}{abs(net) / 1000:07.3f}kg".encode() + CRLF
