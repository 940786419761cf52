"""Counter services: the booth's operations on the local store and devices (no web, no broker)."""
