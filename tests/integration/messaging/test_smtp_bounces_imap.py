"""Bounces and replies read from an IMAP folder (a local IMAP server over STARTTLS)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_imap import LocalImap
from local_smtp import LocalSmtp, make_certificate, postfix_dsn

from arrears.config import Settings
from arrears.messaging.transport import Outgoing, Receipt, Reply
from arrears.messaging.transports.smtp import SmtpTransport
from fixed_keys import TEST_KEY_B64

KEY = "run:2026-05-07:action:1001:email"
REPLY = (
    b"From: =?utf-8?b?5byg5LiJ?= <zhang.san@example.com>\r\nTo: collections@bank.example\r\n"
    b"Subject: Re: reminder\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI will pay on Monday.\r\n"
)


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    cert, key = make_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[LocalSmtp]:
    with LocalSmtp(tmp_path) as server:
        yield server


def _transport(smtp: LocalSmtp, imap: LocalImap, cert: Path, password: str = "pw") -> SmtpTransport:
    settings = Settings(
        email_from="collections@bank.example",
        email_bounce_address="bounces@bank.example",
        email_bounces=f"imap://bounces:{password}@127.0.0.1:{imap.port}/INBOX",
        email_tls_ca=str(cert),
        encryption_key=TEST_KEY_B64,
    )
    return SmtpTransport.from_url(smtp.url, settings=settings)


def _bounce(smtp: LocalSmtp, transport: SmtpTransport) -> bytes:
    item = Outgoing(message_id=1, key=KEY, channel="email", recipient="zhang.san@example.com", text="提醒")
    assert transport.send([item])[0].outcome == "sent"
    return postfix_dsn(smtp.messages[-1])


def test_bounces_and_replies_are_read_once_and_flagged_seen(
    smtp: LocalSmtp, tls: tuple[ssl.SSLContext, Path]
) -> None:
    context, cert = tls
    with LocalImap(users={"bounces": "pw"}, context=context) as imap:
        transport = _transport(smtp, imap, cert)
        imap.folders.deliver(_bounce(smtp, transport))
        imap.folders.deliver(REPLY)
        receipt, reply = transport.inbound()
        assert isinstance(receipt, Receipt) and (receipt.key, receipt.permanent) == (KEY, True)
        assert isinstance(reply, Reply) and reply.text == "I will pay on Monday."
        assert not any("\\Seen" in stored.flags for stored in imap.folders.folders["INBOX"])
        transport.inbound_recorded()  # the dispatcher committed them
        assert all("\\Seen" in stored.flags for stored in imap.folders.folders["INBOX"])
        assert transport.inbound() == []
        transport.close()


def test_what_a_dispatcher_read_but_never_committed_is_read_again(
    smtp: LocalSmtp, tls: tuple[ssl.SSLContext, Path]
) -> None:
    context, cert = tls
    with LocalImap(users={"bounces": "pw"}, context=context) as imap:
        transport = _transport(smtp, imap, cert)
        imap.folders.deliver(_bounce(smtp, transport))
        assert len(transport.inbound()) == 1
        transport.close()  # dies before its commit: no inbound_recorded
        again = _transport(smtp, imap, cert)
        (receipt,) = again.inbound()
        assert isinstance(receipt, Receipt) and receipt.key == KEY
        again.inbound_recorded()
        assert again.inbound() == []
        again.close()


@pytest.mark.parametrize("move", [True, False])
def test_a_bad_message_is_moved_to_the_bad_folder(
    smtp: LocalSmtp, tls: tuple[ssl.SSLContext, Path], move: bool
) -> None:
    context, cert = tls
    with LocalImap(users={"bounces": "pw"}, context=context, move=move) as imap:
        imap.folders.deliver(b"From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\n\r\nno such user\r\n")
        transport = _transport(smtp, imap, cert)
        assert transport.inbound() == []
        assert transport.counts["bad"] == 1
        assert imap.folders.folders["INBOX"] == []
        assert len(imap.folders.folders["bad"]) == 1
        transport.close()


def test_a_mailbox_that_refuses_the_password_reads_nothing_and_raises_nothing(
    smtp: LocalSmtp, tls: tuple[ssl.SSLContext, Path]
) -> None:
    context, cert = tls
    with LocalImap(users={"bounces": "pw"}, context=context) as imap:
        imap.folders.deliver(REPLY)
        transport = _transport(smtp, imap, cert, password="wrong")
        assert transport.inbound() == []
        assert imap.folders.folders["INBOX"][0].flags == set()


def test_a_mailbox_without_starttls_never_gets_the_password(
    smtp: LocalSmtp, tls: tuple[ssl.SSLContext, Path]
) -> None:
    _, cert = tls
    with LocalImap(users={"bounces": "pw"}, context=None) as imap:
        imap.folders.deliver(REPLY)
        transport = _transport(smtp, imap, cert)
        assert transport.inbound() == []
        assert imap.folders.folders["INBOX"][0].flags == set()
