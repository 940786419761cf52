"""A threaded HTTP server on a loopback port: the shared lifecycle of the local gateway and webhook peers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HttpPeer:
    """Serves a request handler on 127.0.0.1 (port 0 = a free one) in a named thread."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], name: str, host: str = "127.0.0.1", port: int = 0
    ):
        self._server = ThreadingHTTPServer((host, port), handler)
        # Handlers answer one request and close (HTTP/1.0); stop() waits for them, so no socket lingers.
        self._server.daemon_threads = False
        self._server.block_on_close = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def port(self) -> int:
        """The port the peer listens on."""
        return int(self._server.server_address[1])

    def start(self) -> HttpPeer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
