"""A local HTTP peer that records webhook deliveries and can refuse the first few."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from demo.http_peer import HttpPeer


@dataclass
class Delivery:
    """One POST as received: headers and raw body."""

    headers: dict[str, str]
    body: bytes


class WebhookSink(HttpPeer):
    """A real HTTP server on a free loopback port; the first `fail_first` requests get a 503."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.deliveries: list[Delivery] = []
        self.refused = 0
        self._lock = threading.Lock()
        super().__init__(self._handler(), "webhook-sink")

    @property
    def url(self) -> str:
        """Where to POST."""
        return f"http://127.0.0.1:{self.port}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink._lock:
                    refuse = sink.refused < sink.fail_first
                    if refuse:
                        sink.refused += 1
                    else:
                        sink.deliveries.append(Delivery(dict(self.headers.items()), body))
                self.send_response(503 if refuse else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler
