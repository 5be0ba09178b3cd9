"""What comes back from the transports: delivery receipts, bounces and the cardholders' replies.

:func:`apply_inbound` is the one handler: the dispatcher calls it with what ``Transport.inbound()``
returns, the webhooks with what they parsed, each inside its own transaction (it never commits).

- A receipt names its message by provider id (or idempotency key), among the messages its own
  transport sent (a bounce never names an SMS), and moves it forward only
  (delivered, failed, expired; a late or repeated receipt is kept but changes nothing), with an
  ``outbox_event``. A delivery resets the contact point's count of permanent failures; a permanent
  failure adds one, and at ``invalid_after`` the point is invalid (audited): the next run skips it.
  A message its receipt finds still ``queued`` or ``sending`` went out all the same (the receipt came
  before the dispatcher recorded the send): the send is recorded with it, and counted by the caps.
- A reply finds its contact point by the keyed hash of the sender's normalised number or address.
  An opt-out keyword opts that point out at once (audited), which the rulebook's CN-OPT-OUT /
  US-OPT-OUT apply from the next check on; any other reply becomes a callback due now for the
  collector who last worked the account (none: unassigned, for the team's queue), its text masked.
- Everything is kept in ``inbound_message`` (the sender only as a keyed hash, the text masked),
  matched or not: an unknown receipt is counted and kept, never raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from arrears.accounts.free_text import known_masks
from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import mask_free_text
from arrears.messaging import inbound_repository as repo
from arrears.messaging.inbound_repository import MessageRef
from arrears.messaging.inbound_rules import (
    REPLY_TAG,
    InboundRules,
    is_opt_out,
    moves_forward,
    normalise_reply,
    point_kinds,
    reaches_limit,
    receipt_fits,
    rules_of,
    send_recorded,
    sender_candidates,
)
from arrears.messaging.transport import Inbound, Receipt, Reply, base_key

__all__ = ["InboundRules", "InboundSummary", "apply_inbound", "inbound_rules", "record_permanent_failure"]

ACTOR = "system"  # who the audit names for what a cardholder's reply or a gateway's receipt did
MAX_TEXT = 1_000  # characters of a reply kept (masked) and put in a task
RESENT_WITHIN = timedelta(days=2)  # a reply with a provider id seen this recently is a resend


@dataclass(frozen=True, slots=True)
class InboundSummary:
    """What a batch of inbound events did: receipts applied to their message, events that matched
    nothing (kept), late or repeated receipts (kept, nothing changed), opt-outs, reply tasks,
    contact points made invalid, replies seen before."""

    applied: int = 0
    unknown: int = 0
    ignored: int = 0
    opt_outs: int = 0
    tasks: int = 0
    invalidated: int = 0
    duplicates: int = 0

    def __add__(self, other: InboundSummary) -> InboundSummary:
        return InboundSummary(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def inbound_rules(settings: Settings) -> InboundRules:
    """The rules of ARREARS_OPT_OUT_KEYWORDS and ARREARS_INVALID_AFTER_FAILURES."""
    return rules_of(keywords=settings.opt_out_keywords, invalid_after=settings.invalid_after_failures)


def apply_inbound(
    connection: Connection,
    events: Sequence[Inbound],
    *,
    now: datetime,
    cipher: FieldCipher,
    rules: InboundRules,
) -> InboundSummary:
    """Applies receipts and replies (see the module); never commits, never raises for an event that
    matches nothing."""
    receipts = [event for event in events if isinstance(event, Receipt)]
    replies = [event for event in events if isinstance(event, Reply)]
    for transport in sorted({reply.transport for reply in replies}):  # first: locks in one order
        named = [reply.provider_id for reply in replies if reply.transport == transport and reply.provider_id]
        repo.lock_replies(connection, transport=transport, provider_ids=named)
    summary = _apply_receipts(connection, receipts, now=now, rules=rules) if receipts else InboundSummary()
    for reply in replies:
        summary += _apply_reply(connection, reply, now=now, cipher=cipher, rules=rules)
    return summary


def record_permanent_failure(
    connection: Connection, *, contact_point_id: int, now: datetime, rules: InboundRules
) -> bool:
    """Counts a permanent failure of a send to the point (a receipt's, or the dispatcher's at send
    time); True when that made the point invalid (audited)."""
    counted = repo.count_failure(connection, contact_point_id)
    if counted is None:
        return False
    failed_sends, invalid_at = counted
    if invalid_at is not None or not reaches_limit(
        failed_sends=failed_sends, invalid_after=rules.invalid_after
    ):
        return False
    point = repo.invalidate(connection, point_id=contact_point_id, now=now)
    AuditLog(connection).append(
        at=now, actor=ACTOR, action="contact_point.invalidated", subject_type="contact_point",
        subject_id=str(contact_point_id), details=point | {"invalid_after": rules.invalid_after},
    )  # fmt: skip
    return True


# --- receipts -----------------------------------------------------------------------------------


def _matcher(found: Sequence[MessageRef]) -> Any:
    by_key = {message.key: message for message in found}
    by_provider: dict[str, list[MessageRef]] = {}
    for message in found:
        if message.provider_id is not None:
            by_provider.setdefault(message.provider_id, []).append(message)

    def fits(receipt: Receipt, message: MessageRef) -> bool:
        return receipt_fits(receipt_transport=receipt.transport, message_transport=message.transport,
                            message_channel=message.channel)  # fmt: skip

    def match(receipt: Receipt) -> MessageRef | None:
        named = [one for one in by_provider.get(receipt.provider_id or "", []) if fits(receipt, one)]
        if named:
            return named[-1]
        keyed = by_key.get(base_key(receipt.key or ""))
        return keyed if keyed is not None and fits(receipt, keyed) else None

    return match


def _reason(receipt: Receipt, limit: int) -> str | None:
    """The provider's reason, masked (a bounce may quote the address it could not reach)."""
    return mask_free_text(receipt.reason)[:limit] if receipt.reason else None


def _inbound_row(
    receipt: Receipt, message: MessageRef | None, *, now: datetime, outcome: str
) -> dict[str, Any]:
    kind = "bounce" if receipt.transport == "smtp" and receipt.status == "failed" else "receipt"
    return {
        "received_at": now, "transport": receipt.transport[:20], "kind": kind,
        "message_id": message.id if message else None, "account_id": message.account_id if message else None,
        "contact_point_id": message.contact_point_id if message else None,
        "provider_id": (receipt.provider_id or receipt.key or "")[:120] or None, "status": receipt.status,
        "sender_hash": None, "text_masked": _reason(receipt, MAX_TEXT),
        "matched": message is not None, "outcome": outcome,
    }  # fmt: skip


def _apply_receipts(
    connection: Connection, receipts: Sequence[Receipt], *, now: datetime, rules: InboundRules
) -> InboundSummary:
    found = repo.messages_for(
        connection,
        provider_ids=[r.provider_id for r in receipts if r.provider_id],
        keys=[base_key(r.key) for r in receipts if r.key],
    )
    match, status = _matcher(found), {message.id: message.status for message in found}
    steps: list[tuple[Receipt, MessageRef]] = []
    outcomes: list[tuple[Receipt, MessageRef | None, str]] = []
    for receipt in receipts:
        message = match(receipt)
        if message is None or not moves_forward(status[message.id], receipt.status):
            outcomes.append((receipt, message, "unknown" if message is None else "ignored"))
            continue
        status[message.id] = receipt.status
        steps.append((receipt, message))
    repo.advance(connection, [_advance_row(receipt, message, now=now) for receipt, message in steps])
    repo.add_events(connection, [_event_row(receipt, message, now=now) for receipt, message in steps])
    for transport in sorted({receipt.transport for receipt, _m in steps}):
        unrecorded = [m for r, m in steps if r.transport == transport and not send_recorded(m.status)]
        if unrecorded:
            repo.record_sends(connection, unrecorded, transport=transport, now=now)
    invalidated = _point_effects(connection, steps, now=now, rules=rules)
    outcomes += [(r, m, "invalid" if m.id in invalidated else "applied") for r, m in steps]
    repo.add_inbound(connection, [_inbound_row(r, m, now=now, outcome=o) for r, m, o in outcomes])
    counts = [outcome for _r, _m, outcome in outcomes]
    return InboundSummary(
        applied=len(steps), unknown=counts.count("unknown"), ignored=counts.count("ignored"),
        invalidated=counts.count("invalid"),
    )  # fmt: skip


def _advance_row(receipt: Receipt, message: MessageRef, *, now: datetime) -> dict[str, Any]:
    return {"_id": message.id, "_status": receipt.status, "_at": min(receipt.at, now),
            "_reason": _reason(receipt, 500), "_provider": receipt.provider_id}  # fmt: skip


def _event_row(receipt: Receipt, message: MessageRef, *, now: datetime) -> dict[str, Any]:
    """The message's status step, at the receipt's time but never after ``now`` (a provider's clock
    years ahead, or an SMSC's local time read as UTC, would hide it from its day on the outbox page)."""
    return {
        "message_id": message.id,
        "at": min(receipt.at, now),
        "status": receipt.status,
        "provider_id": receipt.provider_id or message.provider_id,
        "detail": _reason(receipt, 500),
    }


def _point_effects(
    connection: Connection, steps: Sequence[tuple[Receipt, MessageRef]], *, now: datetime, rules: InboundRules
) -> set[int]:
    """Deliveries reset their points' failure counts, permanent failures add to them, in the receipts'
    order; the ids of the messages whose failure made their point invalid."""
    effects: dict[int, list[tuple[str, int]]] = {}
    for receipt, message in steps:
        if message.contact_point_id is None:
            continue
        if receipt.status == "delivered":
            effects.setdefault(message.contact_point_id, []).append(("reset", message.id))
        elif receipt.status == "failed" and receipt.permanent:
            effects.setdefault(message.contact_point_id, []).append(("fail", message.id))
    only_resets = [point for point, done in effects.items() if all(kind == "reset" for kind, _id in done)]
    repo.reset_failures(connection, sorted(only_resets))
    invalidated: set[int] = set()
    for point, done in sorted(effects.items()):
        if point in only_resets:
            continue
        for kind, message_id in done:
            if kind == "reset":
                repo.reset_failures(connection, [point])
            elif record_permanent_failure(connection, contact_point_id=point, now=now, rules=rules):
                invalidated.add(message_id)
    return invalidated


# --- replies ------------------------------------------------------------------------------------


def _sender(
    connection: Connection, reply: Reply, *, cipher: FieldCipher
) -> tuple[list[repo.PointRef], int | None, str]:
    """The contact points the sender's number or address names, the account the reply is about, and
    the sender's keyed hash (what is kept of the sender)."""
    candidates = sender_candidates(reply.sender, channel=reply.channel)
    hashes = [cipher.lookup_hash(value) for value in candidates]
    points = repo.points_by_hash(connection, hashes=hashes, kinds=point_kinds(reply.channel))
    sender_hash = hashes[0] if hashes else cipher.lookup_hash(normalise_reply(reply.sender))
    if not points:
        return points, None, sender_hash
    account_id = repo.reply_account(
        connection, point_ids=[p.id for p in points], customer_ids=[p.customer_id for p in points]
    )
    return points, account_id, sender_hash


def _apply_reply(
    connection: Connection, reply: Reply, *, now: datetime, cipher: FieldCipher, rules: InboundRules
) -> InboundSummary:
    since = now - RESENT_WITHIN
    if reply.provider_id and repo.reply_seen(
        connection, transport=reply.transport, provider_id=reply.provider_id, since=since
    ):
        return InboundSummary(duplicates=1)
    points, account_id, sender_hash = _sender(connection, reply, cipher=cipher)
    customer_id = repo.account_customer(connection, account_id) if account_id is not None else None
    masks = known_masks(connection, [customer_id], cipher=cipher).get(customer_id, {}) if customer_id else {}
    text = mask_free_text(reply.text[:MAX_TEXT], known=masks)
    if not points:
        outcome, summary = "unknown", InboundSummary(unknown=1)
    elif is_opt_out(reply.text, rules=rules):
        _opt_out(connection, reply, points=points, now=now)
        outcome, summary = "opt_out", InboundSummary(opt_outs=1)
    elif account_id is not None:
        _reply_task(connection, reply, account_id=account_id, text=text, now=now)
        outcome, summary = "task", InboundSummary(tasks=1)
    else:
        outcome, summary = "unknown", InboundSummary(unknown=1)  # a point of a customer without an account
    row = {
        "received_at": now, "transport": reply.transport[:20], "kind": "reply", "message_id": None,
        "account_id": account_id, "contact_point_id": points[0].id if points else None,
        "provider_id": reply.provider_id[:120] if reply.provider_id else None, "status": None,
        "sender_hash": sender_hash, "text_masked": text, "matched": bool(points), "outcome": outcome,
    }  # fmt: skip
    repo.add_inbound(connection, [row])
    return summary


def _opt_out(connection: Connection, reply: Reply, *, points: Sequence[repo.PointRef], now: datetime) -> None:
    """Opts the sender's points out now, each audited once (a point opted out already stays so)."""
    fresh = [point for point in points if not point.opted_out]
    if not fresh:
        return
    changed = set(repo.opt_out(connection, point_ids=[point.id for point in fresh], now=now))
    audit = AuditLog(connection)
    for point in (point for point in fresh if point.id in changed):
        details = {"customer_id": point.customer_id, "channel": reply.channel, "transport": reply.transport,
                   "via": "reply"}  # fmt: skip
        audit.append(at=now, actor=ACTOR, action="contact_point.opted_out", subject_type="contact_point",
                     subject_id=str(point.id), details=details)  # fmt: skip


def _reply_task(connection: Connection, reply: Reply, *, account_id: int, text: str, now: datetime) -> int:
    """A callback due now for the collector who last worked the account (none: unassigned), whose
    note says it is a reply and gives its text, masked."""
    label = "短信回复 SMS reply" if reply.channel == "sms" else "邮件回复 e-mail reply"
    return repo.add_callback(
        connection,
        {
            "account_id": account_id,
            "customer_id": repo.account_customer(connection, account_id),
            "user_id": repo.last_worker(connection, account_id=account_id),
            "due_at": now,
            "note": f"{REPLY_TAG} {label}: {text}",
            "status": "open",
            "created_at": now,
        },
    )
