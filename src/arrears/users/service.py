"""Signing in and API tokens. Services never commit: the edge owns the transaction."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, insert, select, update

from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import AppUser, Team, table_of
from arrears.models.app_user import ROLES
from arrears.users.passwords import hash_password, verify_password

MAX_FAILURES = 5  # failed sign-ins in a row before the account is locked
LOCK = timedelta(minutes=15)
TOKEN_HOURS = 8  # a shift
_USER, _TEAM = table_of(AppUser), table_of(Team)


class SignInFailed(ArrearsError):
    """Wrong username or password, a locked or disabled account: one message for all, so that a
    caller cannot tell which."""


class BadToken(ArrearsError):
    """A token that is forged, expired, or of a user no longer active."""


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    role: str
    team_id: int | None


def _user(row: Any) -> StaffUser:
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


def create_user(
    connection: Connection, *, username: str, display_name: str, role: str, password: str, now: datetime,
    team_code: str | None = None,
) -> StaffUser:  # fmt: skip
    if role not in ROLES:
        raise ArrearsError(f"unknown role {role} (roles: {', '.join(ROLES)})", f"未知角色 {role}")
    if connection.execute(select(_USER.c.id).where(_USER.c.username == username)).first():
        raise ArrearsError(f"user {username} exists already", f"用户 {username} 已存在")
    team_id = None
    if team_code is not None:
        team_id = connection.execute(select(_TEAM.c.id).where(_TEAM.c.code == team_code)).scalar()
        if team_id is None:
            raise NotFound(f"no team {team_code}", f"没有团队 {team_code}")
    values = {"username": username, "display_name": display_name, "role": role, "team_id": team_id,
              "password_hash": hash_password(password), "is_active": True, "created_at": now}  # fmt: skip
    new_id = connection.execute(insert(_USER).values(**values).returning(_USER.c.id)).scalar_one()
    return StaffUser(int(new_id), username, display_name, role, team_id)


def authenticate(connection: Connection, *, username: str, password: str, now: datetime) -> StaffUser:
    """The user, when the password is right and the account neither locked nor disabled. Each
    failure counts; the fifth in a row locks the account for 15 minutes."""
    row = connection.execute(select(_USER).where(_USER.c.username == username)).first()
    good = verify_password(row.password_hash if row else None, password)
    failed = SignInFailed(
        "wrong username or password, or the account is locked", "用户名或密码错误，或账户已锁定"
    )
    if row is None:
        raise failed
    locked = row.locked_until is not None and row.locked_until > now
    if not good or locked or not row.is_active:
        if not locked:
            failures = row.failed_logins + 1
            until = now + LOCK if failures >= MAX_FAILURES else None
            connection.execute(
                update(_USER)
                .where(_USER.c.id == row.id)
                .values(
                    failed_logins=0 if until else failures, locked_until=until
                )  # a lock restarts the count
            )
        raise failed
    if row.failed_logins or row.locked_until:
        connection.execute(
            update(_USER).where(_USER.c.id == row.id).values(failed_logins=0, locked_until=None)
        )
    return _user(row)


def change_password(connection: Connection, *, user_id: int, current: str, new: str, now: datetime) -> None:
    """Sets a new password after checking the current one (a wrong one counts as a failed sign-in)."""
    row = connection.execute(select(_USER.c.username).where(_USER.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id}", f"没有用户 {user_id}")
    authenticate(connection, username=row.username, password=current, now=now)
    if new == current:
        raise ArrearsError("the new password must differ from the current one", "新密码不能与当前密码相同")
    connection.execute(update(_USER).where(_USER.c.id == user_id).values(password_hash=hash_password(new)))


def token_key(master_key: bytes) -> bytes:
    """The key that signs API tokens, derived from the master key (never the key itself)."""
    return hmac.new(master_key, b"arrears api tokens", hashlib.sha256).digest()


def issue_token(key: bytes, user: StaffUser) -> str:
    return str(URLSafeTimedSerializer(key, salt="api-token").dumps({"u": user.id}))


def user_of_token(connection: Connection, key: bytes, token: str) -> StaffUser:
    try:
        payload = URLSafeTimedSerializer(key, salt="api-token").loads(token, max_age=TOKEN_HOURS * 3600)
    except (SignatureExpired, BadSignature):
        raise BadToken("the token is not valid or has expired", "令牌无效或已过期") from None
    row = connection.execute(select(_USER).where(_USER.c.id == payload.get("u"))).first()
    if row is None or not row.is_active:
        raise BadToken("the token's user is no longer active", "令牌对应的用户已停用")
    return _user(row)
