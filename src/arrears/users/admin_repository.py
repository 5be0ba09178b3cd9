"""All SQL of user administration: the users' list with their teams and last activity, the teams with
their leads and members, the agencies' users, the active admins (locked while a change is decided) and
the audit entries about a user. The caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select

from arrears.models import AppUser, AuditEvent, Team, WebSession, table_of

_USER, _TEAM, _SESSION, _AUDIT = table_of(AppUser), table_of(Team), table_of(WebSession), table_of(AuditEvent)


@dataclass(frozen=True, slots=True)
class UserFilter:
    text: str = ""  # part of the username or display name
    role: str | None = None
    team_id: int | None = None
    active: bool | None = None


def _with_team_and_last_seen() -> Any:
    """Users with their team's code and name and when last seen in a page session still kept."""
    u, t, s = _USER, _TEAM, _SESSION
    seen = select(func.max(s.c.last_seen_at)).where(s.c.user_id == u.c.id).scalar_subquery()
    return select(
        u.c.id, u.c.username, u.c.display_name, u.c.role, u.c.team_id, u.c.is_active, u.c.locked_until,
        u.c.created_at, t.c.code.label("team_code"), t.c.name.label("team_name"), seen.label("last_seen_at"),
    ).outerjoin(t, t.c.id == u.c.team_id)  # fmt: skip


class AdminRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def users(self, chosen: UserFilter, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """The users matching ``chosen`` (by username), a page of them and how many in all; each with its
        team and when it was last seen in a page session still kept (sessions end at sign-out, expiry
        and every access change, so older activity is not known)."""
        u = _USER
        conditions = []
        if chosen.text:
            pattern = "%" + chosen.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(
                or_(u.c.username.ilike(pattern, escape="\\"), u.c.display_name.ilike(pattern, escape="\\"))
            )
        if chosen.role is not None:
            conditions.append(u.c.role == chosen.role)
        if chosen.team_id is not None:
            conditions.append(u.c.team_id == chosen.team_id)
        if chosen.active is not None:
            conditions.append(u.c.is_active.is_(chosen.active))
        total = self._connection.execute(select(func.count()).select_from(u).where(*conditions)).scalar_one()
        rows = self._connection.execute(
            _with_team_and_last_seen().where(*conditions).order_by(u.c.username).offset(offset).limit(limit)
        ).mappings()
        return [dict(row) for row in rows], int(total)

    def user(self, user_id: int) -> dict[str, Any] | None:
        """One user with its team (and its kind), failed sign-ins and when last seen."""
        query = _with_team_and_last_seen().add_columns(_USER.c.failed_logins, _TEAM.c.kind.label("team_kind"))
        row = self._connection.execute(query.where(_USER.c.id == user_id)).mappings().first()
        return dict(row) if row else None

    def locked_user(self, user_id: int) -> Any:
        """The user's row, locked until the transaction ends (PostgreSQL; SQLite's audit transaction holds
        the write lock already)."""
        return self._connection.execute(select(_USER).where(_USER.c.id == user_id).with_for_update()).first()

    def active_admins(self) -> list[int]:
        """The active admins' ids, their rows locked until the transaction ends, so that two changes at once
        cannot each leave the other as the last admin and then remove it too."""
        u = _USER
        query = select(u.c.id).where(u.c.role == "admin", u.c.is_active.is_(True)).order_by(u.c.id)
        return [int(one) for one in self._connection.execute(query.with_for_update()).scalars()]

    def username_taken(self, username: str) -> bool:
        found = self._connection.execute(select(_USER.c.id).where(func.lower(_USER.c.username) == username))
        return found.first() is not None

    def teams(self) -> list[dict[str, Any]]:
        """Every team with its leads (active team leads in it) and how many active members it has."""
        t, u = _TEAM, _USER
        members = select(func.count()).where(u.c.team_id == t.c.id, u.c.is_active.is_(True)).scalar_subquery()
        rows = self._connection.execute(
            select(t.c.id, t.c.code, t.c.name, t.c.kind, t.c.agency_code, members.label("members")).order_by(
                t.c.kind, t.c.code
            )
        ).mappings()
        teams = [dict(row) | {"leads": []} for row in rows]
        by_id = {team["id"]: team for team in teams}
        leads = self._connection.execute(
            select(u.c.id, u.c.username, u.c.display_name, u.c.team_id)
            .where(u.c.role == "team_lead", u.c.is_active.is_(True), u.c.team_id.is_not(None))
            .order_by(u.c.username)
        ).mappings()
        for lead in leads:
            by_id[lead["team_id"]]["leads"].append(dict(lead))
        return teams

    def team(self, team_id: int) -> dict[str, Any] | None:
        t = _TEAM
        row = self._connection.execute(select(t).where(t.c.id == team_id)).mappings().first()
        return dict(row) if row else None

    def add_user(self, values: dict[str, Any]) -> int:
        u = _USER
        return int(self._connection.execute(insert(u).values(**values).returning(u.c.id)).scalar_one())

    def team_code_taken(self, code: str) -> bool:
        return self._connection.execute(select(_TEAM.c.id).where(_TEAM.c.code == code)).first() is not None

    def add_team(self, *, code: str, name: str, kind: str, agency_code: str | None) -> int:
        t = _TEAM
        values = {"code": code, "name": name, "kind": kind, "agency_code": agency_code}
        return int(self._connection.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())

    def agency_users(self) -> list[dict[str, Any]]:
        """The agencies' teams, each with its users (active or not)."""
        t, u, s = _TEAM, _USER, _SESSION
        teams = [
            dict(row) | {"users": []}
            for row in self._connection.execute(
                select(t.c.id, t.c.code, t.c.name, t.c.agency_code)
                .where(or_(t.c.kind == "agency", t.c.agency_code.is_not(None)))
                .order_by(t.c.agency_code, t.c.code)
            ).mappings()
        ]
        by_id = {team["id"]: team for team in teams}
        seen = select(func.max(s.c.last_seen_at)).where(s.c.user_id == u.c.id).scalar_subquery()
        if by_id:
            rows = self._connection.execute(
                select(
                    u.c.id,
                    u.c.username,
                    u.c.display_name,
                    u.c.role,
                    u.c.team_id,
                    u.c.is_active,
                    seen.label("last_seen_at"),
                )
                .where(u.c.team_id.in_(list(by_id)))
                .order_by(u.c.username)
            ).mappings()
            for row in rows:
                by_id[row["team_id"]]["users"].append(dict(row))
        return teams

    def leadable(self) -> list[dict[str, Any]]:
        """The active users who may lead a team (anyone active but admins and agency users)."""
        u = _USER
        rows = self._connection.execute(
            select(u.c.id, u.c.username, u.c.display_name, u.c.role)
            .where(u.c.is_active.is_(True), u.c.role.not_in(("admin", "agency_user")))
            .order_by(u.c.username)
        ).mappings()
        return [dict(row) for row in rows]

    def history(self, user_id: int, *, limit: int = 20) -> list[dict[str, Any]]:
        """The latest audit entries about the user (their changes), newest first."""
        a = _AUDIT
        rows = self._connection.execute(
            select(a.c.id, a.c.at, a.c.actor, a.c.action, a.c.details)
            .where(a.c.subject_type == "app_user", a.c.subject_id == str(user_id))
            .order_by(a.c.id.desc())
            .limit(limit)
        ).mappings()
        return [dict(row) for row in rows]
