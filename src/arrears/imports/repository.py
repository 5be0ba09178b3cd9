"""Where each file of an extract lands in the store."""

from __future__ import annotations

from sqlalchemy import Connection

from arrears.bulk import BulkLoader, Target
from arrears.models import CardAccount, CardTransaction, ContactPoint, Customer, Payment, Statement, table_of

_CUSTOMER = table_of(Customer)
_ACCOUNT = table_of(CardAccount)

TARGETS: dict[str, Target] = {
    "customer": Target(_CUSTOMER, ("customer_no",), None, None, True),
    "contact_point": Target(
        table_of(ContactPoint),
        ("customer_id", "kind", "value_hash"),
        ("customer_no", _CUSTOMER, "customer_no"),
        "customer_id",
        False,
    ),
    "card_account": Target(
        _ACCOUNT,
        ("account_no",),
        ("customer_no", _CUSTOMER, "customer_no"),
        "customer_id",
        True,
    ),
    "statement": Target(
        table_of(Statement),
        ("account_id", "statement_date"),
        ("account_no", _ACCOUNT, "account_no"),
        "account_id",
        True,
    ),
    "payment": Target(
        table_of(Payment),
        ("payment_ref",),
        ("account_no", _ACCOUNT, "account_no"),
        "account_id",
        True,
    ),
    "card_transaction": Target(
        table_of(CardTransaction),
        ("transaction_ref",),
        ("account_no", _ACCOUNT, "account_no"),
        "account_id",
        True,
    ),
}


def extract_loader(connection: Connection) -> BulkLoader:
    return BulkLoader(connection, TARGETS)
