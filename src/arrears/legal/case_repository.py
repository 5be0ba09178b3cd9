"""All SQL of legal cases: the case (locked while a step is decided), its steps, deadlines and costs,
the payments made on its account since it opened, the deadlines due, and a law firm's fees of a month.
The caller owns the transaction. Nothing here logs: notes are personal data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from arrears.models import (
    AppUser,
    CardAccount,
    LegalCase,
    LegalCost,
    LegalDeadline,
    LegalStep,
    OutboxMessage,
    Payment,
    Team,
    table_of,
)

_CASE, _STEP, _DEADLINE = table_of(LegalCase), table_of(LegalStep), table_of(LegalDeadline)
_COST = table_of(LegalCost)
_ACCOUNT, _PAYMENT, _TEAM, _USER = table_of(CardAccount), table_of(Payment), table_of(Team), table_of(AppUser)
_MESSAGE = table_of(OutboxMessage)
LISTED = 200


class CaseRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection.execute(query).mappings()]

    # --- opening ----------------------------------------------------------------------------------

    def account(self, account_id: int) -> dict[str, Any] | None:
        a = _ACCOUNT
        query = select(a.c.id, a.c.account_no, a.c.customer_id, a.c.overdue_fen).where(a.c.id == account_id)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def open_case_of(self, account_id: int) -> int | None:
        c = _CASE
        found = self._connection.execute(
            select(c.c.id).where(c.c.account_id == account_id, c.c.stage != "closed")
        ).scalar()
        return None if found is None else int(found)

    def add_case(self, values: dict[str, Any]) -> int:
        c = _CASE
        return int(self._connection.execute(insert(c).values(**values).returning(c.c.id)).scalar_one())

    # --- one case ---------------------------------------------------------------------------------

    def case(self, case_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """The case with its account's number (its row locked until the transaction ends with ``lock``:
        PostgreSQL; SQLite's audit transaction holds the write lock already)."""
        c, a = _CASE, _ACCOUNT
        query = select(c, a.c.account_no).join(a, a.c.id == c.c.account_id).where(c.c.id == case_id)
        if lock:
            query = query.with_for_update(of=c)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def move(self, case_id: int, *, from_stage: str, **values: Any) -> bool:
        """Moves the case on if it still stands at ``from_stage`` (a colleague's step meanwhile: False)."""
        c = _CASE
        done = self._connection.execute(
            update(c).where(c.c.id == case_id, c.c.stage == from_stage).values(**values)
        )
        return done.rowcount == 1

    def add_step(self, values: dict[str, Any]) -> int:
        s = _STEP
        return int(self._connection.execute(insert(s).values(**values).returning(s.c.id)).scalar_one())

    def steps(self, case_id: int) -> list[dict[str, Any]]:
        s = _STEP
        return self._rows(select(s).where(s.c.case_id == case_id).order_by(s.c.step_on, s.c.id))

    def add_deadlines(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._connection.execute(insert(_DEADLINE), list(rows))

    def settle(self, case_id: int, kinds: Sequence[str], *, now: datetime) -> None:
        d = _DEADLINE
        if kinds:
            self._connection.execute(
                update(d)
                .where(d.c.case_id == case_id, d.c.kind.in_(list(kinds)), d.c.settled_at.is_(None))
                .values(settled_at=now)
            )

    def deadlines(self, case_id: int) -> list[dict[str, Any]]:
        d = _DEADLINE
        return self._rows(select(d).where(d.c.case_id == case_id).order_by(d.c.due_on, d.c.id))

    def add_cost(self, values: dict[str, Any]) -> int:
        k = _COST
        return int(self._connection.execute(insert(k).values(**values).returning(k.c.id)).scalar_one())

    def costs(self, case_id: int) -> list[dict[str, Any]]:
        k = _COST
        return self._rows(select(k).where(k.c.case_id == case_id).order_by(k.c.incurred_on, k.c.id))

    def paid_since(self, account_id: int, since: date) -> list[int]:
        """The amounts paid on the account from ``since`` (reversals negative), oldest first."""
        p = _PAYMENT
        query = (
            select(p.c.amount_fen)
            .where(p.c.account_id == account_id, p.c.paid_date >= since)
            .order_by(p.c.paid_date, p.c.id)
        )
        return [int(fen) for fen in self._connection.execute(query).scalars()]

    def letters(self, case_id: int) -> list[dict[str, Any]]:
        """The case's letters in the outbox (its lawyer's letters), oldest first."""
        m = _MESSAGE
        columns = (m.c.id, m.c.idempotency_key, m.c.template, m.c.status, m.c.run_date, m.c.created_at,
                   m.c.provider_id, m.c.tracking_no, m.c.sent_at, m.c.delivered_at, m.c.finished_at,
                   m.c.last_error, m.c.blocked_rules, m.c.user_id)  # fmt: skip
        return self._rows(select(*columns).where(m.c.legal_case_id == case_id).order_by(m.c.id))

    def team_kind(self, team_id: int) -> str | None:
        found = self._connection.execute(select(_TEAM.c.kind).where(_TEAM.c.id == team_id)).scalar()
        return None if found is None else str(found)

    # --- lists ------------------------------------------------------------------------------------

    def cases(
        self, *, firm_team_id: int | None = None, stages: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Cases (a firm's only, given ``firm_team_id``), the oldest step first, at most LISTED."""
        c, a = _CASE, _ACCOUNT
        query = select(c, a.c.account_no).join(a, a.c.id == c.c.account_id)
        if firm_team_id is not None:
            query = query.where(c.c.firm_team_id == firm_team_id)
        if stages is not None:
            query = query.where(c.c.stage.in_(list(stages)))
        return self._rows(query.order_by(c.c.last_step_on, c.c.id).limit(LISTED))

    def due_deadlines(self, *, until: date, firm_team_id: int | None = None) -> list[dict[str, Any]]:
        """Open deadlines due by ``until`` (past ones included), soonest first, with their case."""
        d, c, a = _DEADLINE, _CASE, _ACCOUNT
        query = (
            select(d.c.id, d.c.case_id, d.c.kind, d.c.due_on, c.c.stage, c.c.firm_team_id, a.c.account_no)
            .join(c, c.c.id == d.c.case_id)
            .join(a, a.c.id == c.c.account_id)
            .where(d.c.settled_at.is_(None), d.c.due_on <= until)
        )
        if firm_team_id is not None:
            query = query.where(c.c.firm_team_id == firm_team_id)
        return self._rows(query.order_by(d.c.due_on, d.c.id).limit(LISTED))

    def firm_fees(self, firm_team_id: int, *, first: date, last: date) -> list[dict[str, Any]]:
        """The firm's costs incurred from ``first`` to ``last``, by case and kind, with the account."""
        k, c, a = _COST, _CASE, _ACCOUNT
        query = (
            select(k.c.case_id, k.c.kind, func.sum(k.c.amount_fen).label("amount_fen"),
                   func.count().label("items"), a.c.account_no)
            .join(c, c.c.id == k.c.case_id)
            .join(a, a.c.id == c.c.account_id)
            .where(k.c.firm_team_id == firm_team_id, k.c.incurred_on >= first, k.c.incurred_on <= last)
            .group_by(k.c.case_id, k.c.kind, a.c.account_no)
            .order_by(k.c.case_id, k.c.kind)
        )  # fmt: skip
        return self._rows(query)

    def next_deadlines(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Each case's soonest open deadline (kind and day)."""
        d = _DEADLINE
        query = (
            select(d.c.case_id, d.c.kind, d.c.due_on)
            .where(d.c.case_id.in_(list(case_ids)), d.c.settled_at.is_(None))
            .order_by(d.c.case_id, d.c.due_on.desc(), d.c.id.desc())
        )
        return {int(row["case_id"]): dict(row) for row in self._connection.execute(query).mappings()}

    def firms(self) -> list[dict[str, Any]]:
        """The law firms' teams, by name."""
        t = _TEAM
        return self._rows(select(t.c.id, t.c.code, t.c.name).where(t.c.kind == "law_firm").order_by(t.c.name))

    def usernames(self, user_ids: Sequence[int]) -> dict[int, str]:
        u = _USER
        query = select(u.c.id, u.c.username).where(u.c.id.in_(sorted(set(user_ids))))
        return {int(row.id): str(row.username) for row in self._connection.execute(query)}
