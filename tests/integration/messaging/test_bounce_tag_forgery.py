"""Forged bounces: anyone can mail the bounce address and the keys are predictable, so a bounce counts
only when the tag of its VERP address, ENVID or returned Message-ID verifies (HMAC of the key)."""

from __future__ import annotations

import dataclasses
import mailbox
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_smtp import LocalSmtp, Received, postfix_dsn
from mail_tags import TAGS

from arrears.config import Settings
from arrears.messaging.email_format import key_tag
from arrears.messaging.transport import Outgoing, Receipt
from arrears.messaging.transports.smtp import SmtpTransport
from fixed_keys import TEST_KEY_B64

KEY = "run:2026-05-07:action:1001:email"


@pytest.fixture
def sent(tmp_path: Path) -> Iterator[tuple[SmtpTransport, Received]]:
    settings = Settings(
        email_from="collections@bank.example",
        email_bounce_address="bounces@bank.example",
        email_bounces=f"maildir:{tmp_path / 'bounces'}",
        encryption_key=TEST_KEY_B64,  # the tests' master key
    )
    with LocalSmtp(tmp_path) as server:
        transport = SmtpTransport.from_url(server.url, settings=settings)
        item = Outgoing(
            message_id=1, key=KEY, channel="email", recipient="zhang.san@example.com", text="提醒"
        )
        assert transport.send([item])[0].outcome == "sent"
        yield transport, server.messages[0]
        transport.close()


def _forged(received: Received, tag: str) -> Received:
    """The genuine message's envelope and headers with ``tag`` where the signed tag was."""
    signed = received.mail_from.partition("+")[2].partition("@")[0]
    return dataclasses.replace(
        received,
        mail_from=received.mail_from.replace(signed, tag),
        content=received.content.replace(signed.encode(), tag.encode()),
    )


@pytest.mark.parametrize("tag", [key_tag(KEY), f"{key_tag(KEY)}.aaaaaaaaaaaaa"])
def test_a_forged_bounce_with_a_guessed_key_changes_nothing(
    sent: tuple[SmtpTransport, Received], tmp_path: Path, tag: str
) -> None:
    transport, received = sent
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    for _ in range(3):  # three failures would mark the address invalid
        box.add(postfix_dsn(_forged(received, tag)))
    assert transport.inbound() == []
    assert transport.counts["bad"] == 3 and transport.counts["bounce"] == 0
    assert len(box.get_folder("bad")) == 3 and len(box) == 0  # put aside, never read again


def test_the_genuine_bounce_still_names_its_message(
    sent: tuple[SmtpTransport, Received], tmp_path: Path
) -> None:
    transport, received = sent
    assert received.mail_from == f"bounces+{TAGS.tag(KEY)}@bank.example"
    mailbox.Maildir(str(tmp_path / "bounces"), create=True).add(postfix_dsn(received))
    (receipt,) = transport.inbound()
    assert isinstance(receipt, Receipt)
    assert (receipt.key, receipt.status, receipt.permanent) == (KEY, "failed", True)
