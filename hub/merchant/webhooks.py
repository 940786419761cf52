"""Merchant webhooks: registration, the outbox rows written in the ingest commit, and signatures.

Each delivery is a POST of a JSON body with headers
  X-Dak-Timestamp: unix seconds when this attempt was signed
  X-Dak-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
  X-Dak-Delivery:  the delivery id (stable across retries)
Replay protection for receivers: recompute the signature, reject a timestamp more than 5 minutes
from their clock, and drop a delivery id (or event id) already processed: retries re-send the same
delivery id, so at-least-once delivery becomes exactly-once processing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.db.schema import preadvices, webhook_outbox, webhooks
from hub.db.types import utc_text

SIGNATURE_VERSION = "v1"
TOLERANCE_S = 300
MAX_WEBHOOKS = 5


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Dak-Signature header value for body sent at timestamp."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(secret: str, timestamp: int, body: bytes, signature: str, now: float) -> bool:
    """What a receiver does: check the signature in constant time and the timestamp's freshness."""
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def register(conn: Connection, merchant: str, url: str, now: datetime) -> dict[str, Any]:
    """Add a webhook for merchant; the returned secret is what signs its deliveries."""
    count = len(
        conn.execute(
            select(webhooks.c.id).where(webhooks.c.merchant == merchant, webhooks.c.active.is_(True))
        ).all()
    )
    if count >= MAX_WEBHOOKS:
        raise ValueError(f"at most {MAX_WEBHOOKS} webhooks per merchant")
    secret = "whsec_" + secrets.token_urlsafe(24)
    webhook_id = conn.execute(
        webhooks.insert().values(merchant=merchant, url=url, secret=secret, active=True, created_at=now)
    ).inserted_primary_key[0]
    return {"id": int(webhook_id), "url": url, "secret": secret, "created_at": now.isoformat()}


def listing(conn: Connection, merchant: str) -> list[dict[str, Any]]:
    """The merchant's active webhooks (secrets are not shown again)."""
    rows = conn.execute(
        select(webhooks.c.id, webhooks.c.url, webhooks.c.created_at)
        .where(webhooks.c.merchant == merchant, webhooks.c.active.is_(True))
        .order_by(webhooks.c.id)
    ).all()
    return [{"id": r.id, "url": r.url, "created_at": r.created_at.isoformat()} for r in rows]


def deactivate(conn: Connection, merchant: str, webhook_id: int) -> bool:
    """Stop a webhook (pending deliveries are dropped); True when it existed."""
    done = conn.execute(
        webhooks.update()
        .where(webhooks.c.id == webhook_id, webhooks.c.merchant == merchant, webhooks.c.active.is_(True))
        .values(active=False)
    ).rowcount
    if done:
        conn.execute(
            webhook_outbox.update()
            .where(webhook_outbox.c.webhook_id == webhook_id, webhook_outbox.c.status == "pending")
            .values(status="dropped")
        )
    return bool(done)


def event_body(
    event_id: str, type_: str, tracking_id: str, booth: str, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """The JSON a merchant receives for one tracking event: no collection code, no hash."""
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": type_,
        "tracking_id": tracking_id,
        "booth": booth,
        "at": utc_text(at),
    }
    if "cod_collected" in data:
        body["cod_collected"] = data["cod_collected"]
    if "reason" in data:
        body["reason"] = data["reason"]
    return body


def queue_for_event(
    conn: Connection,
    event_id: str,
    type_: str,
    tracking_id: str,
    booth: str,
    at: datetime,
    data: dict[str, Any],
    now: datetime,
) -> str | None:
    """In the ingest transaction: queue one delivery per active webhook of the parcel's merchant.

    Returns the merchant when the parcel was pre-advised, else None.
    """
    merchant = conn.execute(
        select(preadvices.c.merchant).where(preadvices.c.tracking_id == tracking_id)
    ).scalar()
    if merchant is None:
        return None
    hooks = (
        conn.execute(
            select(webhooks.c.id).where(webhooks.c.merchant == merchant, webhooks.c.active.is_(True))
        )
        .scalars()
        .all()
    )
    if hooks:
        body = json.dumps(event_body(event_id, type_, tracking_id, booth, at, data), ensure_ascii=False)
        conn.execute(
            webhook_outbox.insert(),
            [
                {
                    "cause": f"{hook}:{event_id}",
                    "webhook_id": hook,
                    "body": body,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for hook in hooks
            ],
        )
    return str(merchant)
