"""Signing in and API tokens. Services never commit: the edge owns the transaction."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, insert, select

from arrears.audit.repository import AuditLog
from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import AppUser, Team, table_of
from arrears.models.app_user import ROLES
from arrears.users.passwords import hash_password, verify_password
from arrears.users.repository import UserRepository

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
    token_version: int = 0  # the version the user's API tokens are signed with
    must_change_password: bool = False  # signed in with a password an administrator set


def _user(row: Any) -> StaffUser:
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id, row.token_version)


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


def _sign_in_failed() -> SignInFailed:
    return SignInFailed(
        "wrong username or password, or the account is locked", "用户名或密码错误，或账户已锁定"
    )


def authenticate(connection: Connection, *, username: str, password: str, now: datetime) -> StaffUser:
    """The user, when the password is right and the account neither locked nor disabled. Each
    failure counts, atomically (parallel guesses are all counted); the fifth in a row locks the
    account for 15 minutes and ends the user's tokens and page sessions. The lock is decided by the
    database after the slow password check, never from what was read before it."""
    repository = UserRepository(connection)
    row = repository.by_username(username)
    good = verify_password(row.password_hash if row else None, password)
    if row is None or (row.locked_until is not None and row.locked_until > now):
        raise _sign_in_failed()
    if not good or not row.is_active:
        if repository.count_failure(row.id, now=now, max_failures=MAX_FAILURES, until=now + LOCK):
            repository.end_sessions(row.id)
        raise _sign_in_failed()
    version = repository.clear_failures(row.id, now=now)
    if version is None:  # locked by failures that committed during the check
        raise _sign_in_failed()
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id, version,
                     bool(row.must_change_password))  # fmt: skip


def change_password(connection: Connection, *, user_id: int, current: str, new: str, now: datetime) -> None:
    """Sets a new password after checking the current one (a wrong one counts as a failed sign-in);
    the user's API tokens and page sessions end, and a password an administrator set is replaced."""
    row = UserRepository(connection).by_id(user_id)
    if row is None:
        raise NotFound(f"no user {user_id}", f"没有用户 {user_id}")
    authenticate(connection, username=row.username, password=current, now=now)
    if new == current:
        raise ArrearsError("the new password must differ from the current one", "新密码不能与当前密码相同")
    UserRepository(connection).revoke(user_id, password_hash=hash_password(new), must_change_password=False)


def _existing(repository: UserRepository, username: str) -> Any:
    row = repository.by_username(username)
    if row is None:
        raise NotFound(f"no user {username}", f"没有用户 {username}")
    return row


def change_role(
    connection: Connection,
    *,
    username: str,
    role: str,
    actor: str,
    now: datetime,
    team_code: str | None = None,
) -> StaffUser:
    """Gives the user ``role`` (and the team ``team_code``, when given); the user's API tokens and page
    sessions end, so that nothing signed in keeps the old access. Audited (``user.role_changed``); the
    caller's transaction must be an audit transaction."""
    if role not in ROLES:
        raise ArrearsError(f"unknown role {role} (roles: {', '.join(ROLES)})", f"未知角色 {role}")
    repository = UserRepository(connection)
    row = _existing(repository, username)
    team_id = row.team_id
    if team_code is not None:
        team_id = repository.team_id(team_code)
        if team_id is None:
            raise NotFound(f"no team {team_code}", f"没有团队 {team_code}")
    repository.revoke(row.id, role=role, team_id=team_id)
    details = {"role": role, "previous_role": row.role, "team_id": team_id, "previous_team_id": row.team_id}
    _audit(connection, actor, now, "user.role_changed", row.id, details)
    return StaffUser(row.id, row.username, row.display_name, role, team_id, row.token_version + 1)


def deactivate(connection: Connection, *, username: str, actor: str, now: datetime) -> None:
    """Disables the user: no sign-in, and their API tokens and page sessions end. Audited."""
    _set_active(connection, username=username, active=False, actor=actor, now=now)


def activate(connection: Connection, *, username: str, actor: str, now: datetime) -> None:
    """Enables a disabled user again (tokens issued before the deactivation stay ended). Audited."""
    _set_active(connection, username=username, active=True, actor=actor, now=now)


def _set_active(connection: Connection, *, username: str, active: bool, actor: str, now: datetime) -> None:
    repository = UserRepository(connection)
    row = _existing(repository, username)
    repository.revoke(row.id, is_active=active)
    action = "user.activated" if active else "user.deactivated"
    _audit(connection, actor, now, action, row.id, {"username": username})


def _audit(
    connection: Connection, actor: str, at: datetime, action: str, user_id: int, details: dict[str, Any]
) -> None:
    AuditLog(connection).append(
        at=at, actor=actor, action=action, subject_type="app_user", subject_id=str(user_id), details=details
    )


def token_key(master_key: bytes) -> bytes:
    """The key that signs API tokens, derived from the master key (never the key itself)."""
    return hmac.new(master_key, b"arrears api tokens", hashlib.sha256).digest()


def issue_token(key: bytes, user: StaffUser) -> str:
    """A signed token naming the user and their token version: raising the version ends it."""
    return str(URLSafeTimedSerializer(key, salt="api-token").dumps({"u": user.id, "v": user.token_version}))


def user_of_token(connection: Connection, key: bytes, token: str) -> StaffUser:
    try:
        payload = URLSafeTimedSerializer(key, salt="api-token").loads(token, max_age=TOKEN_HOURS * 3600)
    except (SignatureExpired, BadSignature):
        raise BadToken("the token is not valid or has expired", "令牌无效或已过期") from None
    row = connection.execute(select(_USER).where(_USER.c.id == payload.get("u"))).first()
    if row is None or not row.is_active:
        raise BadToken("the token's user is no longer active", "令牌对应的用户已停用")
    if payload.get("v") != row.token_version:  # a password, role or team change, a lockout since
        raise BadToken("the token has been revoked: sign in again", "令牌已失效，请重新登录")
    return _user(row)
