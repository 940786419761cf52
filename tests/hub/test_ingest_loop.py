"""An ingest worker's single-thread loop against a real Mosquitto: every event stored once and acked,
across a broker restart and across database connections killed mid-stream."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, func, select, text

from demo.processes import Mosquitto
from hub.config import BrokerConfig
from hub.db.schema import dead_letters, events, parcels
from hub.ingest.loop import IngestLoop, gathered
from tests.hub.booth_clients import BoothsClient
from tests.hub.conftest import throwaway_pg
from tests.hub.factory import DEST, accepted, event, tid
from tests.hub.test_ingest_timing import assert_one_summary

pytestmark = pytest.mark.slow

BOOTHS = ["BD-4100-01", "BD-4200-01", "BD-4300-01"]


class Booths(BoothsClient):
    """Publishes acceptances as BOOTHS and waits for their acks."""

    def publish(self, seqs: range) -> None:
        """Each booth's acceptance events with these seqs, interleaved, at QoS 1."""
        messages = []
        for seq in seqs:
            for n, booth in enumerate(BOOTHS):
                msg = event(booth, seq, accepted(tid(60_000_000 + n * 100_000 + seq), booth, DEST))
                messages.append((msg.topic, msg.payload))
        self.publish_all(messages)

    def wait_acked(self, upto: int, timeout: float = 60) -> None:
        """Wait until every booth's ack reaches upto."""
        deadline = time.monotonic() + timeout
        while any(self.acks.get(b, 0) < upto for b in BOOTHS):
            assert time.monotonic() < deadline, f"acks {self.acks}, wanted {upto} for each booth"
            time.sleep(0.05)


def publish_and_wait(port: int, seqs: range) -> None:
    """Publish seqs as every booth from a fresh client and wait until the hub acks the last."""
    booths = Booths(port)
    try:
        booths.publish(seqs)
        booths.wait_acked(seqs[-1])
    finally:
        booths.close()


def wait_subscribed(loop: IngestLoop, timeout: float = 20) -> None:
    """Wait until the loop's subscription is in place (booths resend what is published before)."""
    deadline = time.monotonic() + timeout
    while not loop.subscribed:
        assert time.monotonic() < deadline, "the loop did not subscribe"
        time.sleep(0.05)


@contextmanager
def running(loop: IngestLoop) -> Iterator[threading.Thread]:
    """The loop in a thread, subscribed, until the block ends; it must stop when asked."""
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), name="test-ingest-loop")
    thread.start()
    try:
        wait_subscribed(loop)
        yield thread
    finally:
        stop.set()
        thread.join(15)
        assert not thread.is_alive(), "the loop did not stop when asked"


def stored(engine: Engine) -> tuple[int, int, int]:
    """Events, distinct (booth, seq) among them, and dead letters."""
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(events)).scalar_one()
        distinct = conn.execute(
            select(func.count()).select_from(select(events.c.booth, events.c.seq).distinct().subquery())
        ).scalar_one()
        dead = conn.execute(select(func.count()).select_from(dead_letters)).scalar_one()
    return n, distinct, dead


def test_events_are_stored_once_and_acked_across_a_broker_restart(
    broker: Mosquitto, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    loop = IngestLoop(BrokerConfig(url=broker.url, client_id="hub-loop-0"), engine, session_expiry_s=300)
    with caplog.at_level("INFO", logger="hub.ingest.loop"), running(loop) as thread:
        publish_and_wait(broker.port, range(1, 201))
        assert stored(engine) == (600, 600, 0)
        first = loop.generation
        broker.stop()
        time.sleep(0.5)
        broker.start()
        wait_subscribed(loop)
        publish_and_wait(broker.port, range(201, 251))
        assert thread.is_alive()
    assert loop.generation > first, "the loop connected again after the broker came back"
    assert stored(engine) == (750, 750, 0)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(parcels)).scalar_one() == 750
    # Leaving, the loop logs where its time went since its last summary (every minute when busy).
    assert_one_summary(caplog, 750)


@pytest.mark.postgres
def test_database_connections_killed_mid_stream_lose_and_double_nothing(
    broker: Mosquitto, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """pg_terminate_backend on the loop's connections while batches are applied, until one batch has
    failed: it is retried after a pause, and nothing is acked before it is committed."""
    with throwaway_pg(pg_url) as engine, caplog.at_level("WARNING", logger="hub.ingest.loop"):
        loop = IngestLoop(BrokerConfig(url=broker.url, client_id="hub-loop-1"), engine, session_expiry_s=300)
        with running(loop):
            booths = Booths(broker.port)
            try:
                publishing = threading.Thread(target=booths.publish, args=(range(1, 1001),))
                publishing.start()
                with engine.connect() as admin:
                    while publishing.is_alive() and not failed_batches(caplog):
                        admin.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                            )
                        )
                        admin.commit()
                        time.sleep(0.02)
                publishing.join(60)
                booths.wait_acked(1000, timeout=90)
            finally:
                booths.close()
        assert failed_batches(caplog), "no batch failed: the test proved nothing"
        assert stored(engine) == (3000, 3000, 0)


def failed_batches(caplog: pytest.LogCaptureFixture) -> int:
    """Batches the loop logged as failed and to be retried."""
    return sum("failed; retrying" in r.getMessage() for r in caplog.get_records("call"))


@pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK is Linux's")
def test_a_batch_s_acks_leave_in_full_segments_and_nothing_stays_held_back() -> None:
    """The PUBACKs and acks of a batch are written with the TCP connection corked, and it is uncorked
    afterwards, also when the block fails; a socket that is not TCP is written to as it is."""
    listener = socket.create_server(("127.0.0.1", 0))
    conn = socket.create_connection(listener.getsockname())
    peer, _ = listener.accept()
    try:
        with gathered(conn):
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 1
            conn.sendall(b"puback")
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 0
        assert peer.recv(16) == b"puback"
        with pytest.raises(RuntimeError), gathered(conn):
            raise RuntimeError("the batch failed")
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 0
    finally:
        for s in (conn, peer, listener):
            s.close()
    left, right = socket.socketpair()
    try:
        with gathered(left):
            left.sendall(b"ack")
        assert right.recv(8) == b"ack"
        with gathered(None):  # disconnected: paho has no socket
            pass
    finally:
        left.close()
        right.close()
