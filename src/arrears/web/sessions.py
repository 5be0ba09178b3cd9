"""Server-side sessions of the pages: a random token in a cookie, its SHA-256 in ``web_session``.

A new session (a new token) is made at every sign-in, and the token the browser had before is
dropped, so a token planted before sign-in never becomes signed in (session fixation). Each session
carries its own CSRF token, which every form and htmx request sends back. Sessions end after
``IDLE`` without a request, after ``LIFETIME`` in all, at sign-out, and when the user's access changes:
a password change, a lockout, a role or team change, a deactivation (``users.repository.revoke``, which
also ends the user's API tokens). SQL only; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from arrears.models import AppUser, WebSession, table_of
from arrears.users.service import StaffUser

LIFETIME = timedelta(hours=10)  # a shift and some
IDLE = timedelta(minutes=30)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
_SESSION, _USER = table_of(WebSession), table_of(AppUser)


@dataclass(frozen=True, slots=True)
class Session:
    key: str  # sha256 hex of the token
    user: StaffUser
    csrf_token: str


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(connection: Connection, *, user: StaffUser, now: datetime, replacing: str | None = None) -> str:
    """A new session for ``user``; the token for the cookie. ``replacing`` (the token the browser
    sent, if any) is ended."""
    if replacing:
        end(connection, token=replacing)
    connection.execute(delete(_SESSION).where(_SESSION.c.expires_at < now))  # housekeeping
    token = secrets.token_urlsafe(32)
    values = {"id": _key(token), "user_id": user.id, "csrf_token": secrets.token_urlsafe(32),
              "created_at": now, "last_seen_at": now, "expires_at": now + LIFETIME}  # fmt: skip
    connection.execute(insert(_SESSION).values(**values))
    return token


def find(connection: Connection, *, token: str, now: datetime) -> Session | None:
    """The live session of a cookie's token (None: unknown, expired, idle too long, user disabled)."""
    s, u = _SESSION, _USER
    row = connection.execute(
        select(s.c.id, s.c.csrf_token, s.c.last_seen_at, s.c.expires_at, u.c.is_active)
        .add_columns(u.c.id.label("user_id"), u.c.username, u.c.display_name, u.c.role, u.c.team_id)
        .add_columns(u.c.must_change_password)
        .join(u, u.c.id == s.c.user_id)
        .where(s.c.id == _key(token))
    ).first()
    if row is None or row.expires_at <= now or row.last_seen_at + IDLE <= now or not row.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        connection.execute(update(s).where(s.c.id == row.id).values(last_seen_at=now))
    user = StaffUser(row.user_id, row.username, row.display_name, row.role, row.team_id,
                     must_change_password=bool(row.must_change_password))  # fmt: skip
    return Session(row.id, user, row.csrf_token)


def end(connection: Connection, *, token: str) -> None:
    connection.execute(delete(_SESSION).where(_SESSION.c.id == _key(token)))


def end_all(connection: Connection, *, user_id: int) -> None:
    """Every session of the user."""
    connection.execute(delete(_SESSION).where(_SESSION.c.user_id == user_id))
