"""SMS drivers behind one interface: HTTP gateway, SMPP and log. Chosen by name from config."""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import requests

from hub.config import SmsConfig

if TYPE_CHECKING:
    from hub.notify.smpp_parts import Receipt

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10


class SendError(Exception):
    """A notification was not accepted; str(error) says why (no message text, no code).

    permanent: trying again cannot help (a refused address), so the sender gives up.
    """

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsError(SendError):
    """The SMS was not accepted; str(error) says why (no message text, no code)."""


class MessageIds(str):
    """The provider ids of a message sent in several parts: the str is them joined by spaces."""

    parts: tuple[str, ...]

    def __new__(cls, parts: list[str]) -> MessageIds:
        """Join the parts' ids, keeping each one."""
        ids = super().__new__(cls, " ".join(parts))
        ids.parts = tuple(parts)
        return ids


def part_ids(provider_id: str) -> tuple[str, ...]:
    """Each part's provider id of what a driver's send() returned."""
    return provider_id.parts if isinstance(provider_id, MessageIds) else (provider_id,)


ReceiptHandler = Callable[["Receipt"], None]


class SmsDriver(Protocol):
    """Sends one SMS and returns the provider's message id."""

    def send(self, to: str, text: str, secret: str | None = None, key: str | None = None) -> str:
        """Send text to a +880 number; secret, if given, must never be logged.

        key: the same for every attempt of one message (its cause), for gateways that deduplicate.
        Returns the provider's id; a MessageIds when the text went in several parts.
        """
        ...

    def close(self) -> None:
        """Release connections and threads."""
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

    def close(self) -> None:
        """Nothing to release."""

    def send(self, to: str, text: str, secret: str | None = None, key: str | None = None) -> str:
        """Log the SMS and return a local id."""
        shown = text.replace(secret, "******") if secret else text
        log.info("SMS to %s: %s", to, shown)
        return f"log-{uuid.uuid4().hex[:12]}"


def make_driver(cfg: SmsConfig, on_receipt: ReceiptHandler | None = None) -> SmsDriver:
    """The driver named in config; on_receipt gets the delivery reports an SMPP session brings."""
    if cfg.driver == "http":
        return HttpDriver(cfg.url)
    if cfg.driver == "smpp":
        from hub.notify.smpp import SmppDriver

        return SmppDriver(cfg, on_receipt)
    if cfg.driver == "log":
        return LogDriver()
    raise ValueError(f"unknown SMS driver {cfg.driver!r}")
