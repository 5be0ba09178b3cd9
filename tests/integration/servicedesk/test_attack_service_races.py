"""Attacks by concurrency on the service desk (threads with connections of their own; SQLite's writers take
turns, PostgreSQL takes real row locks): two desk users doing the same step at once, a colleague's step
slipped in between the read and the write of another, two escalation runs at once, a case closed while
compliance lifts one of its holds by hand, the queue claimed at once by the collector named and another.

A step "slipped in between" runs while the first is paused just after its read; on SQLite it waits for the
first's write lock (the interleaving cannot happen), on PostgreSQL it commits in the gap."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from desk_book import DESK, accounts, audit, cases, holds, rows, user
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.contacts.holds import lift_hold
from arrears.contacts.queue import claim_next
from arrears.kit.crypto import FieldCipher
from arrears.models import CollectionAction, ServiceCaseNote, table_of
from arrears.servicedesk import work
from arrears.servicedesk.escalation import escalate_due
from arrears.servicedesk.intake import OpenedCase, open_case
from arrears.servicedesk.reply import queue_response_letter
from arrears.servicedesk.repository import ServiceRepository
from arrears.servicedesk.rules import CaseStateError, Intake, Resolution

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)  # Friday 09:00 in Shanghai
# seconds the paused step waits for the one slipped in: on PostgreSQL it runs to its end at once (nothing it
# needs is locked yet), on SQLite it cannot start until the paused step's write lock is released
GAP = {"postgresql": 60.0, "sqlite": 1.0}


def opened(
    book: Engine, cipher: FieldCipher, account_id: int, intake: Intake, at: datetime = T0
) -> OpenedCase:
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:
        return open_case(
            connection,
            account_id=account_id,
            intake=intake,
            actor=f"user:{staff.id}",
            user_id=staff.id,
            setup=DESK,
            cipher=cipher,
            now=at,
        )


def in_transaction(book: Engine, step: Callable[[Any], Any]) -> Callable[[], Any]:
    def job() -> Any:
        with audit_transaction(book) as connection:
            return step(connection)

    return job


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """The jobs run in threads released together; each one's result or the exception it raised."""
    barrier, results = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except Exception as problem:  # the outcome under test
            results[index] = problem

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def outcome(job: Callable[[], Any]) -> Any:
    try:
        return job()
    except Exception as problem:
        return problem


@contextmanager
def slipped_in(
    monkeypatch: pytest.MonkeyPatch,
    owner: Any,
    name: str,
    other: Callable[[], Any],
    *,
    gap: float,
    before: bool = False,
) -> Iterator[list[Any]]:
    """While the block runs, the first call of ``owner.name`` (after it, or ``before`` it) runs ``other`` in
    a thread of its own and waits up to ``gap`` seconds for it; the list holds ``other``'s outcome."""
    original, result, threads = getattr(owner, name), [], []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if threads:
            return original(*args, **kwargs)
        thread = threading.Thread(target=lambda: result.append(outcome(other)))
        threads.append(thread)
        answer = None if before else original(*args, **kwargs)
        thread.start()
        thread.join(gap)
        return original(*args, **kwargs) if before else answer

    monkeypatch.setattr(owner, name, wrapper)
    yield result
    monkeypatch.setattr(owner, name, original)
    for thread in threads:
        thread.join(60)
    assert threads and result, "the step slipped in never ran"


def test_two_desk_users_acknowledge_at_once_one_wins(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[0]
    case = opened(book, cipher, account, Intake("dispute", "amount", "call", "wrong amount"))
    first, second = user(book, "customer_service1"), user(book, "team_lead1")
    jobs = [
        in_transaction(book, lambda c, by=by: work.acknowledge(c, case_id=case.id, by=by, now=T0))
        for by in (first, second)
    ]
    results = at_once(jobs)
    assert sorted(type(one).__name__ for one in results) == ["CaseStateError", "NoneType"]
    [row] = cases(book)
    winner = first if results[0] is None else second
    assert (row["status"], row["assigned_to_id"]) == ("acknowledged", winner.id)
    assert len(audit(book, "service_case.acknowledged")) == 1


def test_an_assignment_made_while_a_colleague_acknowledges_is_not_lost(
    book: Engine,
    cipher: FieldCipher,
    monkeypatch: pytest.MonkeyPatch,
    database_kind: str,
) -> None:
    account, _ = accounts(book)[1]
    case = opened(book, cipher, account, Intake("complaint", "privacy", "email", "leaked"))
    acknowledger, lead, target = (
        user(book, "customer_service1"),
        user(book, "team_lead1"),
        user(book, "compliance1"),
    )
    assign = in_transaction(
        book, lambda c: work.assign(c, case_id=case.id, to_user_id=target.id, by=lead, now=T0)
    )
    with (
        slipped_in(monkeypatch, work, "found_case", assign, gap=GAP[book.dialect.name]) as assigned,
        audit_transaction(book) as connection,
    ):
        work.acknowledge(connection, case_id=case.id, by=acknowledger, now=T0)
    assert assigned == [None]  # the lead's assignment went through (and was audited)
    assert len(audit(book, "service_case.assigned")) == 1
    # the one explicit assignment stands: the acknowledger takes the case only "if nobody has it"
    assert cases(book)[0]["assigned_to_id"] == target.id


def test_two_decisions_at_once_record_one(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[2]
    case = opened(book, cipher, account, Intake("dispute", "charge", "call", "unknown charge"))
    staff = [user(book, "customer_service1"), user(book, "compliance1")]
    texts = ["upheld by the first", "not upheld by the second"]
    outcomes = ["upheld", "not_upheld"]
    jobs = [
        in_transaction(
            book,
            lambda c, n=n: work.resolve(
                c,
                case_id=case.id,
                resolution=Resolution(outcomes[n], (), texts[n]),
                by=staff[n],
                cipher=cipher,
                now=T0 + timedelta(hours=1),
            ),
        )
        for n in range(2)
    ]
    results = at_once(jobs)
    won = [n for n, one in enumerate(results) if isinstance(one, Resolution)]
    assert len(won) == 1 and isinstance(results[1 - won[0]], CaseStateError)
    [row] = cases(book)
    assert row["outcome"] == outcomes[won[0]] and row["resolved_by_id"] == staff[won[0]].id
    assert cipher.decrypt(row["resolution_enc"]) == texts[won[0]]
    assert len(audit(book, "service_case.resolved")) == 1


def resolved_case(book: Engine, cipher: FieldCipher, account_id: int, intake: Intake) -> OpenedCase:
    case = opened(book, cipher, account_id, intake)
    with audit_transaction(book) as connection:
        work.resolve(
            connection,
            case_id=case.id,
            resolution=Resolution("upheld", ("apology",), "sorry"),
            by=user(book, "customer_service1"),
            cipher=cipher,
            now=T0 + timedelta(hours=1),
        )
    return case


def test_two_closures_at_once_lift_each_hold_once(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[3]
    case = resolved_case(book, cipher, account, Intake("hardship", "illness", "call", "in hospital"))
    staff = [user(book, "customer_service1"), user(book, "team_lead1")]
    jobs = [
        in_transaction(
            book, lambda c, by=by: work.close(c, case_id=case.id, by=by, now=T0 + timedelta(hours=2))
        )
        for by in staff
    ]
    results = at_once(jobs)
    lifted = [one for one in results if isinstance(one, list)]
    assert len(lifted) == 1 and sorted(lifted[0]) == sorted(case.hold_ids)
    assert sum(isinstance(one, CaseStateError) for one in results) == 1
    assert len(audit(book, "hold.lifted")) == len(case.hold_ids) == 2
    assert len(audit(book, "service_case.closed")) == 1


def test_closing_while_a_colleague_resolves_keeps_holds_and_state_consistent(
    book: Engine, cipher: FieldCipher
) -> None:
    account, _ = accounts(book)[4]
    case = opened(book, cipher, account, Intake("dispute", "amount", "letter", "wrong", amount_fen=1))
    staff = user(book, "customer_service1")
    at = T0 + timedelta(hours=1)
    results = at_once(
        [
            in_transaction(
                book,
                lambda c: work.resolve(
                    c,
                    case_id=case.id,
                    resolution=Resolution("not_upheld", (), "the amount is right"),
                    by=staff,
                    cipher=cipher,
                    now=at,
                ),
            ),
            in_transaction(book, lambda c: work.close(c, case_id=case.id, by=staff, now=at)),
        ]
    )
    assert isinstance(results[0], Resolution)
    [row], [hold] = cases(book), holds(book)
    if isinstance(results[1], CaseStateError):  # the closure came first: nothing closed, the hold stands
        assert row["status"] == "resolved" and hold["lifted_at"] is None
    else:
        assert row["status"] == "closed" and hold["lifted_at"] is not None


def test_a_case_closes_though_compliance_lifted_one_of_its_holds_meanwhile(
    book: Engine,
    cipher: FieldCipher,
    monkeypatch: pytest.MonkeyPatch,
    database_kind: str,
) -> None:
    account, _ = accounts(book)[5]
    case = resolved_case(book, cipher, account, Intake("hardship", "income_loss", "call", "lost my job"))
    officer = user(book, "compliance1")
    by_hand = in_transaction(
        book,
        lambda c: lift_hold(
            c,
            hold_id=case.hold_ids[0],
            reason="checked by compliance",
            user_id=officer.id,
            actor=f"user:{officer.id}",
            role="compliance",
            now=T0 + timedelta(hours=2),
        ),
    )
    with slipped_in(monkeypatch, work, "lift_hold", by_hand, gap=GAP[book.dialect.name], before=True):
        closed = outcome(
            in_transaction(
                book,
                lambda c: work.close(
                    c, case_id=case.id, by=user(book, "customer_service1"), now=T0 + timedelta(hours=2)
                ),
            )
        )
    assert not isinstance(closed, Exception), closed
    assert cases(book)[0]["status"] == "closed"
    assert all(hold["lifted_at"] is not None for hold in holds(book))
    assert len(audit(book, "hold.lifted")) == 2  # each hold lifted once, by whoever came first


def test_two_escalation_runs_at_once_raise_each_case_once(
    book: Engine, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = [
        opened(book, cipher, account, Intake("dispute", "amount", "call", "wrong"))
        for account, _ in accounts(book)[:3]
    ]
    gate = threading.Barrier(2)
    original = ServiceRepository.escalation_candidates

    def both_read_first(self: ServiceRepository, *, now: datetime) -> list[dict[str, Any]]:
        found = original(self, now=now)
        # PostgreSQL: both runs read the same candidates before either writes; SQLite: the other run
        # waits for the write lock, the gate breaks after its GAP
        with suppress(threading.BrokenBarrierError):
            gate.wait(GAP[book.dialect.name])
        return found

    monkeypatch.setattr(ServiceRepository, "escalation_candidates", both_read_first)
    moment = late[0].acknowledge_by + timedelta(minutes=1)
    results = at_once(
        [in_transaction(book, lambda c: escalate_due(c, setup=DESK, cipher=cipher, now=moment))] * 2
    )
    assert not any(isinstance(one, Exception) for one in results), results
    raised = sorted((one.case_id, one.level) for result in results for one in result)
    assert raised == sorted((case.id, 1) for case in late)
    assert len(audit(book, "service_case.escalated")) == 3
    assert [row["escalation_level"] for row in cases(book)] == [1, 1, 1]
    assert len(rows(book, ServiceCaseNote, table_of(ServiceCaseNote).c.kind == "system")) == 3


def test_the_response_letter_double_clicked_by_two_users_is_queued_once(
    book: Engine, cipher: FieldCipher
) -> None:
    account, _ = accounts(book)[6]
    case = resolved_case(book, cipher, account, Intake("complaint", "privacy", "email", "leaked"))
    staff = [user(book, "customer_service1"), user(book, "compliance1")] * 2
    results = at_once(
        [
            in_transaction(
                book,
                lambda c, by=by: queue_response_letter(
                    c, case_id=case.id, by=by, zone=DESK.zone, now=T0 + timedelta(hours=2)
                ),
            )
            for by in staff
        ]
    )
    queued = [one for one in results if isinstance(one, int)]
    assert len(queued) == 1 and sum(isinstance(one, CaseStateError) for one in results) == 3
    assert cases(book)[0]["letter_message_id"] == queued[0]
    [entry] = audit(book, "service_case.letter")
    assert json.loads(entry["details"])["message_id"] == queued[0]


def test_two_complaints_at_once_on_one_account_flag_the_second_as_a_repeat(
    book: Engine,
    cipher: FieldCipher,
    monkeypatch: pytest.MonkeyPatch,
    database_kind: str,
) -> None:
    account, _ = accounts(book)[7]
    gate = threading.Barrier(2)
    original = ServiceRepository.complaint_dates

    def both_read_first(self: ServiceRepository, account_id: int) -> list[datetime]:
        found = original(self, account_id)
        with suppress(threading.BrokenBarrierError):  # unlocked, both read within a moment; locked, the
            gate.wait(3.0)  # second waits for the account until the first commits, and this gives up
        return found

    monkeypatch.setattr(ServiceRepository, "complaint_dates", both_read_first)
    results = at_once(
        [
            lambda: opened(
                book, cipher, account, Intake("complaint", "frequency_hours", "call", "calls at night")
            ),
            lambda: opened(
                book, cipher, account, Intake("complaint", "privacy", "portal", "told my neighbour")
            ),
        ]
    )
    assert all(isinstance(one, OpenedCase) for one in results), results
    assert sorted(one.repeat for one in results) == [False, True]


def test_the_collector_named_never_wins_the_account_in_a_claim_race(
    book: Engine, cipher: FieldCipher
) -> None:
    x = table_of(CollectionAction)
    with book.connect() as connection:
        top = connection.execute(select(x.c.account_id).where(x.c.priority == 1)).scalar_one()
    named, other = user(book, "collector1"), user(book, "collector2")
    opened(
        book,
        cipher,
        top,
        Intake("complaint", "third_party", "call", "called my boss", involved_user_id=named.id),
    )
    claims = at_once(
        [
            in_transaction(
                book,
                lambda c, who=who: claim_next(
                    c, user_id=who.id, now=T0 + timedelta(hours=1), max_held=5, team_id=who.team_id
                ),
            )
            for who in (named, other)
        ]
        * 2
    )
    assert not any(isinstance(one, Exception) for one in claims), claims
    mine = [one["account_id"] for one in claims if one is not None and one["claimed_by_id"] == named.id]
    theirs = [one["account_id"] for one in claims if one is not None and one["claimed_by_id"] == other.id]
    assert top not in mine and len(mine) == 2
    assert top in theirs and len(set(mine + theirs)) == 4  # nobody got the same call twice
