"""The sign-in lockout under concurrency, on SQLite and PostgreSQL: parallel wrong passwords are all
counted (an atomic increment in SQL), so the account locks and the right password is then refused,
whether the guesses come through the service or through ``POST /api/v1/auth/token``."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from arrears.config import Settings
from arrears.models import AppUser, table_of
from arrears.users import passwords
from arrears.users import service as user_service
from arrears.users.service import MAX_FAILURES, SignInFailed, StaffUser, authenticate, create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER

PASSWORD = "correct horse battery"
WRONG = "wrong horse battery!"
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
GUESSES = 24


@pytest.fixture(autouse=True)
def slow_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheap hash, but a check as slow as Argon2's: every guess reads the count before any writes it."""
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    real = user_service.verify_password

    def slow(stored: str | None, password: str) -> bool:
        time.sleep(0.05)
        return real(stored, password)

    monkeypatch.setattr(user_service, "verify_password", slow)


@pytest.fixture
def user(engine: Engine) -> Engine:
    with engine.begin() as connection:
        create_user(connection, username="u1", display_name="u", role="collector", password=PASSWORD, now=NOW)
    return engine


def in_parallel(attempt: Callable[[], object], times: int) -> list[object]:
    start = threading.Barrier(times)

    def one(_: int) -> object:
        start.wait()
        return attempt()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


def sign_in(engine: Engine, password: str, now: datetime = NOW) -> StaffUser | None:
    """One sign-in in its own transaction, committed even when it fails (as the endpoints do)."""
    with engine.begin() as connection:
        try:
            return authenticate(connection, username="u1", password=password, now=now)
        except SignInFailed:
            return None


def test_parallel_wrong_passwords_lock_the_account(user: Engine) -> None:
    results = in_parallel(lambda: sign_in(user, WRONG), GUESSES)

    assert results == [None] * GUESSES
    with user.connect() as connection:
        locked_until = connection.execute(select(table_of(AppUser).c.locked_until)).scalar()
    assert locked_until is not None and locked_until > NOW
    assert sign_in(user, PASSWORD) is None  # the right password, while locked


def test_exactly_the_fifth_failure_locks(user: Engine) -> None:
    in_parallel(lambda: sign_in(user, WRONG), MAX_FAILURES - 1)

    assert sign_in(user, PASSWORD) is not None  # four failures: not locked; the success clears them
    in_parallel(lambda: sign_in(user, WRONG), MAX_FAILURES - 1)
    with user.connect() as connection:
        row = connection.execute(
            select(table_of(AppUser).c.failed_logins, table_of(AppUser).c.locked_until)
        ).one()
    assert (row.failed_logins, row.locked_until) == (MAX_FAILURES - 1, None)


def test_parallel_guesses_over_http_lock_the_account(user: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    client = TestClient(create_app(settings, engine=user))

    def guess() -> int:
        form = {"username": "u1", "password": WRONG}
        return client.post("/api/v1/auth/token", data=form).status_code

    assert in_parallel(guess, GUESSES) == [401] * GUESSES
    right = client.post("/api/v1/auth/token", data={"username": "u1", "password": PASSWORD})
    assert right.status_code == 401
