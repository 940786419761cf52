"""A local SMS gateway peer: accepts the hub's HTTP SMS contract and shows what it received.

POST /send with JSON {"to": "+8801...", "text": "..."} → 200 {"id": "..."}; GET / lists the
messages as a page, GET /messages as JSON. Used by the demo, by training and by the tests.

Like a gateway that deduplicates, a send whose Idempotency-Key header was seen before is answered
with the first send's id and not delivered again (the hub re-sends after a crash between the
gateway's answer and its own commit); `replayed` counts those.
"""

from __future__ import annotations

import html
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

from demo.http_peer import HttpPeer

CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


class SmsSink(HttpPeer):
    """An HTTP SMS gateway on loopback that keeps every message it was sent."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, fail_next: int = 0) -> None:
        self.messages: list[dict[str, Any]] = []
        self.by_key: dict[str, str] = {}  # Idempotency-Key -> the id of the message it delivered
        self.replayed = 0
        self.fail_next = fail_next  # answer this many sends with 503, to exercise retries
        self._lock = threading.Lock()
        super().__init__(self._handler(), "sms-sink", host, port)

    @property
    def url(self) -> str:
        """The URL to configure as the hub's [sms] url."""
        return f"http://127.0.0.1:{self.port}/send"

    def received(self) -> list[dict[str, Any]]:
        """A copy of the messages received so far."""
        with self._lock:
            return list(self.messages)

    def code_for(self, phone: str, tracking_id: str) -> str | None:
        """The collection code in the newest SMS to phone that names tracking_id, if any."""
        for message in reversed(self.received()):
            if message["to"] == phone and tracking_id in message["text"]:
                found = CODE.search(message["text"])
                if found:
                    return found.group(0)
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length))
                    to, text = body["to"], body["text"]
                    if not isinstance(to, str) or not isinstance(text, str):
                        raise TypeError
                except (ValueError, KeyError, TypeError):
                    self._reply(400, b'{"error": "expected {\\"to\\", \\"text\\"}"}')
                    return
                with sink._lock:
                    if sink.fail_next > 0:
                        sink.fail_next -= 1
                        self._reply(503, b'{"error": "try later"}')
                        return
                    key = self.headers.get("Idempotency-Key")
                    if key and key in sink.by_key:
                        sink.replayed += 1
                        self._reply(200, json.dumps({"id": sink.by_key[key]}).encode())
                        return
                    message_id = uuid.uuid4().hex
                    sink.messages.append({"id": message_id, "to": to, "text": text})
                    if key:
                        sink.by_key[key] = message_id
                self._reply(200, json.dumps({"id": message_id}).encode())

            def do_GET(self) -> None:
                items = sink.received()
                if self.path.startswith("/messages"):
                    self._reply(200, json.dumps(items, ensure_ascii=False).encode())
                    return
                rows = "".join(
                    f"<li><b>{html.escape(m['to'])}</b>: {html.escape(m['text'])}</li>"
                    for m in reversed(items)
                )
                page = (
                    "<!doctype html><meta charset=utf-8><title>SMS</title>"
                    f"<h1>SMS sent by the hub</h1><ul>{rows or '<li>none yet</li>'}</ul>"
                )
                self._reply(200, page.encode(), "text/html; charset=utf-8")

        return Handler
