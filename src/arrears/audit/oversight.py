"""What compliance oversees beside the trail: the holds in force, counted by kind and listed with
the account, who placed each, since and until when. SQL only; the caller owns the connection.

A hold is in force at an instant when it was placed by then and is neither lifted nor expired.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from arrears.models import HOLD_KINDS, AppUser, CardAccount, Hold, table_of

_HOLD, _ACCOUNT, _USER = table_of(Hold), table_of(CardAccount), table_of(AppUser)


def in_force(at: datetime) -> ColumnElement[bool]:
    h = _HOLD
    return and_(
        h.c.placed_at <= at,
        or_(h.c.lifted_at.is_(None), h.c.lifted_at > at),
        or_(h.c.expires_at.is_(None), h.c.expires_at > at),
    )


class OversightRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def hold_counts(self, *, at: datetime) -> dict[str, int]:
        """The holds in force at ``at`` by kind (every kind, 0 when none)."""
        h = _HOLD
        query = select(h.c.kind, func.count()).where(in_force(at)).group_by(h.c.kind)
        found = {str(kind): int(count) for kind, count in self._connection.execute(query)}
        return {kind: found.get(kind, 0) for kind in HOLD_KINDS} | found

    def holds(self, *, at: datetime, kind: str | None, offset: int, limit: int) -> list[dict[str, Any]]:
        """A page of the holds in force at ``at`` (of ``kind``, or all), the latest placed first: the
        account (or, for a hold on every account of the cardholder, their accounts), who placed it,
        since and until when, its reason and whom it names."""
        h, a, u = _HOLD, _ACCOUNT, _USER
        named = u.alias("named")
        query = (
            select(
                h.c.id, h.c.kind, h.c.customer_id, h.c.account_id, a.c.account_no, h.c.reason,
                h.c.placed_at, h.c.expires_at, u.c.display_name.label("placed_by"),
                named.c.display_name.label("names_staff"), h.c.agency_code, h.c.amount_fen,
            )
            .outerjoin(a, a.c.id == h.c.account_id)
            .outerjoin(u, u.c.id == h.c.placed_by_id)
            .outerjoin(named, named.c.id == h.c.staff_user_id)
            .where(in_force(at), *([h.c.kind == kind] if kind else []))
            .order_by(h.c.placed_at.desc(), h.c.id.desc())
            .offset(offset)
            .limit(limit)
        )  # fmt: skip
        rows = [dict(row) for row in self._connection.execute(query).mappings()]
        wide = {int(row["customer_id"]) for row in rows if row["account_id"] is None}
        accounts = self._accounts_of(wide)
        for row in rows:
            row["accounts"] = (
                [(row["account_id"], row["account_no"])]
                if row["account_id"] is not None
                else accounts.get(int(row["customer_id"]), [])
            )
        return rows

    def _accounts_of(self, customer_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
        if not customer_ids:
            return {}
        a = _ACCOUNT
        query = select(a.c.id, a.c.customer_id, a.c.account_no).where(
            a.c.customer_id.in_(sorted(customer_ids))
        )
        found: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for row in self._connection.execute(query.order_by(a.c.id)):
            found[int(row.customer_id)].append((int(row.id), str(row.account_no)))
        return found
