"""Provisioning: broker configuration, certificates and booth bundles."""
