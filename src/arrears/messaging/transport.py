"""The contract between the dispatcher and a transport, and the inbound events a transport reports.

A transport sends a batch of :class:`Outgoing` messages and answers one :class:`SendResult` per message,
in order. It never raises for one message's failure: a transient failure (a timeout, a throttle, a
connection that dropped) is ``transient`` and the dispatcher retries it later with backoff; a
permanent one (an unknown number, a rejected address, a refused content) is ``permanent`` with the
provider's reason. ``TransportDown`` is raised only when nothing in the batch could be tried.

Exactly once: every message carries its idempotency key. A transport passes the key to the provider
(an HTTP header and field, an SMPP optional parameter, the e-mail's Message-ID, the file transport's
line) so that a message sent again after a crash is recognised there and answered with the first
send's provider id instead of going out twice.

What comes back (delivery receipts, mobile-originated replies, bounces) is reported as
:class:`Receipt` and :class:`Reply` values by :meth:`Transport.inbound`, drained by the dispatcher;
webhooks deliver the same values to the same handler (:mod:`arrears.messaging.inbound`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from arrears.kit.errors import ArrearsError

Channel = Literal["sms", "email", "push", "letter"]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]
SendOutcome = Literal["sent", "transient", "permanent"]
ReceiptStatus = Literal["delivered", "failed", "expired", "unknown"]


class TransportError(ArrearsError):
    """A transport that cannot be configured (a bad URL, a missing setting)."""


class TransportDown(ArrearsError):
    """Nothing in the batch could be tried (the gateway is unreachable): every message waits."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as the transport sends it; ``recipient`` is in clear only here, never logged."""

    message_id: int
    key: str  # the idempotency key
    channel: Channel
    recipient: str  # a mobile, an e-mail address, or for push the customer's number at the bank
    text: str
    subject: str | None = None  # e-mail
    target: str | None = None  # push: "app" or "wechat"
    kind: str = "collection"  # or "service" (one-time codes, receipts)


@dataclass(frozen=True, slots=True)
class SendResult:
    key: str
    outcome: SendOutcome
    provider_id: str | None = None
    reason: str | None = None  # the provider's reason, for a transient or permanent failure


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the provider says became of a message: matched by ``provider_id`` or by ``key``."""

    transport: str
    status: ReceiptStatus
    at: datetime
    provider_id: str | None = None
    key: str | None = None
    reason: str | None = None
    permanent: bool = True  # a failed receipt that says the address itself is bad


@dataclass(frozen=True, slots=True)
class Reply:
    """A message from the cardholder: an SMS reply (mobile-originated) or an e-mail answer."""

    transport: str
    channel: Channel
    sender: str  # the mobile or e-mail address, in clear only here
    text: str
    at: datetime
    provider_id: str | None = None


Inbound = Receipt | Reply


class Transport(Protocol):
    """What the dispatcher needs of a transport."""

    name: str  # "file", "smpp", "http", "smtp", "push"

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]: ...

    def inbound(self) -> list[Inbound]:
        """Receipts and replies received since the last call (empty for a transport without any)."""
        ...

    def inbound_recorded(self) -> None:
        """The events of the last :meth:`inbound` are committed: a transport whose source keeps them
        until told (the bounce mailbox) acknowledges them now, so that a dispatcher that dies before
        the commit leaves them to be read again rather than lost."""
        ...

    def close(self) -> None: ...


RETRY_MARK = "~"


def send_key(key: str, retries: int) -> str:
    """The key a message goes out under: its own, or after the n-th manual retry ``<key>~n``, so that a
    message retried after it ended (undelivered, expired) is a new send for the provider, while a
    re-send after a crash keeps the key of the send it repeats."""
    return key if retries <= 0 else f"{key}{RETRY_MARK}{retries}"


def base_key(sent: str) -> str:
    """The message's own key from the key a send went out under (see :func:`send_key`)."""
    head, mark, tail = sent.rpartition(RETRY_MARK)
    return head if mark and tail.isdigit() and head else sent


def redact(url: str) -> str:
    """A transport URL fit for a log line or a page: the password replaced by ``***``."""
    parts = urlsplit(url)
    credentials, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))
