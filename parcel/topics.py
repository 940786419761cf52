"""MQTT topic names of the wire contract."""

from __future__ import annotations

import functools
import re

ROOT = "dak/v1/booth"
BOOTH_ID = re.compile(r"^BD-[0-9]{4}-[0-9]{2}$")  # ASCII digits: str patterns' \d takes any script's

EVENT = "event"
ACK = "ack"
STATUS = "status"
HEALTH = "health"
CMD = "cmd"
CMD_RESULT = "cmd/result"
CONFIG = "config"
MANIFEST = "manifest"

HUB_SHARE_GROUP = "hub"


def is_booth_id(value: str) -> bool:
    """True when value looks like a booth id: BD-<postcode>-<booth number>."""
    return isinstance(value, str) and bool(BOOTH_ID.fullmatch(value))


def booth_topic(booth_id: str, leaf: str) -> str:
    """Topic of one leaf (event, ack, status, ...) under a booth's subtree."""
    if not is_booth_id(booth_id):
        raise ValueError(f"not a booth id: {booth_id!r}")
    return f"{ROOT}/{booth_id}/{leaf}"


def all_booths(leaf: str) -> str:
    """Wildcard topic for one leaf across every booth."""
    return f"{ROOT}/+/{leaf}"


def shared(topic: str, group: str = HUB_SHARE_GROUP) -> str:
    """MQTT v5 shared-subscription form of a topic filter."""
    return f"$share/{group}/{topic}"


@functools.lru_cache(maxsize=1 << 16)  # ingest asks several times per message; booths reuse topics
def parse(topic: str) -> tuple[str, str] | None:
    """Split a booth topic into (booth_id, leaf), or None when it is not one."""
    prefix = ROOT + "/"
    if not topic.startswith(prefix):
        return None
    rest = topic[len(prefix) :]
    booth, _, leaf = rest.partition("/")
    if not is_booth_id(booth) or not leaf:
        return None
    return booth, leaf
