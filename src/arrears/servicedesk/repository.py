"""SQL of the service desk: cases, their notes and holds, the desk's lists and figures. The caller owns
the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, insert, or_, select, update

from arrears.models import (
    AgencyPlacement,
    AppUser,
    CardAccount,
    CollectionAction,
    ContactEvent,
    Hold,
    PlanApproval,
    RepaymentPlan,
    ServiceCase,
    ServiceCaseHold,
    ServiceCaseNote,
    Team,
    table_of,
)

_C, _N, _CH = table_of(ServiceCase), table_of(ServiceCaseNote), table_of(ServiceCaseHold)
_A, _U, _T, _H = table_of(CardAccount), table_of(AppUser), table_of(Team), table_of(Hold)
_E, _X, _P = table_of(ContactEvent), table_of(CollectionAction), table_of(AgencyPlacement)
_PLAN, _APPROVAL = table_of(RepaymentPlan), table_of(PlanApproval)
OPEN = ("open", "acknowledged")  # not yet resolved: the clocks run
_LISTED = (
    _C.c.id, _C.c.account_id, _C.c.customer_id, _C.c.kind, _C.c.category, _C.c.channel, _C.c.regulator,
    _C.c.regulator_ref, _C.c.amount_fen, _C.c.involved_user_id, _C.c.involved_agency, _C.c.team_id,
    _C.c.portal_request_id, _C.c.repeat, _C.c.received_at, _C.c.acknowledge_by, _C.c.resolve_by,
    _C.c.provisional, _C.c.acknowledged_at, _C.c.assigned_to_id, _C.c.assigned_at, _C.c.escalation_level,
    _C.c.escalated_at, _C.c.status, _C.c.outcome, _C.c.remedies, _C.c.refund_fen, _C.c.resolved_at,
    _C.c.resolved_by_id, _C.c.approval_id, _C.c.letter_message_id, _C.c.closed_at, _C.c.created_by,
)  # fmt: skip


class ServiceRepository:
    """Named questions on ``service_case`` and what it links to."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- intake -------------------------------------------------------------------------------------
    def account(self, account_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """The account (locked for the transaction with ``lock``: two cases opened on it at once are
        decided one after the other, the second seeing the first)."""
        query = select(_A.c.id, _A.c.customer_id, _A.c.account_no, _A.c.overdue_fen, _A.c.dpd)
        query = query.where(_A.c.id == account_id)
        found = self._connection.execute(query.with_for_update() if lock else query).mappings().first()
        return dict(found) if found else None

    def account_by_number(self, account_no: str) -> int | None:
        found = self._connection.execute(select(_A.c.id).where(_A.c.account_no == account_no)).scalar()
        return int(found) if found is not None else None

    def complaint_dates(self, account_id: int) -> list[datetime]:
        query = select(_C.c.received_at).where(_C.c.account_id == account_id, _C.c.kind == "complaint")
        return list(self._connection.execute(query).scalars())

    def latest_caller(self, account_id: int, *, since: datetime, roles: Sequence[str]) -> int | None:
        """The staff member of one of ``roles`` who made the account's latest call since ``since`` (None:
        nobody)."""
        query = (
            select(_E.c.user_id)
            .join(_U, _U.c.id == _E.c.user_id)
            .where(_E.c.account_id == account_id, _E.c.channel == "call", _U.c.role.in_(roles))
            .where(_E.c.at >= since)
            .order_by(_E.c.at.desc(), _E.c.id.desc())
            .limit(1)
        )
        found = self._connection.execute(query).scalar()
        return int(found) if found is not None else None

    def placed_with(self, account_id: int, *, on: Any) -> str | None:
        """The agency the account is placed with on the date, up to its last day if recalled (None: none)."""
        held_until = func.coalesce(_P.c.recalled_on, _P.c.ends_on)
        query = select(_P.c.agency_code).where(
            _P.c.account_id == account_id, _P.c.placed_on <= on, held_until >= on
        )
        return self._connection.execute(query.order_by(_P.c.id.desc()).limit(1)).scalar()

    def user_team(self, user_id: int) -> int | None:
        return self._connection.execute(select(_U.c.team_id).where(_U.c.id == user_id)).scalar()

    def user(self, user_id: int) -> dict[str, Any] | None:
        query = select(_U.c.id, _U.c.username, _U.c.display_name, _U.c.role, _U.c.team_id, _U.c.is_active)
        found = self._connection.execute(query.where(_U.c.id == user_id)).mappings().first()
        return dict(found) if found else None

    def account_team(self, account_id: int) -> int | None:
        """The team of the account's latest planned action with a team (its collecting team)."""
        query = (
            select(_X.c.team_id)
            .where(_X.c.account_id == account_id, _X.c.team_id.is_not(None))
            .order_by(_X.c.run_date.desc(), _X.c.id.desc())
            .limit(1)
        )
        return self._connection.execute(query).scalar()

    def add_case(self, values: dict[str, Any]) -> int:
        return int(self._connection.execute(insert(_C).values(**values).returning(_C.c.id)).scalar_one())

    def link_hold(self, case_id: int, hold_id: int) -> None:
        self._connection.execute(insert(_CH).values(case_id=case_id, hold_id=hold_id))

    # --- one case -----------------------------------------------------------------------------------
    def case(self, case_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        query = select(*_LISTED, _C.c.summary_enc, _C.c.resolution_enc, _A.c.account_no)
        query = query.join(_A, _A.c.id == _C.c.account_id).where(_C.c.id == case_id)
        found = self._connection.execute(query.with_for_update() if lock else query).mappings().first()
        return dict(found) if found else None

    def holds_of(self, case_id: int, *, lock: bool = False) -> list[dict[str, Any]]:
        """The case's holds (locked with ``lock``: a hold lifted by hand meanwhile is seen lifted)."""
        query = select(_H).join(_CH, _CH.c.hold_id == _H.c.id).where(_CH.c.case_id == case_id)
        query = query.order_by(_H.c.id)
        return [
            dict(row)
            for row in self._connection.execute(query.with_for_update(of=_H) if lock else query).mappings()
        ]

    def move(self, case_id: int, *, from_statuses: Sequence[str], values: dict[str, Any]) -> bool:
        """Updates the case if its status is one of ``from_statuses`` (False: it was not)."""
        query = update(_C).where(_C.c.id == case_id, _C.c.status.in_(from_statuses)).values(**values)
        return self._connection.execute(query).rowcount == 1

    def move_if_below(
        self, case_id: int, *, level: int, from_statuses: Sequence[str], values: dict[str, Any]
    ) -> bool:
        """Updates the case if its status is one of ``from_statuses`` and its escalation level is below
        ``level`` (False: it was not)."""
        query = update(_C).where(
            _C.c.id == case_id, _C.c.status.in_(from_statuses), _C.c.escalation_level < level
        )
        return self._connection.execute(query.values(**values)).rowcount == 1

    def add_note(self, values: dict[str, Any]) -> int:
        return int(self._connection.execute(insert(_N).values(**values).returning(_N.c.id)).scalar_one())

    def notes(self, case_id: int) -> list[dict[str, Any]]:
        query = select(_N).where(_N.c.case_id == case_id).order_by(_N.c.at, _N.c.id)
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def of_account(self, account_id: int) -> list[dict[str, Any]]:
        query = select(*_LISTED, _A.c.account_no).join(_A, _A.c.id == _C.c.account_id)
        query = query.where(_C.c.account_id == account_id).order_by(_C.c.id.desc())
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def waiver_plan(self, account_id: int, *, since: datetime) -> dict[str, Any] | None:
        """The account's latest plan with a waiver proposed since ``since`` and not rejected, with its
        approval (None: no such plan)."""
        query = (
            select(_PLAN.c.id, _PLAN.c.status, _PLAN.c.waived_fen, _APPROVAL.c.id.label("approval_id"),
                   _APPROVAL.c.status.label("approval_status"))
            .outerjoin(_APPROVAL, _APPROVAL.c.plan_id == _PLAN.c.id)
            .where(_PLAN.c.account_id == account_id, _PLAN.c.created_at >= since, _PLAN.c.waived_fen > 0)
            .where(_PLAN.c.status != "rejected")
            .order_by(_PLAN.c.id.desc())
            .limit(1)
        )  # fmt: skip
        found = self._connection.execute(query).mappings().first()
        return dict(found) if found else None

    def desk_members(self) -> list[dict[str, Any]]:
        """The active users who may work cases (to assign one to), by name."""
        query = select(_U.c.id, _U.c.display_name, _U.c.role).where(
            _U.c.is_active, _U.c.role.in_(("customer_service", "compliance", "team_lead", "manager"))
        )
        return [dict(row) for row in self._connection.execute(query.order_by(_U.c.display_name)).mappings()]

    def staff_to_name(self) -> list[dict[str, Any]]:
        """The active collectors, visitors, team leads and agency users (whom a complaint may name), with
        their team's name."""
        query = (
            select(_U.c.id, _U.c.display_name, _U.c.role, _T.c.name.label("team"))
            .outerjoin(_T, _T.c.id == _U.c.team_id)
            .where(_U.c.is_active, _U.c.role.in_(("collector", "visitor", "team_lead", "agency_user")))
        )
        return [dict(row) for row in self._connection.execute(query.order_by(_U.c.display_name)).mappings()]

    def agency_known(self, code: str) -> bool:
        """Whether an agency of that code has users (a team) or placements."""
        teams = select(_T.c.id).where(_T.c.agency_code == code).limit(1)
        placements = select(_P.c.id).where(_P.c.agency_code == code).limit(1)
        found = self._connection.execute(teams).first() or self._connection.execute(placements).first()
        return found is not None

    def agencies(self) -> list[str]:
        """The agencies' codes (the teams of agency users)."""
        query = select(_T.c.agency_code).where(_T.c.agency_code.is_not(None)).distinct()
        return sorted(str(code) for code in self._connection.execute(query).scalars())

    def names(self, user_ids: Sequence[int]) -> dict[int, str]:
        wanted = sorted({one for one in user_ids if one is not None})
        if not wanted:
            return {}
        query = select(_U.c.id, _U.c.display_name).where(_U.c.id.in_(wanted))
        return {int(row.id): row.display_name for row in self._connection.execute(query)}

    # --- the desk -----------------------------------------------------------------------------------
    def listed(
        self, *conditions: ColumnElement[bool], order: Sequence[Any], limit: int, offset: int = 0
    ) -> list[dict[str, Any]]:
        # the page's ids first (from the desk's partial indexes, in order), then only their rows are joined
        ids = select(_C.c.id).where(*conditions).order_by(*order).limit(limit).offset(offset).subquery()
        query = select(*_LISTED, _A.c.account_no).join(ids, ids.c.id == _C.c.id)
        query = query.join(_A, _A.c.id == _C.c.account_id).order_by(*order)
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def count(self, *conditions: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(_C).where(*conditions)
        return int(self._connection.execute(query).scalar_one())

    def received_by(self, *, since: datetime, until: datetime) -> list[tuple[str, str, int | None, int]]:
        """(kind, category, team id, count) of the cases received in [since, until)."""
        query = (
            select(_C.c.kind, _C.c.category, _C.c.team_id, func.count())
            .where(_C.c.received_at >= since, _C.c.received_at < until)
            .group_by(_C.c.kind, _C.c.category, _C.c.team_id)
        )
        return [(row[0], row[1], row[2], int(row[3])) for row in self._connection.execute(query)]

    def resolved_between(
        self, *, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime, datetime]]:
        """(received, resolved, resolve_by) of the cases resolved in [since, until)."""
        query = select(_C.c.received_at, _C.c.resolved_at, _C.c.resolve_by).where(
            _C.c.resolved_at >= since, _C.c.resolved_at < until
        )
        return [(row[0], row[1], row[2]) for row in self._connection.execute(query)]

    def in_collection(self) -> int:
        """Accounts in collection (past due)."""
        return int(
            self._connection.execute(select(func.count()).select_from(_A).where(_A.c.dpd > 0)).scalar_one()
        )

    def teams(self) -> dict[int, str]:
        return {int(row.id): row.name for row in self._connection.execute(select(_T.c.id, _T.c.name))}

    def against_staff(self, *, since: datetime) -> list[dict[str, Any]]:
        """Complaints received since ``since`` per staff member or agency involved: received and upheld
        (fully or partly): what their scorecards count."""
        upheld = func.sum(case((_C.c.outcome.in_(("upheld", "partly_upheld")), 1), else_=0))
        query = (
            select(
                _C.c.involved_user_id,
                _C.c.involved_agency,
                func.count().label("received"),
                upheld.label("upheld"),
            )
            .where(_C.c.kind == "complaint", _C.c.received_at >= since)
            .where((_C.c.involved_user_id.is_not(None)) | (_C.c.involved_agency.is_not(None)))
            .group_by(_C.c.involved_user_id, _C.c.involved_agency)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def escalation_candidates(self, *, now: datetime) -> list[dict[str, Any]]:
        """Unresolved cases whose acknowledgement or resolution deadline has passed."""
        late_ack = or_(_C.c.acknowledged_at.is_(None), _C.c.acknowledged_at >= _C.c.acknowledge_by)
        late = (_C.c.resolve_by <= now) | and_(late_ack, _C.c.acknowledge_by <= now)
        query = select(*_LISTED).where(_C.c.status.in_(OPEN), late, _C.c.escalation_level < 2)
        return [dict(row) for row in self._connection.execute(query.order_by(_C.c.id)).mappings()]
