"""All SQL of the contact actions: what a contact check reads (points, holds, past contacts), the SMS
facts, and the callback, request and hold rows. Callers own the connection and its transaction.

Nothing here logs: names and contact details are personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, literal, or_, select, update

from arrears.batch.store import COUNTED_WHEN_SENT, RECENT_DAYS
from arrears.contacts.hold_scope import applying_to
from arrears.contacts.rules import PastContact, Point
from arrears.kit.errors import NotFound
from arrears.models import (
    Callback,
    CardAccount,
    CaseRequest,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    Customer,
    Hold,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    Statement,
    table_of,
)

_ACCOUNT, _CUSTOMER, _POINT = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
_EVENT, _ACTION, _HOLD = table_of(ContactEvent), table_of(CollectionAction), table_of(Hold)
_CALLBACK, _REQUEST = table_of(Callback), table_of(CaseRequest)


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    customer_id: int


def _point(row: Any) -> Point:
    return Point(
        id=int(row.id),
        kind=row.kind,
        opted_out=bool(row.opted_out),
        consent_outside_hours=bool(row.consent_outside_hours),
        consent_extra_calls=bool(row.consent_extra_calls),
    )


class ContactRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- what a contact check reads -------------------------------------------------------------

    def account(self, account_id: int, *, lock: bool = False) -> AccountRef:
        """The account (locked for the transaction with ``lock``, on PostgreSQL); NotFound if none."""
        query = select(_ACCOUNT.c.id, _ACCOUNT.c.customer_id).where(_ACCOUNT.c.id == account_id)
        row = self._connection.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
        return AccountRef(int(row.id), int(row.customer_id))

    def _points(self) -> Any:
        p = _POINT
        return select(
            p.c.id,
            p.c.customer_id,
            p.c.kind,
            p.c.opted_out,
            p.c.consent_outside_hours,
            p.c.consent_extra_calls,
        )

    def point(self, point_id: int, *, customer_id: int) -> Point | None:
        """The customer's contact point (None when it does not exist or is someone else's)."""
        query = self._points().where(_POINT.c.id == point_id, _POINT.c.customer_id == customer_id)
        row = self._connection.execute(query).first()
        return _point(row) if row else None

    def primary_mobile(self, customer_id: int) -> Point | None:
        """The mobile the daily run picks (``batch.store.reached_point``): never one marked invalid
        (``invalid_at``); the primary first, then the oldest."""
        p = _POINT
        query = (
            self._points()
            .where(p.c.customer_id == customer_id, p.c.kind == "mobile", p.c.invalid_at.is_(None))
            .order_by(p.c.is_primary.desc(), p.c.id)
            .limit(1)
        )
        row = self._connection.execute(query).first()
        return _point(row) if row else None

    def opted_out(self, customer_id: int) -> list[int]:
        p = _POINT
        query = select(p.c.id).where(p.c.customer_id == customer_id, p.c.opted_out).order_by(p.c.id)
        return [int(one) for one in self._connection.execute(query).scalars()]

    def active_holds(
        self, *, customer_id: int, account_id: int, at: datetime, user_id: int | None = None
    ) -> list[str]:
        """The kinds of the holds active at ``at`` on the account or on all the customer's accounts that
        apply to an action by ``user_id`` (None: the bank's own, such as the daily run's)."""
        h = _HOLD
        query = select(h.c.kind).where(
            h.c.customer_id == customer_id,
            or_(h.c.account_id.is_(None), h.c.account_id == account_id),
            h.c.placed_at <= at,
            or_(h.c.lifted_at.is_(None), h.c.lifted_at > at),
            or_(h.c.expires_at.is_(None), h.c.expires_at > at),
            applying_to(h, user_id),
        )
        return sorted(set(self._connection.execute(query).scalars()))

    def recent_contacts(self, *, customer_id: int, at: datetime) -> list[PastContact]:
        """The contacts the caps and cadences count, as the daily run reads them: from ``RECENT_DAYS``
        days before ``at``, every contact logged (later ones too, as the run counts a whole day: calls,
        the SMS, e-mails and notices the dispatcher sent, the letters rendered for the post), and the
        runs' other actions whose time has come, taken as done (a run's calls and messages count once
        logged or sent, never as planned)."""
        x, e = _ACTION, _EVENT
        since = at - timedelta(days=RECENT_DAYS)
        planned = select(
            x.c.scheduled_at.label("at"),
            x.c.channel,
            literal(None).label("point_id"),
            literal("debtor").label("party"),
            literal(False).label("connected"),
            literal(False).label("conversation"),
        ).where(
            x.c.customer_id == customer_id,
            x.c.run_date >= since.date(),
            x.c.channel.not_in(COUNTED_WHEN_SENT),
            x.c.scheduled_at <= at,
        )
        logged = select(
            e.c.at, e.c.channel, e.c.contact_point_id, e.c.party, e.c.connected, e.c.conversation
        ).where(e.c.customer_id == customer_id, e.c.at >= since)
        rows = [*self._connection.execute(planned).all(), *self._connection.execute(logged).all()]
        return [
            PastContact(r[0], r[1], None if r[2] is None else int(r[2]), r[3], bool(r[4]), bool(r[5]))
            for r in rows
        ]

    def add_event(self, values: dict[str, Any]) -> int:
        return int(
            self._connection.execute(insert(_EVENT).values(**values).returning(_EVENT.c.id)).scalar_one()
        )

    # --- what an SMS says -----------------------------------------------------------------------

    def sms_facts(self, account_id: int) -> dict[str, Any]:
        """The customer's name (to be masked by the caller), the account number, the overdue amount,
        the last due date, the open promise and the active plan's first open instalment."""
        a, c, s = _ACCOUNT, _CUSTOMER, table_of(Statement)
        account = self._connection.execute(
            select(c.c.name, a.c.account_no, a.c.overdue_fen, a.c.arrears_due_date)
            .join(c, c.c.id == a.c.customer_id)
            .where(a.c.id == account_id)
        ).first()
        if account is None:
            raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
        due = self._connection.execute(select(func.max(s.c.due_date)).where(s.c.account_id == account_id))
        return {
            "name": account.name,
            "account_no": account.account_no,
            "overdue_fen": int(account.overdue_fen),
            "due_date": due.scalar() or account.arrears_due_date,
            **self._promise(account_id),
            **self._plan(account_id),
        }

    def _promise(self, account_id: int) -> dict[str, Any]:
        p = table_of(PromiseToPay)
        row = self._connection.execute(
            select(p.c.amount_fen, p.c.promised_date)
            .where(p.c.account_id == account_id, p.c.status == "open")
            .order_by(p.c.promised_date.desc(), p.c.id.desc())
            .limit(1)
        ).first()
        return {"promise_fen": row.amount_fen, "promised_date": row.promised_date} if row else {}

    def _plan(self, account_id: int) -> dict[str, Any]:
        plan, i = table_of(RepaymentPlan), table_of(PlanInstalment)
        latest = (
            select(plan.c.id)
            .where(plan.c.account_id == account_id, plan.c.status == "active")
            .order_by(plan.c.agreed_on.desc(), plan.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        rows = self._connection.execute(
            select(i.c.number, i.c.due_date, i.c.amount_fen, i.c.status)
            .where(i.c.plan_id == latest)
            .order_by(i.c.number)
        ).all()
        due = [row for row in rows if row.status == "due"]
        if not due:
            return {}
        return {
            "instalments": len(rows),
            "next_instalment_fen": due[0].amount_fen,
            "next_due_date": due[0].due_date,
        }

    # --- callbacks ------------------------------------------------------------------------------

    def add_callback(self, values: dict[str, Any]) -> dict[str, Any]:
        new = self._connection.execute(insert(_CALLBACK).values(**values).returning(_CALLBACK.c.id))
        return self.callback(int(new.scalar_one())) or {}

    def callback(self, callback_id: int) -> dict[str, Any] | None:
        row = self._connection.execute(select(_CALLBACK).where(_CALLBACK.c.id == callback_id)).mappings()
        found = row.first()
        return dict(found) if found else None

    def open_callbacks(self, *, user_id: int, limit: int) -> list[dict[str, Any]]:
        b = _CALLBACK
        query = (
            select(b)
            .where(b.c.user_id == user_id, b.c.status == "open")
            .order_by(b.c.due_at, b.c.id)
            .limit(limit)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def close_callback(self, *, callback_id: int, user_id: int, status: str) -> bool:
        """Closes the user's open callback; False when there is no such open callback."""
        b = _CALLBACK
        mine = and_(b.c.id == callback_id, b.c.user_id == user_id, b.c.status == "open")
        return self._connection.execute(update(b).where(mine).values(status=status)).rowcount == 1

    # --- visit and legal-review requests --------------------------------------------------------

    def open_request(self, *, account_id: int, kind: str) -> int | None:
        r = _REQUEST
        query = select(r.c.id).where(r.c.account_id == account_id, r.c.kind == kind, r.c.status == "open")
        found = self._connection.execute(query.limit(1)).scalar()
        return None if found is None else int(found)

    def add_request(self, values: dict[str, Any]) -> dict[str, Any]:
        new = self._connection.execute(insert(_REQUEST).values(**values).returning(_REQUEST.c.id))
        row = self._connection.execute(select(_REQUEST).where(_REQUEST.c.id == new.scalar_one())).mappings()
        return dict(row.one())

    def open_requests(self, *, kind: str, limit: int) -> list[dict[str, Any]]:
        r, a = _REQUEST, _ACCOUNT
        query = (
            select(r, a.c.account_no, a.c.dpd, a.c.bucket, a.c.overdue_fen)
            .join(a, a.c.id == r.c.account_id)
            .where(r.c.kind == kind, r.c.status == "open")
            .order_by(r.c.requested_at, r.c.id)
            .limit(limit)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    # --- holds ----------------------------------------------------------------------------------

    def add_hold(self, values: dict[str, Any]) -> dict[str, Any]:
        new = self._connection.execute(insert(_HOLD).values(**values).returning(_HOLD.c.id))
        return self.hold(int(new.scalar_one())) or {}

    def hold(self, hold_id: int) -> dict[str, Any] | None:
        found = self._connection.execute(select(_HOLD).where(_HOLD.c.id == hold_id)).mappings().first()
        return dict(found) if found else None

    def lift_hold(self, *, hold_id: int, values: dict[str, Any]) -> bool:
        """Lifts the hold unless it was lifted already (False then)."""
        h = _HOLD
        query = update(h).where(h.c.id == hold_id, h.c.lifted_at.is_(None)).values(**values)
        return self._connection.execute(query).rowcount == 1

    def accounts_of_hold(self, hold_id: int) -> list[int]:
        """The accounts a hold covers: its account, or every account of its customer."""
        h, a = _HOLD, _ACCOUNT
        query = (
            select(a.c.id)
            .join(h, h.c.customer_id == a.c.customer_id)
            .where(h.c.id == hold_id, or_(h.c.account_id.is_(None), h.c.account_id == a.c.id))
            .order_by(a.c.id)
        )
        return [int(one) for one in self._connection.execute(query).scalars()]
