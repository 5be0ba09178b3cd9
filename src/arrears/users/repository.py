"""All SQL on staff users: the sign-in counters (atomic increments, never read-modify-write), the
token version, roles and teams, and ending a user's page sessions. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, delete, or_, select, update

from arrears.models import AppUser, Team, WebSession, table_of

_USER, _TEAM, _SESSION = table_of(AppUser), table_of(Team), table_of(WebSession)


class UserRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def by_username(self, username: str) -> Any:
        return self._connection.execute(select(_USER).where(_USER.c.username == username)).first()

    def by_id(self, user_id: int) -> Any:
        return self._connection.execute(select(_USER).where(_USER.c.id == user_id)).first()

    def team_id(self, code: str) -> int | None:
        found = self._connection.execute(select(_TEAM.c.id).where(_TEAM.c.code == code)).scalar()
        return None if found is None else int(found)

    def team_kind(self, team_id: int) -> str | None:
        """The team's kind (phone, field, agency), None for no such team."""
        found = self._connection.execute(select(_TEAM.c.kind).where(_TEAM.c.id == team_id)).scalar()
        return None if found is None else str(found)

    def count_failure(self, user_id: int, *, now: datetime, max_failures: int, until: datetime) -> bool:
        """Adds one failed sign-in in a single UPDATE (the row stays locked until the transaction
        ends, so parallel failures queue up behind it and none is lost); the ``max_failures``-th in a
        row locks the account until ``until``, restarts the count and raises the token version.
        Nothing is counted while the account is locked. Whether this failure locked it."""
        u = _USER
        locks = u.c.failed_logins + 1 >= max_failures
        locked = self._connection.execute(
            update(u)
            .where(u.c.id == user_id, _unlocked(now))
            .values(
                failed_logins=case((locks, 0), else_=u.c.failed_logins + 1),
                locked_until=case((locks, until), else_=None),  # None: a lock that ran out
                token_version=case((locks, u.c.token_version + 1), else_=u.c.token_version),
            )
            .returning(u.c.locked_until)
        ).first()
        return locked is not None and locked.locked_until is not None

    def clear_failures(self, user_id: int, *, now: datetime) -> int | None:
        """Clears the failure count of a user who is not locked, in one UPDATE that sees every failure
        committed before it; the token version (None: the account is locked after all)."""
        u = _USER
        version = self._connection.execute(
            update(u)
            .where(u.c.id == user_id, _unlocked(now))
            .values(failed_logins=0, locked_until=None)
            .returning(u.c.token_version)
        ).scalar()
        return None if version is None else int(version)

    def revoke(self, user_id: int, **values: Any) -> None:
        """Writes ``values``, raises the token version (every API token issued before ends) and ends
        the user's page sessions."""
        u = _USER
        self._connection.execute(
            update(u).where(u.c.id == user_id).values(token_version=u.c.token_version + 1, **values)
        )
        self.end_sessions(user_id)

    def end_sessions(self, user_id: int) -> None:
        self._connection.execute(delete(_SESSION).where(_SESSION.c.user_id == user_id))


def _unlocked(now: datetime) -> Any:
    return or_(_USER.c.locked_until.is_(None), _USER.c.locked_until <= now)
