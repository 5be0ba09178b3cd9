"""The dashboard's figures on SQLite and PostgreSQL, each checked against a small book whose answer is
known: calls across two teams and the team-less, days cut in the cardholders' time zone, promises in
and out of the window, and the latest run's queue."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, insert, select

from arrears.accounts.service import refresh_delinquency
from arrears.analytics.dashboard import UNASSIGNED, Dashboard, dashboard
from arrears.api import dashboard as dashboard_api
from arrears.config import Settings
from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    CardAccount,
    CollectionAction,
    ContactEvent,
    DailyRun,
    DelinquencySnapshot,
    PromiseToPay,
    Team,
    table_of,
)
from arrears.users.service import create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from uci_cases import uci_head

RUN = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
DAYS = 7
PASSWORD = "correct horse battery"
REPORT = {
    "as_of": RUN.isoformat(),
    "policy": "cn",
    "accounts": 40,
    "candidates": 30,
    "allowed": 26,
    "blocked": 4,
    "blocked_by_rule": {"CN-HOURS": 3, "CN-HOLD": 1},
    "chosen": {
        "sms": {"actions": 5, "expected_value_fen": 1_500},
        "call": {"actions": 14, "expected_value_fen": 42_000},
    },
    "expected_value_fen": 43_500,
    "capacity": {"call": 100},
}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the cardholders' day (Shanghai is UTC+8: local midnight is 16:00 UTC the day before)."""
    return datetime.combine(day, time(hour, minute), ZONE)


@dataclass(frozen=True)
class Book:
    engine: Engine
    accounts: list[tuple[int, int]]  # (account id, customer id)
    users: dict[str, int]
    teams: dict[str, int]


def _teams_and_users(connection: Connection) -> tuple[dict[str, int], dict[str, int]]:
    team = table_of(Team)
    for code, name in (("phone-a", "电催一组"), ("phone-b", "Phone B")):
        connection.execute(insert(team).values(code=code, name=name, kind="phone"))
    teams = {code: id_ for code, id_ in connection.execute(select(team.c.code, team.c.id))}
    people = (
        ("a1", "collector", "phone-a"),
        ("a2", "collector", "phone-a"),
        ("b1", "collector", "phone-b"),
        ("loner", "collector", None),
        ("boss", "manager", None),
    )
    users = {
        username: create_user(
            connection, username=username, display_name=username, role=role, password=PASSWORD,
            now=NOW, team_code=team_code,
        ).id
        for username, role, team_code in people
    }  # fmt: skip
    return teams, users


def _runs_and_actions(connection: Connection, accounts: list[tuple[int, int]], teams: dict[str, int]) -> None:
    run = table_of(DailyRun)
    for run_date, status, report in (
        (RUN - timedelta(days=1), "completed", {"accounts": 1}),
        (RUN, "completed", REPORT),
        (RUN + timedelta(days=5), "completed", {"accounts": 2}),  # after the dashboard's date
    ):
        values = {"run_date": run_date, "status": status, "started_at": NOW, "report": json.dumps(report)}
        connection.execute(insert(run).values(**values, completed_at=NOW, model_version="m1", policy="cn"))
    a, b = teams["phone-a"], teams["phone-b"]
    plan = (
        [(RUN, "call", a, "planned")] * 3 + [(RUN, "call", a, "claimed")] * 2 + [(RUN, "call", a, "done")]
        + [(RUN, "call", b, "planned")] + [(RUN, "call", b, "done")] * 2
        + [(RUN, "call", None, "planned")] * 4 + [(RUN, "call", None, "claimed")]
        + [(RUN, "sms", a, "planned")]  # not a call
        + [(RUN - timedelta(days=1), "call", b, "planned")] * 5  # an earlier run
    )  # fmt: skip
    rows = [
        {
            "run_date": run_date, "account_id": accounts[i][0], "customer_id": accounts[i][1],
            "channel": channel, "segment": "s", "arm": "champion", "treatment": "t", "value_fen": 100,
            "priority": i + 1, "scheduled_at": NOW, "status": status, "team_id": team,
        }
        for i, (run_date, channel, team, status) in enumerate(plan)
    ]  # fmt: skip
    connection.execute(insert(table_of(CollectionAction)), rows)


# (who, when, channel, party, connected, conversation): the window is RUN-6 .. RUN in Shanghai
CALLS: list[tuple[str | None, datetime, str, str, bool, bool]] = [
    ("a1", local(RUN, 9), "call", "debtor", True, True),
    ("a1", local(RUN, 0, 30), "call", "debtor", False, False),  # 16:30 UTC the day before: still today
    ("a1", local(RUN, 10), "sms", "debtor", False, False),  # not a call
    ("a2", local(RUN - timedelta(days=1), 23, 30), "call", "third_party", True, True),  # not the debtor
    ("a2", local(RUN - timedelta(days=1), 20), "call", "debtor", True, False),
    ("b1", local(RUN - timedelta(days=3), 10), "call", "debtor", True, True),
    ("b1", local(RUN - timedelta(days=6), 0), "call", "debtor", False, False),  # the window's first moment
    ("b1", local(RUN - timedelta(days=7), 23, 59), "call", "debtor", True, True),  # before the window
    ("b1", local(RUN + timedelta(days=1), 0), "call", "debtor", True, True),  # after it
    ("loner", local(RUN - timedelta(days=2), 12), "call", "debtor", True, True),
    (None, local(RUN - timedelta(days=2), 13), "call", "debtor", False, False),
]

# (status, settled_on, amount, paid)
PROMISES: list[tuple[str, date | None, int, int]] = [
    ("kept", RUN - timedelta(days=1), 10_000, 10_000),
    ("kept", RUN - timedelta(days=6), 20_000, 25_000),
    ("partly_kept", RUN, 30_000, 12_000),
    ("broken", RUN - timedelta(days=2), 40_000, 0),
    ("open", None, 50_000, 0),
    ("kept", RUN - timedelta(days=7), 60_000, 60_000),  # settled before the window
    ("broken", RUN + timedelta(days=1), 70_000, 0),  # after it
]


def _calls_and_promises(
    connection: Connection, accounts: list[tuple[int, int]], users: dict[str, int]
) -> None:
    account, customer = accounts[0]
    events = [
        {
            "account_id": account, "customer_id": customer, "user_id": None if who is None else users[who],
            "at": at, "channel": channel, "party": party, "connected": connected,
            "conversation": conversation, "outcome": "right_party" if connected else "no_answer",
        }
        for who, at, channel, party, connected, conversation in CALLS
    ]  # fmt: skip
    connection.execute(insert(table_of(ContactEvent)), events)
    promises = [
        {
            "account_id": account, "amount_fen": amount, "taken_on": RUN - timedelta(days=20),
            "promised_date": RUN - timedelta(days=10), "status": status, "paid_fen": paid,
            "settled_on": settled, "created_at": NOW,
        }
        for status, settled, amount, paid in PROMISES
    ]  # fmt: skip
    connection.execute(insert(table_of(PromiseToPay)), promises)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Book:
    uci.write_extract(uci_head(40), tmp_path / "extract", as_of=RUN)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=RUN, cipher=cipher, now=NOW)
        a = table_of(CardAccount)
        accounts = [
            tuple(row) for row in connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id))
        ]
        teams, users = _teams_and_users(connection)
        _runs_and_actions(connection, accounts, teams)
        _calls_and_promises(connection, accounts, users)
    return Book(engine, accounts, users, teams)


def figures(engine: Engine, as_of: date = RUN, days: int = DAYS) -> Dashboard:
    with engine.connect() as connection:
        return dashboard(connection, as_of=as_of, days=days, zone="Asia/Shanghai")


def _expected_bands(rows: list[Any], column: str) -> dict[str, tuple[int, int, int]]:
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        totals = found[row[column]]
        totals[0] += 1
        totals[1] += row["balance"]
        totals[2] += row["overdue_fen"]
    return {code: (n, balance, overdue) for code, (n, balance, overdue) in found.items()}


def _bands(bands: Any) -> dict[str, tuple[int, int, int]]:
    return {b.code: (b.accounts, b.balance_fen, b.overdue_fen) for b in bands if b.accounts}


def test_the_book_by_bucket_and_class_is_that_of_the_accounts(book: Book) -> None:
    a = table_of(CardAccount)
    balance = (a.c.principal_fen + a.c.interest_fen + a.c.fee_fen).label("balance")
    with book.engine.connect() as connection:
        rows = list(
            connection.execute(select(a.c.bucket, a.c.regulatory_class, a.c.overdue_fen, balance)).mappings()
        )

    found = figures(book.engine).book

    assert found.as_of == RUN and found.accounts == 40
    assert found.balance_fen == sum(r["balance"] for r in rows)
    assert found.overdue_fen == sum(r["overdue_fen"] for r in rows) > 0
    assert _bands(found.buckets) == _expected_bands(rows, "bucket")
    assert _bands(found.classes) == _expected_bands(rows, "regulatory_class")
    assert [b.code for b in found.buckets] == ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+"]
    assert [(c.code, c.label_zh) for c in found.classes] == [
        ("normal", "正常"), ("special_mention", "关注"), ("substandard", "次级"), ("doubtful", "可疑"),
        ("loss", "损失"),
    ]  # fmt: skip


def test_looking_back_reads_the_snapshot_of_that_day(book: Book) -> None:
    later = RUN + timedelta(days=45)
    with book.engine.begin() as connection:
        refresh_delinquency(connection, as_of=later)  # the book ages: accounts roll to worse buckets
    s = table_of(DelinquencySnapshot)
    with book.engine.connect() as connection:
        query = select(s.c.bucket, s.c.regulatory_class, s.c.overdue_fen, s.c.balance_fen.label("balance"))
        then = list(connection.execute(query.where(s.c.as_of_date == RUN)).mappings())
        now = list(connection.execute(query.where(s.c.as_of_date == later)).mappings())
    assert _expected_bands(then, "bucket") != _expected_bands(now, "bucket")

    assert _bands(figures(book.engine, RUN + timedelta(days=3)).book.buckets) == _expected_bands(
        then, "bucket"
    )
    assert figures(book.engine, RUN + timedelta(days=3)).book.as_of == RUN
    assert _bands(figures(book.engine, later).book.buckets) == _expected_bands(now, "bucket")
    assert figures(book.engine, RUN - timedelta(days=1)).book.accounts == 0  # before any snapshot


def test_the_latest_run_on_or_before_the_date_with_its_report(book: Book) -> None:
    run = figures(book.engine).latest_run

    assert run is not None and run.run_date == RUN and run.model_version == "m1" and run.policy == "cn"
    assert (run.accounts, run.candidates, run.allowed, run.blocked) == (40, 30, 26, 4)
    assert [(c.channel, c.actions, c.expected_value_fen) for c in run.by_channel] == [
        ("call", 14, 42_000),
        ("sms", 5, 1_500),
    ]
    assert run.blocked_by_rule == {"CN-HOURS": 3, "CN-HOLD": 1} and run.expected_value_fen == 43_500
    assert run.report == REPORT
    earlier = figures(book.engine, RUN - timedelta(days=1)).latest_run
    assert earlier is not None and earlier.run_date == RUN - timedelta(days=1) and earlier.candidates is None


def test_queue_depth_of_the_latest_run_by_team(book: Book) -> None:
    queue = figures(book.engine).queue

    rows = [(q.team, q.team_name, q.planned, q.claimed, q.done, q.other, q.total) for q in queue]
    assert rows == [
        ("phone-a", "电催一组", 3, 2, 1, 0, 6),
        ("phone-b", "Phone B", 1, 0, 2, 0, 3),
        (UNASSIGNED, None, 4, 1, 0, 0, 5),
    ]
    assert queue[0].team_id == book.teams["phone-a"] and queue[2].team_id is None


def test_throughput_by_team_over_the_window_and_today(book: Book) -> None:
    throughput = figures(book.engine).throughput

    rows = [(t.team, t.calls, t.calls_today, t.connected, t.conversations) for t in throughput]
    assert rows == [
        ("phone-a", 4, 2, 3, 1),  # the third party's conversation is no right-party contact
        ("phone-b", 2, 0, 1, 1),
        (UNASSIGNED, 2, 0, 1, 1),  # a user with no team, and a call with no user
    ]
    assert throughput[0].contact_rate == 3 / 4 and throughput[0].rpc_rate == 1 / 4


def test_contact_rates_over_the_window_and_per_day(book: Book) -> None:
    found = figures(book.engine)

    assert (found.contacts.calls, found.contacts.connected, found.contacts.conversations) == (8, 5, 3)
    assert found.contacts.contact_rate == 5 / 8 and found.contacts.rpc_rate == 3 / 8
    by_day = {
        d.day: (d.calls, d.connected, d.conversations, d.contact_rate, d.rpc_rate)
        for d in found.contacts_by_day
    }
    assert list(by_day) == [RUN - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    assert by_day == {
        RUN - timedelta(days=6): (1, 0, 0, 0.0, 0.0),
        RUN - timedelta(days=5): (0, 0, 0, None, None),
        RUN - timedelta(days=4): (0, 0, 0, None, None),
        RUN - timedelta(days=3): (1, 1, 1, 1.0, 1.0),
        RUN - timedelta(days=2): (2, 1, 1, 0.5, 0.5),
        RUN - timedelta(days=1): (2, 2, 0, 1.0, 0.0),
        RUN: (2, 1, 1, 0.5, 0.5),
    }


def test_promises_settled_in_the_window(book: Book) -> None:
    promises = figures(book.engine).promises

    assert (promises.settled, promises.kept, promises.partly_kept, promises.broken) == (4, 2, 1, 1)
    assert (promises.promised_fen, promises.paid_fen) == (100_000, 47_000)
    assert promises.kept_rate == 2 / 4


def test_an_empty_database_has_zeros_and_no_made_up_rates(engine: Engine) -> None:
    found = figures(engine, days=3)

    assert (
        found.book.accounts == 0
        and found.book.as_of is None
        and all(b.accounts == 0 for b in found.book.buckets)
    )
    assert found.latest_run is None and found.queue == () and found.throughput == ()
    assert found.promises.settled == 0 and found.promises.kept_rate is None
    assert found.contacts.contact_rate is None and found.contacts.rpc_rate is None
    assert [d.contact_rate for d in found.contacts_by_day] == [None, None, None]


def test_the_api_answers_managers_only(book: Book, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=book.engine)
    app.include_router(dashboard_api.router)
    client = TestClient(app)

    def headers(username: str) -> dict[str, str]:
        answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    url = f"/api/v1/dashboard?as_of={RUN.isoformat()}&days={DAYS}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=headers("a1")).status_code == 403
    answer = client.get(url, headers=headers("boss"))
    assert answer.status_code == 200
    assert answer.json() == figures(book.engine).model_dump(mode="json")
    assert answer.json()["promises"]["kept_rate"] == 0.5 and answer.json()["queue"][2]["team"] == UNASSIGNED
    assert client.get("/api/v1/dashboard?days=0", headers=headers("boss")).status_code == 422
    assert client.get("/api/v1/dashboard", headers=headers("boss")).json()["days"] == 30  # as of today
