"""What comes back, read from a careless or hostile world (pure): opt-out keywords typed with
punctuation or invisible characters, webhook times that are not the contract's ISO 8601, receipts of
another transport, and bounces with impossible dates or a crafted report type."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mail_tags import TAGS

from arrears.messaging.dsn import read_mail
from arrears.messaging.inbound_rules import is_opt_out, receipt_fits, rules_of
from arrears.messaging.webhook_body import BadBody, parse_events

RULES = rules_of(keywords="退订,TD,T,STOP,N", invalid_after=3)
DATA = Path(__file__).parent / "data"
RECEIVED = datetime(2026, 5, 7, 6, 30, tzinfo=UTC)


class TestOptOutAsTyped:
    @pytest.mark.parametrize(
        "reply",
        ["退订。", "退订！", "【退订】", "“TD”", "TD。", "STOP!", "stop.", "Td!", "\u200bTD", "T\u200dD",
         "退订\ufeff", "「退订」", "ＴＤ．", "'STOP'"],
    )  # fmt: skip
    def test_a_keyword_in_punctuation_or_with_invisible_characters_opts_out(self, reply: str) -> None:
        assert is_opt_out(reply, rules=RULES)

    @pytest.mark.parametrize("reply", ["STOP please", "请退订谢谢", "退订，谢谢", "T D", "ТD", "。", "!!!"])
    def test_a_sentence_a_split_word_or_a_look_alike_letter_still_goes_to_a_person(self, reply: str) -> None:
        assert not is_opt_out(reply, rules=RULES)


class TestWebhookTimes:
    @pytest.mark.parametrize("at", [1795395600, 253402300800, "13812345678", 0, -1, True])
    def test_a_time_that_is_not_iso_8601_text_is_refused(self, at: Any) -> None:
        raw = json.dumps(
            {"events": [{"type": "receipt", "provider_id": "P", "status": "delivered", "at": at}]}
        )

        with pytest.raises(BadBody) as refused:
            parse_events(raw.encode(), channel="sms")

        assert refused.value.where.startswith("events.0.at")
        assert "13812345678" not in refused.value.message_en

    def test_iso_8601_with_its_offset_is_still_read(self) -> None:
        raw = {"events": [{"type": "receipt", "provider_id": "P", "status": "delivered",
                           "at": "2026-11-23T09:00:05.5+08:00"}]}  # fmt: skip
        [receipt] = parse_events(json.dumps(raw).encode(), channel="sms")
        assert receipt.at == datetime(2026, 11, 23, 1, 0, 5, 500000, tzinfo=UTC)


class TestReceiptTransport:
    def test_a_receipt_speaks_of_what_its_transport_sent(self) -> None:
        assert receipt_fits(receipt_transport="smpp", message_transport="smpp", message_channel="sms")
        assert not receipt_fits(receipt_transport="push", message_transport="smpp", message_channel="sms")
        assert not receipt_fits(receipt_transport="smtp", message_transport="http", message_channel="sms")

    def test_an_unrecorded_send_is_named_only_by_a_transport_of_its_channel(self) -> None:
        assert receipt_fits(receipt_transport="smtp", message_transport=None, message_channel="email")
        assert receipt_fits(receipt_transport="http", message_transport=None, message_channel="sms")
        assert not receipt_fits(receipt_transport="smtp", message_transport=None, message_channel="sms")
        assert not receipt_fits(receipt_transport="push", message_transport=None, message_channel="sms")
        assert receipt_fits(receipt_transport="file", message_transport=None, message_channel="letter")


class TestBouncesFromAHostileWorld:
    def test_a_recipient_date_beyond_the_calendar_falls_back_and_keeps_the_bounce(self) -> None:
        raw = (
            (DATA / "postfix_failed.eml")
            .read_bytes()
            .replace(b"Action: failed", b"Last-Attempt-Date: Fri, 31 Dec 9999 23:59:59 -2359\nAction: failed")
        )

        read = read_mail(raw, received_at=RECEIVED, tags=TAGS)

        assert read.kind == "bounce", read.reason
        assert read.events[0].at == datetime(2026, 5, 7, 2, 2, 11, tzinfo=UTC)  # the Arrival-Date

    def test_a_crafted_report_type_puts_no_address_or_line_break_in_the_reason(self) -> None:
        raw = (
            b"From: x@example.net\nContent-Type: multipart/report; "
            b'report-type="li.si@example.com\\nFAKE: line"; boundary=b\n\n--b\n\n--b--\n'
        )

        read = read_mail(raw, received_at=RECEIVED, tags=TAGS)

        assert read.kind == "bad" and read.reason is not None
        assert "li.si" not in read.reason and "\n" not in read.reason


def test_a_refusal_never_repeats_a_value_put_in_the_type_field() -> None:
    raw = json.dumps({"events": [{"type": "13812345678", "from": "13812345678"}]}).encode()

    with pytest.raises(BadBody) as refused:
        parse_events(raw, channel="sms")

    assert refused.value.where == "events.0: type is receipt or reply"
    assert "13812345678" not in refused.value.message_en + refused.value.message_zh
