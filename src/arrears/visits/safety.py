"""Safety on visits: a pair that has not checked out in time, or that pressed the panic button, alerts
someone on duty in the app until someone acknowledges the alert. Raising and acknowledging are audited.

Who an alert reaches (``rules.alert_recipients``): the active team lead(s) of the pair's team; when the
team has none, the field supervisors (``ARREARS_FIELD_SUPERVISORS``: usernames of active team leads or
managers, passed in as ``supervisors``); when there is none of them either, every active manager.
Managers see every alert in any case.

The caller owns the transaction (``audit_transaction``) and passes ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, false, insert, or_, select, true, update

from arrears.audit.repository import AuditLog
from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import AppUser, SafetyAlert, VisitPair, VisitRoute, VisitStop, table_of
from arrears.users.service import StaffUser
from arrears.visits.rules import Recipients, alert_recipients

SUPERVISOR_ROLES = ("team_lead", "manager")  # the roles that watch alerts (permission visit:plan)
MARGIN = timedelta(minutes=15)  # after the expected check-out, before the team lead is alerted
SYSTEM_ACTOR = "system:safety"
_ALERT, _STOP, _ROUTE = table_of(SafetyAlert), table_of(VisitStop), table_of(VisitRoute)
_PAIR, _USER = table_of(VisitPair), table_of(AppUser)


class AlertNotFound(NotFound):
    """No such alert, or not one the user may see."""


def _audit(
    connection: Connection, *, actor: str, action: str, alert_id: int, at: datetime, details: dict[str, Any]
) -> None:
    AuditLog(connection).append(
        at=at,
        actor=actor,
        action=action,
        subject_type="safety_alert",
        subject_id=str(alert_id),
        details=details,
    )


def _insert(connection: Connection, values: dict[str, Any]) -> int:
    return int(connection.execute(insert(_ALERT).values(**values).returning(_ALERT.c.id)).scalar_one())


def raise_missed_checkouts(connection: Connection, *, now: datetime, margin: timedelta = MARGIN) -> list[int]:
    """One ``missed_checkout`` alert for every stop checked in but not out by its expected time plus
    ``margin``, unless it has one already; the new alerts' ids."""
    alerted = exists().where(_ALERT.c.stop_id == _STOP.c.id, _ALERT.c.kind == "missed_checkout")
    late = (
        select(_STOP.c.id, _STOP.c.route_id, _STOP.c.expected_checkout_at)
        .where(_STOP.c.status == "checked_in", _STOP.c.checked_out_at.is_(None))
        .where(_STOP.c.expected_checkout_at < now - margin, ~alerted)
        .order_by(_STOP.c.id)
    )
    raised = []
    for stop in connection.execute(late).all():
        alert_id = _insert(
            connection,
            {"kind": "missed_checkout", "route_id": stop.route_id, "stop_id": stop.id, "raised_at": now},
        )
        _audit(
            connection,
            actor=SYSTEM_ACTOR,
            action="safety.raised",
            alert_id=alert_id,
            at=now,
            details={
                "kind": "missed_checkout",
                "stop_id": stop.id,
                "expected_checkout_at": stop.expected_checkout_at.isoformat(),
            },
        )
        raised.append(alert_id)
    return raised


def panic(
    connection: Connection,
    *,
    user: StaffUser,
    route_id: int,
    stop_id: int | None,
    lat: float | None,
    lon: float | None,
    now: datetime,
) -> int:
    """A panic alert from a member of the route's pair, at once, with the position when known."""
    member = or_(_PAIR.c.first_user_id == user.id, _PAIR.c.second_user_id == user.id)
    route = connection.execute(
        select(_ROUTE.c.id).join(_PAIR, _PAIR.c.id == _ROUTE.c.pair_id).where(_ROUTE.c.id == route_id, member)
    ).scalar()
    if route is None:
        raise NotFound(f"no route {route_id}", f"没有外访路线 {route_id}")
    if stop_id is not None:
        owner = connection.execute(select(_STOP.c.route_id).where(_STOP.c.id == stop_id)).scalar()
        stop_id = stop_id if owner == route_id else None
    known = lat is not None and lon is not None
    alert_id = _insert(
        connection,
        {
            "kind": "panic",
            "route_id": route_id,
            "stop_id": stop_id,
            "raised_by_id": user.id,
            "raised_at": now,
            "lat": lat if known else None,
            "lon": lon if known else None,
        },
    )
    _audit(
        connection,
        actor=user.username,
        action="safety.raised",
        alert_id=alert_id,
        at=now,
        details={"kind": "panic", "stop_id": stop_id, "position_known": known},
    )
    return alert_id


def _team_has_a_lead() -> Any:
    """The alert's pair's team has an active team lead (a correlated condition on ``_PAIR``)."""
    return exists().where(
        _USER.c.team_id == _PAIR.c.team_id, _USER.c.role == "team_lead", _USER.c.is_active.is_(True)
    )


def _visible(user: StaffUser, supervisors: Sequence[str]) -> Any:
    """The alerts a user may see: a manager all of them, a team lead those of the team's pairs, and a
    field supervisor also those of the pairs whose team has no active lead."""
    if user.role == "manager":
        return true()
    own = (
        _PAIR.c.team_id == user.team_id if user.role == "team_lead" and user.team_id is not None else false()
    )
    if user.role in SUPERVISOR_ROLES and user.username in supervisors:
        return or_(own, ~_team_has_a_lead())
    return own


def recipients(connection: Connection, *, route_id: int, supervisors: Sequence[str]) -> Recipients:
    """Who the alerts of the route's pair reach now (display names), by ``rules.alert_recipients``."""
    team_id = connection.execute(
        select(_PAIR.c.team_id).join(_ROUTE, _ROUTE.c.pair_id == _PAIR.c.id).where(_ROUTE.c.id == route_id)
    ).scalar()
    active = select(_USER.c.display_name).where(_USER.c.is_active.is_(True)).order_by(_USER.c.id)
    leads: list[str] = []
    if team_id is not None:
        leads = list(
            connection.execute(
                active.where(_USER.c.role == "team_lead", _USER.c.team_id == team_id)
            ).scalars()
        )
    named = active.where(_USER.c.username.in_(list(supervisors)), _USER.c.role.in_(SUPERVISOR_ROLES))
    managers = active.where(_USER.c.role == "manager")
    return alert_recipients(
        team_leads=leads,
        field_supervisors=list(connection.execute(named).scalars()) if supervisors else [],
        managers=list(connection.execute(managers).scalars()),
    )


def open_alerts(
    connection: Connection, *, user: StaffUser, supervisors: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The unacknowledged alerts the user watches, newest first, with the pair and the stop."""
    first, second = _USER.alias("first_user"), _USER.alias("second_user")
    query = (
        select(
            _ALERT,
            _PAIR.c.code.label("pair_code"),
            first.c.display_name.label("first_name"),
            second.c.display_name.label("second_name"),
            _STOP.c.sequence,
            _STOP.c.account_id,
            _STOP.c.expected_checkout_at,
        )
        .join(_ROUTE, _ROUTE.c.id == _ALERT.c.route_id)
        .join(_PAIR, _PAIR.c.id == _ROUTE.c.pair_id)
        .join(first, first.c.id == _PAIR.c.first_user_id)
        .join(second, second.c.id == _PAIR.c.second_user_id)
        .outerjoin(_STOP, _STOP.c.id == _ALERT.c.stop_id)
        .where(_ALERT.c.acknowledged_at.is_(None), _visible(user, supervisors))
        .order_by(_ALERT.c.raised_at.desc(), _ALERT.c.id.desc())
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def acknowledge(
    connection: Connection,
    *,
    alert_id: int,
    user: StaffUser,
    note: str | None,
    now: datetime,
    supervisors: Sequence[str] = (),
) -> None:
    """Marks the alert seen and handled by ``user`` (audited ``safety.acknowledged``)."""
    visible = (
        select(_ALERT.c.id, _ALERT.c.acknowledged_at, _ALERT.c.kind)
        .join(_ROUTE, _ROUTE.c.id == _ALERT.c.route_id)
        .join(_PAIR, _PAIR.c.id == _ROUTE.c.pair_id)
        .where(_ALERT.c.id == alert_id, _visible(user, supervisors))
    )
    found = connection.execute(visible).first()
    if found is None:
        raise AlertNotFound(f"no alert {alert_id}", f"没有安全警报 {alert_id}")
    if found.acknowledged_at is not None:
        raise ArrearsError("the alert is acknowledged already", "该警报已被确认")
    clean = (note or "").strip()[:500] or None
    connection.execute(
        update(_ALERT)
        .where(_ALERT.c.id == alert_id)
        .values(acknowledged_by_id=user.id, acknowledged_at=now, note=clean)
    )
    _audit(
        connection,
        actor=user.username,
        action="safety.acknowledged",
        alert_id=alert_id,
        at=now,
        details={"kind": found.kind, "with_note": clean is not None},
    )
