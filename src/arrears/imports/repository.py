"""Where each file of an extract lands in the store."""

from __future__ import annotations

from sqlalchemy import Connection

from arrears.bulk import BulkLoader, Target
from arrears.models import CardAccount, CardTransaction, ContactPoint, Customer, Payment, Statement, table_of

TARGETS: dict[str, Target] = {
    "customer": Target(table_of(Customer), ("customer_no",), update=True),
    "contact_point": Target(table_of(ContactPoint), ("customer_id", "kind", "value_hash"), update=False),
    "card_account": Target(table_of(CardAccount), ("account_no",), update=True),
    "statement": Target(table_of(Statement), ("account_id", "statement_date"), update=True),
    "payment": Target(table_of(Payment), ("payment_ref",), update=True),
    "card_transaction": Target(table_of(CardTransaction), ("transaction_ref",), update=True),
}


def extract_loader(connection: Connection) -> BulkLoader:
    return BulkLoader(connection, TARGETS)
