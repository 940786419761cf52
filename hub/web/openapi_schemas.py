"""The component schemas of the hub's OpenAPI description (hub.web.openapi).

Request bodies are generated from the pydantic models the server validates them with, so the
document states exactly the rules the server enforces. Answers are described here by hand, each with
the fields it always has (`required`) and those that may be null.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.merchant.fields import ACCOUNT_PATTERN, BOOTH_PATTERN
from hub.merchant.preadvice import PreAdvice
from hub.merchant.shipments import PRE_ADVISED
from hub.web.cod_api import RemittedIn
from hub.web.merchant_api import PayoutIn, WebhookIn
from hub.web.sms_delivery import DeliveryReport
from parcel.lifecycle import EventType, Status

REF = "#/components/schemas/{model}"
MONEY = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "taka, exact, two decimals"}
TIME = {"type": "string", "format": "date-time"}
EVENT_TYPES = [t.value for t in EventType]
STATUSES = [PRE_ADVISED, *(s.value for s in Status)]
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties, **extra}


def model_schemas(*models: type[BaseModel]) -> dict[str, Any]:
    """The JSON schemas of pydantic models (and the models they use), keyed by model name."""
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


ERROR = _object(
    ["error"],
    {
        "error": _object(
            ["code", "message"],
            {
                "code": {"type": "string", "description": "stable, for programs"},
                "message": {"type": "string", "description": "for people; names the wrong field"},
                "items": {
                    "type": "array",
                    "description": "for bulk requests: which items were refused and why (0-based index; "
                    "for a CSV upload also the line, the header being line 1)",
                    "items": _object(
                        ["index", "message", "reason"],
                        {
                            "index": {"type": "integer"},
                            "line": {"type": "integer"},
                            "message": {"type": "string"},
                            "reason": {
                                "type": "string",
                                "enum": ["invalid", "unknown_booth", "reference_taken"],
                                "description": "invalid: the item breaks this document's rules; "
                                "unknown_booth: no such booth; reference_taken: the reference names a "
                                "shipment already (or twice in this request)",
                            },
                        },
                    ),
                },
            },
        )
    },
)

TRACK_EVENT = _object(
    ["type", "at", "booth"],
    {"type": {"type": "string", "enum": EVENT_TYPES}, "at": TIME, "booth": {"type": "string"}},
)

SHIPMENT_FIELDS = {
    "tracking_id": {"type": "string", "example": "CP123456785BD"},
    "reference": {"type": ["string", "null"]},
    "destination": {"type": "string", "pattern": BOOTH_PATTERN},
    "origin": {
        "type": ["string", "null"],
        "description": "booth where the parcel was taken in; until then the booth named in the pre-advice",
    },
    "cod_amount": MONEY,
}

SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "Track": _object(
        ["tracking_id", "status", "events"],
        {
            "tracking_id": {"type": "string"},
            "status": {
                "type": "string",
                "enum": STATUSES,
                "description": "pre_advised (announced by its merchant, not handed in yet; no events) "
                "or the parcel's status",
            },
            "events": {"type": "array", "items": TRACK_EVENT},
        },
    ),
    "BoothState": _object(
        ["booth_id", "state", "last_seen", "devices", "outbox"],
        {
            "booth_id": {"type": "string", "pattern": BOOTH_PATTERN},
            "state": {"type": "string", "enum": ["online", "offline"]},
            "last_seen": NULLABLE_TIME,
            "devices": {
                "type": "object",
                "description": "each device kind's state and detail, as the booth reports",
            },
            "outbox": {
                "description": "the booth's unsent events (depth, oldest age), as it reports; null before"
            },
        },
    ),
    "SeqGap": _object(
        ["booth_id", "ack_upto", "max_seq", "missing", "since"],
        {
            "booth_id": {"type": "string"},
            "ack_upto": {"type": "integer"},
            "max_seq": {"type": "integer"},
            "missing": {"type": "integer"},
            "since": TIME,
        },
    ),
    "Created": _object(
        [*SHIPMENT_FIELDS, "status", "label_url"],
        {
            **SHIPMENT_FIELDS,
            "status": {"type": "string", "enum": ["pre_advised"]},
            "label_url": {"type": "string"},
        },
    ),
    "Shipment": _object(
        [*SHIPMENT_FIELDS, "status", "recipient", "weight_g", "created_at", "updated_at", "label_url"],
        {
            **SHIPMENT_FIELDS,
            "status": {"type": "string", "enum": STATUSES},
            "recipient": _object(
                ["name", "phone"], {"name": {"type": "string"}, "phone": {"type": "string"}}
            ),
            "weight_g": {"type": ["integer", "null"]},
            "created_at": TIME,
            "updated_at": NULLABLE_TIME,
            "label_url": {"type": "string"},
            "events": {
                "type": "array",
                "description": "only when one shipment is asked for",
                "items": _object(
                    ["event_id", "type", "at", "booth"],
                    {
                        "event_id": {"type": "string"},
                        "type": {"type": "string"},
                        "at": TIME,
                        "booth": {"type": "string"},
                    },
                ),
            },
        },
    ),
    "ShipmentPage": _object(
        ["shipments", "next_after"],
        {
            "shipments": {"type": "array", "items": {"$ref": REF.format(model="Shipment")}},
            "next_after": {"type": ["string", "null"], "description": "pass as `after` for the next page"},
        },
    ),
    "WebhookEvent": {
        "type": "object",
        "description": "POSTed to your webhook URL. Headers: X-Dak-Timestamp (unix seconds), "
        "X-Dak-Signature: v1=hex(HMAC-SHA256(secret, timestamp + '.' + raw body)), X-Dak-Delivery (stable "
        "across retries). Verify the signature in constant time, reject timestamps more than 300 s from "
        "your clock, and ignore a delivery id or event_id you have already processed (replay protection). "
        "Answer 2xx; anything else is retried with exponential backoff (5 s doubling, up to 15 attempts). "
        "Deliveries may arrive out of order: order by `at`.",
        "required": ["event_id", "type", "tracking_id", "booth", "at"],
        "properties": {
            "event_id": {"type": "string"},
            "type": {"type": "string", "enum": EVENT_TYPES},
            "tracking_id": {"type": "string"},
            "booth": {"type": "string"},
            "at": TIME,
            "cod_collected": MONEY,
            "reason": {"type": "string"},
        },
    },
    "Webhook": _object(
        ["id", "url", "created_at"],
        {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "secret": {"type": "string", "description": "returned only when created"},
            "created_at": TIME,
        },
    ),
    "WebhookList": _object(
        ["webhooks"], {"webhooks": {"type": "array", "items": {"$ref": REF.format(model="Webhook")}}}
    ),
    "PayoutAccount": _object(
        ["account_name", "account_number"],
        {
            "account_name": {"type": "string"},
            "account_number": {"type": "string", "pattern": ACCOUNT_PATTERN},
        },
    ),
    "CodStatement": _object(
        ["collected", "remitted", "outstanding", "lines"],
        {
            "collected": MONEY,
            "remitted": MONEY,
            "outstanding": MONEY,
            "lines": {
                "type": "array",
                "items": _object(
                    ["tracking_id", "amount", "booth", "delivered_at", "remittance_id", "remittance_status"],
                    {
                        "tracking_id": {"type": "string"},
                        "amount": MONEY,
                        "booth": {"type": "string"},
                        "delivered_at": TIME,
                        "remittance_id": {"type": ["integer", "null"]},
                        "remittance_status": {"type": ["string", "null"], "enum": ["open", "remitted", None]},
                    },
                ),
            },
        },
    ),
    "Remittance": _object(
        ["id", "status", "total", "items", "created_at", "remitted_at", "transfer_ref", "payees"],
        {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["open", "remitted"]},
            "total": MONEY,
            "items": {"type": "integer", "description": "ledger lines in the batch"},
            "created_at": TIME,
            "remitted_at": NULLABLE_TIME,
            "transfer_ref": {"type": ["string", "null"]},
            "payees": {
                "type": "array",
                "items": _object(
                    ["merchant", "amount", "parcels"],
                    {"merchant": {"type": "string"}, "amount": MONEY, "parcels": {"type": "integer"}},
                ),
            },
        },
    ),
    "Reconciliation": _object(
        ["business_date", "booths"],
        {
            "business_date": {"type": "string", "format": "date"},
            "booths": {
                "type": "array",
                "items": _object(
                    [
                        "booth",
                        "business_date",
                        "closed",
                        "merchant_cod",
                        "merchant_parcels",
                        "short_of_merchant_cod",
                    ],
                    {
                        "booth": {"type": "string"},
                        "business_date": {"type": "string", "format": "date"},
                        "closed": {"type": "boolean"},
                        "booth_expected": _nullable(MONEY),
                        "booth_counted": _nullable(MONEY),
                        "cash_difference": {"type": ["string", "null"], "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
                        "merchant_cod": MONEY,
                        "merchant_parcels": {"type": "integer"},
                        "reason": {"type": ["string", "null"]},
                        "short_of_merchant_cod": {"type": "boolean"},
                    },
                ),
            },
        },
    ),
    **model_schemas(PreAdvice, WebhookIn, PayoutIn, RemittedIn, DeliveryReport),
}
