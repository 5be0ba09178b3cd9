"""SMPP PDU bytes: submit_sm with the idempotency-key TLV, responses, the strict deliver_sm reader."""

from __future__ import annotations

import struct

import pytest

from arrears.messaging.transports import smpp_pdu as pdu
from arrears.messaging.transports.smpp_receipts import MalformedDeliverSm


def deliver_body(*, source: bytes = b"8613800138000", message: bytes = b"TD", tlvs: bytes = b"") -> bytes:
    return (
        b"\x00" + b"\x01\x01" + source + b"\x00" + b"\x00\x00" + b"95555\x00"
        + bytes((0x04, 0, 0)) + b"\x00\x00" + bytes((0, 0, 8, 0, len(message))) + message + tlvs
    )  # fmt: skip


def test_submit_sm_carries_the_key_as_its_last_optional_parameter() -> None:
    raw = pdu.submit_sm(sequence=7, key_tag=0x1F01, key="sms:42", destination_addr="8613800138000",
                        short_message=b"\x00A", data_coding=8)  # fmt: skip
    length, command_id, status, sequence = pdu.HEADER.unpack_from(raw)
    assert (length, command_id, status, sequence) == (len(raw), 0x04, 0, 7)
    assert raw.endswith(struct.pack(">HH", 0x1F01, 6) + b"sms:42")
    assert b"8613800138000\x00" in raw
    registered_delivery = raw.index(b"8613800138000\x00") + 14 + 3 + 2  # esm, pid, priority, two dates
    assert raw[registered_delivery] == 1


def test_responses_are_a_header_and_their_body() -> None:
    assert pdu.response(pdu.DELIVER_SM_RESP, sequence=3, body=b"\x00") == bytes.fromhex(
        "0000001180000005000000000000000300"
    )
    assert pdu.describe(0x58).startswith("ESME_RTHROTTLED (0x00000058): Throttling error")
    assert pdu.describe(0x12345) == "status (0x00012345): unknown status"


def test_decode_deliver_sm_reads_the_fields_and_optional_parameters() -> None:
    tlvs = struct.pack(">HH", 0x001E, 4) + b"m-1\x00" + struct.pack(">HH", 0x0427, 1) + b"\x02"
    deliver = pdu.decode_deliver_sm(deliver_body(tlvs=tlvs))
    assert (deliver.source_addr_ton, deliver.source_addr, deliver.esm_class, deliver.data_coding) == (
        1, "8613800138000", 0x04, 8
    )  # fmt: skip
    assert (deliver.body, deliver.receipted_message_id, deliver.message_state) == (b"TD", "m-1", 2)
    payload = struct.pack(">HH", 0x0424, 4) + "退订".encode("utf-16-be")
    assert pdu.decode_deliver_sm(deliver_body(message=b"", tlvs=payload)).body == "退订".encode("utf-16-be")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\x01\x018613800138000",  # the source address never ends
        deliver_body()[:-1],  # the message runs past the body
        deliver_body(tlvs=b"\x00\x1e\x00"),  # an optional parameter cut short
        deliver_body(tlvs=struct.pack(">HH", 0x001E, 9) + b"m-1\x00"),  # one longer than what is left
        deliver_body(source="张三".encode()),  # not an address
    ],
)
def test_decode_deliver_sm_refuses_a_body_it_cannot_fill_exactly(body: bytes) -> None:
    with pytest.raises(MalformedDeliverSm):
        pdu.decode_deliver_sm(body)
