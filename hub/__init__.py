"""DakBooth central hub: ingest, tracking, notifications and web API."""
