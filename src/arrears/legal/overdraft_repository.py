"""All SQL of the malicious-overdraft check: the effective collections, payments and amounts of the
accounts with something overdue, the candidates of a check day, and legal's decisions on them. The
caller owns the connection and its transaction. Nothing here logs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from arrears.kit.errors import NotFound
from arrears.legal.overdraft_rules import CALL, LETTER, PENDING
from arrears.legal.repository import DEMAND_LETTERS
from arrears.models import (
    AppUser,
    CardAccount,
    ContactEvent,
    Customer,
    OutboxMessage,
    OverdraftCandidate,
    Payment,
    table_of,
)

_ACCOUNT, _EVENT, _OUTBOX = table_of(CardAccount), table_of(ContactEvent), table_of(OutboxMessage)
_PAYMENT, _CANDIDATE, _USER = table_of(Payment), table_of(OverdraftCandidate), table_of(AppUser)
_CHUNK = 5_000


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class OverdraftRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- the evidence -------------------------------------------------------------------------------

    def overdue_accounts(self, account_ids: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
        """The accounts with something overdue (all, or those of ``account_ids``) and their amounts."""
        a = _ACCOUNT
        query = select(
            a.c.id, a.c.account_no, a.c.customer_id, a.c.dpd, a.c.overdue_fen, a.c.principal_fen,
            (a.c.principal_fen + a.c.interest_fen + a.c.fee_fen).label("balance_fen"),
        ).where(a.c.overdue_fen > 0)  # fmt: skip
        if account_ids is not None:
            query = query.where(a.c.id.in_(account_ids))
        return {int(row["id"]): dict(row) for row in self._connection.execute(query).mappings()}

    def collections(self, before: datetime, account_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """The effective collections before ``before`` on accounts with something overdue: the
        right-party calls (the debtor reached) and the demand letters delivered, each with its
        account, kind, instant and reference."""
        e, o, a = _EVENT, _OUTBOX, _ACCOUNT
        calls = (
            select(e.c.account_id, e.c.id, e.c.at)
            .join(a, a.c.id == e.c.account_id)
            .where(e.c.channel == CALL, e.c.party == "debtor", e.c.conversation, e.c.at < before,
                   a.c.overdue_fen > 0)
        )  # fmt: skip
        letters = (
            select(o.c.account_id, o.c.id, o.c.delivered_at, o.c.tracking_no)
            .join(a, a.c.id == o.c.account_id)
            .where(o.c.channel == LETTER, o.c.template.in_(DEMAND_LETTERS), o.c.delivered_at.is_not(None),
                   o.c.delivered_at < before, a.c.overdue_fen > 0)
        )  # fmt: skip
        if account_ids is not None:
            calls = calls.where(e.c.account_id.in_(account_ids))
            letters = letters.where(o.c.account_id.in_(account_ids))
        found = [{"account_id": int(row.account_id), "kind": CALL, "at": row.at, "ref": f"#{row.id}"}
                 for row in self._connection.execute(calls)]  # fmt: skip
        found += [
            {"account_id": int(row.account_id), "kind": LETTER, "at": row.delivered_at,
             "ref": row.tracking_no or f"#{row.id}"}
            for row in self._connection.execute(letters)
        ]  # fmt: skip
        return found

    def payments(self, account_ids: Sequence[int], *, as_of: date) -> dict[int, list[tuple[date, int]]]:
        """Each account's payments received up to ``as_of`` (day, fen), leaving out reversals and the
        payments a reversal took back."""
        p = _PAYMENT
        reversed_ids = select(p.c.reverses_id).where(p.c.reverses_id.is_not(None))
        found: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for chunk in _chunks(list(account_ids)):
            query = select(p.c.account_id, p.c.paid_date, p.c.amount_fen).where(
                p.c.account_id.in_(chunk), p.c.paid_date <= as_of, p.c.amount_fen > 0,
                p.c.source != "reversal", p.c.id.not_in(reversed_ids),
            )  # fmt: skip
            for row in self._connection.execute(query):
                found[int(row.account_id)].append((row.paid_date, int(row.amount_fen)))
        return found

    # --- the candidates -------------------------------------------------------------------------------

    def decided(self, account_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The decided candidates of the accounts: their status and the second collection's day."""
        c = _CANDIDATE
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for chunk in _chunks(list(account_ids)):
            query = select(c.c.account_id, c.c.status, c.c.second_collection_on).where(
                c.c.account_id.in_(chunk), c.c.status != PENDING
            )
            for row in self._connection.execute(query).mappings():
                found[int(row["account_id"])].append(dict(row))
        return found

    def of_day(self, check_date: date) -> dict[int, dict[str, Any]]:
        """The candidates of a check day by account: their id and status."""
        c = _CANDIDATE
        query = select(c.c.id, c.c.account_id, c.c.status).where(c.c.check_date == check_date)
        return {int(row["account_id"]): dict(row) for row in self._connection.execute(query).mappings()}

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._connection.execute(insert(_CANDIDATE), list(rows))

    def refresh(self, candidate_id: int, values: dict[str, Any]) -> None:
        """A pending candidate's evidence as a re-run of its day found it."""
        c = _CANDIDATE
        self._connection.execute(
            update(c).where(c.c.id == candidate_id, c.c.status == PENDING).values(**values)
        )

    def remove_pending(self, ids: Sequence[int]) -> int:
        c = _CANDIDATE
        if not ids:
            return 0
        return int(self._connection.execute(delete(c).where(c.c.id.in_(ids), c.c.status == PENDING)).rowcount)

    def latest_check(self, on_or_before: date) -> date | None:
        c = _CANDIDATE
        found = self._connection.execute(
            select(func.max(c.c.check_date)).where(c.c.check_date <= on_or_before)
        ).scalar_one_or_none()
        return found if isinstance(found, date) else None

    def _listed(self) -> Any:
        c, a, u = _CANDIDATE, _ACCOUNT, _USER
        return (
            select(c, a.c.account_no, a.c.bucket, u.c.display_name.label("decided_by"))
            .join(a, a.c.id == c.c.account_id)
            .outerjoin(u, u.c.id == c.c.decided_by_id)
        )

    def listed(self, check_date: date, *, status: str) -> list[dict[str, Any]]:
        """A check day's candidates of a status, the longest unpaid first."""
        c = _CANDIDATE
        query = (
            self._listed()
            .where(c.c.check_date == check_date, c.c.status == status)
            .order_by(c.c.second_collection_on, c.c.id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def recently_decided(self, since: datetime, *, limit: int) -> list[dict[str, Any]]:
        c = _CANDIDATE
        query = (
            self._listed()
            .where(c.c.status != PENDING, c.c.decided_at >= since)
            .order_by(c.c.decided_at.desc(), c.c.id.desc())
            .limit(limit)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def get(self, candidate_id: int, *, lock: bool = False) -> dict[str, Any]:
        """The candidate (locked for the transaction when ``lock``); NotFound when there is none."""
        c = _CANDIDATE
        query = self._listed().where(c.c.id == candidate_id)
        row = self._connection.execute(query.with_for_update(of=c) if lock else query).mappings().first()
        if row is None:
            raise NotFound(f"no overdraft candidate {candidate_id}", f"没有恶意透支候选 {candidate_id}")
        return dict(row)

    def decide(self, candidate_id: int, *, status: str, reason: str, by: int, at: datetime) -> bool:
        """Decides the candidate if it is still pending; whether it was."""
        c = _CANDIDATE
        query = (
            update(c)
            .where(c.c.id == candidate_id, c.c.status == PENDING)
            .values(status=status, reason=reason, decided_by_id=by, decided_at=at)
        )
        return int(self._connection.execute(query).rowcount) == 1

    def holder(self, account_id: int) -> tuple[str, bytes]:
        """The account's cardholder: name and encrypted national ID."""
        a, c = _ACCOUNT, table_of(Customer)
        query = select(c.c.name, c.c.national_id_enc).join(a, a.c.customer_id == c.c.id)
        query = query.where(a.c.id == account_id)
        row = self._connection.execute(query).one()
        return str(row.name), bytes(row.national_id_enc)
