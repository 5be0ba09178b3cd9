"""The receipt of a posted payment: an SMS to the cardholder's mobile through the outbox.

- Kind ``service``, template ``payment_receipt`` (its approved version in use), filled with masked
  data only: the masked name (``张*``, as the run's messages say it), the account's last four
  characters, the payment's date, the amount in yuan and the hotline (``ARREARS_SMS_HOTLINE``).
- Key ``receipt:<payment_id>``: a payment has one receipt, however often posting is replayed.
- To the customer's valid mobile (never one marked invalid), the primary one first, then the oldest.
  No such mobile: nothing is queued (and no error: the payment stands without its receipt).
- Due at once (``not_before`` = now) and for a day (``deadline_at`` = now + 1 day). A service message
  goes whatever the hour and never counts against the collection caps: the dispatcher's re-check
  sends kind ``service`` without the collection rules (:mod:`arrears.messaging.rules`).
- A template that cannot be filled queues the message ``failed`` with the reason (the outbox shows
  it), so posting never fails for its receipt.

Called by :func:`arrears.payments.effects.after_posting`, in the posting's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, case, select

from arrears.config import Settings
from arrears.kit.masking import mask_name
from arrears.kit.sql_lists import one_of
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.templates import MessageFacts, TemplateError
from arrears.messaging.templates.repository import Stored
from arrears.messaging.templates.service import approved, fill_stored
from arrears.models import CardAccount, ContactPoint, Customer, Payment, table_of

TEMPLATE = "payment_receipt"
VALID_FOR = timedelta(days=1)
LOCALE = "zh"

_PAYMENT, _ACCOUNT = table_of(Payment), table_of(CardAccount)
_CUSTOMER, _POINT = table_of(Customer), table_of(ContactPoint)


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """What the receipt says and where it goes (the name in clear: masked before it is written)."""

    account_id: int
    customer_id: int
    name: str
    account_tail: str
    paid_date: date
    amount_fen: int
    mobile_point_id: int | None


def receipt_key(payment_id: int) -> str:
    return f"receipt:{payment_id}"


def receipt_facts(connection: Connection, payment_ids: Sequence[int]) -> dict[int, ReceiptFacts]:
    """The payments' receipt facts, by payment id (an unknown payment is absent)."""
    p, a, c = _PAYMENT, _ACCOUNT, _CUSTOMER
    rows = connection.execute(
        select(
            p.c.id, p.c.account_id, p.c.paid_date, p.c.amount_fen, a.c.customer_id, a.c.account_no,
            a.c.account_tail, c.c.name,
        )
        .join(a, a.c.id == p.c.account_id)
        .join(c, c.c.id == a.c.customer_id)
        .where(one_of(connection, p.c.id, payment_ids))
    ).all()  # fmt: skip
    mobiles = _mobiles(connection, {int(row.customer_id) for row in rows})
    return {
        int(row.id): ReceiptFacts(
            account_id=int(row.account_id),
            customer_id=int(row.customer_id),
            name=row.name,
            account_tail=row.account_tail or row.account_no[-4:],
            paid_date=row.paid_date,
            amount_fen=int(row.amount_fen),
            mobile_point_id=mobiles.get(int(row.customer_id)),
        )
        for row in rows
    }


def _mobiles(connection: Connection, customer_ids: set[int]) -> dict[int, int]:
    """Each customer's valid mobile: the primary one first, then the oldest (none: absent)."""
    point = _POINT
    found: dict[int, int] = {}
    if not customer_ids:
        return found
    query = (
        select(point.c.customer_id, point.c.id)
        .where(one_of(connection, point.c.customer_id, customer_ids), point.c.kind == "mobile",
               point.c.invalid_at.is_(None))
        .order_by(point.c.customer_id, case((point.c.is_primary, 0), else_=1), point.c.id)
    )  # fmt: skip
    for customer_id, point_id in connection.execute(query):
        found.setdefault(int(customer_id), int(point_id))
    return found


def queue_receipt(connection: Connection, *, payment_id: int, now: datetime, settings: Settings) -> None:
    """:func:`queue_receipts` of one payment."""
    queue_receipts(connection, [payment_id], now=now, settings=settings)


def queue_receipts(
    connection: Connection, payment_ids: Sequence[int], *, now: datetime, settings: Settings
) -> None:
    """Queues each payment's receipt SMS (see the module docstring); nothing for an unknown payment, a
    reversal (not a positive amount) or a customer without a valid mobile. Never commits."""
    facts = receipt_facts(connection, payment_ids)
    wanted = [(one, facts[one]) for one in dict.fromkeys(payment_ids) if one in facts]
    wanted = [(one, said) for one, said in wanted if said.amount_fen > 0 and said.mobile_point_id is not None]
    if not wanted:
        return
    try:
        stored: Stored | TemplateError = approved(connection, name=TEMPLATE, channel="sms")
    except TemplateError as error:
        stored = error
    messages = [_receipt(payment_id, said, stored, now=now, settings=settings) for payment_id, said in wanted]
    enqueue(connection, messages=messages, now=now)


def _receipt(
    payment_id: int, facts: ReceiptFacts, stored: Stored | TemplateError, *, now: datetime, settings: Settings
) -> NewMessage:
    """The receipt message, filled; ``failed`` with the reason when the template cannot be."""
    message = NewMessage(
        key=receipt_key(payment_id), channel="sms", kind="service", source="system",
        not_before=now, deadline_at=now + VALID_FOR, account_id=facts.account_id,
        customer_id=facts.customer_id, contact_point_id=facts.mobile_point_id, template=TEMPLATE,
        locale=LOCALE,
    )  # fmt: skip
    said = MessageFacts(
        name=mask_name(facts.name), account_tail=facts.account_tail, hotline=settings.sms_hotline,
        paid_fen=facts.amount_fen, paid_date=facts.paid_date,
    )  # fmt: skip
    if isinstance(stored, TemplateError):
        return replace(message, failed_reason=stored.message_en)
    try:
        filled = fill_stored(stored, facts=said, locale=LOCALE)
    except TemplateError as error:
        return replace(message, failed_reason=error.message_en)
    return replace(message, body=filled.text, template_version=filled.version)
