"""The component schemas of the hub's OpenAPI description (hub.web.openapi): the bodies its
requests take and its answers give."""

from __future__ import annotations

from typing import Any

MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "taka, exact, two decimals"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "items": {
                        "type": "array",
                        "description": "for bulk requests: which items were refused and why (0-based index)",
                        "items": {
                            "type": "object",
                            "properties": {"index": {"type": "integer"}, "message": {"type": "string"}},
                        },
                    },
                },
            }
        },
    },
    "Track": {
        "type": "object",
        "required": ["tracking_id", "status", "events"],
        "properties": {
            "tracking_id": {"type": "string"},
            "status": {
                "type": "string",
                "description": "pre_advised (announced by its merchant, not handed in yet; no events) "
                "or the parcel's status",
            },
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "at": {"type": "string", "format": "date-time"},
                        "booth": {"type": "string"},
                    },
                },
            },
        },
    },
    "PreAdvice": {
        "type": "object",
        "required": ["destination", "recipient", "cod_amount"],
        "additionalProperties": False,
        "properties": {
            "destination": {
                "type": "string",
                "pattern": r"^BD-\d{4}-\d{2}$",
                "description": "destination booth",
            },
            "origin": {
                "type": "string",
                "pattern": r"^BD-\d{4}-\d{2}$",
                "description": "booth where you will hand the parcel in (optional): it gets the pre-advice "
                "too, so its clerk's label scan fills in the intake; an unknown booth is refused (422)",
            },
            "recipient": {
                "type": "object",
                "required": ["name", "phone"],
                "properties": {
                    "name": {"type": "string"},
                    "phone": {"type": "string", "example": "01711223344"},
                },
            },
            "cod_amount": {"oneOf": [MONEY, {"type": "number"}], "description": "0 for prepaid"},
            "weight_g": {"type": "integer", "minimum": 1, "maximum": 100000},
            "recipient_email": {
                "type": "string",
                "format": "email",
                "maxLength": 254,
                "description": "optional: the recipient also gets the ready, reminder and last-day "
                "notices by e-mail; an invalid address is refused (422)",
            },
            "language": {
                "type": "string",
                "enum": ["bn", "en"],
                "default": "bn",
                "description": "language of the recipient's SMS and e-mail (Bengali unless en)",
            },
            "reference": {
                "type": "string",
                "maxLength": 100,
                "description": "your order id; unique per merchant, so a retried request is refused (422) "
                "instead of creating a second shipment",
            },
        },
    },
    "Created": {
        "type": "object",
        "properties": {
            "tracking_id": {"type": "string", "example": "CP123456785BD"},
            "reference": {"type": "string", "nullable": True},
            "destination": {"type": "string"},
            "origin": {"type": "string", "nullable": True},
            "cod_amount": MONEY,
            "status": {"type": "string", "enum": ["pre_advised"]},
            "label_url": {"type": "string"},
        },
    },
    "Shipment": {
        "type": "object",
        "properties": {
            "tracking_id": {"type": "string"},
            "reference": {"type": "string", "nullable": True},
            "status": {
                "type": "string",
                "enum": [
                    "pre_advised",
                    "accepted",
                    "dispatched",
                    "arrived",
                    "ready",
                    "delivered",
                    "returned",
                    "return_arrived",
                    "return_collected",
                ],
            },
            "destination": {"type": "string"},
            "origin": {
                "type": "string",
                "nullable": True,
                "description": "booth where the parcel was taken in; until then the booth named in the "
                "pre-advice, if any",
            },
            "recipient": {"type": "object"},
            "cod_amount": MONEY,
            "weight_g": {"type": "integer", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time", "nullable": True},
            "label_url": {"type": "string"},
            "events": {"type": "array", "items": {"type": "object"}},
        },
    },
    "WebhookEvent": {
        "type": "object",
        "description": "POSTed to your webhook URL. Headers: X-Dak-Timestamp (unix seconds), "
        "X-Dak-Signature: v1=hex(HMAC-SHA256(secret, timestamp + '.' + raw body)), X-Dak-Delivery (stable "
        "across retries). Verify the signature in constant time, reject timestamps more than 300 s from "
        "your clock, and ignore a delivery id or event_id you have already processed (replay protection). "
        "Answer 2xx; anything else is retried with exponential backoff (5 s doubling, up to 15 attempts). "
        "Deliveries may arrive out of order: order by `at`.",
        "properties": {
            "event_id": {"type": "string"},
            "type": {"type": "string"},
            "tracking_id": {"type": "string"},
            "booth": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "cod_collected": MONEY,
            "reason": {"type": "string"},
        },
    },
    "Webhook": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "secret": {"type": "string", "description": "returned only when created"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "CodStatement": {
        "type": "object",
        "properties": {
            "collected": MONEY,
            "remitted": MONEY,
            "outstanding": MONEY,
            "lines": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Remittance": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["open", "remitted"]},
            "total": MONEY,
            "items": {"type": "integer"},
            "payees": {"type": "array", "items": {"type": "object"}},
        },
    },
    "DeliveryReport": {
        "type": "object",
        "required": ["id", "status"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 128},
            "status": {
                "type": "string",
                "description": "delivered, undelivered, expired, rejected or unknown (or the SMPP word)",
            },
        },
    },
}
