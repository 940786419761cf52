"""Writing rows to the MQTT outbox inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from hub.db.schema import mqtt_outbox


def enqueue(
    conn: Connection,
    cause: str,
    topic: str,
    payload: bytes,
    now: datetime,
    *,
    qos: int = 1,
    retain: bool = False,
) -> bool:
    """Add a message to the outbox unless one with the same cause exists; True when added."""
    if conn.execute(select(mqtt_outbox.c.id).where(mqtt_outbox.c.cause == cause)).first():
        return False
    conn.execute(
        mqtt_outbox.insert().values(
            cause=cause,
            topic=topic,
            payload=payload,
            qos=qos,
            retain=retain,
            status="pending",
            created_at=now,
        )
    )
    return True


def enqueue_many(
    conn: Connection,
    messages: list[tuple[str, str, bytes]],
    now: datetime,
    *,
    qos: int = 1,
    retain: bool = False,
) -> None:
    """Add (cause, topic, payload) messages whose causes are new by construction, in one statement."""
    if messages:
        conn.execute(
            mqtt_outbox.insert(),
            [
                {
                    "cause": cause,
                    "topic": topic,
                    "payload": payload,
                    "qos": qos,
                    "retain": retain,
                    "status": "pending",
                    "created_at": now,
                }
                for cause, topic, payload in messages
            ],
        )
