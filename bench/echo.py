"""The echo hub: a bare subscriber that acknowledges what it receives, the baseline for the hub's own work."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading

import aiomqtt

from parcel import topics


async def echo_hub(port: int, ready: asyncio.Event, stop: asyncio.Event) -> None:
    """A bare subscriber that acknowledges everything it has received every 10 ms: the pipe without the hub's work."""
    async with aiomqtt.Client(
        "127.0.0.1", port, identifier="echo", protocol=aiomqtt.ProtocolVersion.V5
    ) as client:
        await client.subscribe(topics.all_booths(topics.EVENT), qos=1)
        ready.set()
        highest: dict[str, int] = {}
        changed: set[str] = set()

        async def flush() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.01)
                for booth in list(changed):
                    changed.discard(booth)
                    ack = json.dumps({"upto": highest[booth]})
                    await client.publish(topics.booth_topic(booth, topics.ACK), ack, 1, True)

        flusher = asyncio.create_task(flush())
        try:
            async for message in client.messages:
                booth = str(message.topic).split("/")[3]
                highest[booth] = max(highest.get(booth, 0), int(json.loads(message.payload)["seq"]))
                changed.add(booth)
                if stop.is_set():
                    return
        finally:
            flusher.cancel()


class EchoThread(threading.Thread):
    """The echo hub on its own event loop in a thread."""

    def __init__(self, port: int) -> None:
        super().__init__(name="echo-hub", daemon=True)
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop_event: asyncio.Event | None = None

    def run(self) -> None:
        """Serve acks until stopped."""

        async def main() -> None:
            ready, self._stop_event = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(echo_hub(self.port, ready, self._stop_event))
            await ready.wait()
            self._ready.set()
            await self._stop_event.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        self._loop.run_until_complete(main())
        self._loop.close()

    def start(self) -> None:
        """Start and wait until subscribed."""
        super().start()
        self._ready.wait(30)

    def stop(self) -> None:
        """Stop and wait for the thread."""
        if self._stop_event is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self.join(10)
