"""Legal review's use cases on SQLite and PostgreSQL: officers deciding one account at once make one
decision; the queue's order and what it counts; the timeline's items."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from threading import Barrier
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.kit.crypto import FieldCipher
from arrears.legal import review
from arrears.legal.rules import decision
from arrears.models import AuditEvent, CardAccount, CaseRequest, CollectionAction, LegalCase, table_of
from arrears.users import passwords
from arrears.users.service import StaffUser, create_user
from web_book import FAST_HASHER, PASSWORD, RUN, build_book

OFFICERS = 4
NOW = datetime(2005, 10, 2, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


def officers(engine: Engine, count: int) -> list[StaffUser]:
    with engine.begin() as connection:
        return [
            create_user(
                connection,
                username=f"officer{n}",
                display_name=f"officer {n}",
                role="legal",
                password=PASSWORD,
                now=NOW,
            )
            for n in range(count)
        ]


def referred(engine: Engine, tmp_path: Path, cipher: FieldCipher, count: int = 3) -> list[int]:
    """The web book with the business date's referrals of its first ``count`` accounts, an hour apart
    (the first account's the latest); their ids."""
    build_book(engine, tmp_path, cipher)
    a = table_of(CardAccount)
    with engine.begin() as connection:
        accounts = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id).limit(count)).all()
        base = datetime.combine(RUN, datetime.min.time(), UTC)
        connection.execute(
            insert(table_of(CollectionAction)),
            [
                {
                    "run_date": RUN,
                    "account_id": account,
                    "customer_id": customer,
                    "channel": "legal_review",
                    "segment": "m6",
                    "arm": "champion",
                    "treatment": "legal",
                    "value_fen": 1,
                    "scheduled_at": base + timedelta(hours=count - n),
                    "status": "planned",
                }
                for n, (account, customer) in enumerate(accounts)
            ],
        )
    return [int(account) for account, _ in accounts]


def test_officers_deciding_one_account_at_once_make_one_decision(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    [account] = referred(engine, tmp_path, cipher, count=1)
    staff = officers(engine, OFFICERS)
    barrier = Barrier(OFFICERS)

    def decide(officer: StaffUser) -> str:
        barrier.wait()
        try:
            with audit_transaction(engine) as connection:
                review.decide(
                    connection,
                    account_id=account,
                    decision=decision("return", f"by {officer.username}"),
                    by=officer,
                    day=RUN,
                    policy=load_policy("cn"),
                    now=datetime.now(UTC),
                )
        except review.NothingWaiting:
            return "refused"
        return "decided"

    with ThreadPoolExecutor(OFFICERS) as pool:
        outcomes = sorted(pool.map(decide, staff))

    assert outcomes == ["decided"] + ["refused"] * (OFFICERS - 1)
    r, e = table_of(CaseRequest), table_of(AuditEvent)
    with engine.connect() as connection:
        assert connection.execute(select(r.c.status).where(r.c.account_id == account)).scalars().all() == [
            "declined"
        ]
        assert connection.execute(select(e.c.action).where(e.c.action.like("legal.%"))).scalars().all() == [
            "legal.returned"
        ]


def test_the_queue_is_the_longest_waiting_first_and_a_decision_leaves_it(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    accounts = referred(engine, tmp_path, cipher)
    [officer] = officers(engine, 1)
    with engine.connect() as connection:
        before = review.queue(connection, day=RUN, now=NOW, page=1, clear_text=True, cipher=None)
        elsewhere = review.queue(
            connection, day=date(2005, 9, 30), now=NOW, page=1, clear_text=True, cipher=None
        )
    with audit_transaction(engine) as connection:
        decided = review.decide(
            connection,
            account_id=accounts[1],
            decision=decision("proceed", None),
            by=officer,
            day=RUN,
            policy=load_policy("cn"),
            now=NOW,
        )
    c = table_of(LegalCase)
    with engine.connect() as connection:  # proceeding opened the account's legal case at review
        case = connection.execute(select(c).where(c.c.account_id == accounts[1])).mappings().one()
    assert case["id"] == decided["case_id"] and case["stage"] == "review" and case["opened_on"] == RUN
    assert case["opened_by_id"] == officer.id
    with engine.connect() as connection:
        after = review.queue(connection, day=RUN, now=NOW, page=1, clear_text=True, cipher=None)
        items = review.timeline_items(connection, accounts[1], zone=ZoneInfo("Asia/Shanghai"))

    assert [row["id"] for row in before["rows"]] == list(reversed(accounts))  # scheduled the earliest first
    assert before["counts"] == {"accounts": 3, "referral": 3, "request": 0}
    assert elsewhere["rows"] == [] and elsewhere["counts"]["accounts"] == 0  # another day's work
    assert [row["id"] for row in after["rows"]] == [accounts[2], accounts[0]]
    assert items == [
        {
            "on": date(2005, 10, 2),
            "at": NOW,
            "kind": "legal review decided",
            "detail": "proceed with legal action",
            "status": None,
            "note": None,
        }
    ]
