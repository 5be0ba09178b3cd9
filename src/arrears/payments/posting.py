"""Posting a payment the moment it arrives: the payment row, its application to the account's items, the
account's delinquency now, then what the payment does to the collection (``effects.after_posting``).

The payment row is what the daily run counts: its ``delinquency`` step recomputes every account from
the statements, the arrears brought forward and the ``payment`` rows (``accounts.repository``), so
the state written here is the one the next run finds again. Posting is idempotent per ``trade_no``
(``payment_ref`` is unique): a second call returns the first payment's id and posts nothing.

Nothing commits here: the caller owns the transaction (``audit_transaction``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row

from arrears.accounts import rules as delinquency
from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.money import MAX_AMOUNT_FEN
from arrears.payments import effects, repository

ITEMS = ("fee", "interest", "principal")
SOURCES = ("gateway", "reconcile", "extract")


class PostingRefused(ArrearsError, ValueError):
    """A payment that cannot be posted as asked (an amount not above 0, an unknown source)."""


@dataclass(frozen=True, slots=True)
class Applied:
    """How a payment pays the account's items off; ``credit_fen`` is what is left beyond all of them."""

    fee_fen: int
    interest_fen: int
    principal_fen: int
    credit_fen: int


def payment_order(settings: Settings) -> tuple[str, ...]:
    """The items in the issuer's order (``ARREARS_PAYMENT_ORDER``), each once."""
    order = tuple(item.strip() for item in settings.payment_order.split(","))
    if sorted(order) != sorted(ITEMS):
        raise PostingRefused(
            f"ARREARS_PAYMENT_ORDER must name fee, interest and principal once each: {order!r}",
            f"ARREARS_PAYMENT_ORDER 须包含 fee、interest、principal 各一次：{order!r}",
        )
    return order


def apply_payment(*, amount_fen: int, items: Mapping[str, int], order: Sequence[str]) -> Applied:
    """``amount_fen`` applied to ``items`` (fee, interest, principal: what the account owes of each) in
    ``order``: each item is paid off before the next gets anything; an item never goes below 0; the
    rest is credit."""
    left, applied = amount_fen, dict.fromkeys(ITEMS, 0)
    for item in order:
        applied[item] = min(left, max(0, items[item]))
        left -= applied[item]
    return Applied(applied["fee"], applied["interest"], applied["principal"], left)


def delinquency_now(
    *, minimums: Sequence[tuple[date, int]], paid: Sequence[tuple[date, int]], as_of: date
) -> dict[str, Any]:
    """The account's dpd, bucket, class and overdue amount on ``as_of``, by the daily run's rules."""
    pooled = max(0, sum(amount for day, amount in paid if day <= as_of))  # reversals are negative rows
    state = delinquency.delinquency_state(
        installments=[delinquency.Installment(due, minimum) for due, minimum in minimums],
        payments=[delinquency.Payment(as_of, pooled)],
        as_of=as_of,
    )
    return {
        "dpd": state.dpd,
        "bucket": delinquency.bucket_of(state.dpd),
        "regulatory_class": delinquency.regulatory_class_of(state.dpd),
        "overdue_fen": state.overdue_fen,
    }


def post_payment(
    connection: Connection,
    *,
    account_id: int,
    amount_fen: int,
    paid_at: datetime,
    trade_no: str,
    source: str,
    now: datetime,
    settings: Settings,
    order_id: int | None = None,
) -> int:
    """Posts ``amount_fen`` paid at ``paid_at`` (the gateway's trade ``trade_no``) on the account and
    returns the payment's id; the existing payment's id, posting nothing, when ``trade_no`` is posted."""
    _check(amount_fen=amount_fen, source=source, trade_no=trade_no)
    if order_id is not None:  # the order row before the account row, as every writer takes them
        repository.order_by_id(connection, order_id, lock=True)
    existing = repository.payment_by_ref(connection, trade_no)
    if existing is not None:
        return int(existing.id)
    account = repository.account_row(connection, account_id, lock=True)
    if account is None:
        raise NotFound(f"account {account_id} does not exist", f"账户 {account_id} 不存在")
    zone = ZoneInfo(settings.timezone)
    paid_date = paid_at.astimezone(zone).date()
    items = {"fee": account.fee_fen, "interest": account.interest_fen, "principal": account.principal_fen}
    applied = apply_payment(amount_fen=amount_fen, items=items, order=payment_order(settings))
    payment_id = repository.insert_payment_once(
        connection,
        {
            "payment_ref": trade_no, "account_id": account_id, "paid_date": paid_date,
            "amount_fen": amount_fen, "channel": "gateway", "source": source, "trade_no": trade_no,
            "posted_at": now, "applied_fee_fen": applied.fee_fen,
            "applied_interest_fen": applied.interest_fen, "applied_principal_fen": applied.principal_fen,
        },
    )  # fmt: skip
    if payment_id is None:  # posted meanwhile by another transaction
        found = repository.payment_by_ref(connection, trade_no)
        assert found is not None
        return int(found.id)
    _update_account(
        connection, account, applied, amount_fen=amount_fen, paid_date=paid_date, now=now, zone=zone
    )
    if order_id is not None:
        repository.settle_order(
            connection, order_id=order_id, payment_id=payment_id, trade_no=trade_no, paid_at=paid_at
        )
    effects.after_posting(
        connection, account_id=account_id, payment_id=payment_id, now=now, settings=settings
    )
    AuditLog(connection).append(
        at=now, actor="system:payments", action="payment.posted", subject_type="payment",
        subject_id=str(payment_id),
        details={
            "account_id": account_id, "amount_fen": amount_fen, "trade_no": trade_no, "source": source,
            "paid_date": paid_date.isoformat(), "order_id": order_id, "applied_fee_fen": applied.fee_fen,
            "applied_interest_fen": applied.interest_fen, "applied_principal_fen": applied.principal_fen,
            "credit_fen": applied.credit_fen,
        },
    )  # fmt: skip
    return payment_id


def _check(*, amount_fen: int, source: str, trade_no: str) -> None:
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise PostingRefused(
            f"a payment of {amount_fen} fen cannot be posted (1 fen to 100,000,000 yuan)",
            f"不能入账 {amount_fen} 分的还款（应为 1 分至 1 亿元）",
        )
    if source not in SOURCES:
        raise PostingRefused(f"unknown payment source {source!r}", f"未知的还款来源 {source!r}")
    if not trade_no or len(trade_no) > 64:
        raise PostingRefused(
            "a payment needs its trade_no (1-64 characters)", "还款须有交易号（1-64 个字符）"
        )


def _update_account(
    connection: Connection,
    account: Row[Any],
    applied: Applied,
    *,
    amount_fen: int,
    paid_date: date,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """The items less what the payment paid, and the delinquency recomputed now: on the later of today
    (in the cardholders' zone), the payment's date and the account's latest snapshot."""
    values: dict[str, Any] = {
        "fee_fen": account.fee_fen - applied.fee_fen,
        "interest_fen": account.interest_fen - applied.interest_fen,
        "principal_fen": account.principal_fen - applied.principal_fen,
        "updated_at": now,
    }
    arrears_date = account.arrears_as_of_date
    if arrears_date is not None and paid_date <= arrears_date and account.arrears_fen > 0:
        # the run counts only payments after the arrears date: one dated on or before it (a payment
        # of the extract's own day) lowers the arrears brought forward instead
        values["arrears_fen"] = max(0, account.arrears_fen - amount_fen)
    snapshot = repository.latest_snapshot_date(connection, account.id)
    as_of = max(now.astimezone(zone).date(), paid_date, snapshot or paid_date)
    arrears = repository.Arrears(
        account.id,
        int(values.get("arrears_fen", account.arrears_fen)),
        account.arrears_due_date,
        arrears_date,
    )
    values |= delinquency_now(
        minimums=repository.minimums_of(connection, arrears),
        paid=repository.paid_of(connection, arrears, as_of=as_of),
        as_of=as_of,
    )
    repository.update_account(connection, account.id, values)
