"""Fuzzing the kiosk JSON API with hypothesis through Flask's test client on a real kiosk store.

For every state-changing route: almost-valid bodies (one field removed, retyped or hostile), random
JSON, non-JSON bodies and wrong content types. Properties: never a 5xx; a 4xx always carries the
contract's error object with a message; a refused request leaves parcels, outbox, cash and print
tables unchanged (a wrong collection code is the one refusal that is counted, by contract).
Examples per test: the `fuzz` profile (CI) or DAKBOOTH_FUZZ=deep for a longer search.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.services import auth, inbound
from kiosk.web import create_app
from parcel import s10
from parcel.control import Manifest

from .conftest import BOOTH, OTHER, Booth, make_booth

_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("fuzz", max_examples=200, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile("fuzz-deep", max_examples=1000, deadline=None, suppress_health_check=_HEALTH)
FUZZ = settings.get_profile("fuzz-deep" if os.environ.get("DAKBOOTH_FUZZ") == "deep" else "fuzz")

ANNOUNCED = s10.make("CP", 71)  # announced by a manifest, not yet received
READY = s10.make("CP", 72)  # received here, waiting for its recipient
ACCEPTED = s10.make("CP", 73)  # taken in here, not yet dispatched
NEW = s10.make("CP", 74)  # a pre-printed label nobody has seen
RECIPIENT = {"name": "করিম উদ্দিন", "phone": "01812345678"}
APPROVAL = {"supervisor": "sam", "pin": "9999"}

# The nearly valid body of every state-changing route; hypothesis then breaks one thing in it.
ROUTES: dict[str, dict[str, Any]] = {
    "/api/v1/intake": {
        "tracking_id": NEW,
        "recipient": RECIPIENT,
        "destination": OTHER,
        "cod_amount": "300",
        "weight_g": 450,
        "approval": APPROVAL,
        "submission": "form-0001",
    },
    "/api/v1/dispatch": {"tracking_id": ACCEPTED},
    "/api/v1/receive": {"tracking_id": ANNOUNCED, "shelf": "A-1"},
    "/api/v1/forward": {"tracking_id": ANNOUNCED},
    "/api/v1/handover": {"tracking_id": READY, "code": "123456", "cod_collected": "120"},
    "/api/v1/handover/document": {
        "tracking_id": READY,
        "document_kind": "nid",
        "document_number": "1234567890",
        "cod_collected": "120",
        "approval": APPROVAL,
    },
    "/api/v1/returns": {"tracking_id": READY, "reason": "refused", "note": "ফেরত"},
    "/api/v1/cash/close": {"counted": "0", "reason": None, "approval": APPROVAL},
    "/api/v1/unlock": {"tracking_id": READY},
    "/api/v1/print-jobs/1/reprint": {},
}

# --- hostile values ----------------------------------------------------------------------------------

BENGALI = st.characters(min_codepoint=0x0980, max_codepoint=0x09FF)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(st.one_of(BENGALI, st.characters(min_codepoint=0x0300, max_codepoint=0x036F)), max_size=30),
    st.sampled_from(
        [
            *["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "e\u0301\u0301", "\u202e\ufeff", "😀" * 40],
            *["' OR 1=1; --", "<script>alert(1)</script>", "x" * 201, "ক" * 501, "../../etc/passwd"],
        ]
    ),
)
TAKA = st.sampled_from(
    [
        *[-1, -0.01, 0.001, 12.345, 1e-7, 1e300, 10**30, 2**63, "NaN", "Infinity", "-0", "১২০", "1,20"],
        *["1e3", "0x10", " 120 ", "১২০.০০", "", "Tk 120", 120.0, 120, True, None, "10000000.01", "٣"],
    ]
)
PHONES = st.sampled_from(
    [
        *["", "0181234567", "018123456789", "01212345678", "+8801812345678", "8801812345678"],
        *["০১৮১২৩৪৫৬৭৮", "+1 202 555 0100", "01812-345-678", "0" * 33, "01812345678\x00", 1812345678],
    ]
)
S10S = st.sampled_from(
    [
        *[READY.lower(), f" {READY[:4]} {READY[4:]} ", READY[:-2] + "US", READY[:10] + "0BD", "CP12345678BD"],
        *["CP১২৩৪৫৬৭৮৫BD", NEW, ACCEPTED, ANNOUNCED, "x" * 41, "", 123456785],
    ]
)
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**40]),
    st.floats(),
    HOSTILE_TEXT,
    TAKA,
    PHONES,
    S10S,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@dataclass
class Request:
    """One request to send: path, how the body is encoded, and a label for failure messages."""

    path: str
    data: bytes
    content_type: str | None
    label: str


def _encode(body: Any) -> bytes:
    # Lone surrogates are escaped in JSON (as a client may send them), never sent as invalid UTF-8 text.
    return json.dumps(body, ensure_ascii=True, allow_nan=True).encode()


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """A request to one state-changing route with a broken body."""
    path = draw(st.sampled_from(list(ROUTES)))
    body: Any = json.loads(json.dumps(ROUTES[path]))
    kind = draw(st.sampled_from(["remove", "replace", "nested", "add", "random", "raw", "valid"]))
    content_type: str | None = "application/json"
    label = kind
    if kind in ("remove", "replace") and body:
        key = draw(st.sampled_from(sorted(body)))
        label = f"{kind} {key}"
        if kind == "remove":
            del body[key]
        else:
            body[key] = draw(HOSTILE)
    elif kind == "nested" and isinstance(body.get("recipient") or body.get("approval"), dict):
        inner = body.get("recipient") or body.get("approval")
        key = draw(st.sampled_from(sorted(inner)))
        inner[key] = draw(HOSTILE)
        label = f"nested {key}"
    elif kind == "add":
        body[draw(st.text(max_size=10))] = draw(HOSTILE)
    elif kind == "random":
        body = draw(JSON_VALUES)
    if kind == "raw":
        data, content_type = draw(
            st.sampled_from(
                [
                    (b"", "application/json"),
                    (b"{not json", "application/json"),
                    (b"\xff\xfe{}", "application/json"),
                    (_encode(body), "text/plain"),
                    (_encode(body), None),
                    (b"tracking_id=" + READY.encode(), "application/x-www-form-urlencoded"),
                    (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
                    (_encode(body), "application/json; charset=latin-1"),
                    (b"[" * 10_000 + b"]" * 10_000, "application/json"),
                    (b'{"a": "' + b"x" * 70_000 + b'"}', "application/json"),
                    (b"NaN", "application/json"),
                ]
            )
        )
        label = f"raw {content_type}: {data[:40]!r}"
        return Request(path, data, content_type, label)
    return Request(path, _encode(body), content_type, label)


# --- the booth under test ----------------------------------------------------------------------------


@dataclass
class Counter:
    """A logged-in booth app: the clerk's and the supervisor's clients with their CSRF tokens."""

    booth: Booth
    clients: dict[str, tuple[FlaskClient, str]]
    anonymous: FlaskClient


def _login(client: FlaskClient, clerk: str, pin: str) -> str:
    resp = client.post("/api/v1/session", json={"clerk": clerk, "pin": pin})
    assert resp.status_code == 200
    return str(resp.get_json()["csrf_token"])


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[Counter]:
    """A booth with a parcel announced, one ready for collection and one taken in, and two sessions."""
    booth = make_booth(tmp_path)
    auth.add_clerk(booth.ctx, "alice", "1234")
    auth.add_clerk(booth.ctx, "sam", "9999", supervisor=True)
    # Logins are fuzzed too: a clerk whose PIN is guessed at is not the one whose session is used.
    auth.add_clerk(booth.ctx, "rafiq", "5555")
    app = create_app(booth.ctx)
    clients = {}
    for clerk, pin in (("alice", "1234"), ("sam", "9999")):
        client = app.test_client()
        clients[clerk] = (client, _login(client, clerk, pin))
    for tid in (ANNOUNCED, READY):
        manifest = {"tracking_id": tid, "destination": BOOTH, "recipient": RECIPIENT, "cod_amount": "120"}
        inbound.apply_manifest(booth.ctx, Manifest.model_validate(manifest))
    alice, token = clients["alice"]
    assert (
        alice.post(
            "/api/v1/receive", json={"tracking_id": READY}, headers={"X-CSRF-Token": token}
        ).status_code
        == 200
    )
    taken = {**ROUTES["/api/v1/intake"], "tracking_id": ACCEPTED, "submission": None}
    assert alice.post("/api/v1/intake", json=taken, headers={"X-CSRF-Token": token}).status_code == 200
    yield Counter(booth, clients, app.test_client())
    booth.ctx.store.close()


TABLES = ("parcels", "outbox", "cash_days", "submissions", "print_jobs", "manifests", "meta")


def store_rows(booth: Booth) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a refused request must not touch."""
    with booth.ctx.store.read() as tx:
        return {t: sorted(tuple(r) for r in tx.execute(f"SELECT * FROM {t}")) for t in TABLES}


def assert_contract(resp: Any, what: str) -> None:
    """Never a 5xx; a 4xx is the contract's error object with a code and a message."""
    assert resp.status_code < 500, f"{what} -> {resp.status_code}: {resp.get_data()[:300]!r}"
    body = resp.get_json(silent=True)
    assert isinstance(body, dict), f"{what} -> {resp.status_code} without a JSON object"
    if resp.status_code >= 400:
        assert set(body) == {"error"}, f"{what} -> {body}"
        err = body["error"]
        assert set(err) == {"code", "message"}, f"{what} -> {body}"
        assert isinstance(err["code"], str) and err["code"], f"{what} -> {body}"
        assert isinstance(err["message"], str) and err["message"].strip(), f"{what} -> {body}"


# A wrong collection code is refused and counted (five lock the parcel, the lock is reported).
COUNTED_REFUSALS = {"wrong_code"}


def send(counter: Counter, who: str, req: Request) -> Any:
    """Send req as who (alice, sam, or nobody) and check the contract and the store."""
    client, token = counter.clients.get(who, (counter.anonymous, ""))
    before = store_rows(counter.booth)
    resp = client.post(
        req.path, data=req.data, content_type=req.content_type, headers={"X-CSRF-Token": token}
    )
    what = f"{who} {req.path} [{req.label}] {req.data[:200]!r}"
    assert_contract(resp, what)
    event(f"{req.path} -> {resp.status_code} {(resp.get_json().get('error') or {}).get('code', '')}")
    if resp.status_code >= 400 and resp.get_json()["error"]["code"] not in COUNTED_REFUSALS:
        assert store_rows(counter.booth) == before, f"{what} -> {resp.status_code} changed the store"
    return resp


# --- properties --------------------------------------------------------------------------------------


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["alice", "sam"]), requests()), min_size=1, max_size=4))
def test_broken_bodies_get_a_clear_4xx_and_change_nothing(
    counter: Counter, calls: list[tuple[str, Request]]
) -> None:
    for who, req in calls:
        send(counter, who, req)


@FUZZ
@given(requests(), st.sampled_from(["nobody", "no-csrf", "forged-csrf"]))
def test_without_a_session_or_token_nothing_changes(counter: Counter, req: Request, how: str) -> None:
    client, token = counter.clients["alice"]
    before = store_rows(counter.booth)
    headers = {} if how == "no-csrf" else {"X-CSRF-Token": token[::-1]}
    sender: FlaskClient = counter.anonymous if how == "nobody" else client
    resp = sender.post(req.path, data=req.data, content_type=req.content_type, headers=headers)
    assert_contract(resp, f"{how} {req.path} [{req.label}]")
    assert resp.status_code in (400, 401, 403, 413), resp.get_json()
    assert store_rows(counter.booth) == before


LOGINS = st.fixed_dictionaries(
    {},
    optional={
        "clerk": st.one_of(st.sampled_from(["rafiq", "RAFIQ", "rafiq ", "nobody", ""]), HOSTILE),
        "pin": st.one_of(st.sampled_from(["5555", "0000", "৫৫৫৫", " 5555"]), HOSTILE),
    },
)


@FUZZ
@given(st.one_of(LOGINS, JSON_VALUES))
def test_login_with_any_body_is_a_session_or_a_clear_error(counter: Counter, body: Any) -> None:
    req = Request("/api/v1/session", _encode(body), "application/json", "login")
    before = store_rows(counter.booth)
    resp = counter.anonymous.post(req.path, data=req.data, content_type=req.content_type)
    assert_contract(resp, f"login {req.data[:200]!r}")
    assert store_rows(counter.booth) == before
    if resp.status_code == 200:
        counter.anonymous.delete("/api/v1/session", headers={"X-CSRF-Token": resp.get_json()["csrf_token"]})


@FUZZ
@given(st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([2**63, 10**30])))
def test_reprint_of_any_job_number_is_a_clear_answer(counter: Counter, job: int) -> None:
    client, token = counter.clients["alice"]
    resp = client.post(f"/api/v1/print-jobs/{job}/reprint", headers={"X-CSRF-Token": token})
    assert_contract(resp, f"reprint {job}")


def test_the_fixture_booth_is_as_described(counter: Counter) -> None:
    """The fuzzed routes start from real parcels: announced, ready and taken in."""
    with counter.booth.ctx.store.read() as tx:
        status = dict(tx.execute("SELECT tracking_id, status FROM parcels").fetchall())
    assert status[READY] == "ready" and status[ACCEPTED] == "accepted"
    assert NEW not in status
