"""Staff sessions survive a hub restart and are shared by hub processes: the key lives in the database."""

from __future__ import annotations

import re
import threading

from sqlalchemy import Engine, func, select

from hub.db.engine import make_engine
from hub.db.schema import hub_secrets
from hub.monitoring.live import FleetBroadcaster
from hub.session_key import session_key
from hub.users import create_user
from hub.web import WebContext, create_app


def _app(engine: Engine):  # type: ignore[no-untyped-def]
    """The hub's app as `python -m hub` builds it: the session key from the database."""
    fleet = FleetBroadcaster(engine)
    fleet.tick()
    return create_app(WebContext(engine=engine, fleet=fleet, secret_key=session_key(engine)))


def test_the_key_is_made_once_and_kept(engine: Engine) -> None:
    first = session_key(engine)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    again = make_engine(engine.url.render_as_string(hide_password=False))  # a restarted hub process
    try:
        assert session_key(again) == first
    finally:
        again.dispose()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(hub_secrets)).scalar() == 1


def test_processes_starting_together_agree_on_one_key(engine: Engine) -> None:
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(session_key(engine))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 6 and len(set(keys)) == 1


def test_a_staff_session_outlives_a_restart(engine: Engine) -> None:
    with engine.begin() as conn:
        create_user(conn, "vera", "viewer", "viewer-pass")
    before = _app(engine).test_client()
    page = before.get("/dashboard/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = before.post("/dashboard/login", data={"csrf": token, "name": "vera", "password": "viewer-pass"})
    assert resp.status_code == 302
    cookie = before.get_cookie("session")
    assert cookie is not None

    after = _app(engine).test_client()  # the hub restarted: a new app, the same database
    after.set_cookie("session", cookie.value, domain=cookie.domain)
    assert after.get("/dashboard/fleet.json").status_code == 200
    stranger = create_app(WebContext(engine=engine)).test_client()  # a key of its own: no session
    stranger.set_cookie("session", cookie.value, domain=cookie.domain)
    assert stranger.get("/dashboard/fleet.json").status_code == 401
