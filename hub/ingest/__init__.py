"""Ingest: MQTT messages from booths are validated, applied in batches and acknowledged."""
