"""What a settlement file says against what is here: a pure comparison (no database, no clock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from arrears.payments.reconcile.settlement import SettlementRow

# what a row of the file, or a payment of ours, came to (docs/payments.md, "Reconciliation")
KINDS = (
    "matched",  # the gateway's trade is posted here with the same amount
    "closed",  # a closed trade with nothing posted here: the two agree
    "missing_here",  # a TRADE_SUCCESS of one of our orders that was not posted: posted now
    "missing_at_gateway",  # a payment posted here from the gateway that the file lacks for its day
    "amount_difference",  # the file's amount differs from the payment's here (or the order's): not posted
    "unknown_order",  # the file's out_trade_no is no order of ours
    "second_trade",  # another trade of an order already paid (or paid earlier in the file): not posted
    "order_difference",  # the trade is posted here for another order than the file's
    "closed_after_posting",  # the gateway says closed, a payment is posted here
    "time_difference",  # a trade to post whose payment time is not within a day of the file's day
)
AGREEING = frozenset({"matched", "closed"})


@dataclass(frozen=True, slots=True)
class OrderHere:
    id: int
    out_trade_no: str
    account_id: int
    amount_fen: int
    status: str
    trade_no: str | None


@dataclass(frozen=True, slots=True)
class PaymentHere:
    id: int
    trade_no: str  # the payment's reference: the gateway's trade_no
    account_id: int
    amount_fen: int
    source: str
    out_trade_no: str | None  # the order it paid, when known
    paid_day: date | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    trade_no: str
    out_trade_no: str | None
    account_id: int | None
    gateway_fen: int | None  # the file's amount
    here_fen: int | None  # the payment's (or, for an order not paid, the order's) amount here
    payment_id: int | None
    line: int | None  # the file's line; None for a payment the file lacks
    order_id: int | None = None

    @property
    def agrees(self) -> bool:
        return self.kind in AGREEING


@dataclass(slots=True)
class Comparison:
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(KINDS, 0)
        for finding in self.findings:
            counted[finding.kind] += 1
        return counted

    @property
    def to_post(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind == "missing_here"]

    @property
    def differences(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.agrees]


def compare(
    rows: Sequence[SettlementRow],
    *,
    orders: Mapping[str, OrderHere],
    payments: Mapping[str, PaymentHere],
    posted_on_day: Sequence[PaymentHere],
    day: date | None = None,
) -> Comparison:
    """Each row of the file against the orders and payments here (``orders`` by out_trade_no,
    ``payments`` by trade_no), then each gateway payment of the file's day (``posted_on_day``)
    against the file. A trade to post whose payment day is more than a day from the file's ``day`` is
    not posted (``time_difference``): a file of one day does not post money dated years away."""
    comparison = Comparison()
    paid_in_file: set[str] = set()  # orders a row of this file is about to pay
    for row in rows:
        finding = _row(row, orders.get(row.out_trade_no), payments.get(row.trade_no), paid_in_file)
        if finding.kind == "missing_here" and day is not None and _far(row.paid_day, day):
            finding = replace(finding, kind="time_difference")
        if finding.kind == "missing_here":
            paid_in_file.add(row.out_trade_no)
        comparison.findings.append(finding)
    in_file = {row.trade_no for row in rows}
    for payment in posted_on_day:
        if payment.trade_no not in in_file:
            comparison.findings.append(
                Finding(
                    kind="missing_at_gateway",
                    trade_no=payment.trade_no,
                    out_trade_no=payment.out_trade_no,
                    account_id=payment.account_id,
                    gateway_fen=None,
                    here_fen=payment.amount_fen,
                    payment_id=payment.id,
                    line=None,
                )
            )
    return comparison


def _far(paid_day: date | None, day: date) -> bool:
    return paid_day is None or abs((paid_day - day).days) > 1


def _row(
    row: SettlementRow, order: OrderHere | None, payment: PaymentHere | None, paid_in_file: set[str]
) -> Finding:
    def found(kind: str, *, here_fen: int | None = None) -> Finding:
        return Finding(
            kind=kind,
            trade_no=row.trade_no,
            out_trade_no=row.out_trade_no,
            account_id=payment.account_id if payment else order.account_id if order else None,
            gateway_fen=row.amount_fen,
            here_fen=here_fen if here_fen is not None else payment.amount_fen if payment else None,
            payment_id=payment.id if payment else None,
            line=row.line,
            order_id=order.id if order else None,
        )

    if payment is not None:  # the trade is posted here (from the notification, a file, or the extract)
        if row.trade_status == "TRADE_CLOSED":
            return found("closed_after_posting")
        if payment.out_trade_no is not None and payment.out_trade_no != row.out_trade_no:
            return found("order_difference")
        return found("matched" if payment.amount_fen == row.amount_fen else "amount_difference")
    if row.trade_status == "TRADE_CLOSED":
        return found("closed")
    if order is None:
        return found("unknown_order")
    if order.amount_fen != row.amount_fen:
        return found("amount_difference", here_fen=order.amount_fen)
    other_trade = order.trade_no is not None and order.trade_no != row.trade_no
    if (
        (order.status == "paid" and other_trade)
        or order.status == "refunded"
        or row.out_trade_no in paid_in_file
    ):
        return found("second_trade", here_fen=order.amount_fen)
    return found("missing_here", here_fen=order.amount_fen)
