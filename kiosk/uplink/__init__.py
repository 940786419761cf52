"""The MQTT uplink to the hub: status, events from the outbox, acks, manifests, config, commands."""

from kiosk.uplink.client import Uplink

__all__ = ["Uplink"]
