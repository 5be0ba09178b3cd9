"""The e-mail on the wire: MIME parts, encoded headers, the key in the Message-ID, VERP and ENVID."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from mail_tags import TAGS

from arrears.messaging.email_format import (
    MailTags,
    build_email,
    dsn_options,
    from_xtext,
    html_of,
    key_from_address,
    key_from_message_id,
    key_tag,
    message_id_for,
    provider_id_of,
    tag_key,
    verp_sender,
    wire_address,
    xtext,
)
from arrears.messaging.transport import Outgoing

NOW = datetime(2026, 5, 7, 2, 0, tzinfo=UTC)
SENDER = "催收中心 <collections@bank.example>"


def _item(**changes: object) -> Outgoing:
    fields: dict[str, object] = {
        "message_id": 1,
        "key": "run:2026-05-07:action:1001:email",
        "channel": "email",
        "recipient": "zhang.san@example.com",
        "text": "张三您好：\n您的信用卡已逾期 3 天，应还 ¥1,234.00。\n\n<b>客服热线</b> 400-000-0000",
        "subject": "逾期还款提醒",
    }
    return Outgoing(**(fields | changes))  # type: ignore[arg-type]


def _parsed(item: Outgoing) -> EmailMessage:
    wire = build_email(item, sender=SENDER, now=NOW, tags=TAGS).as_bytes()
    assert wire.isascii()  # 7-bit clean: Chinese only in encoded words and base64 / quoted-printable parts
    parsed = message_from_bytes(wire, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize(
    "key", ["run:2026-05-07:action:1001:email", "WS:42:Email+7 =x", "门户:一次性验证码:9", "a" * 120]
)
def test_a_key_survives_its_tag_even_lowercased(key: str) -> None:
    tag = key_tag(key)
    assert set(tag) <= set("abcdefghijklmnopqrstuvwxyz0123456789-=")
    assert tag_key(tag) == key
    assert tag_key(tag.upper()) == key
    message_id = message_id_for(key, domain="bank.example", tags=TAGS)
    assert key_from_message_id(message_id, tags=TAGS) == key


def test_foreign_message_ids_and_addresses_give_no_key() -> None:
    assert key_from_message_id("<CAF8z2Q1@mail.gmail.com>", tags=TAGS) is None
    assert key_from_message_id("<arrears.not_a_tag!@x>", tags=TAGS) is None
    assert key_from_address("bounces@bank.example", tags=TAGS) is None
    assert key_from_address("someone+news@example.com", tags=TAGS) is None


KEY = "run:2026-05-07:action:1001:email"
OTHER_TAGS = MailTags(bytes(32))  # another installation's key


def test_a_guessed_or_foreign_tag_names_no_key() -> None:
    encoded = key_tag(KEY)
    forged = [
        encoded,
        f"{encoded}.aaaaaaaaaaaaa",
        OTHER_TAGS.tag(KEY),
        f"{encoded}.{TAGS.tag('x').split('.')[1]}",
    ]
    for tag in forged:
        assert TAGS.key_of(tag) is None
        assert key_from_message_id(f"<arrears.{tag}@bank.example>", tags=TAGS) is None
        assert key_from_address(f"bounces+{tag}@bank.example", tags=TAGS) is None
    assert TAGS.key_of(TAGS.tag(KEY)) == KEY
    assert TAGS.key_of(TAGS.tag(KEY).upper()) == KEY  # an MTA that uppercases the local part
    assert TAGS.tag(KEY) == TAGS.tag(KEY)  # deterministic: a re-send keeps its Message-ID


def test_the_envelope_sender_carries_the_key_unless_the_local_part_would_be_too_long() -> None:
    sender = verp_sender("bounces@bank.example", "run:1:email", tags=TAGS)
    assert sender == f"bounces+{TAGS.tag('run:1:email')}@bank.example"
    assert key_from_address(f"<{sender}>", tags=TAGS) == "run:1:email"
    assert len(verp_sender("bounces@bank.example", KEY, tags=TAGS).partition("@")[0]) <= 64
    assert verp_sender("bounces@bank.example", KEY, tags=TAGS) != "bounces@bank.example"  # a run key fits
    assert verp_sender("bounces@bank.example", "x" * 50, tags=TAGS) == "bounces@bank.example"


def test_dsn_options_carry_the_signed_tag_as_envid_in_xtext() -> None:
    mail, rcpt = dsn_options("ws:42:Email 7", tags=TAGS)
    assert mail == ["RET=HDRS", f"ENVID={xtext(TAGS.tag('ws:42:Email 7'))}"]
    assert rcpt == ["NOTIFY=FAILURE,DELAY"]
    assert from_xtext(xtext("a+b=c 门")) == "a+b=c 门"
    assert dsn_options("k" * 101, tags=TAGS)[0] == ["RET=HDRS"]  # ENVID is 100 characters at most


def test_a_chinese_email_has_encoded_headers_a_text_and_an_escaped_html_part() -> None:
    message = _parsed(_item())
    assert message["Subject"] == "逾期还款提醒"
    assert message["From"].addresses[0].display_name == "催收中心"
    assert message["From"].addresses[0].addr_spec == "collections@bank.example"
    assert message["To"] == "zhang.san@example.com"
    assert message["Message-ID"].strip() == f"<arrears.{TAGS.tag(KEY)}@bank.example>"
    assert message["Date"] == "Thu, 07 May 2026 02:00:00 +0000"
    assert message["Auto-Submitted"] == "auto-generated"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == _item().text + "\n"
    assert plain.get_content_charset() == "utf-8"
    markup = html.get_content().replace("\r\n", "\n")
    assert '<html lang="zh-CN">' in markup
    assert "&lt;b&gt;客服热线&lt;/b&gt;" in markup and "<b>" not in markup
    assert "<p>张三您好：<br>\n您的信用卡已逾期 3 天，应还 ¥1,234.00。</p>" in markup


def test_the_same_key_gives_the_same_message_id_on_every_send() -> None:
    first = build_email(_item(), sender=SENDER, now=NOW, tags=TAGS)
    again = build_email(_item(text="changed"), sender=SENDER, now=datetime(2026, 5, 8, tzinfo=UTC), tags=TAGS)
    assert first["Message-ID"] == again["Message-ID"]


def test_without_a_subject_the_first_line_is_the_subject() -> None:
    assert _parsed(_item(subject=None))["Subject"] == "张三您好："


def test_a_header_injection_in_the_subject_stays_in_the_subject() -> None:
    message = _parsed(_item(subject="提醒\r\nBcc: victim@example.com"))
    assert message["Bcc"] is None
    assert message["Subject"] == "提醒 Bcc: victim@example.com"


def test_an_ascii_subject_stays_readable_and_a_bad_recipient_is_refused() -> None:
    wire = build_email(
        _item(subject="Payment reminder"), sender="ops@bank.example", now=NOW, tags=TAGS
    ).as_bytes()
    assert b"\r\nSubject: Payment reminder\r\n" in wire
    assert wire.startswith(b"From: ops@bank.example\r\n")
    with pytest.raises(ValueError, match="not an e-mail address"):
        build_email(_item(recipient="a@example.com\r\nBcc: b@example.com"), sender=SENDER, now=NOW, tags=TAGS)


def test_a_non_ascii_domain_goes_out_as_idna() -> None:
    assert wire_address("li@例子.中国") == "li@xn--fsqu00a.xn--fiqs8s"


def test_html_of_plain_english_is_marked_english() -> None:
    assert '<html lang="en">' in html_of("Hello", title="Hi")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("2.0.0 Ok: queued as 4C31A1E0A0F", "4C31A1E0A0F"),
        ("OK id=1wXyZa-0003Kq-7B", "1wXyZa-0003Kq-7B"),
        ("OK", "<arrears.x@bank.example>"),
    ],
)
def test_the_provider_id_is_the_queue_id_else_the_message_id(reply: str, expected: str) -> None:
    assert provider_id_of(reply, message_id="<arrears.x@bank.example>") == expected
