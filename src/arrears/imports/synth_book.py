"""Accounts, statements, payments and transactions of the synthetic extract, column-wise.

Every account bootstraps one real UCI account (limit, bills, payments, ``PAY_0`` = k) with a mild
multiplicative jitter, and gets three monthly statements whose minimum due is 10% of a positive
balance. Payments are laid out so that ``accounts.rules.delinquency_state`` lands in bucket Mk:

* k <= 0: every minimum is covered before its due date (k < 0 pay the balance in full);
* k = 1..3: the k latest minimums are unpaid, the older ones paid exactly (nothing spills over);
* k >= 4: nothing paid, and an arrears_amount falls due k - 3 months before the oldest statement's.

Delinquent accounts have their latest due date 4 to 25 days before ``as_of`` (on a day 1-28), which
keeps every k in its 30-day band whatever the month lengths: DPD 4-25 for k = 1, 32-56 for k = 2, and
so on up to 183+ for k >= 7. Current accounts use any due day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from arrears.imports.synth_base import (
    DateArray,
    Draws,
    IntArray,
    Stream,
    UciSample,
    add_days,
    date_text,
    day64,
    day_of_month,
    pick_text,
    prefixed,
    shift_months,
    weighted_pick,
)
from arrears.imports.synth_names import MERCHANTS, PAYMENT_CHANNELS
from arrears.imports.uci import fen_text

ScalarT = TypeVar("ScalarT", bound=np.generic)

STATEMENTS: Final = 3
MINIMUM_PERCENT: Final = 10
ARREARS_FLOOR_FEN: Final = 100_00
JITTER_SIGMA: Final = 0.1
DELINQUENT_LAG_DAYS: Final = (4, 25)  # latest due date of a delinquent account, days before as_of
MAX_TRANSACTIONS: Final = 5
TRANSACTION_DAYS: Final = 90
_TRANSACTION_COUNT_WEIGHTS: Final = (15, 20, 20, 20, 15, 10)  # 0 .. 5 purchases
_REFUND_SHARE: Final = 0.03
_TICKET_SIGMA: Final = 0.7


@dataclass(frozen=True, slots=True)
class BookFrames:
    accounts: pl.DataFrame
    statements: pl.DataFrame
    payments: pl.DataFrame
    transactions: pl.DataFrame


@dataclass(frozen=True, slots=True)
class _Amounts:
    """Fen per account; (accounts, 3) arrays have the latest statement first."""

    limit: IntArray
    bills: IntArray
    minimum: IntArray
    paid: IntArray  # what UCI says was paid, jittered
    older_bill: IntArray  # the bill before the three statements (for the arrears)


@dataclass(frozen=True, slots=True)
class _Schedule:
    due: DateArray  # (accounts, 3), latest first
    statement: DateArray
    cycle_day: IntArray
    due_day: IntArray


def book_frames(
    *, draws: Draws, numbers: IntArray, sample: UciSample, rows: IntArray, as_of: date
) -> BookFrames:
    """The account-side files of one chunk; ``rows`` are the UCI rows the accounts bootstrap."""
    status = sample.status[rows]
    amounts = _amounts(draws, sample, rows, status)
    schedule = _schedule(draws, status, as_of)
    paid = _payment_amounts(amounts, status)
    return BookFrames(
        accounts=_account_frame(draws, numbers, status, amounts, schedule, paid),
        statements=_statement_frame(numbers, amounts, schedule),
        payments=_payment_frame(draws, numbers, schedule, paid),
        transactions=_transaction_frame(draws, numbers, status, amounts.bills[:, 0], sample, as_of),
    )


def _amounts(draws: Draws, sample: UciSample, rows: IntArray, status: IntArray) -> _Amounts:
    jitter = np.exp(JITTER_SIGMA * draws.normal(Stream.JITTER, 8))
    limit_yuan = np.maximum(np.rint(sample.limit[rows] * jitter[:, 0] / 1000), 1) * 1000
    limit = limit_yuan.astype(np.int64) * 100
    bills = np.rint(sample.bills[rows, :STATEMENTS] * 100 * jitter[:, 1:4]).astype(np.int64)
    unpaid = np.arange(STATEMENTS)[None, :] < status[:, None]
    # An unpaid minimum needs a positive balance; UCI has late accounts with nothing billed.
    bills = np.where(unpaid & (bills <= 0), np.maximum(np.abs(bills), limit[:, None] // 20), bills)
    return _Amounts(
        limit=limit,
        bills=bills,
        minimum=minimum_due(bills),
        paid=np.rint(sample.paid[rows, :STATEMENTS] * 100 * jitter[:, 4:7]).astype(np.int64),
        older_bill=np.rint(sample.bills[rows, STATEMENTS] * 100 * jitter[:, 7]).astype(np.int64),
    )


def minimum_due(balance_fen: IntArray) -> IntArray:
    """10% of a positive balance rounded up to the fen; 0 for a nil or credit balance."""
    result: IntArray = np.where(balance_fen > 0, -(-balance_fen * MINIMUM_PERCENT // 100), 0)
    return result


def _schedule(draws: Draws, status: IntArray, as_of: date) -> _Schedule:
    u = draws.uniform(Stream.SCHEDULE, 1)[:, 0]
    # Current accounts: any due day 1-28, the latest one before as_of.
    due_day = 1 + (u * 28).astype(np.int64)
    this_month = as_of.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    latest = np.where(
        due_day < as_of.day,
        add_days(day64(this_month), due_day - 1),
        add_days(day64(last_month), due_day - 1),
    )
    lags = _delinquent_lags(as_of)
    latest = np.where(status >= 1, add_days(day64(as_of), -lags[(u * len(lags)).astype(np.int64)]), latest)
    due_day = day_of_month(latest)
    cycle_day = np.where(due_day >= 21, due_day - 20, due_day + 8)  # due 20-23 days after the statement
    due = np.stack([shift_months(latest, -j) for j in range(STATEMENTS)], axis=1)
    statement_month = due.astype("datetime64[M]") - (cycle_day > 8)[:, None].astype(np.int64)
    statement = add_days(statement_month.astype("datetime64[D]"), cycle_day[:, None] - 1)
    return _Schedule(due=due, statement=statement, cycle_day=cycle_day, due_day=due_day)


def _delinquent_lags(as_of: date) -> IntArray:
    """Days before as_of a delinquent account's latest due date may lie: 4-25, on a day 1-28."""
    low, high = DELINQUENT_LAG_DAYS
    return np.array([lag for lag in range(low, high + 1) if (as_of - timedelta(days=lag)).day <= 28])


def _payment_amounts(amounts: _Amounts, status: IntArray) -> IntArray:
    """(accounts, 3) fen paid against each statement, latest first; 0 means no payment."""
    k = status[:, None]
    later_paid = np.where(np.arange(STATEMENTS)[None, :] >= k, amounts.minimum, 0)
    result: IntArray = np.select(
        [k <= -1, k == 0],
        [np.maximum(amounts.bills, 0), np.maximum(amounts.minimum, amounts.paid)],
        default=later_paid,
    )
    return result


def arrears(status: IntArray, amounts: _Amounts, schedule: _Schedule) -> tuple[IntArray, DateArray]:
    """Fen and due date of the minimums brought forward (k >= 4; 0 otherwise)."""
    months = np.maximum(status - STATEMENTS, 0)
    owed = -(-months * np.maximum(amounts.older_bill, 0) * MINIMUM_PERCENT // 100)
    fen = np.where(months > 0, np.maximum(owed, ARREARS_FLOOR_FEN), 0)
    return fen, shift_months(schedule.due[:, -1], -months)


def _account_frame(
    draws: Draws, numbers: IntArray, status: IntArray, amounts: _Amounts, schedule: _Schedule, paid: IntArray
) -> pl.DataFrame:
    arrears_fen, arrears_due = arrears(status, amounts, schedule)
    bill = amounts.bills[:, 0]
    interest = np.where(
        (status >= 0) & (bill > 0), np.minimum(np.maximum(amounts.bills[:, 1], 0) * 150 // 10_000, bill), 0
    )
    overdue = (amounts.minimum - np.minimum(paid, amounts.minimum)).sum(axis=1) + arrears_fen
    fee = np.where(status >= 1, np.minimum(overdue * 5 // 100, np.maximum(bill - interest, 0)), 0)
    opened = add_days(
        schedule.statement[:, -1], -180 - (draws.uniform(Stream.ACCOUNT, 1)[:, 0] * 3470).astype(np.int64)
    )
    product = np.searchsorted(np.array([50_000_00, 200_000_00]), amounts.limit, side="right")
    frame = pl.DataFrame(
        {
            "account_id": prefixed("A", numbers, 9),
            "customer_id": prefixed("C", numbers, 9),
            "product": pick_text(("standard", "gold", "platinum"), product.astype(np.int64)),
            "limit": amounts.limit,
            "principal": bill - interest - fee,
            "interest": interest,
            "fee": fee,
            "open_date": date_text(opened),
            "cycle_day": schedule.cycle_day,
            "due_day": schedule.due_day,
            "status": pick_text(("active", "blocked"), (status >= 3).astype(np.int64)),
            "arrears": arrears_fen,
            "arrears_due_date": date_text(arrears_due),
        }
    )
    owes = pl.col("arrears") > 0
    return frame.select(
        "account_id", "customer_id", "product", pl.lit("CNY").alias("currency"),
        fen_text(pl.col("limit")).alias("credit_limit"),
        fen_text(pl.col("principal")).alias("principal_balance"),
        fen_text(pl.col("interest")).alias("interest_balance"),
        fen_text(pl.col("fee")).alias("fee_balance"),
        "open_date", pl.col("cycle_day").cast(pl.String), pl.col("due_day").cast(pl.String), "status",
        pl.when(owes).then(fen_text(pl.col("arrears"))).alias("arrears_amount"),
        pl.when(owes).then(pl.col("arrears_due_date")).alias("arrears_due_date"),
        pl.lit(None, dtype=pl.String).alias("arrears_as_of_date"),
    )  # fmt: skip


def _oldest_first(values: npt.NDArray[ScalarT]) -> npt.NDArray[ScalarT]:
    """(accounts, 3) latest first -> flat, per account oldest first."""
    return values[:, ::-1].ravel()


def _statement_frame(numbers: IntArray, amounts: _Amounts, schedule: _Schedule) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": prefixed("A", np.repeat(numbers, STATEMENTS), 9),
            "statement_date": date_text(_oldest_first(schedule.statement)),
            "due_date": date_text(_oldest_first(schedule.due)),
            "balance": _oldest_first(amounts.bills),
            "minimum": _oldest_first(amounts.minimum),
        }
    ).select(
        "account_id",
        "statement_date",
        "due_date",
        fen_text(pl.col("balance")).alias("statement_balance"),
        fen_text(pl.col("minimum")).alias("minimum_due"),
    )


def _payment_frame(draws: Draws, numbers: IntArray, schedule: _Schedule, paid: IntArray) -> pl.DataFrame:
    """One payment per paid statement, 0-5 days before its due date."""
    u = draws.uniform(Stream.PAYMENT, 2 * STATEMENTS)
    lead = (u[:, :STATEMENTS] * 6).astype(np.int64)
    channel = weighted_pick(u[:, STATEMENTS:], [weight for _, weight in PAYMENT_CHANNELS])
    ordinal = np.broadcast_to(np.arange(STATEMENTS, 0, -1), paid.shape)  # 1 = oldest statement
    keep = _oldest_first(paid) > 0
    number = np.repeat(numbers, STATEMENTS)[keep]
    return pl.DataFrame(
        {
            "payment_id": prefixed("P", number * 10 + _oldest_first(ordinal)[keep], 10),
            "account_id": prefixed("A", number, 9),
            "paid_date": date_text(_oldest_first(add_days(schedule.due, -lead))[keep]),
            "amount": _oldest_first(paid)[keep],
            "channel": pick_text([name for name, _ in PAYMENT_CHANNELS], _oldest_first(channel)[keep]),
        }
    ).with_columns(fen_text(pl.col("amount")).alias("amount"))


def _transaction_frame(
    draws: Draws, numbers: IntArray, status: IntArray, bill: IntArray, sample: UciSample, as_of: date
) -> pl.DataFrame:
    """0-5 purchases in the 90 days up to as_of (none on blocked cards), a few of them refunds."""
    u = draws.uniform(Stream.TRADE, 1 + 3 * MAX_TRANSACTIONS)
    count = np.where(status >= 3, 0, weighted_pick(u[:, 0], _TRANSACTION_COUNT_WEIGHTS))
    keep = (np.arange(MAX_TRANSACTIONS)[None, :] < count[:, None]).ravel()
    back = (u[:, 1 : 1 + MAX_TRANSACTIONS] * TRANSACTION_DAYS).astype(np.int64).ravel()[keep]
    merchant = weighted_pick(u[:, 6:11], [m.weight for m in MERCHANTS]).ravel()[keep]
    refund = (u[:, 11:16] < _REFUND_SHARE).ravel()[keep]
    # Ticket sizes: a lognormal per merchant, scaled with the account's bill relative to UCI's bills.
    spend = np.clip(0.5 * (np.log(np.maximum(bill / 100, 1)) - sample.mean_log_bill), -1, 1)
    noise = _TICKET_SIGMA * draws.normal(Stream.TRADE_AMOUNT, MAX_TRANSACTIONS) + spend[:, None]
    median = np.array([m.median_yuan * 100 for m in MERCHANTS])
    amount = np.maximum(np.rint(median[merchant] * np.exp(noise.ravel()[keep])), 100).astype(np.int64)
    slot = np.broadcast_to(np.arange(1, MAX_TRANSACTIONS + 1), (len(numbers), MAX_TRANSACTIONS)).ravel()
    number = np.repeat(numbers, MAX_TRANSACTIONS)[keep]
    return pl.DataFrame(
        {
            "transaction_id": prefixed("T", number * 10 + slot[keep], 10),
            "account_id": prefixed("A", number, 9),
            "posted_date": date_text(add_days(day64(as_of), -back)),
            "amount": np.where(refund, -amount, amount),
            "merchant": pick_text([m.name for m in MERCHANTS], merchant),
            "mcc": pick_text([m.mcc for m in MERCHANTS], merchant),
            "category": pick_text([m.category for m in MERCHANTS], merchant),
        }
    ).with_columns(fen_text(pl.col("amount")).alias("amount"))
