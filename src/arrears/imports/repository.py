"""Where each file of an extract lands in the store."""

from __future__ import annotations

from sqlalchemy import Connection, Table

from arrears.bulk import BulkLoader, Target
from arrears.models import CardAccount, CardTransaction, ContactPoint, Customer, Payment, Statement

_CUSTOMER: Table = Customer.__table__  # type: ignore[assignment]
_ACCOUNT: Table = CardAccount.__table__  # type: ignore[assignment]

TARGETS: dict[str, Target] = {
    "customer": Target(_CUSTOMER, ("customer_no",), None, None, True),  # type: ignore[arg-type]
    "contact_point": Target(
        ContactPoint.__table__,  # type: ignore[arg-type]
        ("customer_id", "kind", "value_hash"),
        ("customer_no", _CUSTOMER, "customer_no"),  # type: ignore[arg-type]
        "customer_id",
        False,
    ),
    "card_account": Target(
        _ACCOUNT,
        ("account_no",),
        ("customer_no", _CUSTOMER, "customer_no"),  # type: ignore[arg-type]
        "customer_id",
        True,
    ),
    "statement": Target(
        Statement.__table__,  # type: ignore[arg-type]
        ("account_id", "statement_date"),
        ("account_no", _ACCOUNT, "account_no"),  # type: ignore[arg-type]
        "account_id",
        True,
    ),
    "payment": Target(
        Payment.__table__,  # type: ignore[arg-type]
        ("payment_ref",),
        ("account_no", _ACCOUNT, "account_no"),  # type: ignore[arg-type]
        "account_id",
        True,
    ),
    "card_transaction": Target(
        CardTransaction.__table__,  # type: ignore[arg-type]
        ("transaction_ref",),
        ("account_no", _ACCOUNT, "account_no"),  # type: ignore[arg-type]
        "account_id",
        True,
    ),
}


def extract_loader(connection: Connection) -> BulkLoader:
    return BulkLoader(connection, TARGETS)
