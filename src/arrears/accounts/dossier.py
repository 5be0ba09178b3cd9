"""The cardholder's dossier on the case page: age, the bank's profile beside what staff learned since,
and the collection archive (the reasons for the delinquency recorded on calls and visits over time).

Personal values are masked as on the rest of the case page. SQL only; the caller owns the transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from arrears.accounts.dossier_rules import age_on
from arrears.accounts.free_text import known_masks, mask_text
from arrears.accounts.learned_facts import facts_of
from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, CardAccount, ContactEvent, ContactPoint, Customer, table_of

REASONS_SHOWN = 50
# the profile's lines: the kind of fact staff record for each, and the bank's fields shown beside it
PROFILE_LINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("occupation", ("occupation",)),
    ("employer", ("employer", "work_address")),
    ("income", ("income_band",)),
    ("household", ("marital_status", "dependants", "household_size", "housing")),
    ("assets", ("other_products",)),
    ("address", ("home_address",)),
    ("phone", ("mobile", "home_phone", "work_phone")),
    ("hardship", ()),
)
_POINT_FIELDS = ("work_address", "home_address", "mobile", "home_phone", "work_phone")


def dossier(
    connection: Connection,
    *,
    customer_id: int,
    day: date,
    clear_text: bool,
    cipher: FieldCipher | None,
) -> dict[str, Any]:
    """The dossier of ``customer_id`` on ``day``: ``age``, ``profile`` (per line: its kind, the
    bank's values as ``(field, value)`` pairs, its learned facts newest first), ``facts`` (every
    learned fact, newest first) and ``reasons`` (the collection archive, newest first)."""
    c = table_of(Customer)
    customer = connection.execute(select(c).where(c.c.id == customer_id)).mappings().one()
    bank = _bank_values(connection, customer)
    facts = facts_of(connection, customer_id, clear_text=clear_text, cipher=cipher)
    profile = [
        {
            "kind": kind,
            "bank": [(field, bank[field]) for field in fields if bank.get(field) not in (None, "")],
            "learned": [fact for fact in facts if fact["kind"] == kind],
        }
        for kind, fields in PROFILE_LINES
    ]
    return {
        "age": age_on(customer["birth_date"], day),
        "education": customer["education"],
        "profile": profile,
        "facts": facts,
        "reasons": reason_archive(connection, customer_id, clear_text=clear_text, cipher=cipher),
    }


def _bank_values(connection: Connection, customer: Any) -> dict[str, Any]:
    """The bank's profile fields (the employer masked, product codes as a list) and the masked
    values of the bank's primary contact points by kind."""
    values: dict[str, Any] = {
        key: customer[key]
        for key in ("occupation", "income_band", "marital_status", "dependants", "household_size", "housing")
    }
    values["employer"] = customer["employer_masked"]
    products = customer["other_products"]
    values["other_products"] = products.split(";") if products else None
    p = table_of(ContactPoint)
    points = connection.execute(
        select(p.c.kind, p.c.value_masked)
        .where(p.c.customer_id == customer["id"], p.c.kind.in_(_POINT_FIELDS))
        .order_by(p.c.is_primary.desc(), p.c.id)
    )
    for point in points:
        values.setdefault(point.kind, point.value_masked)
    return values


def reason_archive(
    connection: Connection, customer_id: int, *, clear_text: bool, cipher: FieldCipher | None
) -> list[dict[str, Any]]:
    """The reasons for the delinquency the cardholder gave on calls and visits, on any of their
    accounts, newest first: when, the channel, the reason, the outcome, who recorded it, the account
    and the note (masked unless ``clear_text``)."""
    e, u, a = table_of(ContactEvent), table_of(AppUser), table_of(CardAccount)
    rows = [
        dict(row)
        for row in connection.execute(
            select(
                e.c.at,
                e.c.channel,
                e.c.reason,
                e.c.outcome,
                e.c.notes,
                a.c.account_no,
                u.c.display_name.label("recorded_by"),
            )
            .join(a, a.c.id == e.c.account_id)
            .outerjoin(u, u.c.id == e.c.user_id)
            .where(e.c.customer_id == customer_id, e.c.reason.is_not(None))
            .order_by(e.c.at.desc(), e.c.id.desc())
            .limit(REASONS_SHOWN)
        ).mappings()
    ]
    if clear_text or not rows:
        return rows
    masks = known_masks(connection, [customer_id], cipher=cipher).get(customer_id, {})
    return [row | {"notes": mask_text(row["notes"], masks)} for row in rows]
