"""One bound SMPP session (bind_transceiver): a socket, a reader thread and a window of submit_sm.

Thread model: the caller's thread (the dispatcher's) writes submit_sm PDUs without waiting for each
answer, up to ``window`` outstanding, several PDUs per write; one reader thread per session reads every
PDU the SMSC sends: it matches submit_sm_resp to its submit_sm by sequence number, hands each deliver_sm
to ``on_deliver`` and always answers it with deliver_sm_resp, answers enquire_link and unbind, and sends
an enquire_link after ``enquire_seconds`` without traffic. A lock serialises writes from both threads.

When the connection drops (or the SMSC stops answering), every submit_sm still waiting is answered
:data:`LOST`, so the transport reports it transient and the dispatcher sends it again with the same key;
the session is then dead and the transport opens a new one.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arrears.messaging.transport import TransportDown
from arrears.messaging.transports import smpp_pdu as pdu
from arrears.messaging.transports.smpp_receipts import MalformedDeliverSm

log = logging.getLogger(__name__)

LOST = -1  # the status of a submit_sm whose answer never came
_FLUSH_EVERY = 64
_TICK = 0.2


class SmppUnreachable(TransportDown):
    """The SMSC cannot be reached (connection refused, no answer to the bind)."""


class SmppBindRefused(TransportDown):
    """The SMSC refused the bind: the system_id or the password is wrong (the password is never shown)."""


@dataclass(frozen=True, slots=True)
class SessionConfig:
    host: str
    port: int
    system_id: str
    password: str = field(repr=False)
    system_type: str = ""
    timeout: float = 10.0
    enquire_seconds: float = 30.0
    window: int = 50


@dataclass(frozen=True, slots=True)
class Response:
    status: int  # the submit_sm_resp's command_status, or LOST
    message_id: str | None = None
    reason: str | None = None  # why it was lost


@dataclass
class SessionStats:
    """Counters of a transport's sessions (never their content)."""

    binds: int = 0
    enquire_links_sent: int = 0
    enquire_link_resps: int = 0
    enquire_links_answered: int = 0
    deliver_sm: int = 0
    malformed: int = 0
    late_responses: int = 0
    drops: int = 0


class Submission:
    """The answers to one batch of submit_sm, filled in by the reader thread (guarded by its session)."""

    def __init__(self, size: int) -> None:
        self.responses: list[Response | None] = [None] * size
        self.waiting = size

    def answer(self, index: int, response: Response) -> None:
        if self.responses[index] is None:
            self.responses[index] = response
            self.waiting -= 1


class _Dead(Exception):
    pass


def _connect(config: SessionConfig) -> socket.socket:
    try:
        sock = socket.create_connection((config.host, config.port), timeout=config.timeout)
    except OSError as error:
        why = error.strerror or type(error).__name__
        raise SmppUnreachable(
            f"The SMSC at {config.host}:{config.port} cannot be reached ({why}); SMS wait and are retried.",
            f"无法连接短信中心 {config.host}:{config.port}（{why}），短信将等待重试。",
        ) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_one(sock: socket.socket) -> bytes:
    """One whole PDU read while binding (the socket's timeout applies)."""
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            raise ConnectionError("closed")
        head += chunk
    length = int.from_bytes(head, "big")
    if not 16 <= length <= pdu.MAX_PDU_LENGTH:
        raise ConnectionError("not an SMPP answer")
    body = b""
    while len(body) < length - 4:
        chunk = sock.recv(length - 4 - len(body))
        if not chunk:
            raise ConnectionError("closed")
        body += chunk
    return head + body


class SmppSession:
    def __init__(
        self, config: SessionConfig, *, on_deliver: Callable[[pdu.DeliverSm], None], stats: SessionStats
    ) -> None:
        self.config = config
        self._on_deliver = on_deliver
        self._stats = stats
        self._sock: socket.socket | None = None
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._pending: dict[int, tuple[Submission, int]] = {}
        self._sequence = itertools.count(1)
        self._alive = False
        self._unbound = threading.Event()
        self._last_rx = time.monotonic()
        self._enquire_sent_at: float | None = None
        self._reader: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self._alive

    def _next_sequence(self) -> int:
        return next(self._sequence) % 0x7FFFFFFF + 1

    # --- opening and closing -------------------------------------------------------------------------
    def open(self) -> None:
        """Connect and bind as a transceiver; raises :class:`SmppUnreachable` or :class:`SmppBindRefused`."""
        config = self.config
        sock = _connect(config)
        bind = pdu.build(
            "bind_transceiver",
            sequence=self._next_sequence(),
            system_id=config.system_id,
            password=config.password,
            system_type=config.system_type,
        )
        try:
            sock.sendall(bind)
            answer = _read_one(sock)
        except (OSError, ConnectionError):
            sock.close()
            raise SmppUnreachable(
                f"The SMSC at {config.host}:{config.port} did not answer the bind of '{config.system_id}'.",
                f"短信中心 {config.host}:{config.port} 未响应 '{config.system_id}' 的绑定请求。",
            ) from None
        _length, command_id, status, _seq = pdu.HEADER.unpack_from(answer)
        if command_id != pdu.BIND_TRANSCEIVER_RESP or status != pdu.ESME_ROK:
            sock.close()
            raise SmppBindRefused(
                f"The SMSC at {config.host}:{config.port} refused the bind of system_id "
                f"'{config.system_id}': {pdu.describe(status)}. Check the SMPP system_id and password.",
                f"短信中心 {config.host}:{config.port} 拒绝了系统账号 '{config.system_id}' 的绑定："
                f"{pdu.describe(status)}。请检查 SMPP 账号和密码。",
            )
        self._sock, self._alive, self._last_rx = sock, True, time.monotonic()
        self._stats.binds += 1
        self._reader = threading.Thread(target=self._read_loop, name="smpp-reader", daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Unbind (waiting briefly for the answer), then close the connection."""
        if self._alive:
            try:
                self._write(pdu.build("unbind", sequence=self._next_sequence()))
                self._unbound.wait(min(self.config.timeout, 2.0))
            except _Dead:
                pass
        self._die("closed", quiet=True)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=5)

    def _die(self, reason: str, *, quiet: bool = False) -> None:
        with self._cond:
            if not self._alive:
                return
            self._alive = False
            for submission, index in self._pending.values():
                submission.answer(index, Response(LOST, reason=reason))
            self._pending.clear()
            self._cond.notify_all()
        if not quiet:
            self._stats.drops += 1
            log.warning("SMPP session to %s:%d ended: %s", self.config.host, self.config.port, reason)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    # --- sending ---------------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        sock = self._sock
        if sock is None or not self._alive:
            raise _Dead
        try:
            with self._write_lock:
                sock.sendall(data)
        except OSError:
            self._die("the connection dropped while sending")
            raise _Dead from None

    def _flush(self, buffer: list[bytes]) -> None:
        if buffer:
            data = b"".join(buffer)
            buffer.clear()
            self._write(data)

    def _wait_for_room(self, buffer: list[bytes]) -> None:
        with self._cond:
            if self._alive and len(self._pending) < self.config.window:
                return
        self._flush(buffer)
        deadline = time.monotonic() + self.config.timeout
        with self._cond:
            while self._alive and len(self._pending) >= self.config.window:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            full, alive = len(self._pending) >= self.config.window, self._alive
        if not alive:
            raise _Dead
        if full:
            self._die(f"no submit_sm_resp within {self.config.timeout:g} s")
            raise _Dead

    def submit(self, submission: Submission, items: Sequence[dict[str, Any]], *, key_tag: int) -> None:
        """Send one submit_sm per item (its fields and ``key``) without waiting for the answers; an item
        that could not be sent is answered :data:`LOST` at once."""
        buffer: list[bytes] = []
        sent = 0
        try:
            for index, item in enumerate(items):
                self._wait_for_room(buffer)
                sequence = self._next_sequence()
                with self._cond:
                    if not self._alive:
                        raise _Dead
                    self._pending[sequence] = (submission, index)
                sent = index + 1
                buffer.append(pdu.submit_sm(sequence=sequence, key_tag=key_tag, **item))
                if len(buffer) >= _FLUSH_EVERY:
                    self._flush(buffer)
            self._flush(buffer)
        except _Dead:
            with self._cond:
                for index in range(sent, len(items)):
                    submission.answer(index, Response(LOST, reason="the connection dropped"))

    def wait(self, submission: Submission) -> None:
        """Until every item has its answer; those without one after the timeout are answered LOST."""
        deadline = time.monotonic() + self.config.timeout
        with self._cond:
            while submission.waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if submission.waiting:
                late = [seq for seq, (owner, _index) in self._pending.items() if owner is submission]
                for seq in late:
                    _owner, index = self._pending.pop(seq)
                    why = f"no submit_sm_resp within {self.config.timeout:g} s"
                    submission.answer(index, Response(LOST, reason=why))

    # --- reading ---------------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        sock = self._sock
        assert sock is not None
        buffer = bytearray()
        selector = selectors.DefaultSelector()  # not select(): a descriptor may be past 1024
        try:
            selector.register(sock, selectors.EVENT_READ)
            while self._alive:
                if not selector.select(_TICK):
                    self._idle()
                    continue
                chunk = sock.recv(256 * 1024)
                if not chunk:
                    raise ConnectionError("the SMSC closed the connection")
                self._last_rx = time.monotonic()
                buffer += chunk
                offset = self._handle_buffer(buffer)
                del buffer[:offset]
        except (OSError, ValueError, ConnectionError, _Dead) as error:
            self._die(str(error) if isinstance(error, ConnectionError) else "the connection dropped")
        except Exception as error:  # never leave a session that looks alive without its reader
            self._die(f"reader stopped ({type(error).__name__})")
        finally:
            selector.close()
            sock.close()

    def _handle_buffer(self, buffer: bytearray) -> int:
        """Handle every whole PDU in ``buffer``, answering them in one write; the bytes consumed."""
        offset, answers = 0, []
        try:
            while len(buffer) - offset >= 16:
                length = int.from_bytes(buffer[offset : offset + 4], "big")
                if not 16 <= length <= pdu.MAX_PDU_LENGTH:
                    self._stats.malformed += 1
                    raise ConnectionError(f"a PDU of impossible length {length}: the stream is out of step")
                if len(buffer) - offset < length:
                    break
                answer = self._handle(bytes(buffer[offset : offset + length]))
                offset += length
                if answer:
                    answers.append(answer)
        finally:
            if answers:
                self._write(b"".join(answers))
        return offset

    def _idle(self) -> None:
        now = time.monotonic()
        if self._enquire_sent_at is not None:
            if now - self._enquire_sent_at > self.config.timeout:
                raise ConnectionError("no answer to enquire_link")
        elif now - self._last_rx >= self.config.enquire_seconds:
            self._enquire_sent_at = now
            self._stats.enquire_links_sent += 1
            self._write(pdu.build("enquire_link", sequence=self._next_sequence()))

    def _handle(self, raw: bytes) -> bytes | None:
        """Act on one PDU; the answer to write, if any."""
        _length, command_id, status, sequence = pdu.HEADER.unpack_from(raw)
        if command_id == pdu.SUBMIT_SM_RESP:
            self._answered(raw, sequence, status)
        elif command_id == pdu.GENERIC_NACK:
            self._answered(raw, sequence, status or pdu.ESME_RSYSERR)
        elif command_id == pdu.DELIVER_SM:
            self._deliver(raw)
            # ESME_ROK even when malformed: an error would make the SMSC send it again and again.
            return pdu.response(pdu.DELIVER_SM_RESP, sequence=sequence, body=b"\x00")
        elif command_id == pdu.ENQUIRE_LINK:
            self._stats.enquire_links_answered += 1
            return pdu.response(pdu.ENQUIRE_LINK_RESP, sequence=sequence)
        elif command_id == pdu.ENQUIRE_LINK_RESP:
            self._stats.enquire_link_resps += 1
            self._enquire_sent_at = None
        elif command_id == pdu.UNBIND:
            self._write(pdu.response(pdu.UNBIND_RESP, sequence=sequence))
            raise ConnectionError("the SMSC unbound")
        elif command_id == pdu.UNBIND_RESP:
            self._unbound.set()
            self._die("unbound", quiet=True)
            raise _Dead
        elif not command_id & pdu.RESPONSE_BIT:
            return pdu.response(pdu.GENERIC_NACK, sequence=sequence, status=pdu.ESME_RINVCMDID)
        return None

    def _answered(self, raw: bytes, sequence: int, status: int) -> None:
        message_id = None
        if status == pdu.ESME_ROK:
            message_id = raw[16:].split(b"\x00", 1)[0].decode("ascii", errors="replace")
        with self._cond:
            entry = self._pending.pop(sequence, None)
            if entry is None:
                self._stats.late_responses += 1
                return
            entry[0].answer(entry[1], Response(status, message_id))
            self._cond.notify_all()

    def _deliver(self, raw: bytes) -> None:
        self._stats.deliver_sm += 1
        try:
            self._on_deliver(pdu.decode_deliver_sm(raw[16:]))
        except Exception as error:  # a bad deliver_sm never ends the session; its content is never logged
            self._stats.malformed += 1
            reason = str(error) if isinstance(error, MalformedDeliverSm) else type(error).__name__
            log.warning("SMPP deliver_sm refused as malformed (%s), %d bytes", reason, len(raw))
