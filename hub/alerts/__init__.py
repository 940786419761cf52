"""Alerts for the monitoring cell: rules, a lifecycle (open, acknowledged, resolved) and on-call SMS."""
