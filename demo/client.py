"""Small clients for the contract HTTP APIs (kiosk JSON API, hub tracking, booths and merchant APIs)."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import requests

T = TypeVar("T")


class ApiError(Exception):
    """An error answer from an API: HTTP status plus the contract's error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _json(response: requests.Response) -> Any:
    if response.status_code >= 400:
        try:
            err = response.json()["error"]
            raise ApiError(response.status_code, err["code"], err["message"])
        except (ValueError, KeyError, TypeError):
            raise ApiError(response.status_code, "http", response.text[:200]) from None
    return response.json()


class KioskClient:
    """Drives a kiosk through its JSON API, as the clerk's pages and automation do."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout
        self.csrf = ""
        # A client dropped without close() still closes its pooled sockets when collected.
        weakref.finalize(self, self.http.close)

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        return _json(self.http.post(self.base_url + path, json=body, headers=headers, timeout=self.timeout))

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return _json(self.http.get(self.base_url + path, params=params, timeout=self.timeout))

    def login(self, clerk: str, pin: str) -> dict[str, Any]:
        """Open a clerk session and keep its CSRF token."""
        self.csrf = ""
        answer = self._post("/api/v1/session", {"clerk": clerk, "pin": pin})
        self.csrf = answer["csrf_token"]
        return answer

    def intake(self, **body: Any) -> dict[str, Any]:
        """POST /api/v1/intake."""
        return self._post("/api/v1/intake", body)

    def receive(self, tracking_id: str) -> dict[str, Any]:
        """POST /api/v1/receive."""
        return self._post("/api/v1/receive", {"tracking_id": tracking_id})

    def find(self, query: str) -> list[dict[str, Any]]:
        """GET /api/v1/parcels?q=: parcels for collection here by tracking number or phone."""
        return list(self._get("/api/v1/parcels", {"q": query})["parcels"])

    def handover(self, tracking_id: str, code: str, cod_collected: str) -> dict[str, Any]:
        """POST /api/v1/handover."""
        return self._post(
            "/api/v1/handover", {"tracking_id": tracking_id, "code": code, "cod_collected": cod_collected}
        )

    def preadvice(self, tracking_id: str) -> dict[str, Any]:
        """GET /api/v1/preadvice/{id}: what a label scan fills in at intake."""
        return self._get(f"/api/v1/preadvice/{tracking_id}")

    def return_parcel(self, tracking_id: str, reason: str, note: str = "") -> dict[str, Any]:
        """POST /api/v1/returns: send a parcel waiting here back to its sender's booth."""
        return self._post("/api/v1/returns", {"tracking_id": tracking_id, "reason": reason, "note": note})

    def returns_incoming(self) -> dict[str, Any]:
        """GET /api/v1/returns/incoming: returns announced to this booth and returns waiting here."""
        return self._get("/api/v1/returns/incoming")

    def return_arrive(self, tracking_id: str, shelf: str | None = None) -> dict[str, Any]:
        """POST /api/v1/returns/arrive: a return scanned back in at its sender's booth."""
        return self._post("/api/v1/returns/arrive", {"tracking_id": tracking_id, "shelf": shelf})

    def return_collect(self, tracking_id: str, **who: Any) -> dict[str, Any]:
        """POST /api/v1/returns/collect: a return handed back (collected_by, name, document_kind,
        document_number, matches_sender and, for a mismatch, approval)."""
        return self._post("/api/v1/returns/collect", {"tracking_id": tracking_id, **who})

    def devices(self) -> dict[str, Any]:
        """GET /api/v1/devices."""
        return self._get("/api/v1/devices")

    def uplink(self) -> dict[str, Any]:
        """GET /api/v1/uplink: connection, outbox depth, acked seq."""
        return self._get("/api/v1/uplink")


class HubClient:
    """Reads the hub's public tracking API and the monitoring cell's booths API."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def track(self, tracking_id: str) -> dict[str, Any]:
        """GET /api/v1/track/{id}."""
        return _json(requests.get(f"{self.base_url}/api/v1/track/{tracking_id}", timeout=self.timeout))

    def booths(self) -> list[dict[str, Any]]:
        """GET /api/v1/booths with the monitor key."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        return _json(requests.get(f"{self.base_url}/api/v1/booths", headers=headers, timeout=self.timeout))


class MerchantClient:
    """Calls the hub's merchant API with a merchant key."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.timeout = timeout

    def preadvise(self, **shipment: Any) -> dict[str, Any]:
        """POST /api/v1/merchant/shipments: one shipment; its tracking number and label URL."""
        url = f"{self.base_url}/api/v1/merchant/shipments"
        return _json(requests.post(url, json=shipment, headers=self.headers, timeout=self.timeout))

    def shipment(self, tracking_id: str) -> dict[str, Any]:
        """GET /api/v1/merchant/shipments/{id}: status and timeline."""
        url = f"{self.base_url}/api/v1/merchant/shipments/{tracking_id}"
        return _json(requests.get(url, headers=self.headers, timeout=self.timeout))


def wait_until(
    check: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.1, what: str = ""
) -> T:
    """Call check until it returns something truthy (not raising) and return it, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (ApiError, requests.RequestException) as exc:
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what or check}" + (f" (last error: {last})" if last else ""))
