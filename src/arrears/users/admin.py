"""User administration for the admin's pages: create users (with a one-time password), reset a password,
change a role and team, deactivate and reactivate, create teams and set their leads. Every change is
audited (``user.created``, ``user.password_reset``, ``user.role_changed``, ``user.deactivated``,
``user.activated``, ``team.created``, ``team.lead_set``) and every change to a user's access ends their
API tokens and page sessions. An admin never deactivates, demotes or resets themselves here, and the
last active admin stays one; the active admins' rows are locked while that is decided, so two admins
acting at once cannot remove each other. Services never commit: the caller's transaction must be an
audit transaction (``audit.repository.audit_transaction``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from arrears.audit.repository import AuditLog
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.users import admin_rules as rules
from arrears.users.admin_repository import AdminRepository
from arrears.users.admin_rules import AdminRefused
from arrears.users.passwords import hash_password
from arrears.users.repository import UserRepository
from arrears.users.service import StaffUser


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    display_name: str
    role: str
    team_id: int | None


@dataclass(frozen=True, slots=True)
class NewTeam:
    code: str
    name: str
    kind: str
    agency_code: str


@dataclass(frozen=True, slots=True)
class Created:
    user: StaffUser
    password: str  # the one-time password: shown once to the admin, never stored in clear


def _exists(username: str) -> AdminRefused:
    return AdminRefused(f"the username {username} is taken", f"用户名 {username} 已被使用")


def _audit(
    connection: Connection,
    actor: StaffUser,
    now: datetime,
    action: str,
    subject: tuple[str, int],
    details: dict[str, Any],
) -> None:
    AuditLog(connection).append(
        at=now,
        actor=actor.username,
        action=action,
        subject_type=subject[0],
        subject_id=str(subject[1]),
        details=details,
    )


def _team(repository: AdminRepository, team_id: int | None) -> dict[str, Any] | None:
    """The team a form chose (InvalidField naming ``team`` when there is none such)."""
    if team_id is None:
        return None
    found = repository.team(team_id)
    if found is None:
        raise InvalidField("team", f"there is no team {team_id}", f"没有团队 {team_id}")
    return found


def create(connection: Connection, *, new: NewUser, actor: StaffUser, now: datetime) -> Created:
    """A new active user with a one-time password. Two admins creating the same username at once: one
    user, the other is refused (the unique key decides, not what either read before)."""
    name, display = rules.username(new.username), rules.display_name(new.display_name)
    role = rules.role(new.role)
    repository = AdminRepository(connection)
    team = _team(repository, new.team_id)
    rules.role_fits_team(role, team["kind"] if team else None)
    if repository.username_taken(name):
        raise _exists(name)
    password = rules.one_time_password()
    team_id = team["id"] if team else None
    values = {
        "username": name,
        "display_name": display,
        "role": role,
        "team_id": team_id,
        "password_hash": hash_password(password),
        "must_change_password": True,
        "is_active": True,
        "created_at": now,
    }
    try:
        with connection.begin_nested():
            user_id = repository.add_user(values)
    except IntegrityError:
        raise _exists(name) from None
    user = StaffUser(user_id, name, display, role, team_id, must_change_password=True)
    details = {"username": name, "role": role, "team_id": user.team_id}
    _audit(connection, actor, now, "user.created", ("app_user", user.id), details)
    return Created(user, password)


def _target(connection: Connection, user_id: int) -> Any:
    row = AdminRepository(connection).locked_user(user_id)
    if row is None:
        raise NotFound(f"no user {user_id}", f"没有用户 {user_id}")
    return row


def reset_password(connection: Connection, *, user_id: int, actor: StaffUser, now: datetime) -> str:
    """A new one-time password for the user (returned, to be shown once), which they must replace at
    their next sign-in; their lockout is cleared and their tokens and sessions end. One's own password
    is changed on the password page instead."""
    rules.check_not_self(
        actor_id=actor.id, target_id=user_id, what_en="reset the password of", what_zh="重置"
    )
    row = _target(connection, user_id)
    password = rules.one_time_password()
    UserRepository(connection).revoke(
        row.id,
        password_hash=hash_password(password),
        failed_logins=0,
        locked_until=None,
        must_change_password=True,
    )
    _audit(connection, actor, now, "user.password_reset", ("app_user", row.id), {"username": row.username})
    return password


def change_role(
    connection: Connection, *, user_id: int, role: str, team_id: int | None, actor: StaffUser, now: datetime
) -> bool:
    """Gives the user ``role`` in the team ``team_id`` (None: no team); whether anything changed. An
    admin keeps their own role; the last active admin stays admin."""
    role = rules.role(role)
    repository = AdminRepository(connection)
    admins = repository.active_admins()  # locked first, then the user: always in this order
    row = _target(connection, user_id)
    team = _team(repository, team_id)
    if row.role == role and row.team_id == team_id:
        return False
    if row.role != role:
        rules.check_not_self(
            actor_id=actor.id, target_id=row.id, what_en="change the role of", what_zh="更改角色："
        )
    rules.check_keeps_an_admin(target_id=row.id, active_admins=admins, stays_admin=role == "admin")
    rules.role_fits_team(role, team["kind"] if team else None)
    UserRepository(connection).revoke(row.id, role=role, team_id=team_id)
    details = {
        "username": row.username,
        "role": role,
        "previous_role": row.role,
        "team_id": team_id,
        "previous_team_id": row.team_id,
    }
    _audit(connection, actor, now, "user.role_changed", ("app_user", row.id), details)
    return True


def set_active(
    connection: Connection, *, user_id: int, active: bool, actor: StaffUser, now: datetime
) -> bool:
    """Deactivates (no sign-in; tokens and sessions end) or reactivates the user; whether anything
    changed. An admin never deactivates themselves; the last active admin stays active."""
    repository = AdminRepository(connection)
    admins = repository.active_admins()
    row = _target(connection, user_id)
    if bool(row.is_active) == active:
        return False
    if not active:
        rules.check_not_self(actor_id=actor.id, target_id=row.id, what_en="deactivate", what_zh="停用")
        rules.check_keeps_an_admin(target_id=row.id, active_admins=admins, stays_admin=False)
    UserRepository(connection).revoke(row.id, is_active=active)
    action = "user.activated" if active else "user.deactivated"
    _audit(connection, actor, now, action, ("app_user", row.id), {"username": row.username})
    return True


def create_team(connection: Connection, *, new: NewTeam, actor: StaffUser, now: datetime) -> int:
    """A new team (an agency's team names its agency); its id."""
    code, name, kind = (
        rules.team_code(new.code),
        rules.display_name(new.name, field="name"),
        rules.team_kind(new.kind),
    )
    agency = rules.agency_code(kind, new.agency_code)
    repository = AdminRepository(connection)
    taken = AdminRefused(f"the team code {code} is taken", f"团队代码 {code} 已被使用")
    if repository.team_code_taken(code):
        raise taken
    try:
        with connection.begin_nested():
            team_id = repository.add_team(code=code, name=name, kind=kind, agency_code=agency)
    except IntegrityError:
        raise taken from None
    details = {"code": code, "kind": kind, "agency_code": agency}
    _audit(connection, actor, now, "team.created", ("team", team_id), details)
    return team_id


def set_lead(connection: Connection, *, team_id: int, user_id: int, actor: StaffUser, now: datetime) -> None:
    """Makes an active user a team lead of the team (their role and team change, audited as such too);
    an agency's team has no team lead (a lead sees the whole book)."""
    repository = AdminRepository(connection)
    repository.active_admins()  # locked before the user, as every change here takes them
    team = repository.team(team_id)
    if team is None:
        raise NotFound(f"no team {team_id}", f"没有团队 {team_id}")
    if team["kind"] == "agency":
        raise AdminRefused(
            "an agency's team has no team lead: its users are agency users",
            "委外机构团队不设组长：其成员均为委外机构用户",
        )
    row = _target(connection, user_id)
    if not row.is_active:
        raise AdminRefused("a deactivated user cannot lead a team", "已停用的用户不能担任组长")
    change_role(connection, user_id=user_id, role="team_lead", team_id=team_id, actor=actor, now=now)
    details = {"code": team["code"], "user_id": row.id, "username": row.username}
    _audit(connection, actor, now, "team.lead_set", ("team", team_id), details)
