"""Customer care console through Flask's test client: login, search, a parcel's file, care commands."""

from __future__ import annotations

import base64
import json
import re

from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from hub.commands import record_result
from hub.db.schema import commands, mqtt_outbox
from hub.users import create_user
from hub.web import WebContext, create_app
from parcel.control import Command
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, arrived, delivered, event, ready, tid


def _login(engine: Engine, name: str, role: str) -> FlaskClient:
    with engine.begin() as conn:
        create_user(conn, name, role, "a long enough password")
    client = create_app(WebContext(engine=engine)).test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/dashboard/login").get_data(as_text=True))
    assert token is not None
    resp = client.post(
        "/dashboard/login", data={"csrf": token.group(1), "name": name, "password": "a long enough password"}
    )
    assert resp.status_code == 302
    return client


def _csrf(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_care_finds_a_parcel_shows_its_file_and_asks_the_booth_for_photo_and_code(
    engine: Engine, apply: ApplyFn
) -> None:
    t = tid()
    apply(
        event(ORIGIN, 1, accepted(t), at=T0),
        event(DEST, 1, arrived(t)),
        event(DEST, 2, ready(t, code="482913")),
        event(DEST, 3, delivered(t)),
    )
    assert create_app(WebContext(engine=engine)).test_client().get("/care/").status_code == 302  # login first
    care = _login(engine, "nasima", "operator")
    listing = care.get("/care/?q=01711223344").get_data(as_text=True)
    assert t in listing
    assert care.get(f"/care/?q={t.lower()}").headers["Location"].endswith(f"/care/parcel/{t}")
    page = care.get(f"/care/parcel/{t}").get_data(as_text=True)
    for shown in (
        "Rahima Begum",
        "+8801711223344",
        "parcel.accepted",
        "parcel.delivered",
        "আদায় করা প্রাপ্য টাকা: ৳ ১,২৫০.০০",  # the field's name and the amount, in the page's language
    ):
        assert shown in page
    timeline = page[page.index('id="timeline"') : page.index("</ol>")]
    assert "cod_collected" not in timeline and "None" not in timeline and "True" not in timeline
    english = care.get(f"/care/parcel/{t}?lang=en").get_data(as_text=True)
    assert "COD collected: ৳ 1,250.00" in english
    assert "482913" not in page and "code_hash" not in page

    token = _csrf(care, f"/care/parcel/{t}")
    assert care.post(f"/care/parcel/{t}/fetch_photo", data={}).status_code == 400  # no CSRF token
    assert "Re-issue" not in english  # a delivered parcel has no code to re-issue
    refused = care.post(f"/care/parcel/{t}/reissue_code", data={"csrf": token})
    assert refused.status_code == 409 and "not ready for collection" in refused.get_data(as_text=True)
    assert care.post(f"/care/parcel/{t}/fetch_photo", data={"csrf": token}).status_code == 302
    with engine.connect() as conn:
        sent = conn.execute(
            select(commands.c.id, commands.c.name, commands.c.booth_id, commands.c.actor)
        ).all()
        wire = (
            conn.execute(
                select(mqtt_outbox.c.payload).where(mqtt_outbox.c.topic == f"dak/v1/booth/{DEST}/cmd")
            )
            .scalars()
            .all()
        )
    assert [(c.name, c.booth_id, c.actor) for c in sent] == [("fetch_photo", DEST, "care:nasima")]
    cmds = [Command.model_validate_json(p) for p in wire]
    assert [(c.name, c.args["tracking_id"]) for c in cmds] == [("fetch_photo", t)]
    pending = _requests(care.get(f"/care/parcel/{t}?lang=en").get_data(as_text=True))
    assert "Proof-of-delivery photo · pending · care:nasima" in pending and "fetch_photo" not in pending

    photo_id = sent[0].id
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0 a tiny jpeg").decode()
    detail = json.dumps({"sha256": "0" * 64, "kind": "pod", "taken_at": NOW.isoformat(), "jpeg_base64": jpeg})
    with engine.begin() as conn:
        record_result(conn, DEST, json.dumps({"id": photo_id, "ok": True, "detail": detail}).encode(), NOW)
    assert f"data:image/jpeg;base64,{jpeg}" in care.get(f"/care/parcel/{t}").get_data(as_text=True)


def _ready_parcel(apply: ApplyFn) -> str:
    """A parcel waiting for collection at DEST; its tracking number."""
    t = tid()
    apply(event(ORIGIN, 1, accepted(t), at=T0), event(DEST, 1, arrived(t)), event(DEST, 2, ready(t)))
    return t


def _answer(engine: Engine, command_id: str, ok: bool, detail: str) -> None:
    """DEST's cmd/result for a command, recorded as ingest records it."""
    body = json.dumps({"id": command_id, "ok": ok, "detail": detail}).encode()
    with engine.begin() as conn:
        assert record_result(conn, DEST, body, NOW)


def test_a_ready_parcel_s_code_is_re_issued_and_the_booth_s_answers_read_as_words(
    engine: Engine, apply: ApplyFn
) -> None:
    t = _ready_parcel(apply)
    care = _login(engine, "nasima", "operator")
    assert "Re-issue collection code" in care.get(f"/care/parcel/{t}?lang=en").get_data(as_text=True)
    token = _csrf(care, f"/care/parcel/{t}")
    for name in ("reissue_code", "fetch_photo"):
        resp = care.post(f"/care/parcel/{t}/{name}", data={"csrf": token}, follow_redirects=True)
        assert resp.status_code == 200
    notice = re.search(r'<p class="notice">([^<]*)</p>', resp.get_data(as_text=True))
    assert notice is not None and "Proof-of-delivery photo" in notice.group(1)  # the request, not its code
    assert "fetch_photo" not in notice.group(1)
    with engine.connect() as conn:
        sent = dict(conn.execute(select(commands.c.name, commands.c.id)).all())
    _answer(engine, sent["reissue_code"], True, f"new code issued for {t}")
    _answer(engine, sent["fetch_photo"], False, f"no_photo: no photo of {t}")
    english = _requests(care.get(f"/care/parcel/{t}?lang=en").get_data(as_text=True))
    done = "New collection code · done · care:nasima · a new code was issued; the recipient gets it by SMS"
    assert done in english
    assert "the booth has no photo of this parcel" in english
    assert "no_photo" not in english and "reissue_code" not in english
    bengali = _requests(care.get(f"/care/parcel/{t}?lang=bn").get_data(as_text=True))
    assert "বুথে এই পার্সেলের কোনো ছবি নেই" in bengali


def test_a_refusal_the_console_does_not_know_is_shown_as_the_booth_put_it(
    engine: Engine, apply: ApplyFn
) -> None:
    t = _ready_parcel(apply)
    care = _login(engine, "nasima", "operator")
    token = _csrf(care, f"/care/parcel/{t}")
    assert care.post(f"/care/parcel/{t}/reissue_code", data={"csrf": token}).status_code == 302
    with engine.connect() as conn:
        command_id = conn.execute(select(commands.c.id)).scalar_one()
    _answer(engine, command_id, False, "printer: <b>paper out</b>")
    page = care.get(f"/care/parcel/{t}?lang=en").get_data(as_text=True)
    assert "printer: &lt;b&gt;paper out&lt;/b&gt;" in _requests(page) and "<b>" not in page


def _requests(page: str) -> str:
    """The text of the page's list of requests to the booth (its markup left out)."""
    start = page.index('id="commands"')
    return re.sub(r"<[^>]*>", "", page[page.index(">", start) + 1 : page.index("</ul>", start)])


def test_viewers_look_but_do_not_act(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t), at=T0))
    viewer = _login(engine, "rafiq", "viewer")
    page = viewer.get(f"/care/parcel/{t}").get_data(as_text=True)
    assert "Rahima Begum" in page and "Re-issue" not in page
    token = _csrf(viewer, "/dashboard/login")  # the session token
    assert viewer.post(f"/care/parcel/{t}/reissue_code", data={"csrf": token}).status_code == 403
    assert viewer.get(f"/care/parcel/{tid(22_222_222)}").status_code == 404
