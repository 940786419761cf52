"""DakBooth booth kiosk: counter services, devices, local store, MQTT uplink and the clerk's web pages."""

__version__ = "0.1.0"
