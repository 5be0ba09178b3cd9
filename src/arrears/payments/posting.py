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
from arrears.audit.repository import AuditLog, Pending
from arrears.config import Settings
from arrears.debtsale.forwards import flag_forwards
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


@dataclass(frozen=True, slots=True)
class Posting:
    """A payment to post: ``amount_fen`` paid at ``paid_at`` on the account, the gateway's trade
    ``trade_no``, from ``source``, for the payment order ``order_id`` when there is one."""

    account_id: int
    amount_fen: int
    paid_at: datetime
    trade_no: str
    source: str
    order_id: int | None = None


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
    posting = Posting(account_id, amount_fen, paid_at, trade_no, source, order_id)
    return post_payments(connection, [posting], now=now, settings=settings)[0]


def post_payments(
    connection: Connection, postings: Sequence[Posting], *, now: datetime, settings: Settings
) -> list[int]:
    """Posts the payments (in their order; a ``trade_no`` once: a later one, or one posted already,
    gets the existing payment's id and posts nothing) with a few statements for all of them, and
    returns each one's payment id. Locks the orders, then the accounts, each in id order; the audit
    chain last."""
    for one in postings:
        _check(amount_fen=one.amount_fen, source=one.source, trade_no=one.trade_no)
    order = payment_order(settings)
    repository.lock_orders(connection, [one.order_id for one in postings if one.order_id is not None])
    ids = repository.payment_ids_by_ref(connection, [one.trade_no for one in postings])
    firsts: dict[str, Posting] = {}
    for one in postings:
        if one.trade_no not in ids:
            firsts.setdefault(one.trade_no, one)  # each trade once: the first of it
    fresh = list(firsts.values())
    if fresh:
        accounts = repository.accounts_locked(connection, [one.account_id for one in fresh])
        for one in fresh:
            if one.account_id not in accounts:
                raise NotFound(f"account {one.account_id} does not exist", f"账户 {one.account_id} 不存在")
        zone = ZoneInfo(settings.timezone)
        while fresh:  # again without those another transaction posted meanwhile (rare: no order locked)
            planned = _plan(fresh, accounts, order=order, zone=zone, now=now)
            inserted = repository.insert_payments_once(connection, [row for row, _ in planned.rows])
            taken = [one for one in fresh if one.trade_no not in inserted]
            if not taken:
                break
            repository.delete_payments(connection, inserted.values())
            ids |= repository.payment_ids_by_ref(connection, [one.trade_no for one in taken])
            fresh = [one for one in fresh if one not in taken]
        if fresh:
            ids |= inserted
            _record(connection, planned, ids, now=now, settings=settings, zone=zone)
    return [ids[one.trade_no] for one in postings]


@dataclass(frozen=True, slots=True)
class _Planned:
    """What posting ``postings`` writes: each payment's row and how it pays the items off, and each
    account's items (and arrears brought forward) afterwards, with its latest payment date."""

    postings: list[Posting]
    rows: list[tuple[dict[str, Any], Applied]]
    accounts: dict[int, dict[str, Any]]
    read: Mapping[int, Row[Any]]  # the accounts' rows as read (locked) before


def _plan(
    postings: Sequence[Posting],
    accounts: Mapping[int, Row[Any]],
    *,
    order: Sequence[str],
    zone: ZoneInfo,
    now: datetime,
) -> _Planned:
    """Each payment applied in turn to its account's items as the payments before it left them."""
    after: dict[int, dict[str, Any]] = {}
    rows = []
    for one in postings:
        account = accounts[one.account_id]
        state = after.setdefault(
            one.account_id,
            {"fee": account.fee_fen, "interest": account.interest_fen, "principal": account.principal_fen,
             "arrears_fen": account.arrears_fen, "paid_date": None},
        )  # fmt: skip
        paid_date = one.paid_at.astimezone(zone).date()
        applied = apply_payment(amount_fen=one.amount_fen, items=state, order=order)
        for item, paid in (("fee", applied.fee_fen), ("interest", applied.interest_fen),
                           ("principal", applied.principal_fen)):  # fmt: skip
            state[item] -= paid
        arrears_date = account.arrears_as_of_date
        if arrears_date is not None and paid_date <= arrears_date and state["arrears_fen"] > 0:
            # the run counts only payments after the arrears date: one dated on or before it (a payment
            # of the extract's own day) lowers the arrears brought forward instead
            state["arrears_fen"] = max(0, state["arrears_fen"] - one.amount_fen)
        state["paid_date"] = max(filter(None, (state["paid_date"], paid_date)))
        row = {
            "payment_ref": one.trade_no, "account_id": one.account_id, "paid_date": paid_date,
            "amount_fen": one.amount_fen, "channel": "gateway", "source": one.source,
            "trade_no": one.trade_no, "applied_fee_fen": applied.fee_fen,
            "applied_interest_fen": applied.interest_fen, "applied_principal_fen": applied.principal_fen,
            "posted_at": now,
        }  # fmt: skip
        rows.append((row, applied))
    return _Planned(list(postings), rows, after, accounts)


def _record(
    connection: Connection,
    planned: _Planned,
    ids: Mapping[str, int],
    *,
    now: datetime,
    settings: Settings,
    zone: ZoneInfo,
) -> None:
    """The accounts updated, the orders settled, the effects on the collection, the audit entries."""
    _update_accounts(connection, planned, now=now, zone=zone)
    repository.settle_orders(
        connection,
        [(one.order_id, ids[one.trade_no], one.trade_no, one.paid_at)
         for one in planned.postings if one.order_id is not None],
    )  # fmt: skip
    effects.after_postings(
        connection,
        [(one.account_id, ids[one.trade_no]) for one in planned.postings],
        now=now,
        settings=settings,
    )
    AuditLog(connection).append_many(
        [
            Pending(
                at=now,
                actor="system:payments",
                action="payment.posted",
                subject_type="payment",
                subject_id=str(ids[one.trade_no]),
                details={
                    "account_id": one.account_id,
                    "amount_fen": one.amount_fen,
                    "trade_no": one.trade_no,
                    "source": one.source,
                    "paid_date": row["paid_date"].isoformat(),
                    "order_id": one.order_id,
                    "applied_fee_fen": applied.fee_fen,
                    "applied_interest_fen": applied.interest_fen,
                    "applied_principal_fen": applied.principal_fen,
                    "credit_fen": applied.credit_fen,
                },
            )
            for one, (row, applied) in zip(planned.postings, planned.rows, strict=True)
        ]
    )
    # a payment on a sold account after its cut-off is the buyer's: flagged to forward (debt sale)
    flag_forwards(connection, now=now, account_ids=sorted({one.account_id for one in planned.postings}))


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


def _update_accounts(connection: Connection, planned: _Planned, *, now: datetime, zone: ZoneInfo) -> None:
    """The items less what the payments paid, and each account's delinquency recomputed now: on the
    later of today (in the cardholders' zone), its latest payment's date and its latest snapshot."""
    account_ids, accounts = sorted(planned.accounts), planned.read
    snapshots = repository.latest_snapshot_dates(connection, account_ids)
    statements = repository.statements_of(connection, account_ids)
    payments = repository.payments_of_accounts(connection, account_ids)
    today = now.astimezone(zone).date()
    changes = []
    for account_id in account_ids:
        account, state = accounts[account_id], planned.accounts[account_id]
        as_of = max(today, state["paid_date"], snapshots.get(account_id, state["paid_date"]))
        arrears = repository.Arrears(
            account_id, int(state["arrears_fen"]), account.arrears_due_date, account.arrears_as_of_date
        )
        changes.append(
            {
                "id": account_id, "fee_fen": state["fee"], "interest_fen": state["interest"],
                "principal_fen": state["principal"], "arrears_fen": state["arrears_fen"], "updated_at": now,
                **delinquency_now(
                    minimums=repository.counted_minimums(statements[account_id], arrears),
                    paid=repository.counted_paid(payments[account_id], arrears, as_of=as_of),
                    as_of=as_of,
                ),
            }
        )  # fmt: skip
    repository.update_accounts(connection, changes)
