"""E-mail over SMTP (``smtp://user:pass@host:587``, ``smtps://...:465``), bounces read back.

One connection serves a whole batch and the batches after it; a connection found dropped (the
server's idle timeout, a ``421``) is opened again and the message tried once more. STARTTLS is used
when the server offers it (``starttls=auto``), demanded (``required``) or not used (``never``); the
password is sent (AUTH) only over TLS. Each message is a MIME message built by
:func:`arrears.messaging.email_format.build_email`; its envelope sender is the bounce address tagged
with the message's key (VERP), so a bounce names its message.

Replies: ``2xx`` after DATA -> sent (provider id: the server's queue id from the 250 reply, else the
Message-ID); ``4xx`` -> transient; ``5xx`` at RCPT or DATA -> permanent with the server's reason
(masked); a refused envelope sender (MAIL) -> transient, since the recipient is not at fault. A server
that cannot be reached, refuses TLS or the password -> :class:`TransportDown` (every message waits).

SMTP cannot refuse a duplicate: a message sent again after a crash goes out again, with the same
Message-ID, which receiving systems and mail clients use to collapse the copies.

``inbound()`` reads the bounce mailbox (``ARREARS_EMAIL_BOUNCES``): DSNs become receipts, cardholders'
answers replies; a message that cannot be read is counted and put aside in the folder ``bad``.
"""

from __future__ import annotations

import imaplib
import logging
import re
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Self
from urllib.parse import parse_qsl, unquote, urlsplit

from arrears.config import Settings
from arrears.kit.clock import now as clock_now
from arrears.kit.crypto import mail_tag_key
from arrears.kit.masking import mask_free_text
from arrears.messaging.dsn import read_mail
from arrears.messaging.email_format import (
    MailTags,
    build_email,
    dsn_options,
    is_address,
    needs_smtputf8,
    provider_id_of,
    verp_sender,
    wire_address,
)
from arrears.messaging.transport import (
    Inbound,
    Outgoing,
    SendOutcome,
    SendResult,
    TransportDown,
    TransportError,
    redact,
)
from arrears.messaging.transports.bounce_box import BounceBox, open_bounce_box

logger = logging.getLogger(__name__)

STARTTLS_MODES = ("auto", "required", "never")
INBOUND_LIMIT = 500  # mailbox messages read per call
REASON_MAX = 300


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool
    starttls: str
    username: str | None
    password: str | None
    timeout: float
    helo: str
    sender: str  # the From header
    bounce_address: str  # the envelope sender, tagged per message (VERP)
    shown: str  # the URL without its password, for logs


class _Dropped(OSError):
    """The server closed the connection (``421``) in the middle of a message."""


def tls_context(ca: str | None) -> ssl.SSLContext:
    """The TLS trust for the SMTP and IMAP servers: the system's, a CA file, or none ('insecure')."""
    if ca == "insecure":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=ca)
    except (OSError, ssl.SSLError) as error:
        raise TransportError(
            f"ARREARS_EMAIL_TLS_CA is not a readable CA file ({type(error).__name__})",
            f"ARREARS_EMAIL_TLS_CA 不是可读的 CA 证书文件（{type(error).__name__}）",
        ) from error


def _bad_url(url: str, why_en: str, why_zh: str) -> TransportError:
    return TransportError(f"SMTP transport {redact(url)}: {why_en}", f"SMTP 发送通道 {redact(url)}：{why_zh}")


def parse_smtp_url(url: str, *, settings: Settings) -> SmtpConfig:
    """``smtp(s)://[user:pass@]host[:port][?from=...&starttls=auto|required|never&timeout=30&helo=...]``"""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise _bad_url(
            url,
            "expected smtp://host:port or smtps://host:port",
            "应为 smtp://主机:端口 或 smtps://主机:端口",
        )
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"from", "starttls", "timeout", "helo"})
    if unknown:
        raise _bad_url(url, f"unknown option {unknown[0]!r}", f"未知选项 {unknown[0]!r}")
    starttls = options.get("starttls", "auto")
    if starttls not in STARTTLS_MODES:
        raise _bad_url(url, "starttls is auto, required or never", "starttls 须为 auto、required 或 never")
    try:
        timeout = float(options.get("timeout", "30"))
        port = parts.port
    except ValueError as error:
        raise _bad_url(url, "timeout and port are numbers", "timeout 与端口须为数字") from error
    if not 0 < timeout <= 600:
        raise _bad_url(url, "timeout is 0 to 600 seconds", "timeout 须在 0 到 600 秒之间")
    sender, bounce = _addresses(url, options.get("from") or settings.email_from, settings=settings)
    helo = options.get("helo") or parseaddr(sender)[1].rpartition("@")[2]
    if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f.:]+\]", helo):
        raise _bad_url(url, "helo is a host name", "helo 须为主机名")
    implicit = parts.scheme == "smtps"
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout=timeout,
        helo=helo,
        sender=sender,
        bounce_address=bounce,
        shown=redact(url),
    )


def _addresses(url: str, sender: str, *, settings: Settings) -> tuple[str, str]:
    """The From header and the bounce address, both checked."""
    address = parseaddr(sender)[1]
    if not is_address(address):
        raise _bad_url(url, "the From address is not an e-mail address", "发件人地址不是电子邮件地址")
    bounce = settings.email_bounce_address or address
    if not is_address(bounce):
        raise _bad_url(
            url, "ARREARS_EMAIL_BOUNCE_ADDRESS is not an e-mail address", "退信地址不是电子邮件地址"
        )
    return sender, bounce


def _down(config: SmtpConfig, en: str, zh: str) -> TransportDown:
    return TransportDown(f"SMTP server {config.shown}: {en}", f"SMTP 服务器 {config.shown}：{zh}")


def connect(config: SmtpConfig, *, context: ssl.SSLContext) -> smtplib.SMTP:
    """An open session: greeted, TLS as configured, logged in when a user is given."""
    try:
        smtp = _open(config, context=context)
    except smtplib.SMTPAuthenticationError as error:
        raise _down(
            config, f"the user name or password was refused ({error.smtp_code})", "用户名或密码被拒绝"
        ) from error
    except smtplib.SMTPNotSupportedError as error:
        raise _down(config, "the server offers no AUTH", "服务器不支持 AUTH 登录") from error
    except ssl.SSLError as error:
        raise _down(config, f"TLS failed ({error.reason or type(error).__name__})", "TLS 握手失败") from error
    except OSError as error:  # refused, unreachable, timed out, a 4xx/5xx greeting
        raise _down(config, f"cannot be reached ({_why(error)})", f"无法连接（{_why(error)}）") from error
    return smtp


def _open(config: SmtpConfig, *, context: ssl.SSLContext) -> smtplib.SMTP:
    smtp: smtplib.SMTP
    if config.implicit_tls:
        smtp = smtplib.SMTP_SSL(
            config.host, config.port, local_hostname=config.helo, timeout=config.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(config.host, config.port, local_hostname=config.helo, timeout=config.timeout)
    try:
        smtp.ehlo_or_helo_if_needed()
        encrypted = config.implicit_tls
        if not encrypted and config.starttls != "never" and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
            encrypted = True
        if not encrypted and (config.starttls == "required" or config.username):
            raise _down(
                config,
                "offers no STARTTLS; nothing (and no password) is sent in clear",
                "不支持 STARTTLS；不以明文发送邮件或密码",
            )
        if config.username:
            smtp.login(config.username, config.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _why(error: BaseException) -> str:
    if isinstance(error, _Dropped):
        return "421 the server closed the connection"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code}"
    return getattr(error, "strerror", None) or type(error).__name__


def _reason(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return mask_free_text(" ".join(f"{code} {text}".split()))[:REASON_MAX]


class SmtpTransport:
    name = "smtp"

    def __init__(
        self,
        config: SmtpConfig,
        *,
        context: ssl.SSLContext,
        tags: MailTags,
        bounces: BounceBox | None = None,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.config = config
        self.tags = tags
        self.context = context
        self.bounces = bounces
        self.clock = clock
        self.counts: Counter[str] = Counter()  # connections, sent..., and the mailbox's bounce/reply/bad
        self._smtp: smtplib.SMTP | None = None
        self._unacknowledged: list[str] = []  # mailbox handles read, their events not yet committed

    @classmethod
    def from_url(cls, url: str, *, settings: Settings) -> Self:
        context = tls_context(settings.email_tls_ca)
        config = parse_smtp_url(url, settings=settings)
        bounces = open_bounce_box(settings.email_bounces, context=context) if settings.email_bounces else None
        return cls(config, context=context, tags=MailTags(mail_tag_key(settings)), bounces=bounces)

    # --- sending ------------------------------------------------------------------------------------

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        results: list[SendResult] = []
        for index, item in enumerate(batch):
            try:
                results.append(self._deliver(item))
            except TransportDown as down:
                if not results:  # nothing in the batch could be tried
                    raise
                waiting = batch[index:]
                results.extend(
                    SendResult(key=one.key, outcome="transient", reason=down.message_en) for one in waiting
                )
                break
        self.counts.update(result.outcome for result in results)
        return results

    def _deliver(self, item: Outgoing) -> SendResult:
        if not is_address(item.recipient):
            return SendResult(key=item.key, outcome="permanent", reason="not an e-mail address")
        try:
            wire_address(item.recipient)
        except UnicodeError:
            return SendResult(key=item.key, outcome="permanent", reason="the domain is not a valid name")
        for attempt in (1, 2):
            smtp = self._session()
            try:
                return self._transaction(smtp, item)
            except OSError as error:  # dropped, timed out, 421: open a new connection and try once more
                self._drop()
                if attempt == 2:
                    return SendResult(
                        key=item.key, outcome="transient", reason=f"connection lost ({_why(error)})"
                    )
        raise AssertionError("unreachable")

    def _transaction(self, smtp: smtplib.SMTP, item: Outgoing) -> SendResult:
        message = build_email(item, sender=self.config.sender, now=self.clock(), tags=self.tags)
        message_id = str(message["Message-ID"])
        utf8 = needs_smtputf8(wire_address(item.recipient))
        if utf8 and not smtp.has_extn("smtputf8"):
            reason = "the address is not ASCII and the server does not offer SMTPUTF8"
            return SendResult(key=item.key, outcome="permanent", reason=reason)
        mail_options, rcpt_options = (
            dsn_options(item.key, tags=self.tags) if smtp.has_extn("dsn") else ([], [])
        )
        if utf8:
            mail_options += ["SMTPUTF8", "BODY=8BITMIME"]
        reply: bytes | str
        code, reply = smtp.mail(
            verp_sender(self.config.bounce_address, item.key, tags=self.tags), mail_options
        )
        refused = self._refused(smtp, item, "MAIL", code, reply)
        if refused is None:
            code, reply = smtp.rcpt(wire_address(item.recipient), rcpt_options)
            refused = self._refused(smtp, item, "RCPT", code, reply)
        if refused is not None:
            return refused
        try:
            code, reply = smtp.data(message.as_bytes())
        except smtplib.SMTPDataError as error:  # DATA itself refused
            code, reply = error.smtp_code, error.smtp_error
        if code == 250:
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            return SendResult(
                key=item.key, outcome="sent", provider_id=provider_id_of(text, message_id=message_id)
            )
        return self._refused(smtp, item, "DATA", code, reply) or SendResult(key=item.key, outcome="transient")

    def _refused(
        self, smtp: smtplib.SMTP, item: Outgoing, stage: str, code: int, reply: bytes | str
    ) -> SendResult | None:
        """None when the server accepted the step; else the message's result (and the transaction reset)."""
        if code == 421:
            raise _Dropped(f"{code}")
        if 200 <= code < 300:
            return None
        try:
            smtp.rset()
        except OSError:  # the answer stands; the next message opens a new connection
            self._drop()
        reason = _reason(code, reply)
        if stage == "MAIL":  # our envelope sender refused: not the recipient's fault
            return SendResult(key=item.key, outcome="transient", reason=f"sender refused: {reason}")
        outcome: SendOutcome = "permanent" if 500 <= code < 600 else "transient"
        return SendResult(key=item.key, outcome=outcome, reason=reason)

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = connect(self.config, context=self.context)
            self.counts["connections"] += 1
        return self._smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    # --- what comes back ------------------------------------------------------------------------------

    def inbound(self) -> list[Inbound]:
        """New bounces and replies in the bounce mailbox, each read once; never raises."""
        if self.bounces is None:
            return []
        try:
            fetched = self.bounces.fetch(limit=INBOUND_LIMIT)
        except (OSError, imaplib.IMAP4.error) as error:
            logger.warning("bounce mailbox not readable now: %s", type(error).__name__)
            self.bounces.close()
            return []
        received_at = self.clock()
        events: list[Inbound] = []
        self._unacknowledged = []  # an earlier read not recorded (its commit failed) is read again
        for handle, raw in fetched:
            read = read_mail(raw, received_at=received_at, tags=self.tags, transport=self.name)
            self.counts[read.kind] += 1
            if read.kind != "bad":
                self._unacknowledged.append(handle)
                events.extend(read.events)
                continue
            logger.warning("bounce mailbox: a message put aside in 'bad': %s", read.reason)
            try:
                self.bounces.put_aside(handle)
            except (OSError, imaplib.IMAP4.error) as error:
                logger.warning("bounce mailbox: a message could not be put aside: %s", type(error).__name__)
        if not events:
            self.inbound_recorded()  # messages without an event: nothing to wait for
        return events

    def inbound_recorded(self) -> None:
        """Marks the read messages read in the mailbox, now that their events are committed."""
        handles, self._unacknowledged = self._unacknowledged, []
        for handle in handles:
            assert self.bounces is not None
            try:
                self.bounces.done(handle)
            except (OSError, imaplib.IMAP4.error) as error:
                logger.warning("bounce mailbox: a message could not be marked: %s", type(error).__name__)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        if self.bounces is not None:
            self.bounces.close()
