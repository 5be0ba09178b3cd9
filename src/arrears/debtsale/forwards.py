"""Payments received on sold accounts: posted as usual (the cardholder paid, the account's records
follow it), and flagged to forward to the buyer (``sold_payment_forward``) when made after the account's
cut-off (the pool's as-of date: from then on the debt's recoveries are the buyer's). A reversal of such a
payment is flagged too, as a negative amount, so a sale's flags sum to what is to forward.

:func:`flag_forwards` is called where payments arrive: the posting of a gateway or reconciliation
payment and of a reversal (:mod:`arrears.payments.effects`), the bank extract's import
(:mod:`arrears.imports.service`), and a sale's approval (payments already made since the cut-off).
Each flag is audited (``debt_sale.payment_flagged``). Idempotent: a payment is flagged once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog, Pending
from arrears.debtsale.repository import SaleRepository

ACTOR = "system:debt_sale"


@dataclass(frozen=True, slots=True)
class Forwards:
    """A sale's payments to forward and their total (fen)."""

    rows: list[dict[str, Any]]

    @property
    def total_fen(self) -> int:
        return sum(int(row["amount_fen"]) for row in self.rows)


def flag_forwards(connection: Connection, *, now: datetime, account_ids: Sequence[int] | None = None) -> int:
    """Flags the payments made after their sold account's cut-off that are not flagged yet (of the
    accounts given, or of every sold account); how many were flagged."""
    repository = SaleRepository(connection)
    found = repository.unflagged(account_ids)
    if not found:
        return 0
    repository.add_forwards([row | {"flagged_at": now} for row in found])
    AuditLog(connection).append_many(
        [
            Pending(
                at=now,
                actor=ACTOR,
                action="debt_sale.payment_flagged",
                subject_type="payment",
                subject_id=str(row["payment_id"]),
                details={
                    "sale_id": int(row["sale_id"]),
                    "account_id": int(row["account_id"]),
                    "amount_fen": int(row["amount_fen"]),
                    "paid_date": row["paid_date"].isoformat(),
                    "source": row["source"],
                },
            )
            for row in found
        ]
    )
    return len(found)


def forwards(connection: Connection, sale_id: int) -> Forwards:
    return Forwards(SaleRepository(connection).forwards(sale_id))
