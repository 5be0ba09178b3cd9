"""The wire side of the local SMSC (:mod:`local_smsc`): PDU constants, the decoding of what arrived,
and one asyncio protocol object per ESME connection (bind with authentication, dispatch of each PDU)."""

from __future__ import annotations

import asyncio
import itertools
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

HEADER = struct.Struct(">LLLL")
BINDS = {0x00000001: "RX", 0x00000002: "TX", 0x00000009: "TRX"}
SUBMIT_SM, DELIVER_SM_RESP, UNBIND, UNBIND_RESP = 0x04, 0x80000005, 0x06, 0x80000006
ENQUIRE_LINK, ENQUIRE_LINK_RESP, GENERIC_NACK = 0x15, 0x80000015, 0x80000000
ESME_RINVBNDSTS, ESME_RINVPASWD, ESME_RINVSYSID, ESME_RINVCMDID = 0x04, 0x0E, 0x0F, 0x03
ESME_RTHROTTLED, ESME_RINVDSTADR = 0x58, 0x0B
TLV_RECEIPTED_MESSAGE_ID, TLV_MESSAGE_STATE = 0x001E, 0x0427
STATES = {"DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}
GSM = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]"}
GSM_EXTENSION |= {0x40: "|", 0x65: "€"}


@dataclass(frozen=True)
class Part:
    system_id: str
    destination: str
    data_coding: int
    esm_class: int
    short_message: bytes
    key: str | None
    message_id: str
    registered_delivery: int
    udh: tuple[int, int, int] | None  # reference, total, sequence


@dataclass
class Message:
    """One message as the handset would show it: its parts joined and decoded."""

    destination: str
    text: str
    parts: list[Part] = field(default_factory=list)


def decode_payload(data: bytes, data_coding: int) -> str:
    if data_coding == 8:
        return data.decode("utf-16-be")
    if data_coding == 0:
        out, escaped = [], False
        for code in data:
            if escaped:
                out.append(GSM_EXTENSION[code])
                escaped = False
            elif code == 0x1B:
                escaped = True
            else:
                out.append(GSM[code])
        return "".join(out)
    return data.decode("ascii" if data_coding == 1 else "latin-1")


def split_udh(short_message: bytes, esm_class: int) -> tuple[tuple[int, int, int] | None, bytes]:
    if not esm_class & 0x40:
        return None, short_message
    length = short_message[0]
    header, payload, pos, concat = short_message[1 : 1 + length], short_message[1 + length :], 0, None
    while pos < len(header):
        iei, size = header[pos], header[pos + 1]
        value = header[pos + 2 : pos + 2 + size]
        if iei == 0x00:
            concat = (value[0], value[1], value[2])
        elif iei == 0x08:
            concat = (int.from_bytes(value[:2], "big"), value[2], value[3])
        pos += 2 + size
    return concat, payload


def cstrings(body: bytes, count: int) -> list[str]:
    return [item.decode("latin-1") for item in body.split(b"\x00")[:count]]


def pdu(command_id: int, sequence: int, status: int = 0, body: bytes = b"") -> bytes:
    return HEADER.pack(16 + len(body), command_id, status, sequence) + body


class Server(Protocol):
    system_id: str
    password: str
    counts: Counter[str]
    sessions: set[Session]

    def on_submit(self, session: Session, raw: bytes, sequence: int) -> None: ...


class Session(asyncio.Protocol):
    def __init__(self, smsc: Server) -> None:
        self.smsc = smsc
        self.buffer = bytearray()
        self.bind: str | None = None
        self.system_id = ""
        self.sequence = itertools.count(1)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.smsc.sessions.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.smsc.sessions.discard(self)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def next_sequence(self) -> int:
        return next(self.sequence)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        offset = 0
        while len(self.buffer) - offset >= 16:
            length = int.from_bytes(self.buffer[offset : offset + 4], "big")
            if length < 16 or length > 65536:
                self.smsc.counts["malformed"] += 1
                self.abort()
                return
            if len(self.buffer) - offset < length:
                break
            self.handle(bytes(self.buffer[offset : offset + length]))
            offset += length
        del self.buffer[:offset]

    def handle(self, raw: bytes) -> None:
        _length, command_id, _status, sequence = HEADER.unpack_from(raw)
        counts = self.smsc.counts
        if command_id in BINDS:
            self.on_bind(command_id, sequence, raw[16:])
        elif self.bind is None:
            self.write(pdu(GENERIC_NACK, sequence, ESME_RINVBNDSTS))
        elif command_id == SUBMIT_SM:
            self.smsc.on_submit(self, raw, sequence)
        elif command_id == DELIVER_SM_RESP:
            counts["deliver_sm_resp"] += 1
            counts["deliver_sm_resp_error"] += 1 if _status else 0
        elif command_id == ENQUIRE_LINK:
            counts["enquire_link"] += 1
            self.write(pdu(ENQUIRE_LINK_RESP, sequence))
        elif command_id == ENQUIRE_LINK_RESP:
            counts["enquire_link_resp"] += 1
        elif command_id == UNBIND:
            counts["unbind"] += 1
            self.write(pdu(UNBIND_RESP, sequence))
            self.close()
        elif command_id in (UNBIND_RESP, GENERIC_NACK):
            counts["generic_nack" if command_id == GENERIC_NACK else "unbind_resp"] += 1
        else:
            self.write(pdu(GENERIC_NACK, sequence, ESME_RINVCMDID))

    def on_bind(self, command_id: int, sequence: int, body: bytes) -> None:
        system_id, password, _system_type = cstrings(body, 3)
        status = 0
        if system_id != self.smsc.system_id:
            status = ESME_RINVSYSID
        elif password != self.smsc.password:
            status = ESME_RINVPASWD
        self.smsc.counts["bind_refused" if status else "bind"] += 1
        if status:
            self.write(pdu(command_id | 0x80000000, sequence, status))
            self.close()
            return
        self.bind, self.system_id = BINDS[command_id], system_id
        self.write(pdu(command_id | 0x80000000, sequence, 0, b"LOCALSMSC\x00"))
