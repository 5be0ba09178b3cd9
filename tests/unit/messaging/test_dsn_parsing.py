"""Reading the bounce mailbox: DSNs as Postfix and Exchange write them, replies, automatic answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mail_tags import TAGS

from arrears.messaging.dsn import read_mail
from arrears.messaging.transport import Receipt, Reply

DATA = Path(__file__).parent / "data"
RECEIVED = datetime(2026, 5, 7, 6, 30, tzinfo=UTC)


def _read(name: str):  # type: ignore[no-untyped-def]
    return read_mail((DATA / name).read_bytes(), received_at=RECEIVED, tags=TAGS)


def _receipt(name: str) -> Receipt:
    read = _read(name)
    assert read.kind == "bounce", read.reason
    (receipt,) = read.events
    assert isinstance(receipt, Receipt)
    return receipt


def test_a_postfix_bounce_is_a_permanent_failure_of_its_key_with_the_masked_reason() -> None:
    receipt = _receipt("postfix_failed.eml")
    assert receipt.status == "failed"
    assert receipt.permanent is True
    assert receipt.key == "run:2026-05-07:action:1001:email"
    assert receipt.provider_id == "4C31A1E0A0F"  # Postfix's queue id: the 250 reply's
    assert receipt.transport == "smtp"
    assert receipt.reason is not None
    assert receipt.reason == (
        "550 5.1.1 <z***@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
    )  # the address quoted in the reason is masked
    assert receipt.at == datetime(2026, 5, 7, 2, 2, 11, tzinfo=UTC)  # Arrival-Date, in UTC


def test_a_delay_warning_is_not_a_failure_and_not_permanent() -> None:
    receipt = _receipt("postfix_delayed.eml")
    assert receipt.status == "unknown"
    assert receipt.permanent is False
    assert receipt.key == "run:2026-05-07:action:1002:email"
    assert receipt.reason is not None and receipt.reason.startswith("delayed: 4.4.1")


def test_an_exchange_report_finds_its_key_by_envelope_id_and_returned_message() -> None:
    receipt = _receipt("exchange_failed.eml")
    assert (receipt.status, receipt.permanent) == ("failed", True)
    assert receipt.key == "workspace:7781:email"
    assert receipt.provider_id is None
    assert receipt.reason == (
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    )


def test_the_key_comes_from_the_returned_message_id_when_there_is_no_envelope_id() -> None:
    raw = (
        (DATA / "exchange_failed.eml")
        .read_bytes()
        .replace(b"Original-Envelope-Id: workspace:7781:email\n", b"")
    )
    read = read_mail(raw, received_at=RECEIVED, tags=TAGS)
    assert [event.key for event in read.events if isinstance(event, Receipt)] == ["workspace:7781:email"]


def test_the_key_comes_from_the_verp_address_when_nothing_else_names_it() -> None:
    raw = (DATA / "postfix_failed.eml").read_bytes()
    raw = raw.replace(b"Message-ID: <arrears.", b"Message-ID: <rewritten.")
    receipt = read_mail(raw, received_at=RECEIVED, tags=TAGS).events[0]
    assert isinstance(receipt, Receipt)
    assert receipt.key == "run:2026-05-07:action:1001:email"


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("4.4.7", "failed", ("failed", False)),  # gave up retrying: the address may be fine
        ("2.0.0", "delivered", ("delivered", False)),
        ("2.0.0", "relayed", ("delivered", False)),
    ],
)
def test_the_action_and_the_status_class_decide(status: str, action: str, expected: tuple[str, bool]) -> None:
    raw = (DATA / "postfix_failed.eml").read_bytes()
    raw = raw.replace(b"Action: failed", f"Action: {action}".encode()).replace(
        b"Status: 5.1.1", f"Status: {status}".encode()
    )
    receipt = read_mail(raw, received_at=RECEIVED, tags=TAGS).events[0]
    assert isinstance(receipt, Receipt)
    assert (receipt.status, receipt.permanent) == expected


def test_an_implausible_date_gives_way_to_the_time_received() -> None:
    raw = (DATA / "postfix_failed.eml").read_bytes().replace(b"May 2026", b"May 2099")
    receipt = read_mail(raw, received_at=RECEIVED, tags=TAGS).events[0]
    assert receipt.at == RECEIVED


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("mailer_daemon_plain.eml", "without a delivery-status part"),
        ("delivery_status_without_recipient.eml", "without a recipient's Action and Status"),
    ],
)
def test_a_bounce_that_cannot_be_read_is_bad_with_the_reason(name: str, why: str) -> None:
    read = _read(name)
    assert read.kind == "bad"
    assert read.events == ()
    assert read.reason is not None and why in read.reason


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe garbage", b"Content-Type: multipart/report\r\n\r\n--"])
def test_garbage_never_raises(raw: bytes) -> None:
    assert read_mail(raw, received_at=RECEIVED, tags=TAGS).kind in ("bad", "ignored")


def test_a_chinese_reply_keeps_the_cardholders_words_without_the_quoted_opt_out_hint() -> None:
    read = _read("reply_zh_quoted.eml")
    assert read.kind == "reply"
    (reply,) = read.events
    assert isinstance(reply, Reply)
    assert (reply.channel, reply.transport, reply.sender) == ("email", "smtp", "zhang.san@example.com")
    assert reply.text == "我下周一还款，请不要再打电话。"
    assert "退订" not in reply.text
    assert reply.at == datetime(2026, 5, 7, 3, 30, tzinfo=UTC)
    assert reply.provider_id == "<CAF8z2Q1-reply-0001@mail.example.com>"


def test_an_html_reply_is_read_as_text_without_the_quoted_block() -> None:
    (reply,) = _read("reply_html_only.eml").events
    assert isinstance(reply, Reply)
    assert reply.text == "STOP"


def test_an_empty_reply_says_what_its_subject_says() -> None:
    raw = (
        b"From: a@example.com\r\nTo: c@bank.example\r\nSubject: =?utf-8?b?5Zue5aSNOiDpgIDorqI=?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n\r\n"
    )
    (reply,) = read_mail(raw, received_at=RECEIVED, tags=TAGS).events
    assert isinstance(reply, Reply)
    assert reply.text == "退订"  # "回复: 退订"


@pytest.mark.parametrize("name", ["out_of_office.eml", "read_receipt_mdn.eml"])
def test_automatic_answers_are_ignored(name: str) -> None:
    read = _read(name)
    assert (read.kind, read.events) == ("ignored", ())


@pytest.mark.parametrize("name", ["postfix_failed.eml", "postfix_delayed.eml", "exchange_failed.eml"])
def test_a_forged_bounce_naming_a_guessed_key_is_bad_and_names_no_message(name: str) -> None:
    """The keys are predictable: a bounce whose ENVID, returned Message-ID and VERP address carry a
    key without its tag (or with another one) changes nothing."""
    genuine = (DATA / name).read_text()
    forged = re.sub(r"\.[a-z2-7]{13}(@|\s|$)", r".aaaaaaaaaaaaa\1", genuine, flags=re.M)
    unsigned = re.sub(r"\.[a-z2-7]{13}(@|\s|$)", r"\1", genuine, flags=re.M)
    assert forged != genuine and unsigned != genuine
    for text in (forged, unsigned):
        read = read_mail(text.encode(), received_at=RECEIVED, tags=TAGS)
        assert (read.kind, read.events) == ("bad", ())
        assert read.reason is not None and "valid tag" in read.reason
