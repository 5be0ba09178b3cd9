"""Passwords hashed with Argon2id (argon2-cffi's defaults), never stored or logged in clear."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from arrears.kit.errors import ArrearsError

_HASHER = PasswordHasher()
MIN_LENGTH = 12


class WeakPassword(ArrearsError):
    """A password too short to be accepted."""


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"a password needs at least {MIN_LENGTH} characters", f"密码至少需要 {MIN_LENGTH} 个字符"
        )
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (a user without a hash never matches)."""
    if stored is None:
        _HASHER.hash(password)  # as slow as a real check: a missing user is not told apart by timing
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
