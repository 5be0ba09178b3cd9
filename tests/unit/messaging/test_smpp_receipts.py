"""Reading an SMSC's deliver_sm: receipt text and optional parameters, replies and their segments."""

from __future__ import annotations

from datetime import datetime

import pytest

from arrears.messaging.sms_segments import Concatenation
from arrears.messaging.transports.smpp_receipts import (
    DeliveryReport,
    MalformedDeliverSm,
    ReplyAssembler,
    SmsReceipt,
    SmsReplyPart,
    outcome,
    parse_receipt_text,
    read_deliver_sm,
)

SPEC_TEXT = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2501021030 done date:250102103012 stat:DELIVRD err:000 "
    "text:您好 stat:UNDELIV"
)


def test_parse_receipt_text_reads_every_field() -> None:
    assert parse_receipt_text(SPEC_TEXT) == DeliveryReport(
        message_id="0123456789",
        stat="DELIVRD",
        err="000",
        submitted=1,
        delivered=1,
        submit_date=datetime(2025, 1, 2, 10, 30),
        done_date=datetime(2025, 1, 2, 10, 30, 12),
    )


def test_parse_receipt_text_is_lenient_about_case_order_and_missing_fields() -> None:
    report = parse_receipt_text("stat:delivered ID:a1b2 Text:")
    assert (report.message_id, report.stat, report.err, report.done_date) == ("a1b2", "DELIVRD", None, None)
    assert parse_receipt_text("id:7 done date:2513999999 stat:UNDELIV").done_date is None  # not a date


@pytest.mark.parametrize(
    "text",
    ["", "hello", "id: stat:DELIVRD", "id:12 sub:001", "text:id:12 stat:DELIVRD", "sub:1 text: id:1 stat:X"],
)
def test_parse_receipt_text_refuses_a_text_without_id_and_stat(text: str) -> None:
    with pytest.raises(MalformedDeliverSm):
        parse_receipt_text(text)


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("DELIVRD", ("delivered", False)),
        ("EXPIRED", ("expired", False)),
        ("UNDELIV", ("failed", True)),
        ("REJECTD", ("failed", False)),
        ("DELETED", ("failed", False)),
        ("UNKNOWN", ("unknown", False)),
        ("weird", ("unknown", False)),
        ("ENROUTE", None),
        ("ACCEPTD", None),
    ],
)
def test_outcome_of_each_stat(stat: str, expected: tuple[str, bool] | None) -> None:
    assert outcome(stat) == expected


def test_a_receipt_from_its_text() -> None:
    receipt = read_deliver_sm(esm_class=0x04, data_coding=0, source_addr="138", body=SPEC_TEXT.encode())
    assert receipt == SmsReceipt("0123456789", "DELIVRD", "delivered", False, "stat:DELIVRD err:000")


def test_optional_parameters_win_over_the_text() -> None:
    receipt = read_deliver_sm(
        esm_class=0x04,
        data_coding=0,
        source_addr="",
        body=b"id:wrong stat:DELIVRD err:001",
        receipted_message_id="m-9",
        message_state=5,
    )
    assert receipt == SmsReceipt("m-9", "UNDELIV", "failed", True, "stat:UNDELIV err:001")
    bare = read_deliver_sm(
        esm_class=0x04, data_coding=0, source_addr="", body=b"", receipted_message_id="m", message_state=3
    )
    assert isinstance(bare, SmsReceipt) and (bare.status, bare.reason) == ("expired", "stat:EXPIRED")


def test_intermediate_receipts_and_acknowledgements_are_not_reported() -> None:
    assert read_deliver_sm(esm_class=0x04, data_coding=0, source_addr="1", body=b"id:1 stat:ENROUTE") is None
    assert read_deliver_sm(esm_class=0x08, data_coding=0, source_addr="1", body=b"ack") is None


@pytest.mark.parametrize(
    ("esm_class", "source", "body"),
    [
        (0x04, "1", b"garbage"),
        (0x04, "1", b""),
        (0x00, "", b"TD"),
        (0x40, "1", b"\x09\x00"),
        (0x40, "1", b"\x05\x00\x03\x01\x02\x03x"),
    ],
)
def test_a_deliver_sm_that_says_nothing_usable_is_malformed(esm_class: int, source: str, body: bytes) -> None:
    with pytest.raises(MalformedDeliverSm):
        read_deliver_sm(esm_class=esm_class, data_coding=0, source_addr=source, body=body)


def test_a_reply_in_ucs2_and_gsm() -> None:
    chinese = read_deliver_sm(
        esm_class=0, data_coding=8, source_addr="8613800138000", body="退订".encode("utf-16-be")
    )
    assert chinese == SmsReplyPart("8613800138000", "退订", None)
    latin = read_deliver_sm(esm_class=0, data_coding=0, source_addr="1", body=b"STOP")
    assert isinstance(latin, SmsReplyPart) and latin.text == "STOP"


def test_segments_of_a_reply_are_joined_in_order() -> None:
    assembler = ReplyAssembler()

    def part(sender: str, sequence: int, text: str) -> SmsReplyPart:
        body = bytes((5, 0, 3, 9, 2, sequence)) + text.encode("utf-16-be")
        reply = read_deliver_sm(esm_class=0x40, data_coding=8, source_addr=sender, body=body)
        assert isinstance(reply, SmsReplyPart) and reply.concatenation == Concatenation(9, 2, sequence)
        return reply

    assert assembler.add(part("A", 2, "世界")) is None
    assert assembler.add(part("B", 1, "别人")) is None  # another sender, same reference: kept apart
    assert assembler.add(part("A", 1, "你好")) == "你好世界"
    assert assembler.add(SmsReplyPart("C", "TD", None)) == "TD"


def test_the_assembler_forgets_the_oldest_incomplete_reply_past_its_capacity() -> None:
    assembler = ReplyAssembler(capacity=2)
    for sender in ("A", "B", "C"):
        assert assembler.add(SmsReplyPart(sender, "x", Concatenation(1, 2, 1))) is None
    assert assembler.add(SmsReplyPart("A", "y", Concatenation(1, 2, 2))) is None  # A's first part is gone
    assert assembler.add(SmsReplyPart("C", "y", Concatenation(1, 2, 2))) == "xy"
