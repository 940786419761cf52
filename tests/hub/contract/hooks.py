"""Schemathesis hooks for the API contract test (loaded through SCHEMATHESIS_HOOKS).

The document states every rule a request must follow, but not which booths exist, which references a
merchant has used, which host names resolve, or whether a well-formed number's check digit is right.
A request that follows the document may therefore be refused for those reasons only, and each such
refusal must say so in its body; a refusal for any other reason is the server and the document
disagreeing, and fails the run.
"""

from __future__ import annotations

from typing import Any

import schemathesis

# (method, path) -> (status, what its error body must show)
BUSINESS_REFUSALS: dict[tuple[str, str], tuple[int, str]] = {
    ("GET", "/api/v1/track/{tracking_id}"): (400, "invalid_tracking_id"),
    ("GET", "/api/v1/merchant/shipments/{tracking_id}"): (400, "invalid_tracking_id"),
    ("GET", "/api/v1/merchant/shipments/{tracking_id}/label.png"): (400, "invalid_tracking_id"),
    ("POST", "/api/v1/merchant/shipments"): (422, "records"),
    ("POST", "/api/v1/merchant/shipments/bulk"): (422, "records"),
    ("POST", "/api/v1/merchant/webhooks"): (422, "invalid_url"),
}
RECORD_REASONS = {"unknown_booth", "reference_taken"}


def _error(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"a refusal must be a JSON error, got {response.text[:200]!r}") from None
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    return body["error"]


@schemathesis.check
def refusals_of_valid_requests_name_a_business_reason(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the document calls valid is refused only for a reason the document cannot state."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    expected = BUSINESS_REFUSALS.get((case.operation.method.upper(), case.operation.path))
    if expected is None or response.status_code != expected[0]:
        return None
    if case.media_type == "text/csv":
        return None  # a CSV's rows cannot be described by the document: the CSV tests hold them
    error = _error(response)
    if expected[1] == "records":
        reasons = {item.get("reason") for item in error.get("items", [])}
        assert reasons and reasons <= RECORD_REASONS, f"a valid shipment refused for {error}"
    else:
        assert error.get("code") == expected[1], f"a valid request refused with {error}"
    return None
