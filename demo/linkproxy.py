"""A TCP proxy that can cut or delay a link: booths' village internet, on demand, for chaos runs.

`LinkProxy(target_port).start()` listens on a free loopback port and forwards to the target.
`cut()` drops every connection and refuses new ones until `restore()`; `delay_ms` adds latency
to every chunk in both directions.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from demo.processes import free_port


class LinkProxy:
    """Forwards 127.0.0.1:port to 127.0.0.1:target_port, with faults injected on request."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self.delay_ms = 0
        self.cuts = 0
        self._up = True
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="link-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """mqtt:// URL through the proxy."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> LinkProxy:
        """Start listening."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self

    def stop(self) -> None:
        """Close everything and stop the proxy's thread."""
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def cut(self) -> None:
        """Drop every connection now and refuse new ones (the link is down)."""
        self._up = False
        self.cuts += 1
        asyncio.run_coroutine_threadsafe(self._drop_all(), self._loop).result(5)

    def restore(self) -> None:
        """Let connections through again."""
        self._up = True

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _close(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        await self._drop_all()

    async def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._up:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while self._up and (chunk := await reader.read(65536)):
                if self.delay_ms:
                    await asyncio.sleep(self.delay_ms / 1000)
                writer.write(chunk)
                await writer.drain()
        writer.close()
        self._writers.discard(writer)
