"""SMS drivers behind one interface: HTTP gateway and log. Chosen by name from config."""

from __future__ import annotations

import logging
import uuid
import weakref
from typing import Protocol

import requests

from hub.config import SmsConfig

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10


class SmsError(Exception):
    """The SMS was not accepted; str(error) says why (no message text, no code)."""


class SmsDriver(Protocol):
    """Sends one SMS and returns the provider's message id."""

    def send(self, to: str, text: str, secret: str | None = None, key: str | None = None) -> str:
        """Send text to a +880 number; secret, if given, must never be logged.

        key: the same for every attempt of one message (its cause), for gateways that deduplicate.
        """
        ...


class HttpDriver:
    """POST JSON {"to", "text"} to the gateway; any 2xx means accepted."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        weakref.finalize(self, self.session.close)  # pooled sockets closed with the driver

    def close(self) -> None:
        """Close pooled connections to the gateway."""
        self.session.close()

    def send(self, to: str, text: str, secret: str | None = None, key: str | None = None) -> str:
        """Send through the HTTP gateway or raise SmsError; key goes as the Idempotency-Key header."""
        headers = {"Idempotency-Key": key} if key else {}
        try:
            resp = self.session.post(
                self.url, json={"to": to, "text": text}, headers=headers, timeout=HTTP_TIMEOUT_S
            )
        except requests.RequestException as exc:
            raise SmsError(f"gateway unreachable: {type(exc).__name__}") from None
        if not 200 <= resp.status_code < 300:
            raise SmsError(f"gateway answered {resp.status_code}")
        try:
            body = resp.json()
        except ValueError:
            body = {}
        provider_id = body.get("id") if isinstance(body, dict) else None
        return str(provider_id) if provider_id else "unknown"


class LogDriver:
    """Writes the SMS to the log with any secret masked; for demos and development."""

    def send(self, to: str, text: str, secret: str | None = None, key: str | None = None) -> str:
        """Log the SMS and return a local id."""
        shown = text.replace(secret, "******") if secret else text
        log.info("SMS to %s: %s", to, shown)
        return f"log-{uuid.uuid4().hex[:12]}"


def make_driver(cfg: SmsConfig) -> SmsDriver:
    """The driver named in config."""
    if cfg.driver == "http":
        return HttpDriver(cfg.url)
    if cfg.driver == "log":
        return LogDriver()
    raise ValueError(f"unknown SMS driver {cfg.driver!r}")
