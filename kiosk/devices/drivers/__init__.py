"""Real device drivers behind the interfaces of kiosk.devices.base."""
