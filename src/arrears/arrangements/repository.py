"""All SQL about repayment plans, their instalments and their approvals. The caller owns the
connection and its transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from arrears.arrangements.rules import Balances, Schedule
from arrears.models import (
    AppUser,
    CardAccount,
    Customer,
    Hold,
    PlanApproval,
    PlanInstalment,
    RepaymentPlan,
    table_of,
)

_ACCOUNT, _USER = table_of(CardAccount), table_of(AppUser)
_CUSTOMER, _HOLD = table_of(Customer), table_of(Hold)
_PLAN, _INSTALMENT, _APPROVAL = table_of(RepaymentPlan), table_of(PlanInstalment), table_of(PlanApproval)
OPEN_STATUSES = ("proposed", "active")  # at most one plan per account in these


class PlanRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- accounts and plans -----------------------------------------------------------------------

    def balances(self, account_id: int, *, lock: bool = False) -> Balances | None:
        """The account's balances (None: no such account). ``lock`` holds the account's row until the
        transaction ends (PostgreSQL), so two proposals for one account take turns."""
        a = _ACCOUNT
        query = select(a.c.principal_fen, a.c.interest_fen, a.c.fee_fen).where(a.c.id == account_id)
        row = self._connection.execute(query.with_for_update() if lock else query).first()
        return None if row is None else Balances(int(row[0]), int(row[1]), int(row[2]))

    def open_plan(self, account_id: int) -> dict[str, Any] | None:
        """The account's proposed or active plan, if it has one."""
        query = (
            select(_PLAN.c.id, _PLAN.c.status)
            .where(_PLAN.c.account_id == account_id, _PLAN.c.status.in_(OPEN_STATUSES))
            .order_by(_PLAN.c.id)
            .limit(1)
        )
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def waived_by_other_plans(self, account_id: int, *, lock: bool = False) -> int:
        """What the open (proposed or active) plans on the other accounts of the account's customer
        waive, in fen. ``lock`` holds the customer's row until the transaction ends (PostgreSQL), so
        that proposals on two cards of one cardholder take turns."""
        a, p = _ACCOUNT, _PLAN
        owner = select(a.c.customer_id).where(a.c.id == account_id).scalar_subquery()
        if lock:
            self._connection.execute(select(_CUSTOMER.c.id).where(_CUSTOMER.c.id == owner).with_for_update())
        siblings = select(a.c.id).where(a.c.customer_id == owner, a.c.id != account_id)
        query = select(func.coalesce(func.sum(p.c.waived_fen), 0)).where(
            p.c.account_id.in_(siblings), p.c.status.in_(OPEN_STATUSES)
        )
        return int(self._connection.execute(query).scalar_one())

    def holds_in_force(self, account_id: int, *, kinds: tuple[str, ...], on: date) -> list[str]:
        """The kinds (of ``kinds``) of the holds on the account or on all its customer's accounts that
        are in force on ``on``: not lifted, and not expired before the day began."""
        a, h = _ACCOUNT, _HOLD
        owner = select(a.c.customer_id).where(a.c.id == account_id).scalar_subquery()
        day_began = datetime.combine(on, time.min, UTC)
        query = select(h.c.kind).where(
            h.c.customer_id == owner,
            or_(h.c.account_id.is_(None), h.c.account_id == account_id),
            h.c.kind.in_(kinds),
            h.c.lifted_at.is_(None),
            or_(h.c.expires_at.is_(None), h.c.expires_at >= day_began),
        )
        return sorted(set(self._connection.execute(query).scalars()))

    def add_plan(
        self, *, account_id: int, plan: Schedule, status: str, proposed_by_id: int | None, now: datetime
    ) -> int:
        """Stores the plan and its instalments; returns the plan's id."""
        values = {
            "account_id": account_id,
            "kind": plan.kind,
            "agreed_on": plan.agreed_on,
            "waived_fen": plan.waived_fen,
            "waived_interest_fen": plan.waived_interest_fen,
            "waived_fee_fen": plan.waived_fee_fen,
            "total_fen": plan.total_fen,
            "proposed_by_id": proposed_by_id,
            "status": status,
            "created_at": now,
        }
        plan_id = int(
            self._connection.execute(insert(_PLAN).values(**values).returning(_PLAN.c.id)).scalar_one()
        )
        rows = [
            {"plan_id": plan_id, "number": one.number, "due_date": one.due_date, "amount_fen": one.amount_fen}
            for one in plan.instalments
        ]
        self._connection.execute(insert(_INSTALMENT), rows)
        return plan_id

    def set_plan_status(self, plan_id: int, *, old: str, new: str) -> bool:
        """Moves the plan from ``old`` to ``new``; False when it was not ``old`` any more."""
        changed = self._connection.execute(
            update(_PLAN).where(_PLAN.c.id == plan_id, _PLAN.c.status == old).values(status=new)
        )
        return changed.rowcount == 1

    def due_dates(self, plan_id: int) -> list[date]:
        query = select(_INSTALMENT.c.due_date).where(_INSTALMENT.c.plan_id == plan_id)
        return list(self._connection.execute(query).scalars())

    def plan(self, plan_id: int) -> dict[str, Any] | None:
        """The plan with its instalments (by number) and its approvals (oldest first)."""
        row = self._connection.execute(select(_PLAN).where(_PLAN.c.id == plan_id)).mappings().first()
        if row is None:
            return None
        i, x = _INSTALMENT, _APPROVAL
        instalments = select(
            i.c.number, i.c.due_date, i.c.amount_fen, i.c.paid_fen, i.c.status, i.c.settled_on
        )
        approvals = select(x.c.id, x.c.required_role, x.c.status, x.c.requested_by_id, x.c.requested_at,
                           x.c.decided_by_id, x.c.decided_at, x.c.comment)  # fmt: skip
        return dict(row) | {
            "instalments": self._rows(instalments.where(i.c.plan_id == plan_id).order_by(i.c.number)),
            "approvals": self._rows(approvals.where(x.c.plan_id == plan_id).order_by(x.c.id)),
        }

    def plans_of_account(self, account_id: int) -> list[dict[str, Any]]:
        """The account's plans, newest first, without their instalments; a plan that needed approval
        with its latest approval's ``required_role``, ``approval_status``, ``decided_by`` (a display
        name), ``decided_at`` and ``comment`` (None for a plan within its proposer's authority)."""
        p, x, u = _PLAN, _APPROVAL, _USER
        count = select(func.count()).where(_INSTALMENT.c.plan_id == p.c.id).scalar_subquery()
        latest = select(func.max(x.c.id)).where(x.c.plan_id == p.c.id).correlate(p).scalar_subquery()
        decision = (x.c.required_role, x.c.status.label("approval_status"),
                    u.c.display_name.label("decided_by"), x.c.decided_at, x.c.comment)  # fmt: skip
        query = (
            select(p, count.label("instalments"), *decision)
            .outerjoin(x, x.c.id == latest)
            .outerjoin(u, u.c.id == x.c.decided_by_id)
            .where(p.c.account_id == account_id)
        )
        return self._rows(query.order_by(p.c.id.desc()))

    # --- approvals --------------------------------------------------------------------------------

    def add_approval(
        self, *, plan_id: int, account_id: int, required_role: str, plan: Schedule, requested_by_id: int,
        now: datetime,
    ) -> int:  # fmt: skip
        values = {
            "plan_id": plan_id,
            "account_id": account_id,
            "required_role": required_role,
            "amount_fen": plan.total_fen,
            "waived_fen": plan.waived_fen,
            "status": "pending",
            "requested_by_id": requested_by_id,
            "requested_at": now,
        }
        return int(
            self._connection.execute(
                insert(_APPROVAL).values(**values).returning(_APPROVAL.c.id)
            ).scalar_one()
        )

    def approval(self, approval_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """The approval with its proposer's team; ``lock`` holds its row until the transaction ends
        (PostgreSQL), so that two deciders take turns."""
        x = _APPROVAL
        query = (
            select(x, _USER.c.team_id.label("proposer_team_id"))
            .outerjoin(_USER, _USER.c.id == x.c.requested_by_id)
            .where(x.c.id == approval_id)
        )
        if lock:
            query = query.with_for_update(of=x)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def pending(
        self, *, exclude_user_id: int, required_role: str | None = None, proposer_team_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Pending approvals, oldest first, not requested by ``exclude_user_id``; only those needing
        ``required_role`` and from proposers of ``proposer_team_id`` when these are given."""
        x, p, a, u = _APPROVAL, _PLAN, _ACCOUNT, _USER
        i = _INSTALMENT
        first_due = select(func.min(i.c.due_date)).where(i.c.plan_id == p.c.id).scalar_subquery()
        count = select(func.count()).where(i.c.plan_id == p.c.id).scalar_subquery()
        query = (
            select(
                x.c.id,
                x.c.plan_id,
                x.c.account_id,
                a.c.account_no,
                x.c.required_role,
                x.c.amount_fen,
                x.c.waived_fen,
                x.c.requested_by_id,
                u.c.display_name.label("requested_by"),
                x.c.requested_at,
                p.c.kind,
                p.c.agreed_on,
                p.c.waived_interest_fen,
                p.c.waived_fee_fen,
                first_due.label("first_due_date"),
                count.label("instalments"),
                a.c.dpd,
                a.c.bucket,
                a.c.principal_fen,
                a.c.interest_fen,
                a.c.fee_fen,
            )
            .join(p, p.c.id == x.c.plan_id)
            .join(a, a.c.id == x.c.account_id)
            .outerjoin(u, u.c.id == x.c.requested_by_id)
            .where(x.c.status == "pending", x.c.requested_by_id != exclude_user_id)
        )
        if required_role is not None:
            query = query.where(x.c.required_role == required_role)
        if proposer_team_id is not None:
            query = query.where(u.c.team_id == proposer_team_id)
        return self._rows(query.order_by(x.c.requested_at, x.c.id))

    def decide(self, approval_id: int, *, status: str, by_id: int, at: datetime, comment: str | None) -> bool:
        """Records the decision on a pending approval; False when it was decided already."""
        x = _APPROVAL
        values = {"status": status, "decided_by_id": by_id, "decided_at": at, "comment": comment}
        changed = self._connection.execute(
            update(x).where(x.c.id == approval_id, x.c.status == "pending").values(**values)
        )
        return changed.rowcount == 1

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection.execute(query).mappings()]
