"""All SQL of the inbound call view: the cardholders a number names (a phone number by its keyed hash, a
national ID by its hash or its last characters), their accounts, the caller's record and the account's
last inbound calls. The caller owns the transaction; nothing here logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from arrears.contacts.inbound_rules import INBOUND_CHANNEL
from arrears.models import AppUser, CardAccount, ContactEvent, ContactPoint, Customer, table_of

_ACCOUNT, _CUSTOMER, _POINT = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
_EVENT, _USER = table_of(ContactEvent), table_of(AppUser)
PHONE_KINDS = ("mobile", "home_phone", "work_phone")


def _with_holder(*more: Any) -> Any:
    """Accounts with what the inbound view shows of them and their cardholder's name (and ``more``)."""
    a, c = _ACCOUNT, _CUSTOMER
    return select(
        a.c.id.label("account_id"), a.c.account_no, a.c.customer_id, a.c.dpd, a.c.bucket, a.c.overdue_fen,
        a.c.status, c.c.name, *more,
    ).join(c, c.c.id == a.c.customer_id)  # fmt: skip


class InboundRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def account_numbered(self, text: str) -> int | None:
        """The account numbered exactly ``text`` (by the unique index)."""
        a = _ACCOUNT
        found = self._connection.execute(select(a.c.id).where(a.c.account_no == text)).scalar()
        return None if found is None else int(found)

    def by_phone(self, hashes: Sequence[str], *, limit: int) -> list[tuple[int, int]]:
        """(customer id, contact point id) of the phone numbers whose keyed hash is one of ``hashes``."""
        p = _POINT
        rows = self._connection.execute(
            select(p.c.customer_id, p.c.id)
            .where(p.c.value_hash.in_(list(hashes)), p.c.kind.in_(PHONE_KINDS))
            .order_by(p.c.customer_id, p.c.is_primary.desc(), p.c.id)
            .limit(limit)
        ).all()
        return [(int(row[0]), int(row[1])) for row in rows]

    def by_national_id(self, id_hash: str, *, limit: int) -> list[int]:
        c = _CUSTOMER
        query = select(c.c.id).where(c.c.national_id_hash == id_hash).order_by(c.c.id).limit(limit)
        return [int(one) for one in self._connection.execute(query).scalars()]

    def by_id_ending(self, last_four: str, *, limit: int) -> list[Any]:
        """Customers whose national ID ends with ``last_four`` (the masked copy keeps them), with the
        encrypted ID for a longer comparison. A scan of the customers: bounded by ``limit``."""
        c = _CUSTOMER
        return list(
            self._connection.execute(
                select(c.c.id, c.c.national_id_enc)
                .where(c.c.national_id_masked.like("%" + last_four))
                .order_by(c.c.id)
                .limit(limit)
            ).all()
        )

    def accounts_of(self, customer_ids: Sequence[int], *, limit: int) -> list[dict[str, Any]]:
        a = _ACCOUNT
        query = (
            _with_holder(_CUSTOMER.c.national_id_masked)
            .where(a.c.customer_id.in_(list(customer_ids)))
            .order_by(a.c.customer_id, a.c.dpd.desc(), a.c.id)
            .limit(limit)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def caller(self, account_id: int) -> dict[str, Any] | None:
        """The account with its cardholder's record (name, encrypted national ID, date of birth)."""
        c = _CUSTOMER
        query = _with_holder(c.c.national_id_enc, c.c.national_id_masked, c.c.birth_date)
        row = self._connection.execute(query.where(_ACCOUNT.c.id == account_id)).mappings().first()
        return dict(row) if row else None

    def phone(self, point_id: int, *, customer_id: int) -> dict[str, Any] | None:
        """The customer's phone number ``point_id`` (masked), None when it is not theirs or not a phone."""
        p = _POINT
        row = (
            self._connection.execute(
                select(p.c.id, p.c.kind, p.c.value_masked).where(
                    p.c.id == point_id, p.c.customer_id == customer_id, p.c.kind.in_(PHONE_KINDS)
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def inbound_calls(self, account_id: int, *, limit: int = 5) -> list[dict[str, Any]]:
        """The account's latest inbound calls, newest first, with who took them."""
        e, u = _EVENT, _USER
        rows = self._connection.execute(
            select(e.c.id, e.c.at, e.c.party, e.c.outcome, e.c.reason, u.c.display_name.label("taken_by"))
            .outerjoin(u, u.c.id == e.c.user_id)
            .where(e.c.account_id == account_id, e.c.channel == INBOUND_CHANNEL)
            .order_by(e.c.at.desc(), e.c.id.desc())
            .limit(limit)
        ).mappings()
        return [dict(row) for row in rows]

    def calls_taken(self, user_id: int, *, since: datetime, limit: int = 20) -> list[dict[str, Any]]:
        """The inbound calls ``user_id`` logged from ``since``, newest first, with the account's number."""
        e, a = _EVENT, _ACCOUNT
        rows = self._connection.execute(
            select(e.c.at, e.c.account_id, a.c.account_no, e.c.party, e.c.outcome)
            .join(a, a.c.id == e.c.account_id)
            .where(e.c.user_id == user_id, e.c.channel == INBOUND_CHANNEL, e.c.at >= since)
            .order_by(e.c.at.desc(), e.c.id.desc())
            .limit(limit)
        ).mappings()
        return [dict(row) for row in rows]
