"""Revealing a cardholder's personal data: decrypted for one user, and audited every time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from arrears.accounts.learned_facts import personal_facts_in_clear
from arrears.audit.repository import AuditLog
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.models import CardAccount, ContactPoint, Customer, table_of


def reveal(
    connection: Connection, *, account_id: int, actor: str, cipher: FieldCipher, now: datetime
) -> dict[str, Any]:
    """The name, national ID, contact points, employer and the employers, addresses and phones staff
    learned of the account's cardholder in clear. Appends an audit entry (who, which customer, which
    fields; never the values); the caller's transaction must be able to append (``audit_transaction``)."""
    a, c, p = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
    customer = connection.execute(
        select(c.c.id, c.c.name, c.c.national_id_enc, c.c.employer_enc)
        .join(a, a.c.customer_id == c.c.id)
        .where(a.c.id == account_id)
    ).first()
    if customer is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    points = connection.execute(
        select(p.c.id, p.c.kind, p.c.value_enc).where(p.c.customer_id == customer.id).order_by(p.c.id)
    ).all()
    learned = personal_facts_in_clear(connection, customer.id, cipher=cipher)
    AuditLog(connection).append(
        at=now,
        actor=actor,
        action="pii.reveal",
        subject_type="customer",
        subject_id=str(customer.id),
        details={
            "account_id": account_id,
            "fields": ["name", "national_id", "contact_points", "employer", "learned_facts"],
            "contact_points": [point.id for point in points],
            "learned_facts": [fact["id"] for fact in learned],
        },
    )
    return {
        "name": customer.name,
        "national_id": cipher.decrypt(customer.national_id_enc),
        "contact_points": [
            {"id": point.id, "kind": point.kind, "value": cipher.decrypt(point.value_enc)} for point in points
        ],
        "employer": cipher.decrypt(customer.employer_enc) if customer.employer_enc is not None else None,
        "learned": learned,
    }
