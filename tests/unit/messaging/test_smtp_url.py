"""The SMTP transport's URL and settings: defaults, options, and refusals that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrears.config import Settings
from arrears.messaging.transport import TransportError
from arrears.messaging.transports.bounce_box import ImapBox, MaildirBox, open_bounce_box
from arrears.messaging.transports.smtp import parse_smtp_url, tls_context

SETTINGS = Settings(email_from="催收中心 <collections@bank.example>", email_bounce_address=None)


def test_defaults_port_starttls_sender_and_bounce_address() -> None:
    config = parse_smtp_url("smtp://mailer:p%40ss@mail.bank.example", settings=SETTINGS)
    assert (config.host, config.port, config.implicit_tls, config.starttls) == (
        "mail.bank.example",
        25,
        False,
        "auto",
    )
    assert (config.username, config.password) == ("mailer", "p@ss")
    assert config.sender == "催收中心 <collections@bank.example>"
    assert config.bounce_address == "collections@bank.example"  # no bounce address set: the From's
    assert config.helo == "bank.example"
    assert config.shown == "smtp://mailer:***@mail.bank.example"
    assert parse_smtp_url("smtps://h", settings=SETTINGS).port == 465


def test_options_override() -> None:
    url = "smtp://h:587?from=ops%40bank.example&starttls=required&timeout=5&helo=app01.bank.example"
    config = parse_smtp_url(url, settings=SETTINGS)
    assert (config.port, config.sender, config.starttls, config.timeout, config.helo) == (
        587,
        "ops@bank.example",
        "required",
        5.0,
        "app01.bank.example",
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://h", "expected smtp://"),
        ("smtp://h?tls=1", "unknown option 'tls'"),
        ("smtp://h?starttls=maybe", "starttls is auto, required or never"),
        ("smtp://h?timeout=soon", "numbers"),
        ("smtp://h?timeout=0", "0 to 600"),
        ("smtp://h:99999", "numbers"),
        ("smtp://h?from=nobody", "From address"),
        ("smtp://h?helo=a%0d%0aRSET", "helo"),
    ],
)
def test_a_bad_url_is_refused_naming_the_problem(url: str, why: str) -> None:
    with pytest.raises(TransportError, match=why):
        parse_smtp_url(url, settings=SETTINGS)


def test_a_bad_bounce_address_is_refused() -> None:
    settings = Settings(email_bounce_address="bounces")
    with pytest.raises(TransportError, match="BOUNCE_ADDRESS"):
        parse_smtp_url("smtp://h", settings=settings)


def test_a_missing_ca_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="CA file"):
        tls_context(str(tmp_path / "missing.pem"))
    assert tls_context("insecure").check_hostname is False


def test_the_bounce_mailbox_url(tmp_path: Path) -> None:
    context = tls_context(None)
    assert isinstance(open_bounce_box(f"maildir:{tmp_path / 'b'}", context=context), MaildirBox)
    assert (tmp_path / "b" / "new").is_dir()
    box = open_bounce_box("imaps://u:p%2Fw@imap.bank.example/Bounces", context=context)
    assert isinstance(box, ImapBox)
    assert (box.config.port, box.config.password, box.config.folder) == (993, "p/w", "Bounces")
    with pytest.raises(TransportError, match=r"u:\*\*\*@") as bad:
        open_bounce_box("pop3://u:secret@h", context=context)
    assert "secret" not in bad.value.message_en
