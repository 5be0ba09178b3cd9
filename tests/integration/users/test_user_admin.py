"""User administration's service on SQLite and PostgreSQL: the last active admin stays one whoever asks,
two admins removing each other at once leave one, and a username or team code taken between the check
and the insert is refused, not a server error."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, insert, select

from arrears.audit.repository import audit_transaction
from arrears.models import AppUser, Team, table_of
from arrears.users import admin, passwords
from arrears.users.admin_repository import AdminRepository
from arrears.users.admin_rules import AdminRefused
from arrears.users.service import StaffUser, create_user
from web_book import FAST_HASHER

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
_U = table_of(AppUser)
SYSTEM = StaffUser(0, "arrears", "arrears", "admin", None)  # the command line's actor: no user row


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture
def book(engine: Engine) -> dict[str, StaffUser]:
    with engine.begin() as connection:
        connection.execute(insert(table_of(Team)).values(code="phone-1", name="Phone 1", kind="phone"))
        return {
            name: create_user(
                connection,
                username=name,
                display_name=name,
                role=role,
                password="correct horse battery",
                now=NOW,
            )
            for name, role in (("root1", "admin"), ("root2", "admin"), ("clerk", "collector"))
        }


def active_admins(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(_U.c.role == "admin", _U.c.is_active.is_(True))
        return int(connection.execute(query).scalar_one())


def test_the_last_active_admin_is_neither_deactivated_nor_demoted(
    engine: Engine, book: dict[str, StaffUser]
) -> None:
    with audit_transaction(engine) as connection:
        assert admin.set_active(connection, user_id=book["root2"].id, active=False, actor=SYSTEM, now=NOW)
    for change in (
        lambda connection: admin.set_active(
            connection, user_id=book["root1"].id, active=False, actor=SYSTEM, now=NOW
        ),
        lambda connection: admin.change_role(
            connection, user_id=book["root1"].id, role="manager", team_id=None, actor=SYSTEM, now=NOW
        ),
    ):
        with pytest.raises(AdminRefused, match="last active admin"), audit_transaction(engine) as connection:
            change(connection)
    assert active_admins(engine) == 1
    with audit_transaction(engine) as connection:  # another admin first: then the first may go
        admin.change_role(
            connection, user_id=book["clerk"].id, role="admin", team_id=None, actor=SYSTEM, now=NOW
        )
        assert admin.set_active(connection, user_id=book["root1"].id, active=False, actor=SYSTEM, now=NOW)
    assert active_admins(engine) == 1


def test_two_admins_deactivating_each_other_at_once_leave_one(
    engine: Engine, book: dict[str, StaffUser]
) -> None:
    start, outcomes = threading.Barrier(2), []

    def deactivate(actor: str, target: str) -> None:
        start.wait()
        try:
            with audit_transaction(engine) as connection:
                admin.set_active(
                    connection, user_id=book[target].id, active=False, actor=book[actor], now=NOW
                )
            outcomes.append("done")
        except AdminRefused:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=deactivate, args=pair) for pair in (("root1", "root2"), ("root2", "root1"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"] and active_admins(engine) == 1


def test_a_username_taken_after_the_check_is_refused(
    engine: Engine, book: dict[str, StaffUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique key decides: a row inserted between the check and the insert (another admin's, at once)
    makes this one refused, the transaction still usable."""
    monkeypatch.setattr(AdminRepository, "username_taken", lambda self, name: False)
    monkeypatch.setattr(AdminRepository, "team_code_taken", lambda self, code: False)
    new = admin.NewUser("clerk", "Clerk again", "collector", None)
    with audit_transaction(engine) as connection:
        with pytest.raises(AdminRefused, match="taken"):
            admin.create(connection, new=new, actor=SYSTEM, now=NOW)
        with pytest.raises(AdminRefused, match="taken"):
            admin.create_team(
                connection, new=admin.NewTeam("phone-1", "again", "phone", ""), actor=SYSTEM, now=NOW
            )
        created = admin.create(
            connection, new=admin.NewUser("clerk2", "C2", "collector", None), actor=SYSTEM, now=NOW
        )
    assert created.user.username == "clerk2"
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).where(_U.c.username == "clerk")).scalar_one() == 1
