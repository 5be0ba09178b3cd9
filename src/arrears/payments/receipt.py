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

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, case, select

from arrears.config import Settings
from arrears.kit.masking import mask_name
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.templates import MessageFacts, TemplateError, fill
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


def receipt_facts(connection: Connection, payment_id: int) -> ReceiptFacts | None:
    """The payment's receipt facts; None for an unknown payment."""
    p, a, c = _PAYMENT, _ACCOUNT, _CUSTOMER
    row = connection.execute(
        select(
            p.c.account_id, p.c.paid_date, p.c.amount_fen, a.c.customer_id, a.c.account_no,
            a.c.account_tail, c.c.name,
        )
        .join(a, a.c.id == p.c.account_id)
        .join(c, c.c.id == a.c.customer_id)
        .where(p.c.id == payment_id)
    ).one_or_none()  # fmt: skip
    if row is None:
        return None
    return ReceiptFacts(
        account_id=int(row.account_id),
        customer_id=int(row.customer_id),
        name=row.name,
        account_tail=row.account_tail or row.account_no[-4:],
        paid_date=row.paid_date,
        amount_fen=int(row.amount_fen),
        mobile_point_id=_mobile(connection, int(row.customer_id)),
    )


def _mobile(connection: Connection, customer_id: int) -> int | None:
    """The customer's valid mobile: the primary one first, then the oldest."""
    point = _POINT
    found = connection.execute(
        select(point.c.id)
        .where(point.c.customer_id == customer_id, point.c.kind == "mobile", point.c.invalid_at.is_(None))
        .order_by(case((point.c.is_primary, 0), else_=1), point.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def queue_receipt(connection: Connection, *, payment_id: int, now: datetime, settings: Settings) -> None:
    """Queues the payment's receipt SMS (see the module docstring); nothing for an unknown payment, a
    reversal (not a positive amount) or a customer without a valid mobile. Never commits."""
    facts = receipt_facts(connection, payment_id)
    if facts is None or facts.amount_fen <= 0 or facts.mobile_point_id is None:
        return
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
    try:
        filled = fill(connection, name=TEMPLATE, channel="sms", facts=said, locale=LOCALE)
    except TemplateError as error:
        message = replace(message, failed_reason=error.message_en)
    else:
        message = replace(message, body=filled.text, template_version=filled.version)
    enqueue(connection, messages=[message], now=now)
