"""Per-booth seq gaps: recorded while events are missing, cleared when they arrive, served to monitors."""

from __future__ import annotations

from sqlalchemy import Engine

from hub.apikeys import create_api_key
from hub.web import WebContext, create_app
from tests.hub.conftest import ApplyFn
from tests.hub.factory import NOW, ORIGIN, accepted, event, tid


def test_gap_is_reported_until_the_missing_event_arrives(engine: Engine, apply: ApplyFn) -> None:
    with engine.begin() as conn:
        key = create_api_key(conn, "noc", "monitor")
    client = create_app(WebContext(engine=engine)).test_client()
    headers = {"Authorization": f"Bearer {key}"}
    msgs = {seq: event(ORIGIN, seq, accepted(tid(20_000_000 + seq))) for seq in range(1, 7)}
    out = apply(msgs[1], msgs[2], msgs[4], msgs[6])
    assert out.acks == {ORIGIN: 2}
    [gap] = client.get("/api/v1/booths/gaps", headers=headers).get_json()
    assert (gap["booth_id"], gap["ack_upto"], gap["max_seq"], gap["missing"]) == (ORIGIN, 2, 6, 2)
    assert gap["since"] == NOW.isoformat()
    apply(msgs[3])
    [gap] = client.get("/api/v1/booths/gaps", headers=headers).get_json()
    assert (gap["ack_upto"], gap["missing"]) == (4, 1)
    assert apply(msgs[5]).acks == {ORIGIN: 6}
    assert client.get("/api/v1/booths/gaps", headers=headers).get_json() == []
    assert client.get("/api/v1/booths/gaps").status_code == 401
