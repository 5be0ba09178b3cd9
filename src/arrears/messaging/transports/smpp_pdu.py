"""SMPP 3.4 PDUs as bytes.

smpplib's codec (``make_pdu``) builds every request the transport sends (bind_transceiver, submit_sm,
enquire_link, unbind), with one addition it lacks: the vendor-specific optional parameter that carries
the idempotency key. What the reader thread handles at the rate of the submits is done here directly: the
responses are a packed header, and a deliver_sm is read in one strict pass (smpplib's parser reads a
truncated or overlong body without complaint, and took a third of the reader's time).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import smpplib.consts  # type: ignore[import-untyped]
import smpplib.smpp  # type: ignore[import-untyped]

from arrears.messaging.transports.smpp_receipts import MalformedDeliverSm

HEADER = struct.Struct(">LLLL")
MAX_PDU_LENGTH = 64 * 1024

GENERIC_NACK = 0x80000000
BIND_TRANSCEIVER_RESP = 0x80000009
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
RESPONSE_BIT = 0x80000000
DELIVER_SM_RESP = 0x80000005
TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_MESSAGE_STATE = 0x0427
TLV_MESSAGE_PAYLOAD = 0x0424

ESME_ROK = 0x00
ESME_RSYSERR = 0x08
ESME_RINVCMDID = 0x03
ESME_RTHROTTLED = 0x58
# Statuses after which the same message may succeed later: retried by the dispatcher with the same key.
TRANSIENT_STATUSES = frozenset(
    {
        0x04,  # ESME_RINVBNDSTS: the bind is not (yet) in a state to submit
        ESME_RSYSERR,
        0x14,  # ESME_RMSGQFUL
        0x45,  # ESME_RSUBMITFAIL
        ESME_RTHROTTLED,
        0x64,  # ESME_RX_T_APPN: temporary application error
        0xFF,  # ESME_RUNKNOWNERR
    }
)
_STATUS_NAMES = {
    value: name.removeprefix("SMPP_")
    for name, value in vars(smpplib.consts).items()
    if name.startswith("SMPP_ESME_") and isinstance(value, int)
}


class _NoSequence:
    """smpplib asks a client for a sequence number when it builds a request; the session sets its own."""

    sequence = 0

    def next_sequence(self) -> int:
        return 0


_CODEC_CLIENT = _NoSequence()


def describe(status: int) -> str:
    """``ESME_RTHROTTLED (0x00000058): Throttling error ...``: fit for a failed message's reason."""
    name = _STATUS_NAMES.get(status, "status")
    text = smpplib.consts.DESCRIPTIONS.get(status, "unknown status")
    return f"{name} (0x{status:08X}): {text}"


def build(command: str, *, sequence: int, **fields: Any) -> bytes:
    """A request PDU built by smpplib, with the session's own sequence number."""
    pdu = smpplib.smpp.make_pdu(command, client=_CODEC_CLIENT, **fields)
    pdu.sequence = sequence
    generated: bytes = pdu.generate()
    return generated


def submit_sm(*, sequence: int, key_tag: int, key: str, **fields: Any) -> bytes:
    """A submit_sm asking for a delivery receipt, the idempotency key in optional parameter ``key_tag``."""
    raw = build("submit_sm", sequence=sequence, registered_delivery=1, **fields)
    value = key.encode("utf-8")
    tlv = struct.pack(">HH", key_tag, len(value)) + value
    return struct.pack(">L", len(raw) + len(tlv)) + raw[4:] + tlv


def response(command_id: int, *, sequence: int, status: int = ESME_ROK, body: bytes = b"") -> bytes:
    """A response PDU (deliver_sm_resp, enquire_link_resp, unbind_resp, generic_nack): a header and
    ``body``, packed directly, as the reader thread answers every deliver_sm."""
    return HEADER.pack(16 + len(body), command_id, status, sequence) + body


@dataclass(frozen=True, slots=True)
class DeliverSm:
    """The fields of a deliver_sm the transport reads; ``tlvs`` by tag, values as sent."""

    source_addr_ton: int
    source_addr: str
    esm_class: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes]

    @property
    def body(self) -> bytes:
        """The message: ``short_message``, else the ``message_payload`` optional parameter."""
        return self.short_message or self.tlvs.get(TLV_MESSAGE_PAYLOAD, b"")

    @property
    def receipted_message_id(self) -> str | None:
        value = self.tlvs.get(TLV_RECEIPTED_MESSAGE_ID, b"").split(b"\x00", 1)[0]
        return value.decode("ascii", errors="replace").strip() or None

    @property
    def message_state(self) -> int | None:
        value = self.tlvs.get(TLV_MESSAGE_STATE, b"")
        return value[0] if len(value) == 1 else None


def _cstring(body: bytes, pos: int, limit: int) -> tuple[bytes, int]:
    end = body.find(b"\x00", pos, pos + limit)
    if end < 0:
        raise MalformedDeliverSm("a text field without its terminator")
    return body[pos:end], end + 1


def _tlvs(body: bytes, pos: int) -> dict[int, bytes]:
    tlvs: dict[int, bytes] = {}
    while pos < len(body):
        if pos + 4 > len(body):
            raise MalformedDeliverSm("an optional parameter cut short")
        tag, size = struct.unpack_from(">HH", body, pos)
        if pos + 4 + size > len(body):
            raise MalformedDeliverSm("an optional parameter runs past the body")
        tlvs[tag] = body[pos + 4 : pos + 4 + size]
        pos += 4 + size
    return tlvs


def decode_deliver_sm(body: bytes) -> DeliverSm:
    """The fields of a deliver_sm body (SMPP 3.4 section 4.6.1), checked to fill it exactly; raises
    :class:`MalformedDeliverSm` otherwise. (smpplib's parser reads a truncated or overlong body without
    complaint, and takes a third of the reader thread's time; this one pass does both.)"""
    _service, pos = _cstring(body, 0, 6)
    if pos + 2 > len(body):
        raise MalformedDeliverSm("the body ends before the source address")
    source_ton = body[pos]
    source, pos = _cstring(body, pos + 2, 21)
    _destination, pos = _cstring(body, pos + 2, 21)
    if pos + 3 > len(body):
        raise MalformedDeliverSm("the body ends before the message class")
    esm_class = body[pos]
    _schedule, pos = _cstring(body, pos + 3, 17)
    _validity, pos = _cstring(body, pos, 17)
    if pos + 5 > len(body):
        raise MalformedDeliverSm("the body ends before the message length")
    data_coding, length = body[pos + 2], body[pos + 4]
    pos += 5
    if pos + length > len(body):
        raise MalformedDeliverSm("the message runs past the body")
    try:
        source_addr = source.decode("ascii").strip()
    except UnicodeDecodeError:
        raise MalformedDeliverSm("a source address that is not ASCII") from None
    tlvs = _tlvs(body, pos + length)
    return DeliverSm(source_ton, source_addr, esm_class, data_coding, body[pos : pos + length], tlvs)
