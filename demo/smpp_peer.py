"""A local SMPP peer (a simulated SMSC) for the demo, training and the tests.

Accepts bind_transceiver with a system id and password, answers submit_sm with message ids,
reassembles concatenated parts (UDH), decodes GSM-7 and UCS-2, keeps every message, and sends a
delivery receipt ("id:... stat:DELIVRD ...", esm_class 0x04) back for each part. Faults on purpose:
refuse the next submits (ESME_RTHROTTLED by default), leave submits unanswered, report a number as
undeliverable (stat:UNDELIV), drop every session.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smpplib import consts, smpp  # type: ignore[import-untyped]
from smpplib.command import Command  # type: ignore[import-untyped]
from smpplib.gsm import GSM_CHARACTER_TABLE  # type: ignore[import-untyped]

from demo.sms_sink import CODE

MAX_PDU = 64 * 1024


class _Sequence:
    """Sequence numbers for the PDUs the peer starts (deliver_sm)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sequence = 0

    def next_sequence(self) -> int:
        """The next sequence number."""
        with self._lock:
            self.sequence += 1
            return self.sequence


def gsm_decode(data: bytes) -> str:
    """Unpacked GSM 03.38 octets (with 0x1B escapes) as text."""
    out, escape = [], False
    for byte in data:
        if escape:
            out.append(GSM_CHARACTER_TABLE[0x80 + byte])
            escape = False
        elif byte == 0x1B:
            escape = True
        else:
            out.append(GSM_CHARACTER_TABLE[byte])
    return "".join(out)


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


@dataclass
class Message:
    """One complete SMS as the SMSC saw it."""

    source: str
    to: str
    text: str
    ids: list[str]
    data_coding: int
    parts: int


@dataclass
class _Session:
    """One connected client."""

    sock: socket.socket
    bound: bool = False
    partial: dict[tuple[str, int, int], dict[int, tuple[str, bytes]]] = field(default_factory=dict)


class SmppPeer:
    """A simulated SMSC on a real loopback TCP port (port 0 = a free one), served by named threads."""

    def __init__(
        self,
        password: str,
        system_id: str = "dakbooth",
        host: str = "127.0.0.1",
        port: int = 0,
        receipts: bool = True,
    ) -> None:
        self.system_id = system_id
        self.password = password
        self.receipts = receipts
        self.reject_next = 0  # refuse this many submit_sm with reject_status
        self.reject_status = consts.SMPP_ESME_RTHROTTLED
        self.silent_next = 0  # leave this many submit_sm unanswered
        self.undeliverable: set[str] = set()  # numbers whose receipts say stat:UNDELIV
        self.answer_enquire_link = True
        self.binds = 0
        self.refused_binds = 0
        self.enquire_links = 0
        self.receipt_acks: list[int] = []  # command_status of each deliver_sm_resp
        self._messages: list[Message] = []
        self._sessions: list[_Session] = []
        self._lock = threading.Lock()
        self._seq = _Sequence()
        self._server = socketserver.ThreadingTCPServer((host, port), self._handler(), bind_and_activate=True)
        self._server.daemon_threads = False
        self._server.block_on_close = True  # stop() waits for every session thread
        self._thread = threading.Thread(target=self._server.serve_forever, name="smpp-peer", daemon=True)

    # --- lifecycle and queries ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the peer listens on."""
        return int(self._server.server_address[1])

    def start(self) -> SmppPeer:
        """Start accepting sessions in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every session and wait for their threads."""
        self._server.shutdown()
        self.drop_sessions()
        self._server.server_close()
        self._thread.join(5)

    def drop_sessions(self) -> int:
        """Close every connected session at once (a network fault); return how many were closed."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            with contextlib.suppress(OSError):
                session.sock.shutdown(socket.SHUT_RDWR)
        return len(sessions)

    def sessions(self) -> int:
        """How many clients are connected now."""
        with self._lock:
            return len(self._sessions)

    def received(self) -> list[Message]:
        """A copy of the complete messages received so far."""
        with self._lock:
            return list(self._messages)

    def code_for(self, phone: str, tracking_id: str) -> str | None:
        """The collection code in the newest SMS to phone that names tracking_id, if any."""
        for message in reversed(self.received()):
            if message.to == phone and tracking_id in message.text:
                found = CODE.search(message.text)
                if found:
                    return found.group(0)
        return None

    # --- the protocol ------------------------------------------------------------------------

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        peer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                session = _Session(self.request)
                with peer._lock:
                    peer._sessions.append(session)
                try:
                    while True:
                        pdu = peer._read(session.sock)
                        if pdu is None or not peer._on_pdu(session, pdu):
                            return
                except OSError:
                    return
                finally:
                    with peer._lock:
                        if session in peer._sessions:
                            peer._sessions.remove(session)

        return Handler

    def _read(self, sock: socket.socket) -> Command | None:
        head = self._exact(sock, 4)
        if head is None:
            return None
        (length,) = struct.unpack(">L", head)
        if not 16 <= length <= MAX_PDU:
            return None
        body = self._exact(sock, length - 4)
        if body is None:
            return None
        return smpp.parse_pdu(head + body, client=self._seq, allow_unknown_opt_params=True)

    @staticmethod
    def _exact(sock: socket.socket, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, session: _Session, command: str, request: Command | None = None, **fields: Any) -> None:
        pdu = smpp.make_pdu(command, client=self._seq, **fields)
        if request is not None:
            pdu.sequence = request.sequence
        session.sock.sendall(pdu.generate())

    def _on_pdu(self, session: _Session, pdu: Command) -> bool:
        """Act on one PDU; False ends the session."""
        command = pdu.command
        if command == "bind_transceiver":
            ok = _text(pdu.system_id) == self.system_id and _text(pdu.password) == self.password
            with self._lock:
                if ok:
                    self.binds += 1
                else:
                    self.refused_binds += 1
            status = consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD
            self._send(session, "bind_transceiver_resp", pdu, status=status, system_id="dakbooth-peer")
            session.bound = ok
            return ok
        if not session.bound:
            self._send(session, "generic_nack", pdu, status=consts.SMPP_ESME_RINVBNDSTS)
            return True
        if command == "submit_sm":
            self._submit(session, pdu)
        elif command == "enquire_link":
            with self._lock:
                self.enquire_links += 1
            if self.answer_enquire_link:
                self._send(session, "enquire_link_resp", pdu)
        elif command == "deliver_sm_resp":
            with self._lock:
                self.receipt_acks.append(int(pdu.status))
        elif command == "unbind":
            self._send(session, "unbind_resp", pdu)
            return False
        elif command not in ("enquire_link_resp", "generic_nack"):
            self._send(session, "generic_nack", pdu, status=consts.SMPP_ESME_RINVCMDID)
        return True

    def _submit(self, session: _Session, pdu: Command) -> None:
        with self._lock:
            if self.silent_next > 0:
                self.silent_next -= 1
                return
            refuse = self.reject_next > 0
            if refuse:
                self.reject_next -= 1
        if refuse:
            self._send(session, "submit_sm_resp", pdu, status=self.reject_status)
            return
        message_id = uuid.uuid4().hex[:16]
        source, to = _text(pdu.source_addr), _text(pdu.destination_addr)
        to = "+" + to if to.isdigit() else to
        self._assemble(session, pdu, source, to, message_id)  # kept before the answer goes out
        self._send(session, "submit_sm_resp", pdu, message_id=message_id)
        if self.receipts and pdu.registered_delivery:
            self._receipt(session, source, to, message_id)

    def _assemble(self, session: _Session, pdu: Command, source: str, to: str, message_id: str) -> None:
        data: bytes = pdu.short_message or b""
        coding = int(pdu.data_coding or 0)
        if (pdu.esm_class or 0) & 0x40 and len(data) >= 6 and data[:3] == b"\x05\x00\x03":
            ref, total, number = data[3], data[4], data[5]
            key = (to, ref, total)
            parts = session.partial.setdefault(key, {})
            parts[number] = (message_id, data[6:])
            if len(parts) < total:
                return
            del session.partial[key]
            ids = [parts[n][0] for n in sorted(parts)]
            payload = b"".join(parts[n][1] for n in sorted(parts))
        else:
            ids, payload, total = [message_id], data, 1
        text = payload.decode("utf-16-be") if coding == 0x08 else gsm_decode(payload)
        with self._lock:
            self._messages.append(Message(source, to, text, ids, coding, total))

    def _receipt(self, session: _Session, source: str, to: str, message_id: str) -> None:
        failed = to in self.undeliverable
        stamp = datetime.now(UTC).strftime("%y%m%d%H%M")
        stat, err = ("UNDELIV", "001") if failed else ("DELIVRD", "000")
        text = (
            f"id:{message_id} sub:001 dlvrd:{'000' if failed else '001'} submit date:{stamp} "
            f"done date:{stamp} stat:{stat} err:{err} text:"
        )
        self._send(
            session,
            "deliver_sm",
            source_addr=to.lstrip("+"),
            destination_addr=source,
            esm_class=0x04,
            data_coding=0,
            short_message=text.encode("ascii"),
            receipted_message_id=message_id,
            message_state=5 if failed else 2,  # UNDELIVERABLE | DELIVERED
        )
