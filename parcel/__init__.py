"""Shared parcel domain for kiosk and hub: S10 numbers, lifecycle, wire messages, topics. No I/O."""
