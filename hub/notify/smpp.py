"""SMS over SMPP 3.4 (smpplib): one bound transceiver session, kept alive and rebound after a drop.

A named reader thread owns the session: it connects and binds (with backoff after a failure),
answers the SMSC's enquire_link and deliver_sm, sends enquire_link when the link has been idle, and
hands each submit_sm_resp to the sender waiting for it. send() may be called from any thread.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

from smpplib import consts, smpp  # type: ignore[import-untyped]
from smpplib.client import Client  # type: ignore[import-untyped]
from smpplib.command import Command  # type: ignore[import-untyped]
from smpplib.exceptions import ConnectionError as SmppConnectionError  # type: ignore[import-untyped]
from smpplib.exceptions import PDUError  # type: ignore[import-untyped]

from hub.config import SmsConfig
from hub.notify.drivers import MessageIds, ReceiptHandler, SmsError
from hub.notify.smpp_parts import ESM_RECEIPT, encode, parse_receipt

log = logging.getLogger(__name__)

POLL_S = 0.2
FIRST_REBIND_S = 0.5
MAX_REBIND_S = 30.0
TON_INTERNATIONAL, TON_ALPHANUMERIC, NPI_ISDN = 1, 5, 1


WIRE_LOGGER = "hub.notify.smpp.wire"


class _NoPduDumps(logging.Filter):
    """Drops smpplib's hex dumps of PDUs: a submit_sm holds the message, and so the collection code."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but the dumps."""
        return not str(record.msg).startswith((">>", "<<"))


_WIRE_FILTER = _NoPduDumps()


class SessionEnded(Exception):
    """The SMPP session is over (peer closed, unbound, or stopped answering)."""


@dataclass
class _Pending:
    """A submit_sm waiting for its answer."""

    done: threading.Event = field(default_factory=threading.Event)
    message_id: str | None = None
    error: str | None = None


def _text(value: object) -> str:
    """A parsed C-string field (bytes) as text."""
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").rstrip("\x00")
    return "" if value is None else str(value)


def _status_text(status: int) -> str:
    return f"0x{status:08X} {consts.DESCRIPTIONS.get(status, 'unknown status')}"


class SmppDriver:
    """Sends SMS through an SMSC over one bound transceiver session; delivery receipts go to on_receipt."""

    def __init__(self, cfg: SmsConfig, on_receipt: ReceiptHandler | None = None) -> None:
        self.cfg = cfg
        self.on_receipt = on_receipt
        self.binds = 0  # sessions bound so far (a rebind after a drop adds one)
        self._lock = threading.Lock()  # guards _client, _pending and _thread
        self._send_lock = threading.Lock()  # one writer on the socket; sequence numbers in order
        self._bound = threading.Event()
        self._stopping = threading.Event()
        self._client: Client | None = None
        self._pending: dict[int, _Pending] = {}
        self._thread: threading.Thread | None = None
        self._last_rx = 0.0
        self._enquire_at: float | None = None
        wire = logging.getLogger(WIRE_LOGGER)
        if _WIRE_FILTER not in wire.filters:
            wire.addFilter(_WIRE_FILTER)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SmppDriver:
        """Start the session thread (once); it binds in the background and keeps the session up."""
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="hub-smpp", daemon=True)
                self._thread.start()
        return self

    def wait_bound(self, timeout: float) -> bool:
        """Start the session if needed and wait until it is bound; False if it is not within timeout."""
        self.start()
        return self._bound.wait(timeout)

    def close(self) -> None:
        """Unbind, close the socket and stop the session thread."""
        self._stopping.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(self.cfg.submit_timeout_s + 5)

    # --- sending -----------------------------------------------------------------------------

    def send(self, to: str, text: str, secret: str | None = None, key: str | None = None) -> str:
        """Submit text (in parts when long) and return the SMSC's message id of each part; raise SmsError."""
        self.start()
        if not self._bound.wait(self.cfg.submit_timeout_s):
            raise SmsError("SMSC session not bound")
        try:
            encoded = encode(text)
        except ValueError as exc:
            raise SmsError(str(exc), permanent=True) from None
        ids = [self._submit(to, encoded.data_coding, encoded.esm_class, part) for part in encoded.parts]
        return MessageIds(ids)

    def _submit(self, to: str, data_coding: int, esm_class: int, short_message: bytes) -> str:
        source = self.cfg.source_addr
        numeric = source.lstrip("+").isdigit()
        pending = _Pending()
        with self._send_lock:
            with self._lock:
                client = self._client if self._bound.is_set() else None
            if client is None:
                raise SmsError("SMSC session not bound")
            pdu = smpp.make_pdu(
                "submit_sm",
                client=client,
                source_addr_ton=TON_INTERNATIONAL if numeric else TON_ALPHANUMERIC,
                source_addr_npi=NPI_ISDN if numeric else 0,
                source_addr=source.lstrip("+"),
                dest_addr_ton=TON_INTERNATIONAL,
                dest_addr_npi=NPI_ISDN,
                destination_addr=to.lstrip("+"),
                esm_class=esm_class,
                data_coding=data_coding,
                registered_delivery=1,  # ask for a delivery receipt
                short_message=short_message,
            )
            with self._lock:
                self._pending[pdu.sequence] = pending
            try:
                client.send_pdu(pdu)
            except (SmppConnectionError, PDUError, OSError):
                self._forget(pdu.sequence)
                raise SmsError("SMSC connection lost while submitting") from None
        if not pending.done.wait(self.cfg.submit_timeout_s):
            self._forget(pdu.sequence)
            raise SmsError("SMSC did not answer submit_sm in time")
        if pending.error is not None:
            raise SmsError(pending.error)
        return pending.message_id or ""

    def _forget(self, sequence: int) -> None:
        with self._lock:
            self._pending.pop(sequence, None)

    # --- the session thread ------------------------------------------------------------------

    def _run(self) -> None:
        delay = FIRST_REBIND_S
        while not self._stopping.is_set():
            try:
                self._connect()
                delay = FIRST_REBIND_S
                self._serve()
            except (SessionEnded, SmppConnectionError, PDUError, OSError) as exc:
                if not self._stopping.is_set():
                    log.warning(
                        "SMSC session %s:%d ended: %s", self.cfg.host, self.cfg.port, str(exc) or "closed"
                    )
            finally:
                self._drop()
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, MAX_REBIND_S)

    def _connect(self) -> None:
        ctx = ssl.create_default_context() if self.cfg.tls else None
        client = Client(
            self.cfg.host,
            self.cfg.port,
            timeout=self.cfg.submit_timeout_s,
            ssl_context=ctx,
            allow_unknown_opt_params=True,
            logger_name=WIRE_LOGGER,
        )
        with self._lock:
            self._client = client  # kept even before the bind, so _drop() always closes the socket
        client.connect()
        # Small PDUs both ways (submit_sm, then receipts): Nagle's delay would cap the rate.
        client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.bind_transceiver(system_id=self.cfg.system_id, password=self.cfg.password)
        self._last_rx, self._enquire_at = time.monotonic(), None
        self.binds += 1
        self._bound.set()
        log.info("SMSC session bound at %s:%d", self.cfg.host, self.cfg.port)

    def _serve(self) -> None:
        with self._lock:
            client = self._client
        assert client is not None
        sock = client._socket  # smpplib has no accessor; the thread waits on it with a stop check
        while True:
            if self._stopping.is_set():
                self._unbind(client)
                return
            buffered = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
            readable = buffered or bool(select.select([sock], [], [], POLL_S)[0])
            now = time.monotonic()
            if readable:
                try:
                    pdu = client.read_pdu()
                except TimeoutError:
                    raise SessionEnded("SMSC sent part of a PDU and went silent") from None
                self._last_rx, self._enquire_at = now, None
                self._dispatch(client, pdu)
            elif self._enquire_at is not None:
                if now - self._enquire_at > self.cfg.submit_timeout_s:
                    raise SessionEnded("SMSC did not answer enquire_link")
            elif now - self._last_rx >= self.cfg.enquire_link_s:
                self._write(client, smpp.make_pdu("enquire_link", client=client))
                self._enquire_at = now

    def _write(self, client: Client, pdu: Command) -> None:
        with self._send_lock:
            client.send_pdu(pdu)

    def _reply(self, client: Client, command: str, request: Command, status: int = 0) -> None:
        resp = smpp.make_pdu(command, client=client, status=status)
        resp.sequence = request.sequence
        self._write(client, resp)

    def _dispatch(self, client: Client, pdu: Command) -> None:
        command = pdu.command
        if command in ("submit_sm_resp", "generic_nack"):
            with self._lock:
                pending = self._pending.pop(pdu.sequence, None)
            if pending is not None:
                if pdu.status != consts.SMPP_ESME_ROK:
                    pending.error = f"SMSC refused the message: {_status_text(pdu.status)}"
                else:
                    pending.message_id = _text(getattr(pdu, "message_id", None))
                pending.done.set()
        elif command == "deliver_sm":
            self._reply(client, "deliver_sm_resp", pdu, self._delivered(pdu))
        elif command == "enquire_link":
            self._reply(client, "enquire_link_resp", pdu)
        elif command == "unbind":
            self._reply(client, "unbind_resp", pdu)
            raise SessionEnded("SMSC unbound the session")
        elif command != "enquire_link_resp":
            log.debug("SMSC sent %s; ignored", command)

    def _delivered(self, pdu: Command) -> int:
        """Hand a delivery receipt to on_receipt; the status to answer the deliver_sm with."""
        if not (pdu.esm_class or 0) & ESM_RECEIPT:
            log.info("inbound SMS from the SMSC ignored")  # customers' replies are not handled
            return consts.SMPP_ESME_ROK
        text = (pdu.short_message or b"").decode("latin-1")
        receipt = parse_receipt(text, _text(getattr(pdu, "receipted_message_id", None)) or None)
        if receipt is None:
            log.warning("unreadable delivery receipt ignored")
            return consts.SMPP_ESME_ROK
        if self.on_receipt is not None:
            try:
                self.on_receipt(receipt)
            except Exception:
                # Not recorded: a temporary error makes the SMSC deliver the receipt again later.
                log.exception("delivery receipt %s not recorded", receipt.provider_id)
                return consts.SMPP_ESME_RX_T_APPN
        return consts.SMPP_ESME_ROK

    def _unbind(self, client: Client) -> None:
        with contextlib.suppress(SmppConnectionError, PDUError, OSError):
            self._write(client, smpp.make_pdu("unbind", client=client))

    def _drop(self) -> None:
        self._bound.clear()
        with self._lock:
            client, self._client = self._client, None
            pending, self._pending = self._pending, {}
        for waiting in pending.values():
            waiting.error = "SMSC connection lost before the answer"
            waiting.done.set()
        if client is not None:
            client.state = consts.SMPP_CLIENT_STATE_OPEN  # closing now; no "bound" warning
            with contextlib.suppress(OSError):
                client.disconnect()
