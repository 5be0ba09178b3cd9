"""A real SMTP server for the tests: aiosmtpd in a thread on a free loopback port.

It records what it accepts (envelope, bytes, whether TLS and AUTH were used), can offer STARTTLS with
a self-signed certificate made in a temporary directory (or speak TLS from the start, as smtps), can
demand AUTH, refuses chosen recipients with ``550`` at RCPT, answers ``451`` for others, drops the
connection at others, and writes
DSNs for messages it accepted into a Maildir, as a later bounce would arrive.
"""

from __future__ import annotations

import ipaddress
import mailbox
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA): (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    auth_user: str | None
    mail_options: list[str]
    queue_id: str

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    implicit_tls: bool = False
    reject: set[str] = field(default_factory=set)  # 550 at RCPT
    tempfail: set[str] = field(default_factory=set)  # 451 at RCPT
    drop: set[str] = field(default_factory=set)  # the connection closed at RCPT
    reject_data: bool = False  # 554 after DATA
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
        if address in self.drop and server.transport is not None:
            server.transport.close()
            return "421 4.3.2 Service shutting down"
        if address in self.tempfail:
            return f"451 4.7.1 <{address}>: Recipient address rejected: Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.reject_data:
            return "554 5.7.1 Message rejected: content looks like spam"
        auth = session.auth_data
        with self.lock:
            queue_id = f"Q{len(self.messages) + 1:06X}"
            self.messages.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    content=bytes(envelope.original_content or b""),
                    tls=self.implicit_tls or session.ssl is not None,
                    auth_user=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                    mail_options=list(envelope.mail_options),
                    queue_id=queue_id,
                )
            )
        return f"250 2.0.0 Ok: queued as {queue_id}"


class _FreePortController(Controller):
    """aiosmtpd's controller, bound to port 0 and told the port the system chose."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class LocalSmtp:
    """``with LocalSmtp(tmp_path, starttls=True, users={"u": "p"}) as server: server.url``."""

    def __init__(
        self,
        directory: Path,
        *,
        starttls: bool = False,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.handler = RecordingHandler(implicit_tls=implicit_tls)
        self.users = users
        self.starttls, self.implicit_tls = starttls, implicit_tls
        self.cert: Path | None = None
        self.port = 0
        self._context: ssl.SSLContext | None = None
        if starttls or implicit_tls:
            self.cert, key = make_certificate(directory)
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._context.load_cert_chain(self.cert, key)
        self._controller: _FreePortController | None = None

    @property
    def url(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and (self.users or {}).get(data.login.decode()) == data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    def start(self) -> LocalSmtp:
        kwargs: dict[str, Any] = {}
        if self.starttls:
            kwargs["tls_context"] = self._context
        if self.users is not None:
            kwargs |= {"authenticator": self._authenticate, "auth_required": True}
            kwargs["auth_require_tls"] = not self.implicit_tls  # implicit TLS is TLS too
        self._controller = _FreePortController(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self._context if self.implicit_tls else None,
            **kwargs,
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        """Stop and start on the same port: every open client connection is dropped."""
        self.stop()
        self.start()

    def __enter__(self) -> LocalSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- bounces as they arrive later -------------------------------------------------------------

    def write_dsn(self, maildir: Path, received: Received, **kwargs: Any) -> None:
        """A Postfix-style DSN for an accepted message, delivered into ``maildir/new``."""
        mailbox.Maildir(str(maildir), create=True).add(postfix_dsn(received, **kwargs))


def postfix_dsn(
    received: Received,
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
) -> bytes:
    """A DSN as Postfix writes it: to the envelope sender (VERP), the original headers returned."""
    rcpt = received.rcpt_tos[0]
    headers = received.content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    when = format_datetime(datetime.now(UTC))
    return (
        f"Return-Path: <>\r\nDelivered-To: {received.mail_from}\r\n"
        f"From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\nTo: {received.mail_from}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nDate: {when}\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status;\r\n boundary="B1"\r\n'
        "\r\n--B1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n"
        "\r\n--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.example\r\nX-Postfix-Queue-ID: {received.queue_id}\r\n"
        f"Arrival-Date: {when}\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nOriginal-Recipient: rfc822;{rcpt}\r\nAction: {action}\r\n"
        f"Status: {status}\r\nRemote-MTA: dns; mail.example.com\r\n"
        f"Diagnostic-Code: {diagnostic.format(rcpt=rcpt)}\r\n"
        f"\r\n--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n\r\n--B1--\r\n"
    ).encode()
