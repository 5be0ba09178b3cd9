"""The notice of a debt's transfer (债权转让通知) to each cardholder of a sale: a ``letter`` message in the
outbox of kind ``service`` (not a collection contact: the sold account's exclusion and its holds do not
stop it, and it carries no demand), rendered with the day's letters by the letters engine from the
governed template ``debt_sale_notice``, which names the buyer, how to reach and pay it, the date of the
transfer and the amount transferred. Queued once per account (key ``debtsale:<sale>:<account>:notice``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select

from arrears.messaging.outbox import NewMessage, enqueue
from arrears.models import OutboxMessage, table_of

TEMPLATE = "debt_sale_notice"
LETTER_DAYS = 30  # a notice not printed within 30 days expires (queued again by hand)
_MESSAGE = table_of(OutboxMessage)


def notice_key(sale_id: int, account_id: int) -> str:
    return f"debtsale:{sale_id}:{account_id}:notice"


def queue_notices(
    connection: Connection,
    *,
    sale_id: int,
    accounts: Sequence[tuple[int, int]],
    user_id: int,
    day: date,
    now: datetime,
) -> dict[int, int]:
    """Queues the notice of each (account, customer) for the print run of ``day``; the message id of
    each account's notice."""
    messages = [
        NewMessage(
            key=notice_key(sale_id, account_id),
            channel="letter",
            source="workspace",
            not_before=now,
            deadline_at=now + timedelta(days=LETTER_DAYS),
            kind="service",
            account_id=account_id,
            customer_id=customer_id,
            run_date=day,
            user_id=user_id,
            template=TEMPLATE,
        )
        for account_id, customer_id in accounts
    ]
    enqueue(connection, messages=messages, now=now)
    m, prefix = _MESSAGE, f"debtsale:{sale_id}:"
    found = connection.execute(
        select(m.c.id, m.c.account_id).where(m.c.idempotency_key.startswith(prefix, autoescape=True))
    )
    return {int(row.account_id): int(row.id) for row in found}
