"""What arrives in the bounce mailbox, read (pure): delivery status notifications and replies.

A DSN (RFC 3464) is a ``multipart/report; report-type=delivery-status`` whose
``message/delivery-status`` part holds one block of per-message fields (``Reporting-MTA``,
``Original-Envelope-Id``, Postfix's ``X-Postfix-Queue-ID``...) and one block per recipient
(``Final-Recipient``, ``Action``, ``Status``, ``Diagnostic-Code``...). Each recipient block becomes a
:class:`Receipt`:

- ``Action: failed`` -> ``failed``; permanent when the status is ``5.x.x`` (the address or the
  message was refused), not when it is ``4.x.x`` (the MTA gave up retrying: the address may be fine);
- ``Action: delayed`` -> ``unknown``, not permanent (still being retried; the message keeps its status);
- ``Action: delivered`` / ``relayed`` / ``expanded`` -> ``delivered``.

The message's key is found, in this order, in the ``Original-Envelope-Id`` (ENVID), in the returned
message's Message-ID (``text/rfc822-headers`` or ``message/rfc822`` part), and in the VERP address the
bounce was sent to. A message that is not a DSN is a cardholder's reply (:class:`Reply`), an automatic
answer (an out-of-office: ignored), or, from a mailer daemon without a delivery-status part or a report
of another kind, put aside as bad. Nothing here raises on bad input: :func:`read_mail` answers ``bad``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Literal

from arrears.kit.masking import mask_free_text
from arrears.messaging.email_format import MailTags, from_xtext, key_from_address, key_from_message_id
from arrears.messaging.reply_text import reply_text
from arrears.messaging.transport import Inbound, Receipt, ReceiptStatus, Reply

MailKind = Literal["bounce", "reply", "ignored", "bad"]
REASON_MAX = 300
_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
_DAEMONS = ("mailer-daemon", "postmaster")
_REPORT_TYPE = re.compile(r"[a-z0-9.-]{1,40}")
_PLAUSIBLE, _CLOCK_SKEW = timedelta(days=30), timedelta(hours=1)
_VERP_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_ACTIONS: dict[str, ReceiptStatus] = {
    "failed": "failed",
    "delayed": "unknown",
    "delivered": "delivered",
    "relayed": "delivered",
    "expanded": "delivered",
}


@dataclass(frozen=True, slots=True)
class ReadMail:
    """One mailbox message read: its kind, the events it gives, and for ``bad``/``ignored`` why."""

    kind: MailKind
    events: tuple[Inbound, ...] = ()
    reason: str | None = None


def read_mail(raw: bytes, *, received_at: datetime, tags: MailTags, transport: str = "smtp") -> ReadMail:
    """Reads one message of the bounce mailbox; never raises (whatever cannot be read is ``bad``)."""
    try:
        # compat32 leaves headers unparsed until asked: several times faster for the reports; a reply
        # is parsed again with the modern policy for its body
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
        read = _read(message, received_at=received_at, tags=tags, transport=transport)
        if read.kind != "reply":
            return read
        modern = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(modern, EmailMessage)
        return _reply(modern, received_at=received_at, transport=transport)
    except Exception as error:  # any malformed input is put aside, never raised
        return ReadMail("bad", reason=f"unreadable message ({type(error).__name__})")


def _read(message: Message, *, received_at: datetime, tags: MailTags, transport: str) -> ReadMail:
    status_part = _first_part(message, _STATUS_TYPES)
    if status_part is not None:
        receipts = _receipts(message, status_part, received_at=received_at, tags=tags, transport=transport)
        if not receipts:
            return ReadMail("bad", reason="a delivery-status part without a recipient's Action and Status")
        if receipts[0].key is None:  # forged, or not one of ours: it must change nothing
            return ReadMail("bad", reason="a delivery-status report naming no message of ours by a valid tag")
        return ReadMail("bounce", tuple(receipts))
    if message.get_content_type() == "multipart/report":
        kind = str(message.get_param("report-type", "unknown")).lower()
        if kind == "disposition-notification":  # a read receipt (RFC 8098)
            return ReadMail("ignored", reason="a read receipt")
        # the reason is logged: the report type only when it is a token (never an address or a line break)
        shown = kind if _REPORT_TYPE.fullmatch(kind) else "unreadable"
        return ReadMail("bad", reason=f"a report of another kind ({shown})")
    if _from_daemon(message):
        return ReadMail("bad", reason="a mailer daemon's message without a delivery-status part")
    if _automatic(message):
        return ReadMail("ignored", reason="an automatic answer")
    return ReadMail("reply")


# --- DSN ------------------------------------------------------------------------------------------


def _first_part(message: Message, types: tuple[str, ...]) -> Message | None:
    return next((part for part in message.walk() if part.get_content_type() in types), None)


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a delivery-status part (the parser splits ``message/delivery-status``;
    the global variant of RFC 6533 comes as text)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    raw = part.get_payload(decode=True)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
    chunks = re.split(r"\r?\n[ \t]*\r?\n", text.strip())
    return [HeaderParser().parsestr(chunk) for chunk in chunks if chunk.strip()]


def _receipts(
    message: Message, part: Message, *, received_at: datetime, tags: MailTags, transport: str
) -> list[Receipt]:
    blocks = _blocks(part)
    if not blocks:
        return []
    per_message, recipients = blocks[0], blocks[1:]
    key = _bounce_key(message, per_message, tags=tags)
    provider_id = _field(per_message, "X-Postfix-Queue-ID") or None
    fallback = (
        _date(per_message.get("Arrival-Date"), received_at)
        or _date(message.get("Date"), received_at)
        or received_at
    )
    receipts = []
    for block in recipients:
        action, status = _field(block, "Action").lower(), _field(block, "Status")
        if not action or not status:
            continue
        receipt_status = _ACTIONS.get(action, "unknown")
        receipts.append(
            Receipt(
                transport=transport,
                status=receipt_status,
                at=_date(block.get("Last-Attempt-Date"), received_at) or fallback,
                provider_id=provider_id[:120] if provider_id else None,
                key=key,
                reason=_reason(action, status, _field(block, "Diagnostic-Code")),
                permanent=receipt_status == "failed" and status.startswith("5"),
            )
        )
    return receipts


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _bounce_key(message: Message, per_message: Message, *, tags: MailTags) -> str | None:
    """The key named by a tag that verifies (ENVID, returned Message-ID, VERP address), or None."""
    envid = _field(per_message, "Original-Envelope-Id")
    key = tags.key_of(from_xtext(envid)) if envid else None
    if key:
        return key
    for header in _returned_headers(message):
        key = key_from_message_id(str(header.get("Message-ID", "")), tags=tags)
        if key:
            return key
    for name in _VERP_HEADERS:
        for _, address in getaddresses([str(value) for value in message.get_all(name, [])]):
            key = key_from_address(address, tags=tags)
            if key:
                return key
    return None


def _returned_headers(message: Message) -> Iterator[Message]:
    """The headers of the message the bounce returns (whole or headers only)."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                yield payload[0]
        elif kind in ("text/rfc822-headers", "message/global-headers"):
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                yield HeaderParser().parsestr(raw.decode("utf-8", "replace"))


def _reason(action: str, status: str, diagnostic: str) -> str:
    """The server's reason (``Diagnostic-Code`` without its type), masked: a bounce often quotes the
    address it could not reach."""
    text = diagnostic.partition(";")[2].strip() if ";" in diagnostic else diagnostic
    if not text:
        text = f"{action} {status}"
    elif status not in text:
        text = f"{status} {text}"
    if action == "delayed":
        text = f"delayed: {text}"
    return mask_free_text(text)[:REASON_MAX]


def _date(value: object, received_at: datetime) -> datetime | None:
    """A date field, in UTC; None when missing, unreadable or implausible (after the message was
    received, or more than 30 days before: the sender's clock or a forged date)."""
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(str(value).strip())
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: year 9999 west of UTC
        return None
    return parsed if received_at - _PLAUSIBLE <= parsed <= received_at + _CLOCK_SKEW else None


# --- replies and automatic answers ----------------------------------------------------------------


def _from_daemon(message: Message) -> bool:
    return_path = str(message.get("Return-Path", "")).strip()
    local = parseaddr(str(message.get("From", "")))[1].partition("@")[0].lower()
    return return_path == "<>" or local in _DAEMONS


def _automatic(message: Message) -> bool:
    """RFC 3834 ``Auto-Submitted`` other than ``no``, or the older markers of vacation answers."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        not auto.startswith("no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or any(marker in message for marker in ("X-Autoreply", "X-Autorespond"))
    )


def _reply(message: EmailMessage, *, received_at: datetime, transport: str) -> ReadMail:
    sender = parseaddr(str(message.get("From", "")))[1]
    if "@" not in sender:
        return ReadMail("bad", reason="a message without a sender's address")
    text = reply_text(message)
    message_id = str(message.get("Message-ID", "")).strip()
    reply = Reply(
        transport=transport,
        channel="email",
        sender=sender,
        text=text,
        at=_date(message.get("Date"), received_at) or received_at,
        provider_id=message_id[:120] or None,
    )
    return ReadMail("reply", (reply,))
