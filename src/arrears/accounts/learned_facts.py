"""What collectors and visitors learn about a cardholder (a new employer, address or phone, their
household, assets, hardship), kept as a history beside the bank's data and never over it.

Each fact is encrypted, with a masked copy; recording one is audited (who, which customer, the kind
and source; never the value). SQL only; the caller owns the transaction, which must be able to append
to the audit trail (``audit_transaction``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from arrears.accounts.dossier_rules import PERSONAL_KINDS, FactInput, checked_fact, masked_fact
from arrears.accounts.free_text import known_masks
from arrears.audit.repository import AuditLog
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.models import AppUser, CardAccount, LearnedFact, VisitStop, table_of
from arrears.users.service import StaffUser

HISTORY_SHOWN = 100


def record_fact(
    connection: Connection,
    *,
    account_id: int,
    user: StaffUser,
    fact: FactInput,
    cipher: FieldCipher,
    today: date,
    now: datetime,
    visit_stop_id: int | None = None,
) -> int:
    """Records ``fact`` about the cardholder of ``account_id`` (learned on a visit when
    ``visit_stop_id`` names one of this account's stops); returns its id. InvalidField names the field
    at fault; the bank's data is left as it is."""
    fact = checked_fact(fact, today=today)
    a = table_of(CardAccount)
    customer_id = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar()
    if customer_id is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    if visit_stop_id is not None:
        s = table_of(VisitStop)
        stop_account = connection.execute(select(s.c.account_id).where(s.c.id == visit_stop_id)).scalar()
        if stop_account != account_id:
            raise InvalidField("visit_stop_id", "is not a visit of this account", "不是该账户的外访")
    masks = known_masks(connection, [customer_id], cipher=cipher).get(customer_id, {})
    f = table_of(LearnedFact)
    fact_id = connection.execute(
        insert(f)
        .values(
            customer_id=customer_id,
            account_id=account_id,
            visit_stop_id=visit_stop_id,
            kind=fact.kind,
            value_enc=cipher.encrypt(fact.value),
            value_masked=masked_fact(fact.kind, fact.value, known=masks),
            source=fact.source,
            learned_date=fact.learned_date,
            recorded_by_id=user.id,
            recorded_at=now,
        )
        .returning(f.c.id)
    ).scalar_one()
    AuditLog(connection).append(
        at=now,
        actor=user.username,
        action="fact.learned",
        subject_type="customer",
        subject_id=str(customer_id),
        details={
            "account_id": account_id,
            "fact_id": fact_id,
            "kind": fact.kind,
            "source": fact.source,
            "learned_date": fact.learned_date.isoformat(),
        },
    )
    return int(fact_id)


def facts_of(
    connection: Connection, customer_id: int, *, clear_text: bool, cipher: FieldCipher | None
) -> list[dict[str, Any]]:
    """The cardholder's learned facts, the latest learned first: kind, value, source, learned_date,
    who recorded it and when. An employer, address or phone is always its masked copy (the audited
    reveal shows it in clear); any other fact is in clear for a reader with ``pii:reveal``
    (``clear_text`` and the ``cipher``), else its masked copy."""
    f, u = table_of(LearnedFact), table_of(AppUser)
    rows = connection.execute(
        select(
            f.c.id,
            f.c.account_id,
            f.c.visit_stop_id,
            f.c.kind,
            f.c.value_enc,
            f.c.value_masked,
            f.c.source,
            f.c.learned_date,
            f.c.recorded_at,
            u.c.display_name.label("recorded_by"),
        )
        .join(u, u.c.id == f.c.recorded_by_id)
        .where(f.c.customer_id == customer_id)
        .order_by(f.c.learned_date.desc(), f.c.recorded_at.desc(), f.c.id.desc())
        .limit(HISTORY_SHOWN)
    ).mappings()
    found = []
    for row in rows:
        shown_clear = clear_text and cipher is not None and row["kind"] not in PERSONAL_KINDS
        value = cipher.decrypt(row["value_enc"]) if shown_clear and cipher else row["value_masked"]
        fact = {key: row[key] for key in row if key not in ("value_enc", "value_masked")}
        found.append(fact | {"value": value, "masked": not shown_clear})
    return found


def personal_facts_in_clear(
    connection: Connection, customer_id: int, *, cipher: FieldCipher
) -> list[dict[str, Any]]:
    """The employer, address and phone facts of the cardholder in clear (for the audited reveal):
    id, kind, value, the latest learned first."""
    f = table_of(LearnedFact)
    rows = connection.execute(
        select(f.c.id, f.c.kind, f.c.value_enc)
        .where(f.c.customer_id == customer_id, f.c.kind.in_(sorted(PERSONAL_KINDS)))
        .order_by(f.c.learned_date.desc(), f.c.recorded_at.desc(), f.c.id.desc())
        .limit(HISTORY_SHOWN)
    )
    return [{"id": row.id, "kind": row.kind, "value": cipher.decrypt(row.value_enc)} for row in rows]
