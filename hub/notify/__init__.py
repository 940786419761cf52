"""Notifications: SMS templates, delivery drivers and the outbox worker."""
