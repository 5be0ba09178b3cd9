"""All SQL of the reconciliation: the orders and payments a settlement file names, the gateway's
payments of a day, the stored reconciliations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from arrears.models import CardAccount, Payment, table_of
from arrears.models.payments import PaymentOrder, Reconciliation
from arrears.payments.reconcile.rules import OrderHere, PaymentHere

_ORDER, _PAYMENT, _RECONCILIATION = table_of(PaymentOrder), table_of(Payment), table_of(Reconciliation)
_ACCOUNT = table_of(CardAccount)
GATEWAY_SOURCES = ("gateway", "reconcile")
_CHUNK = 2_000  # keys per IN list


@dataclass(frozen=True, slots=True)
class StoredReconciliation:
    id: int
    gateway: str
    file_name: str
    file_sha256: str
    ran_at: datetime
    ran_by: str
    matched: int
    missing_here: int
    missing_at_gateway: int
    amount_differences: int
    report: dict[str, Any]


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


class ReconcileRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def orders(self, out_trade_nos: Iterable[str]) -> dict[str, OrderHere]:
        """The orders, locked (``FOR UPDATE``, in ``out_trade_no`` order) as a notification locks its
        order first: one in flight for the same trade finishes before they are read (or waits for the
        run), so the comparison never posts what the notification is posting."""
        order, found = _ORDER, {}
        columns = (order.c.id, order.c.out_trade_no, order.c.account_id, order.c.amount_fen, order.c.status,
                   order.c.trade_no)  # fmt: skip
        for chunk in _chunks(sorted(set(out_trade_nos))):
            query = select(*columns).where(order.c.out_trade_no.in_(chunk)).order_by(order.c.out_trade_no)
            for row in self._connection.execute(query.with_for_update()):
                found[row.out_trade_no] = OrderHere(**row._mapping)
        return found

    def payments(self, trade_nos: Iterable[str]) -> dict[str, PaymentHere]:
        """The payments whose reference is one of ``trade_nos`` (a gateway payment's reference is its
        trade_no, and so is the bank extract's row of the same payment)."""
        found = {}
        for chunk in _chunks(sorted(set(trade_nos))):
            query = self._payment_query().where(_PAYMENT.c.payment_ref.in_(chunk))
            for row in self._connection.execute(query):
                found[row.trade_no] = PaymentHere(**row._mapping)
        return found

    def posted_on(self, day: date) -> list[PaymentHere]:
        """The payments posted from the gateway (notification or settlement file) paid on ``day``."""
        query = self._payment_query().where(
            _PAYMENT.c.source.in_(GATEWAY_SOURCES), _PAYMENT.c.paid_date == day
        )
        return [
            PaymentHere(**row._mapping) for row in self._connection.execute(query.order_by(_PAYMENT.c.id))
        ]

    def _payment_query(self) -> Any:
        payment, order = _PAYMENT, _ORDER
        return select(
            payment.c.id,
            payment.c.payment_ref.label("trade_no"),
            payment.c.account_id,
            payment.c.amount_fen,
            payment.c.source,
            order.c.out_trade_no,
            payment.c.paid_date.label("paid_day"),
        ).outerjoin(order, and_(order.c.payment_id == payment.c.id))

    def account_tails(self, account_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        query = select(_ACCOUNT.c.id, _ACCOUNT.c.account_no).where(_ACCOUNT.c.id.in_(ids))
        return {row.id: row.account_no[-4:] for row in self._connection.execute(query)}

    def save(
        self,
        *,
        gateway: str,
        file_name: str,
        file_sha256: str,
        ran_at: datetime,
        ran_by: str,
        counts: dict[str, int],
        report: dict[str, Any],
    ) -> int:
        values = {
            "gateway": gateway,
            "file_name": file_name[:255],
            "file_sha256": file_sha256,
            "ran_at": ran_at,
            "ran_by": ran_by[:80],
            "matched": counts["matched"],
            "missing_here": counts["missing_here"],
            "missing_at_gateway": counts["missing_at_gateway"],
            "amount_differences": counts["amount_difference"],
            "report": json.dumps(report, ensure_ascii=False, sort_keys=True),
        }
        result = self._connection.execute(
            insert(_RECONCILIATION).values(values).returning(_RECONCILIATION.c.id)
        )
        return int(result.scalar_one())

    def latest(self) -> StoredReconciliation | None:
        query = select(_RECONCILIATION).order_by(_RECONCILIATION.c.ran_at.desc(), _RECONCILIATION.c.id.desc())
        row = self._connection.execute(query.limit(1)).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["report"] = json.loads(values["report"])
        return StoredReconciliation(**values)
