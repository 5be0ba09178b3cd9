"""Receipt and reply webhooks of the HTTP platforms (SMS, app push / WeChat notices): a call is read
(signature, time window, body) before any database work, then its nonce is claimed and its events go
to :func:`arrears.messaging.inbound.apply_inbound`, all in the caller's transaction (never committed
here). A refused call changes nothing but its count (docs/messaging-http.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection

from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.messaging import webhook_repository as repo
from arrears.messaging.inbound import InboundRules, InboundSummary, apply_inbound
from arrears.messaging.signing import BadSignature, Signed, verify
from arrears.messaging.transport import Inbound
from arrears.messaging.webhook_body import TRANSPORTS, BadBody, parse_events

WebhookChannel = Literal["sms", "push"]


class Replayed(ArrearsError):
    """A nonce used before: the call is a replay."""

    reason = "replay"

    def __init__(self) -> None:
        super().__init__("the nonce was used before", "该 nonce 已被使用过（重放请求）")


Refused = BadSignature | BadBody | Replayed
REFUSED = (BadSignature, BadBody, Replayed)  # what ``except`` catches of a refused call


def reason_of(problem: Refused) -> str:
    """Why a call was refused: ``headers``, ``signature``, ``stale``, ``replay`` or ``body``."""
    return "body" if isinstance(problem, BadBody) else problem.reason


@dataclass(frozen=True, slots=True)
class Call:
    """A webhook call read and verified, not yet applied."""

    channel: WebhookChannel
    signed: Signed
    events: Sequence[Inbound]

    @property
    def transport(self) -> str:
        return TRANSPORTS[self.channel]


def read_call(
    *,
    channel: WebhookChannel,
    key: bytes,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    window_seconds: int,
) -> Call:
    """The verified call; :class:`BadSignature` or :class:`BadBody` (pure: no database, no clock)."""
    signed = verify(key=key, headers=headers, body=body, now=now, window_seconds=window_seconds)
    return Call(channel=channel, signed=signed, events=parse_events(body, channel=channel))


def receive(
    connection: Connection, call: Call, *, now: datetime, cipher: FieldCipher, rules: InboundRules
) -> InboundSummary:
    """Claims the call's nonce (:class:`Replayed` when it was used: roll back) and applies its events."""
    if not repo.claim_nonce(connection, transport=call.transport, nonce=call.signed.nonce, at=call.signed.at):
        raise Replayed()
    return apply_inbound(connection, call.events, now=now, cipher=cipher, rules=rules)


def count_refused(
    connection: Connection, *, channel: WebhookChannel, problem: Refused, now: datetime
) -> None:
    """Counts a refused call by its reason."""
    repo.count_refused(connection, transport=TRANSPORTS[channel], reason=reason_of(problem), now=now)
