"""Collectors' data scope on SQLite and PostgreSQL: open claims and the current business date's
assignments only, never any claim ever made (a lapsed claim, yesterday's work, a team mate's old
claim), and an open callback of one's own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from arrears.contacts.call_rules import CALLBACK_DAYS
from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import Callback, CardAccount, CollectionAction, DailyRun, Team, table_of
from arrears.users import passwords
from arrears.users.scope import may_open
from arrears.users.service import StaffUser, create_user
from uci_cases import uci_head
from web_book import FAST_HASHER

RUN = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


class Book:
    def __init__(self, engine: Engine, accounts: list[Any], users: dict[str, StaffUser]) -> None:
        self.engine, self.accounts, self.users = engine, accounts, users

    def action(self, index: int, user: str, *, status: str, lease: timedelta = timedelta(minutes=30),
               run_date: date = RUN) -> int:  # fmt: skip
        account, customer = self.accounts[index]
        values = {"run_date": run_date, "account_id": account, "customer_id": customer, "channel": "call",
                  "segment": "m2", "arm": "champion", "treatment": "phone_m2", "value_fen": 1_000,
                  "priority": 1, "scheduled_at": NOW, "status": status, "claimed_by_id": self.users[user].id,
                  "claimed_at": NOW, "lease_until": NOW + lease}  # fmt: skip
        with self.engine.begin() as connection:
            connection.execute(insert(table_of(CollectionAction)).values(**values))
        return int(account)

    def opens(self, user: str, account: int, now: datetime = NOW) -> bool:
        with self.engine.connect() as connection:
            return may_open(connection, self.users[user], account, now=now)

    def complete_run(self, day: date) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(table_of(DailyRun)).values(run_date=day, status="completed", started_at=NOW)
            )


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Book:
    uci.write_extract(uci_head(6), tmp_path / "extract", as_of=RUN)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=RUN, cipher=cipher, now=NOW)
        a = table_of(CardAccount)
        accounts = list(connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).all())
        connection.execute(insert(table_of(Team)).values(code="phone-a", name="a", kind="phone"))
        users = {
            name: create_user(connection, username=name, display_name=name, role=role, password=PASSWORD,
                              now=NOW, team_code=team)
            for name, role, team in (("c1", "collector", "phone-a"), ("c2", "collector", "phone-a"),
                                     ("solo", "collector", None), ("v1", "visitor", "phone-a"),
                                     ("lead", "team_lead", "phone-a"), ("admin", "admin", None))
        }  # fmt: skip
    found = Book(engine, accounts, users)
    found.complete_run(RUN)
    return found


def test_an_open_claim_opens_the_account_until_its_lease_runs_out(book: Book) -> None:
    account = book.action(0, "c1", status="claimed")

    assert book.opens("c1", account) and book.opens("c2", account)  # the claimer and a team mate
    assert not book.opens("solo", account)
    later = NOW + timedelta(minutes=31)
    assert not book.opens("c1", account, later) and not book.opens("c2", account, later)


def test_a_claim_without_a_team_is_the_claimer_s_only(book: Book) -> None:
    account = book.action(1, "solo", status="claimed")

    assert book.opens("solo", account) and not book.opens("c1", account)
    assert not book.opens("solo", account, NOW + timedelta(hours=1))


def test_today_s_worked_case_stays_open_until_the_next_business_date(book: Book) -> None:
    account = book.action(2, "c1", status="done", lease=timedelta(minutes=-5))

    assert book.opens("c1", account, NOW + timedelta(hours=6)) and book.opens("v1", account)
    book.complete_run(RUN + timedelta(days=1))
    assert not book.opens("c1", account) and not book.opens("v1", account)


def test_an_old_day_s_claim_grants_nothing(book: Book) -> None:
    account = book.action(3, "c1", status="done", run_date=RUN - timedelta(days=3))
    expired = book.action(4, "c2", status="claimed", lease=timedelta(minutes=-1))

    assert not book.opens("c1", account) and not book.opens("c1", expired) and not book.opens("c2", expired)


def test_an_open_callback_keeps_the_account_for_its_owner(book: Book) -> None:
    account, customer = book.accounts[5]
    with book.engine.begin() as connection:
        callback = {"account_id": account, "customer_id": customer, "user_id": book.users["c1"].id,
                    "due_at": NOW + timedelta(days=2), "status": "open", "created_at": NOW}  # fmt: skip
        callback_id = connection.execute(insert(table_of(Callback)).values(**callback).returning(
            table_of(Callback).c.id)).scalar_one()  # fmt: skip

    assert book.opens("c1", account) and not book.opens("c2", account)
    with book.engine.begin() as connection:
        c = table_of(Callback)
        connection.execute(c.update().where(c.c.id == callback_id).values(status="done"))
    assert not book.opens("c1", account)


@pytest.mark.parametrize("due", [timedelta(days=CALLBACK_DAYS + 1), timedelta(days=-CALLBACK_DAYS - 1)])
def test_a_callback_far_from_now_grants_nothing(book: Book, due: timedelta) -> None:
    """Only a callback due within CALLBACK_DAYS of now is current work (one written far ahead before
    the horizon was checked, or left open long after it fell due, opens nothing)."""
    account, customer = book.accounts[5]
    with book.engine.begin() as connection:
        callback = {"account_id": account, "customer_id": customer, "user_id": book.users["c1"].id,
                    "due_at": NOW + due, "status": "open", "created_at": NOW}  # fmt: skip
        connection.execute(insert(table_of(Callback)).values(**callback))

    assert not book.opens("c1", account)
    inside = NOW + due - (timedelta(days=2) if due > timedelta(0) else timedelta(days=-2))
    assert book.opens("c1", account, inside)


def test_book_wide_roles_and_roles_without_account_read(book: Book) -> None:
    account = int(book.accounts[0][0])

    assert book.opens("lead", account)
    assert not book.opens("admin", account)  # no account:read: no account at all
