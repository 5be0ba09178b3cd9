"""Attacks on escalation and the desk's lists as a bank's auditor reads them (SQLite and PostgreSQL): an
acknowledgement made late but before the next escalation run, a case of no team escalated to "the team
lead", a regulator referral's first missed deadline, levels that never go down, a resolved or closed case
that takes no further step, and the figures' arithmetic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from desk_book import DESK, accounts, audit, cases, user
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.servicedesk import desk, work
from arrears.servicedesk.escalation import escalate_due
from arrears.servicedesk.intake import OpenedCase, open_case
from arrears.servicedesk.rules import CaseStateError, Intake, Resolution

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)  # Friday 09:00 in Shanghai: acknowledge by Monday 24:00


def opened(book: Engine, cipher: FieldCipher, index: int, intake: Intake, at: datetime = T0) -> OpenedCase:
    staff = user(book, "customer_service1")
    account, _ = accounts(book)[index]
    with audit_transaction(book) as connection:
        return open_case(
            connection,
            account_id=account,
            intake=intake,
            actor=f"user:{staff.id}",
            user_id=staff.id,
            setup=DESK,
            cipher=cipher,
            now=at,
        )


def escalate(book: Engine, cipher: FieldCipher, at: datetime) -> list[tuple[int, int]]:
    with audit_transaction(book) as connection:
        return [
            (one.case_id, one.level) for one in escalate_due(connection, setup=DESK, cipher=cipher, now=at)
        ]


def test_an_acknowledgement_made_late_is_still_escalated(book: Engine, cipher: FieldCipher) -> None:
    case = opened(book, cipher, 0, Intake("dispute", "amount", "call", "wrong"))
    late = case.acknowledge_by + timedelta(hours=1)
    with audit_transaction(book) as connection:
        work.acknowledge(connection, case_id=case.id, by=user(book, "customer_service1"), now=late)
    assert json.loads(audit(book, "service_case.acknowledged")[0]["details"])["late"] is True
    assert escalate(book, cipher, late + timedelta(hours=1)) == [(case.id, 1)]


def test_a_case_of_no_team_escalated_to_the_team_lead_is_listed_for_one(
    book: Engine, cipher: FieldCipher
) -> None:
    case = opened(book, cipher, 1, Intake("complaint", "privacy", "email", "leaked"))
    assert cases(book)[0]["team_id"] is None  # no staff member named, no collecting team
    assert escalate(book, cipher, case.acknowledge_by + timedelta(minutes=1)) == [(case.id, 1)]
    at = case.acknowledge_by + timedelta(hours=1)
    seen = {}
    with book.connect() as connection:
        for username in ("team_lead1", "manager1"):
            page = desk.desk_page(connection, user=user(book, username), setup=DESK, now=at, tab="escalated")
            seen[username] = [row["id"] for row in page.rows]
    assert case.id in seen["team_lead1"] + seen["manager1"], seen


def test_a_team_s_escalated_case_is_listed_for_its_team_lead(book: Engine, cipher: FieldCipher) -> None:
    named = user(book, "collector1")  # of team phone-a, as team_lead1
    case = opened(
        book, cipher, 2, Intake("complaint", "attitude_abuse", "call", "rude", involved_user_id=named.id)
    )
    escalate(book, cipher, case.acknowledge_by + timedelta(minutes=1))
    at = case.acknowledge_by + timedelta(hours=1)
    with book.connect() as connection:
        page = desk.desk_page(connection, user=user(book, "team_lead1"), setup=DESK, now=at, tab="escalated")
    assert [row["id"] for row in page.rows] == [case.id] and page.counts["escalated"] == 1


def test_a_regulator_referral_goes_to_the_manager_at_its_first_missed_deadline(
    book: Engine, cipher: FieldCipher
) -> None:
    case = opened(
        book,
        cipher,
        3,
        Intake("complaint", "frequency_hours", "regulator", "calls at night", regulator_ref="JG-2026-9"),
    )
    assert escalate(book, cipher, case.acknowledge_by - timedelta(seconds=1)) == []
    assert escalate(book, cipher, case.acknowledge_by) == [(case.id, 2)]
    assert escalate(book, cipher, case.resolve_by + timedelta(days=30)) == []  # never twice, never down
    [row] = cases(book)
    assert row["escalation_level"] == 2 and len(audit(book, "service_case.escalated")) == 1


def test_levels_never_go_down_and_a_resolved_case_is_never_escalated(
    book: Engine, cipher: FieldCipher
) -> None:
    first = opened(book, cipher, 4, Intake("dispute", "charge", "call", "unknown"))
    second = opened(book, cipher, 5, Intake("dispute", "charge", "call", "unknown"))
    assert sorted(escalate(book, cipher, first.resolve_by + timedelta(days=5))) == [
        (first.id, 2),
        (second.id, 2),
    ]
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:  # acknowledged after both escalations: the level stays
        work.acknowledge(connection, case_id=first.id, by=staff, now=first.resolve_by + timedelta(days=6))
        work.resolve(
            connection,
            case_id=second.id,
            resolution=Resolution("upheld", (), "done"),
            by=staff,
            cipher=cipher,
            now=first.resolve_by + timedelta(days=6),
        )
    assert escalate(book, cipher, first.resolve_by + timedelta(days=60)) == []
    assert [row["escalation_level"] for row in cases(book)] == [2, 2]


def test_a_closed_case_takes_no_further_step(book: Engine, cipher: FieldCipher) -> None:
    case = opened(book, cipher, 6, Intake("hardship", "other", "letter", "help"))
    staff, at = user(book, "customer_service1"), T0 + timedelta(hours=1)
    with audit_transaction(book) as connection:
        work.resolve(
            connection,
            case_id=case.id,
            resolution=Resolution("upheld", (), "ok"),
            by=staff,
            cipher=cipher,
            now=at,
        )
        work.close(connection, case_id=case.id, by=staff, now=at)
    steps = [
        lambda c: work.acknowledge(c, case_id=case.id, by=staff, now=at),
        lambda c: work.assign(c, case_id=case.id, to_user_id=staff.id, by=staff, now=at),
        lambda c: work.add_note(
            c, case_id=case.id, text="late note", kind="note", by=staff, cipher=cipher, now=at
        ),
        lambda c: work.resolve(
            c,
            case_id=case.id,
            resolution=Resolution("not_upheld", (), "again"),
            by=staff,
            cipher=cipher,
            now=at,
        ),
        lambda c: work.close(c, case_id=case.id, by=staff, now=at),
    ]
    for step in steps:
        with pytest.raises(CaseStateError), audit_transaction(book) as connection:
            step(connection)
    [row] = cases(book)
    assert (row["status"], row["outcome"]) == ("closed", "upheld") and cipher.decrypt(
        row["resolution_enc"]
    ) == "ok"


def test_the_figures_count_in_time_and_per_10k_to_the_case(book: Engine, cipher: FieldCipher) -> None:
    staff = user(book, "customer_service1")
    made = [
        opened(book, cipher, n, Intake("dispute", "amount", "call", "x"), at=T0 - timedelta(days=20))
        for n in range(3)
    ]
    with audit_transaction(book) as connection:
        for case, at in zip(
            made,
            (T0 - timedelta(days=19), made[1].resolve_by, made[2].resolve_by + timedelta(seconds=1)),
            strict=True,
        ):
            work.resolve(
                connection,
                case_id=case.id,
                resolution=Resolution("upheld", (), "done"),
                by=staff,
                cipher=cipher,
                now=at,
            )
    with book.connect() as connection:
        figures = desk.figures(connection, now=T0)
    assert (figures.resolved.resolved, figures.resolved.in_time) == (3, 2)  # at the deadline is in time
    assert figures.resolved.share_in_time == round(2 / 3, 4)
    [row] = figures.by_category
    assert row["count"] == 3 and row["per_10k"] == round(3 * 10_000 / figures.in_collection, 2)
