"""A tiny page beside the local SMPP peer: the SMS it received, as the HTTP sink shows its own.

SMPP has no page of its own, and a demo clerk needs the collection code from the customer's SMS
to hand a parcel over, so the page shows whole texts, on loopback only, like the HTTP sink does.
GET / is the page, GET /messages the same as JSON.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler
from typing import Any

from demo.http_peer import HttpPeer
from demo.smpp_peer import SmppPeer


class SmppStatusPage(HttpPeer):
    """Serves what an SmppPeer received on a loopback HTTP port."""

    def __init__(self, peer: SmppPeer, host: str = "127.0.0.1", port: int = 0) -> None:
        self.peer = peer
        super().__init__(self._handler(), "smpp-status", host, port)

    @property
    def url(self) -> str:
        """The page's URL."""
        return f"http://127.0.0.1:{self.port}/"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _reply(self, body: bytes, ctype: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                items = page.peer.received()
                if self.path.startswith("/messages"):
                    body = json.dumps([asdict(m) for m in items], ensure_ascii=False).encode()
                    self._reply(body, "application/json")
                    return
                rows = "".join(
                    f"<li><b>{html.escape(m.to)}</b> ({m.parts} part(s), "
                    f"{'UCS-2' if m.data_coding == 8 else 'GSM-7'}): {html.escape(m.text)}</li>"
                    for m in reversed(items)
                )
                text = (
                    "<!doctype html><meta charset=utf-8><title>SMPP</title>"
                    f"<h1>SMS received by the local SMSC (binds: {page.peer.binds}, "
                    f"sessions now: {page.peer.sessions()})</h1><ul>{rows or '<li>none yet</li>'}</ul>"
                )
                self._reply(text.encode(), "text/html; charset=utf-8")

        return Handler
