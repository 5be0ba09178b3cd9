"""The cardholder portal's sessions: a random token in the cookie ``arrears_my``, its SHA-256 in
``portal_session``.

They are kept apart from the staff sessions (``arrears.web.sessions``, table ``web_session``, cookie
``arrears_session``): a staff token is never found here and a portal token is never found there. A new
session (a new token) is made at every sign-in and the token the browser had before is ended, so a
token planted before sign-in never becomes signed in (session fixation). Each session carries its own
CSRF token. A session ends after ``settings.portal_idle_minutes`` without a request, after
``LIFETIME`` in all, and at sign-out. SQL only; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from arrears.models import table_of
from arrears.models.portal import PortalSession as PortalSessionRow

LIFETIME = timedelta(hours=2)  # signed in for at most this long, however busy
TOUCH_EVERY = timedelta(seconds=30)  # last_seen_at is written at most this often
_SESSION = table_of(PortalSessionRow)


@dataclass(frozen=True, slots=True)
class PortalSession:
    key: str  # sha256 hex of the cookie's token
    customer_id: int
    csrf_token: str


def key_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(connection: Connection, *, customer_id: int, now: datetime, replacing: str | None = None) -> str:
    """A new session for the customer; the token for the cookie. ``replacing`` (the token the browser
    sent, if any) is ended first."""
    if replacing:
        end(connection, token=replacing)
    connection.execute(delete(_SESSION).where(_SESSION.c.expires_at < now))  # housekeeping
    token = secrets.token_urlsafe(32)
    connection.execute(
        insert(_SESSION).values(
            id=key_of(token),
            customer_id=customer_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return token


def find(connection: Connection, *, token: str, now: datetime, idle: timedelta) -> PortalSession | None:
    """The live session of a cookie's token (None: unknown, expired, or idle for ``idle`` or more; an
    idle one is deleted)."""
    s = _SESSION
    row = connection.execute(
        select(s.c.id, s.c.customer_id, s.c.csrf_token, s.c.last_seen_at, s.c.expires_at).where(
            s.c.id == key_of(token)
        )
    ).first()
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        connection.execute(delete(s).where(s.c.id == row.id))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        connection.execute(update(s).where(s.c.id == row.id).values(last_seen_at=now))
    return PortalSession(row.id, row.customer_id, row.csrf_token)


def end(connection: Connection, *, token: str) -> None:
    connection.execute(delete(_SESSION).where(_SESSION.c.id == key_of(token)))


def end_all(connection: Connection, *, customer_id: int) -> None:
    """Every session of the customer."""
    connection.execute(delete(_SESSION).where(_SESSION.c.customer_id == customer_id))
