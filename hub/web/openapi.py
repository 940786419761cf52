"""The OpenAPI 3.1 description of the hub's JSON API, served at /api/v1/openapi.json.

Every status an operation can answer is listed with what it means; request bodies come from the
server's own models (hub.web.openapi_schemas). Tests compare the paths with the app's routes and
run schemathesis against a real hub, so the document cannot drift from the server.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from hub.merchant.fields import NO_NUL_PATTERN
from hub.merchant.preadvice import MAX_BULK
from hub.merchant.shipments import MAX_PAGE
from hub.web.inputs import MAX_DB_ID, TrackingIdConverter
from hub.web.openapi_schemas import SCHEMAS
from hub.web.params import DATE_PATTERN, DATETIME_PATTERN

bp = Blueprint("openapi", __name__)

BEARER = [{"bearer": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


# Any request: a path, query or body holding NUL (or invalid Unicode), or a body that is not the JSON asked for.
MALFORMED = _error("Malformed request: not the JSON asked for, or text holding NUL")
AUTH_ERRORS = {
    "401": _error("No API key, or an unknown one"),
    "403": _error("This key's role may not use this operation"),
}
TRACKING_PARAM = {
    "name": "tracking_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{TrackingIdConverter.regex}$"},
    "description": "an S10 number such as CP123456785BD",
}
BATCH_PARAM = {
    "name": "batch_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_DB_ID},
}
NOT_S10 = _error("Not a valid S10 number of Bangladesh (its check digit or country)")


def _op(summary: str, responses: dict[str, Any], *, auth: bool = True, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"400": MALFORMED, **responses}}
    if auth:
        op["security"] = BEARER
        op["responses"].update(AUTH_ERRORS)
    op.update(extra)
    return op


PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {
        "get": _op("This document", {"200": _json({"type": "object"}, "This document")}, auth=False)
    },
    "/api/v1/track/{tracking_id}": {
        "get": _op(
            "Public tracking: status and timeline, no personal data (rate limited)",
            {
                "200": _json(_ref("Track"), "The parcel's status and timeline"),
                "400": _error("Not a valid S10 number of Bangladesh"),
                "404": _error("No parcel with this number"),
                "429": _error("Too many requests from this address; try again after Retry-After seconds"),
            },
            auth=False,
            parameters=[
                {
                    "name": "tracking_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 40},
                    "description": "an S10 number; case, spaces and dashes do not matter",
                }
            ],
        )
    },
    "/api/v1/booths": {
        "get": _op(
            "Booths with their state (monitor or admin key)",
            {"200": _json({"type": "array", "items": _ref("BoothState")}, "Every booth")},
        )
    },
    "/api/v1/booths/gaps": {
        "get": _op(
            "Booths with missing seqs (monitor or admin key)",
            {"200": _json({"type": "array", "items": _ref("SeqGap")}, "Booths whose events have gaps")},
        )
    },
    "/api/v1/merchant/shipments": {
        "post": _op(
            "Pre-advise one shipment",
            {
                "201": _json(_ref("Created"), "Pre-advised: its number and label"),
                "422": _error(
                    "Refused, nothing stored: the shipment breaks a rule, names an unknown booth, or "
                    "its reference is taken (error.items says which)"
                ),
            },
            requestBody=_body(_ref("PreAdvice")),
        ),
        "get": _op(
            "Your shipments, oldest first",
            {"200": _json(_ref("ShipmentPage"), "One page of shipments")},
            parameters=[
                {
                    "name": "since",
                    "in": "query",
                    "schema": {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
                    "description": "only shipments pre-advised at or after this time (with an offset)",
                },
                {
                    "name": "reference",
                    "in": "query",
                    "schema": {"type": "string", "pattern": NO_NUL_PATTERN},
                },
                {
                    "name": "after",
                    "in": "query",
                    "schema": {"type": "string", "pattern": NO_NUL_PATTERN},
                    "description": "next_after of the previous page",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100},
                },
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
                        "required": ["shipments"],
                        "properties": {"shipments": {"type": "array", "items": _ref("Created")}},
                    },
                    "Every shipment pre-advised",
                ),
                "413": _error("Over 2 MB"),
                "422": _error(
                    "Some items refused; nothing stored (error.items lists each, with its CSV line)"
                ),
            },
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["shipments"],
                            "additionalProperties": False,
                            "properties": {
                                "shipments": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": MAX_BULK,
                                    "items": _ref("PreAdvice"),
                                }
                            },
                        }
                    },
                    "text/csv": {
                        "schema": {
                            "type": "string",
                            "description": "UTF-8, header: destination,recipient_name,"
                            "recipient_phone,cod_amount[,weight_g,reference,origin,recipient_email,"
                            "language]; lines end in CRLF, LF or CR; a blank cell is an absent value; each "
                            "cell follows the rule of its PreAdvice field; a bad value is refused (422) "
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
            {
                "200": _json(_ref("Shipment"), "The shipment"),
                "400": NOT_S10,
                "404": _error("No shipment of yours with this number"),
            },
            parameters=[TRACKING_PARAM],
        )
    },
    "/api/v1/merchant/shipments/{tracking_id}/label.png": {
        "get": _op(
            "The shipment's label (PNG, 4x6 inch at 200 dpi, Code128 and QR)",
            {
                "200": {"description": "The label", "content": {"image/png": {}}},
                "400": NOT_S10,
                "404": _error("No shipment of yours with this number"),
            },
            parameters=[TRACKING_PARAM],
        )
    },
    "/api/v1/merchant/webhooks": {
        "post": _op(
            "Register a webhook for every tracking event of your shipments",
            {
                "201": _json(_ref("Webhook"), "Registered; its secret is shown only now"),
                "409": _error("You have the most webhooks allowed (5)"),
                "422": _error(
                    "The URL may not be called: not http(s), credentials in it, or a host that "
                    "does not resolve to a public address"
                ),
            },
            requestBody=_body(_ref("WebhookIn")),
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
        "get": _op("Your webhooks", {"200": _json(_ref("WebhookList"), "Your active webhooks")}),
    },
    "/api/v1/merchant/webhooks/{webhook_id}": {
        "delete": _op(
            "Stop a webhook",
            {"204": {"description": "Stopped"}, "404": _error("No active webhook of yours with this id")},
            parameters=[
                {
                    "name": "webhook_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_DB_ID},
                }
            ],
        )
    },
    "/api/v1/merchant/cod": {
        "get": _op(
            "COD collected, remitted and outstanding", {"200": _json(_ref("CodStatement"), "Your COD")}
        )
    },
    "/api/v1/merchant/payout-account": {
        "put": _op(
            "Where your COD is paid",
            {
                "200": _json(_ref("PayoutAccount"), "Saved"),
                "422": _error("The account breaks a rule (error.message names the field)"),
            },
            requestBody=_body(_ref("PayoutIn")),
        )
    },
    "/api/v1/admin/cod/reconciliation": {
        "get": _op(
            "Booth cash-ups beside the COD ledger for one business day (admin)",
            {"200": _json(_ref("Reconciliation"), "Each booth's day")},
            parameters=[
                {
                    "name": "date",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
                    "description": "a business day (Dhaka) from 2000-01-01 to 2999-12-31",
                }
            ],
        )
    },
    "/api/v1/admin/remittances": {
        "post": _op(
            "Batch every unremitted COD line (admin)",
            {
                "201": _json(_ref("Remittance"), "The new batch"),
                "409": _error("Nothing to remit (no unremitted COD of a merchant with a payout account)"),
            },
        )
    },
    "/api/v1/admin/remittances/{batch_id}": {
        "get": _op(
            "One remittance batch (admin)",
            {"200": _json(_ref("Remittance"), "The batch"), "404": _error("No such batch")},
            parameters=[BATCH_PARAM],
        )
    },
    "/api/v1/admin/remittances/{batch_id}/export.csv": {
        "get": _op(
            "The batch as CSV for the electronic money transfer service (admin); cells a spreadsheet "
            "would read as formulas begin with an apostrophe",
            {
                "200": {"description": "The batch as CSV", "content": {"text/csv": {}}},
                "404": _error("No such batch"),
            },
            parameters=[BATCH_PARAM],
        )
    },
    "/api/v1/admin/remittances/{batch_id}/remitted": {
        "post": _op(
            "Mark the batch paid, once (admin)",
            {
                "200": _json(_ref("Remittance"), "Marked remitted"),
                "404": _error("No such batch"),
                "409": _error("The batch is remitted already"),
                "422": _error("transfer_ref breaks a rule"),
            },
            parameters=[BATCH_PARAM],
            requestBody=_body(_ref("RemittedIn")),
        )
    },
    "/api/v1/sms/delivery": {
        "post": {
            "summary": "A delivery report from the HTTP SMS gateway (exists only with [sms] callback_token set)",
            "description": "The gateway authenticates with `Authorization: Bearer <[sms] callback_token>`, "
            "not an API key. `id` is the id the gateway gave when it took the SMS. A report for an unknown "
            "id is answered with matched false.",
            "security": BEARER,
            "requestBody": _body(_ref("DeliveryReport")),
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
                    },
                    "Recorded",
                ),
                "400": _error("Malformed report (error.message names the field)"),
                "401": _error("No or wrong callback token"),
                "404": _error("Delivery reports are not enabled on this hub"),
            },
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "DakBooth hub API",
        "version": "1",
        "description": "Public tracking, the merchant API (pre-advice, labels, shipments, webhooks, COD), "
        "COD administration and the SMS gateway's delivery reports. Authenticate with `Authorization: Bearer KEY` "
        "(`python -m hub --config hub.toml create-api-key NAME --role merchant`). Errors are "
        '`{"error": {"code", "message"}}`; amounts are exact decimal strings.',
    },
    "servers": [{"url": "/"}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
    "paths": PATHS,
}


@bp.get("/api/v1/openapi.json")
def openapi() -> Any:
    """This API's OpenAPI 3.1 description."""
    return jsonify(DOCUMENT)
