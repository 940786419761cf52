"""The OpenAPI 3 description of the hub's JSON API, served at /api/v1/openapi.json.

A test compares its paths and methods with the app's routes, so it cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from hub.web.openapi_schemas import SCHEMAS

bp = Blueprint("openapi", __name__)

BEARER = [{"bearer": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "Malformed request"),
    "401": _json(_ref("Error"), "No or unknown API key"),
    "403": _json(_ref("Error"), "The key's role may not use this endpoint"),
}
TRACKING_PARAM = {"name": "tracking_id", "in": "path", "required": True, "schema": {"type": "string"}}
BATCH_PARAM = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _op(summary: str, responses: dict[str, Any], *, auth: bool = True, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**responses, **(ERRORS if auth else {})}}
    if auth:
        op["security"] = BEARER
    op.update(extra)
    return op


PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"})}, auth=False)},
    "/api/v1/track/{tracking_id}": {
        "get": _op(
            "Public tracking: status and timeline, no personal data (rate limited)",
            {
                "200": _json(_ref("Track")),
                "404": _json(_ref("Error"), "Unknown"),
                "429": _json(_ref("Error")),
            },
            auth=False,
            parameters=[TRACKING_PARAM],
        )
    },
    "/api/v1/booths": {
        "get": _op("Booths with state (monitor or admin key)", {"200": _json({"type": "array"})})
    },
    "/api/v1/booths/gaps": {
        "get": _op(
            "Booths with missing seqs: [{booth_id, ack_upto, max_seq, missing, since}] (monitor or admin key)",
            {"200": _json({"type": "array"})},
        )
    },
    "/api/v1/merchant/shipments": {
        "post": _op(
            "Pre-advise one shipment",
            {"201": _json(_ref("Created")), "422": _json(_ref("Error"), "Invalid shipment")},
            requestBody={"required": True, "content": {"application/json": {"schema": _ref("PreAdvice")}}},
        ),
        "get": _op(
            "Your shipments, oldest first",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "shipments": {"type": "array", "items": _ref("Shipment")},
                            "next_after": {"type": "string", "nullable": True},
                        },
                    }
                )
            },
            parameters=[
                {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {"name": "reference", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "after",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "next_after of the previous page",
                },
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            ],
        ),
    },
    "/api/v1/merchant/shipments/bulk": {
        "post": _op(
            "Pre-advise many shipments, all or nothing",
            {
                "201": _json(
                    {
                        "type": "object",
                        "properties": {"shipments": {"type": "array", "items": _ref("Created")}},
                    }
                ),
                "422": _json(_ref("Error"), "Some items invalid; nothing stored"),
                "413": _json(_ref("Error"), "Over 2 MB"),
            },
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "shipments": {"type": "array", "maxItems": 1000, "items": _ref("PreAdvice")}
                            },
                        }
                    },
                    "text/csv": {
                        "schema": {
                            "type": "string",
                            "description": "UTF-8, header: destination,recipient_name,"
                            "recipient_phone,cod_amount[,weight_g,reference,origin,recipient_email,"
                            "language]; a blank cell is an absent value; a bad value is refused (422) "
                            "naming its line, and nothing is stored",
                        }
                    },
                },
            },
        )
    },
    "/api/v1/merchant/shipments/{tracking_id}": {
        "get": _op(
            "One shipment with its timeline",
            {"200": _json(_ref("Shipment")), "404": _json(_ref("Error"))},
            parameters=[TRACKING_PARAM],
        )
    },
    "/api/v1/merchant/shipments/{tracking_id}/label.png": {
        "get": _op(
            "The shipment's label (PNG, 4x6 inch at 200 dpi, Code128 and QR)",
            {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": _json(_ref("Error"))},
            parameters=[TRACKING_PARAM],
        )
    },
    "/api/v1/merchant/webhooks": {
        "post": _op(
            "Register a webhook for every tracking event of your shipments",
            {"201": _json(_ref("Webhook")), "409": _json(_ref("Error"), "Too many webhooks")},
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["url"],
                            "properties": {"url": {"type": "string"}},
                        }
                    }
                },
            },
            callbacks={
                "trackingEvent": {
                    "{$request.body#/url}": {
                        "post": {
                            "requestBody": {
                                "content": {"application/json": {"schema": _ref("WebhookEvent")}}
                            },
                            "responses": {"200": {"description": "received"}},
                        }
                    }
                }
            },
        ),
        "get": _op("Your webhooks", {"200": _json({"type": "object"})}),
    },
    "/api/v1/merchant/webhooks/{webhook_id}": {
        "delete": _op(
            "Stop a webhook",
            {"204": {"description": "stopped"}, "404": _json(_ref("Error"))},
            parameters=[
                {"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
        )
    },
    "/api/v1/merchant/cod": {
        "get": _op("COD collected, remitted and outstanding", {"200": _json(_ref("CodStatement"))})
    },
    "/api/v1/merchant/payout-account": {
        "put": _op(
            "Where your COD is paid",
            {"200": _json({"type": "object"}), "422": _json(_ref("Error"))},
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["account_name", "account_number"],
                            "properties": {
                                "account_name": {"type": "string"},
                                "account_number": {"type": "string"},
                            },
                        }
                    }
                },
            },
        )
    },
    "/api/v1/admin/cod/reconciliation": {
        "get": _op(
            "Booth cash-ups beside the COD ledger for one business day (admin)",
            {"200": _json({"type": "object"})},
            parameters=[
                {
                    "name": "date",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date"},
                }
            ],
        )
    },
    "/api/v1/admin/remittances": {
        "post": _op(
            "Batch every unremitted COD line (admin)",
            {"201": _json(_ref("Remittance")), "409": _json(_ref("Error"), "Nothing to remit")},
        )
    },
    "/api/v1/admin/remittances/{batch_id}": {
        "get": _op(
            "One remittance batch (admin)",
            {"200": _json(_ref("Remittance")), "404": _json(_ref("Error"))},
            parameters=[BATCH_PARAM],
        )
    },
    "/api/v1/admin/remittances/{batch_id}/export.csv": {
        "get": _op(
            "The batch as CSV for the electronic money transfer service (admin)",
            {"200": {"description": "CSV", "content": {"text/csv": {}}}, "404": _json(_ref("Error"))},
            parameters=[BATCH_PARAM],
        )
    },
    "/api/v1/admin/remittances/{batch_id}/remitted": {
        "post": _op(
            "Mark the batch paid, once (admin)",
            {"200": _json(_ref("Remittance")), "409": _json(_ref("Error"), "Already remitted")},
            parameters=[BATCH_PARAM],
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["transfer_ref"],
                            "properties": {"transfer_ref": {"type": "string"}},
                        }
                    }
                },
            },
        )
    },
    "/api/v1/sms/delivery": {
        "post": {
            "summary": "A delivery report from the HTTP SMS gateway (exists only with [sms] callback_token set)",
            "description": "The gateway authenticates with `Authorization: Bearer <[sms] callback_token>`, "
            "not an API key. `id` is the id the gateway gave when it took the SMS; SMPP words such as "
            "DELIVRD are understood too. A report for an unknown id is answered with matched false.",
            "security": BEARER,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("DeliveryReport")}},
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["id", "status", "matched"],
                        "properties": {
                            "id": {"type": "string"},
                            "status": {"type": "string"},
                            "matched": {"type": "boolean", "description": "an SMS of ours had this id"},
                        },
                    }
                ),
                "400": _json(_ref("Error"), "Malformed report"),
                "401": _json(_ref("Error"), "No or wrong callback token"),
                "404": _json(_ref("Error"), "Delivery reports are not enabled on this hub"),
            },
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "DakBooth hub API",
        "version": "1",
        "description": "Public tracking, the merchant API (pre-advice, labels, shipments, webhooks, COD), "
        "COD administration and the SMS gateway's delivery reports. Authenticate with `Authorization: Bearer KEY` "
        "(`python -m hub --config hub.toml create-api-key NAME --role merchant`).",
    },
    "servers": [{"url": "/"}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
    "paths": PATHS,
}


@bp.get("/api/v1/openapi.json")
def openapi() -> Any:
    """This API's OpenAPI 3 description."""
    return jsonify(DOCUMENT)
