"""Merchant services: pre-advice, labels, shipments, webhooks, COD ledger and remittances."""
