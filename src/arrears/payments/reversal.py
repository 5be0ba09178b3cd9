"""Refunds and reversals: a posted payment taken back by a negative entry (``docs/payments.md``, "What a
payment does").

:func:`reverse_payment` writes a ``payment`` row with ``source`` ``reversal``, ``reverses_id`` the
payment taken back, the negative amount, ``applied_*_fen`` the negatives of the payment's, the paid
date the cardholders' today, ``payment_ref`` ``reversal:<payment id>`` (unique: a payment is reversed
once) and ``trade_no`` the given reference (a gateway's refund number, or none). The account's items
get back what the payment paid of each, and its overdue amount grows by the amount again (at most to
the balance). An order paid by it becomes ``refunded``. Then :func:`arrears.payments.effects.
after_reversal` reopens what the payment stopped. ``payment.reversed`` is audited: ids, amount and
the reason masked (patterns and the cardholder's name). The caller owns the transaction (one that may
append to the audit: :func:`arrears.audit.repository.audit_transaction`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from arrears.accounts.free_text import known_masks, mask_text
from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.debtsale.forwards import flag_forwards
from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import CardAccount, Payment, PaymentOrder, table_of
from arrears.payments import effects, posting
from arrears.payments import effects_repository as repo
from arrears.payments import repository as payments_repository

MAX_REASON = 500
_PAYMENT, _ACCOUNT, _ORDER = table_of(Payment), table_of(CardAccount), table_of(PaymentOrder)


class ReversalRefused(ArrearsError):
    """The payment cannot be reversed (a reversal itself, reversed already, or nothing to take back)."""


def reversal_ref(payment_id: int) -> str:
    return f"reversal:{payment_id}"


def _check(
    connection: Connection, found: dict[str, Any] | None, payment_id: int, reason: str
) -> dict[str, Any]:
    if found is None:
        raise NotFound(f"no payment {payment_id}", f"没有还款记录 {payment_id}")
    if not reason.strip():
        raise ReversalRefused("a reversal needs a reason", "冲正须填写原因")
    if len(reason) > MAX_REASON:
        raise ReversalRefused(
            f"the reason is longer than {MAX_REASON} characters", f"原因不能超过 {MAX_REASON} 个字符"
        )
    if found["source"] == "reversal" or found["amount_fen"] <= 0:
        raise ReversalRefused(
            f"payment {payment_id} is a reversal: it cannot be reversed",
            f"还款记录 {payment_id} 本身是冲正，不能冲正",
        )
    taken = connection.execute(
        select(_PAYMENT.c.id).where(_PAYMENT.c.reverses_id == payment_id, _PAYMENT.c.source == "reversal")
    ).scalar()
    if taken is not None:
        raise ReversalRefused(
            f"payment {payment_id} was reversed already (entry {taken})",
            f"还款记录 {payment_id} 已冲正（记录 {taken}）",
        )
    return found


def _delinquency(
    connection: Connection, account: Any, *, now: datetime, settings: Settings
) -> dict[str, Any]:
    """The account's delinquency recomputed as posting does (:func:`posting.delinquency_now`), the
    negative entry counted with the payments."""
    arrears = payments_repository.Arrears(
        account["id"], account["arrears_fen"], account["arrears_due_date"], account["arrears_as_of_date"]
    )
    today = effects.local_today(now, settings)
    snapshot = payments_repository.latest_snapshot_date(connection, account["id"])
    as_of = max(today, snapshot or today)
    return posting.delinquency_now(
        minimums=payments_repository.minimums_of(connection, arrears),
        paid=payments_repository.paid_of(connection, arrears, as_of=as_of),
        as_of=as_of,
    )


def reverse_payment(
    connection: Connection,
    *,
    payment_id: int,
    reason: str,
    reference: str | None,
    now: datetime,
    settings: Settings,
    actor: str,
) -> int:
    """Posts the negative entry that takes back payment ``payment_id``, restores the account's items,
    reopens what the payment stopped, audits ``payment.reversed``, and returns the entry's id. Raises
    NotFound for an unknown payment, :class:`ReversalRefused` for a reversal, a payment reversed
    already, or a missing reason."""
    original = _check(connection, repo.payment(connection, payment_id, lock=True), payment_id, reason)
    account_id = int(original["account_id"])
    o, a = _ORDER, _ACCOUNT
    # the orders the payment paid before the account, as every writer takes them (a batch of
    # notifications holding such an order waits for the account: the other way round is a deadlock)
    connection.execute(
        select(o.c.id).where(o.c.payment_id == payment_id).order_by(o.c.out_trade_no).with_for_update()
    )
    account = connection.execute(select(a).where(a.c.id == account_id).with_for_update()).mappings().one()
    applied = {
        name: int(original[name] or 0)
        for name in ("applied_fee_fen", "applied_interest_fen", "applied_principal_fen")
    }
    amount = int(original["amount_fen"])
    reversal_id = int(
        connection.execute(
            insert(_PAYMENT)
            .values(
                payment_ref=reversal_ref(payment_id), account_id=account_id,
                paid_date=effects.local_today(now, settings), amount_fen=-amount, channel=original["channel"],
                source="reversal", trade_no=(reference or "").strip()[:64] or None, posted_at=now,
                reverses_id=payment_id, **{name: -value for name, value in applied.items()},
            )
            .returning(_PAYMENT.c.id)
        ).scalar_one()
    )  # fmt: skip
    values: dict[str, Any] = {
        "principal_fen": account["principal_fen"] + applied["applied_principal_fen"],
        "interest_fen": account["interest_fen"] + applied["applied_interest_fen"],
        "fee_fen": account["fee_fen"] + applied["applied_fee_fen"],
        "updated_at": now,
    }
    values |= _delinquency(connection, account, now=now, settings=settings)
    connection.execute(update(a).where(a.c.id == account_id).values(**values))
    refunded = connection.execute(
        update(o).where(o.c.payment_id == payment_id, o.c.status == "paid").values(status="refunded")
    ).rowcount
    masks = known_masks(connection, [int(account["customer_id"])], cipher=None).get(
        int(account["customer_id"]), {}
    )
    AuditLog(connection).append(
        at=now, actor=actor, action="payment.reversed", subject_type="payment", subject_id=str(reversal_id),
        details={"reverses_id": payment_id, "account_id": account_id, "amount_fen": -amount,
                 "applied": {name: -value for name, value in applied.items()},
                 "order_refunded": bool(refunded), "with_reference": bool(reference and reference.strip()),
                 "reason": mask_text(reason.strip(), masks)},
    )  # fmt: skip
    effects.after_reversal(
        connection, account_id=account_id, payment_id=reversal_id, now=now, settings=settings
    )
    flag_forwards(connection, now=now, account_ids=[account_id])  # a forwarded payment's reversal: debt sale
    return reversal_id
