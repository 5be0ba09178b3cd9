"""The SMTP transport against a real SMTP server (aiosmtpd on a free loopback port), bounces read
back from a Maildir."""

from __future__ import annotations

import mailbox
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_smtp import LocalSmtp, postfix_dsn
from mail_tags import TAGS

from arrears.config import Settings
from arrears.messaging.transport import Outgoing, Receipt, Reply, TransportDown, TransportError
from arrears.messaging.transports import bounce_box, open_transport
from arrears.messaging.transports.smtp import SmtpTransport
from fixed_keys import TEST_KEY_B64

KEY = "run:2026-05-07:action:1001:email"
TEXT = "张三您好：\n您的信用卡账户已逾期 3 天，应还 ¥1,234.00。\n\n客服热线 400-000-0000"


def _item(recipient: str = "zhang.san@example.com", key: str = KEY, **changes: object) -> Outgoing:
    fields: dict[str, object] = {"subject": "逾期还款提醒 — 信用卡尾号 1234"} | changes
    return Outgoing(message_id=1, key=key, channel="email", recipient=recipient, text=TEXT, **fields)  # type: ignore[arg-type]


def _settings(tmp_path: Path, **changes: object) -> Settings:
    fields: dict[str, object] = {
        "email_from": "催收中心 <collections@bank.example>",
        "email_bounce_address": "bounces@bank.example",
        "email_bounces": f"maildir:{tmp_path / 'bounces'}",
        "encryption_key": TEST_KEY_B64,
    }
    return Settings(**(fields | changes))  # type: ignore[arg-type]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalSmtp]:
    with LocalSmtp(tmp_path) as running:
        yield running


@pytest.fixture
def transport(server: LocalSmtp, tmp_path: Path) -> Iterator[SmtpTransport]:
    opened = SmtpTransport.from_url(server.url, settings=_settings(tmp_path))
    yield opened
    opened.close()


def test_a_chinese_email_arrives_with_its_headers_and_body_decoded(
    server: LocalSmtp, transport: SmtpTransport
) -> None:
    results = transport.send([_item(), _item("li.si@example.org", key="run:2026-05-07:action:1002:email")])
    assert [(r.outcome, r.provider_id) for r in results] == [("sent", "Q000001"), ("sent", "Q000002")]
    assert transport.counts["connections"] == 1  # one connection for the batch
    first = server.messages[0]
    assert first.rcpt_tos == ["zhang.san@example.com"]
    assert first.mail_from == f"bounces+{TAGS.tag(KEY)}@bank.example"  # VERP, signed
    assert first.content.isascii()
    message = first.message()
    assert message["Subject"] == "逾期还款提醒 — 信用卡尾号 1234"
    assert message["From"].addresses[0].display_name == "催收中心"
    assert message["Message-ID"].strip() == f"<arrears.{TAGS.tag(KEY)}@bank.example>"
    assert message["Date"] is not None
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == TEXT
    assert "应还 ¥1,234.00。" in html.get_content()


def test_a_resend_after_a_crash_carries_the_same_message_id(server: LocalSmtp, tmp_path: Path) -> None:
    for _ in range(2):  # two processes: the first died before it recorded its send
        transport = SmtpTransport.from_url(server.url, settings=_settings(tmp_path))
        assert transport.send([_item()])[0].outcome == "sent"
        transport.close()
    first, again = (received.message()["Message-ID"] for received in server.messages)
    assert first == again


def test_starttls_is_used_when_the_server_offers_it(tmp_path: Path) -> None:
    with LocalSmtp(tmp_path, starttls=True) as server:
        transport = SmtpTransport.from_url(
            server.url, settings=_settings(tmp_path, email_tls_ca=str(server.cert))
        )
        assert transport.send([_item()])[0].outcome == "sent"
        transport.close()
        assert server.messages[0].tls is True


def test_an_untrusted_certificate_sends_nothing(tmp_path: Path) -> None:
    with LocalSmtp(tmp_path, starttls=True) as server:
        transport = SmtpTransport.from_url(server.url, settings=_settings(tmp_path))  # the system's CAs
        with pytest.raises(TransportDown, match="TLS"):
            transport.send([_item()])
        assert server.messages == []


def test_starttls_required_of_a_server_without_it_sends_nothing(server: LocalSmtp, tmp_path: Path) -> None:
    transport = SmtpTransport.from_url(f"{server.url}?starttls=required", settings=_settings(tmp_path))
    with pytest.raises(TransportDown, match="STARTTLS"):
        transport.send([_item()])
    assert server.messages == []


def test_auth_over_starttls_and_a_refused_password_keeps_it_out_of_the_error(tmp_path: Path) -> None:
    with LocalSmtp(tmp_path, starttls=True, users={"mailer": "s3cret"}) as server:
        settings = _settings(tmp_path, email_tls_ca=str(server.cert))
        url = server.url.replace("smtp://", "smtp://mailer:s3cret@")
        transport = SmtpTransport.from_url(url, settings=settings)
        assert transport.send([_item()])[0].outcome == "sent"
        transport.close()
        assert server.messages[0].auth_user == "mailer"
        wrong = SmtpTransport.from_url(url.replace("s3cret", "wrong-pw"), settings=settings)
        with pytest.raises(TransportDown, match="password was refused") as refused:
            wrong.send([_item()])
        assert "wrong-pw" not in refused.value.message_en and "***" in refused.value.message_en


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd sees no STARTTLS
def test_implicit_tls_on_smtps(tmp_path: Path) -> None:
    with LocalSmtp(tmp_path, implicit_tls=True, users={"mailer": "s3cret"}) as server:
        url = server.url.replace("smtps://", "smtps://mailer:s3cret@")
        transport = SmtpTransport.from_url(url, settings=_settings(tmp_path, email_tls_ca=str(server.cert)))
        assert transport.send([_item()])[0].outcome == "sent"
        transport.close()
        assert (server.messages[0].tls, server.messages[0].auth_user) == (True, "mailer")


def test_550_is_permanent_with_the_reason_451_transient_and_the_batch_goes_on(
    server: LocalSmtp, transport: SmtpTransport
) -> None:
    server.handler.reject.add("nobody@example.com")
    server.handler.tempfail.add("grey@example.com")
    batch = [_item("nobody@example.com", key="k1"), _item("grey@example.com", key="k2"), _item(key="k3")]
    refused, waiting, sent = transport.send(batch)
    assert (refused.key, refused.outcome) == ("k1", "permanent")
    assert (
        refused.reason
        == "550 5.1.1 <n***@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
    )
    assert (waiting.outcome, waiting.reason) == (
        "transient",
        "451 4.7.1 <g***@example.com>: Recipient address rejected: Greylisted, try again later",
    )
    assert sent.outcome == "sent"
    assert [received.rcpt_tos for received in server.messages] == [["zhang.san@example.com"]]


def test_554_after_data_is_permanent(server: LocalSmtp, transport: SmtpTransport) -> None:
    server.handler.reject_data = True
    (result,) = transport.send([_item()])
    assert (result.outcome, result.reason) == (
        "permanent",
        "554 5.7.1 Message rejected: content looks like spam",
    )


def test_not_an_address_is_permanent_without_a_word_to_the_server(
    server: LocalSmtp, transport: SmtpTransport
) -> None:
    bad = [_item("zhang.san@example.com\r\nRCPT TO:<x@evil.example>"), _item("li@例子..中国")]
    assert [(r.outcome, r.reason) for r in transport.send(bad)] == [
        ("permanent", "not an e-mail address"),
        ("permanent", "the domain is not a valid name"),
    ]
    assert server.messages == []


def test_a_chinese_local_part_goes_with_smtputf8(server: LocalSmtp, transport: SmtpTransport) -> None:
    (result,) = transport.send([_item("张三@example.com")])
    assert result.outcome == "sent"
    assert server.messages[0].rcpt_tos == ["张三@example.com"]
    assert "SMTPUTF8" in server.messages[0].mail_options


def test_a_server_down_is_transport_down(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}?timeout=2", settings=_settings(tmp_path))
    with pytest.raises(TransportDown, match="cannot be reached"):
        transport.send([_item()])


def test_a_dropped_connection_is_opened_again(server: LocalSmtp, transport: SmtpTransport) -> None:
    assert transport.send([_item(key="k1")])[0].outcome == "sent"
    server.restart()  # drops the idle connection
    assert transport.send([_item(key="k2")])[0].outcome == "sent"
    assert transport.counts["connections"] == 2
    assert len(server.messages) == 2


def test_a_connection_dropped_twice_on_one_message_leaves_it_transient_and_the_batch_goes_on(
    server: LocalSmtp, transport: SmtpTransport
) -> None:
    server.handler.drop.add("gone@example.com")
    dropped, sent = transport.send([_item("gone@example.com", key="k1"), _item(key="k2")])
    assert (dropped.outcome, sent.outcome) == ("transient", "sent")
    assert dropped.reason is not None and dropped.reason.startswith("connection lost")
    assert transport.counts["connections"] == 3  # the first, its retry, and one for the next message


def test_a_server_gone_for_good_leaves_the_next_batch_waiting(
    server: LocalSmtp, transport: SmtpTransport
) -> None:
    assert transport.send([_item(key="k1")])[0].outcome == "sent"
    server.stop()
    with pytest.raises(TransportDown):  # nothing of this batch could be tried
        transport.send([_item(key="k2"), _item(key="k3")])


def test_a_bad_url_names_the_problem_without_the_password(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="unknown option 'tls'") as bad:
        SmtpTransport.from_url("smtp://u:hunter2@127.0.0.1:25?tls=yes", settings=_settings(tmp_path))
    assert "hunter2" not in bad.value.message_en


# --- bounces -----------------------------------------------------------------------------------------


def test_a_bounce_in_the_maildir_is_a_permanent_failure_of_its_message_read_once(
    server: LocalSmtp, transport: SmtpTransport, tmp_path: Path
) -> None:
    transport.send([_item()])
    server.write_dsn(tmp_path / "bounces", server.messages[0])
    (receipt,) = transport.inbound()
    assert isinstance(receipt, Receipt)
    assert (receipt.key, receipt.status, receipt.permanent) == (KEY, "failed", True)
    assert receipt.provider_id == "Q000001"  # the queue id the 250 reply gave
    assert (
        receipt.reason is not None and "User unknown" in receipt.reason and "zhang.san" not in receipt.reason
    )
    transport.inbound_recorded()  # the dispatcher committed it
    assert transport.inbound() == []  # not read twice
    assert transport.counts["bounce"] == 1


def test_a_bounce_read_by_a_dispatcher_that_died_before_its_commit_is_read_again(
    server: LocalSmtp, transport: SmtpTransport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport.send([_item()])
    server.write_dsn(tmp_path / "bounces", server.messages[0])
    assert len(transport.inbound()) == 1  # read, then the process dies: inbound_recorded never comes
    other = SmtpTransport.from_url(server.url, settings=_settings(tmp_path))
    assert other.inbound() == []  # claimed by the first reader, not yet abandoned
    monkeypatch.setattr(bounce_box, "RECLAIM_SECONDS", -1.0)
    (receipt,) = other.inbound()  # the first reader is long gone: claimed again
    assert isinstance(receipt, Receipt) and receipt.key == KEY
    other.inbound_recorded()
    assert other.inbound() == [] and transport.inbound() == []
    assert [name.endswith(":2,S") for name in os.listdir(tmp_path / "bounces" / "cur")] == [True]


def test_a_delayed_dsn_is_not_permanent(server: LocalSmtp, transport: SmtpTransport, tmp_path: Path) -> None:
    transport.send([_item()])
    server.write_dsn(
        tmp_path / "bounces",
        server.messages[0],
        action="delayed",
        status="4.4.1",
        diagnostic="X-Postfix; connect to mx.example.com[203.0.113.9]:25: Connection timed out",
    )
    (receipt,) = transport.inbound()
    assert isinstance(receipt, Receipt)
    assert (receipt.key, receipt.status, receipt.permanent) == (KEY, "unknown", False)


def test_a_bounce_that_cannot_be_read_is_counted_and_put_aside(
    transport: SmtpTransport, tmp_path: Path
) -> None:
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    box.add(b"From: MAILER-DAEMON@mx.example\r\nSubject: failure notice\r\n\r\nSorry, no mailbox here.\r\n")
    assert transport.inbound() == []
    assert transport.counts["bad"] == 1
    bad = box.get_folder("bad")
    assert len(bad) == 1 and len(box) == 0  # moved, not left to be read again
    assert transport.inbound() == []


def test_a_cardholders_answer_in_the_mailbox_is_a_reply(transport: SmtpTransport, tmp_path: Path) -> None:
    mailbox.Maildir(str(tmp_path / "bounces"), create=True).add(
        "From: 张三 <zhang.san@example.com>\r\nTo: collections@bank.example\r\n"
        "Subject: 回复: 逾期还款提醒\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n退订\r\n".encode()
    )
    (reply,) = transport.inbound()
    assert isinstance(reply, Reply)
    assert (reply.channel, reply.sender, reply.text) == ("email", "zhang.san@example.com", "退订")


def test_two_readers_of_one_maildir_never_read_a_bounce_twice(
    server: LocalSmtp, transport: SmtpTransport, tmp_path: Path
) -> None:
    transport.send([_item()])
    mailbox.Maildir(str(tmp_path / "bounces"), create=True).add(postfix_dsn(server.messages[0]))
    other = SmtpTransport.from_url(server.url, settings=_settings(tmp_path))
    assert len(transport.inbound()) + len(other.inbound()) == 1


def test_the_email_transport_setting_opens_the_smtp_transport(server: LocalSmtp, tmp_path: Path) -> None:
    opened = open_transport(f"{server.url}?timeout=5", channel="email", settings=_settings(tmp_path))
    assert isinstance(opened, SmtpTransport) and opened.name == "smtp"
    assert opened.send([_item()])[0].outcome == "sent"
    opened.close()
