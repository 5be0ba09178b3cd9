"""The agenda's and the floor's SQL and moves on a real database (SQLite and PostgreSQL): figures,
attribution, reassigning a case, sharing the queue, targets, and parallel moves on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from arrears.audit.repository import audit_transaction
from arrears.contacts.calls import CallLog, log_call
from arrears.contacts.queue import claim_next
from arrears.floor import assign, targets
from arrears.floor.agenda import agenda
from arrears.floor.board import board
from arrears.floor.rules import AssignmentRefused, Target
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    AuditEvent,
    CardAccount,
    CollectionAction,
    DayTarget,
    Team,
    table_of,
)
from arrears.users import passwords
from arrears.users.service import StaffUser
from floor_day import ZONE, calls, seed_day, user
from web_book import FAST_HASHER, RUN, build_book

NOW = datetime(2026, 11, 24, 2, tzinfo=UTC)  # 10:00 in Shanghai
_ACTION, _USER, _ACCOUNT = table_of(CollectionAction), table_of(AppUser), table_of(CardAccount)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    return build_book(engine, tmp_path, cipher)


def team_of(someone: StaffUser) -> int:
    assert someone.team_id is not None
    return someone.team_id


def claim(engine: Engine, who: StaffUser, *, now: datetime = NOW, max_held: int = 5) -> dict[str, Any] | None:
    with audit_transaction(engine) as connection:
        return claim_next(connection, user_id=who.id, team_id=who.team_id, now=now, max_held=max_held)


def reassign(
    engine: Engine,
    action_id: int,
    to: StaffUser,
    *,
    by: str = "team_lead1",
    held_by: int | None = None,
    max_held: int = 5,
    now: datetime = NOW,
) -> assign.Moved:
    with audit_transaction(engine) as connection:
        return assign.reassign(
            connection,
            action_id=action_id,
            to_user_id=to.id,
            expected_holder=held_by,
            actor=user(engine, by),
            run_date=RUN,
            now=now,
            max_held=max_held,
        )


def audit_actions(engine: Engine) -> list[str]:
    e = table_of(AuditEvent)
    with engine.connect() as connection:
        return list(connection.execute(select(e.c.action).order_by(e.c.id)).scalars())


class TestReassign:
    def test_a_held_case_goes_to_a_team_mate_who_holds_it_at_once(self, book: Engine) -> None:
        one, two = user(book, "collector1"), user(book, "collector2")
        taken = claim(book, one)
        assert taken is not None

        moved = reassign(book, taken["id"], two, held_by=one.id)

        after = next(row for row in calls(book) if row["id"] == taken["id"])
        assert moved.outcome == "claimed" and moved.account_no
        assert (after["status"], after["claimed_by_id"], after["assigned_to_id"]) == (
            "claimed",
            two.id,
            two.id,
        )
        assert after["lease_until"] == NOW + timedelta(minutes=30)
        assert audit_actions(book)[-1] == "queue.reassigned"

    def test_refused_for_a_collector_of_another_team_and_nothing_changes(self, book: Engine) -> None:
        free = calls(book)[0]

        with pytest.raises(AssignmentRefused, match="not in your team"):
            reassign(book, free["id"], user(book, "collector3"))

        assert calls(book)[0] == free and "queue.reassigned" not in audit_actions(book)

    def test_a_stale_page_is_refused(self, book: Engine) -> None:
        one, two = user(book, "collector1"), user(book, "collector2")
        taken = claim(book, one)
        assert taken is not None

        with pytest.raises(assign.StaleView):
            reassign(book, taken["id"], two, held_by=None)  # the page showed it free

    def test_at_the_cap_the_case_is_reserved_and_is_their_next(self, book: Engine) -> None:
        one, two = user(book, "collector1"), user(book, "collector2")
        held = claim(book, two, max_held=1)
        target = calls(book)[5]

        moved = reassign(book, target["id"], two, max_held=1)

        assert moved.outcome == "reserved"
        assert claim(book, one)["id"] != target["id"]  # type: ignore[index]
        with audit_transaction(book) as connection:  # collector2 logs a call on the held case: below the cap
            log_call(
                connection,
                account_id=held["account_id"],
                user_id=two.id,  # type: ignore[index]
                call=CallLog(outcome="no_answer"),
                now=NOW,
            )
        assert claim(book, two, max_held=1)["id"] == target["id"]  # type: ignore[index]

    def test_a_manager_moves_work_in_any_team_but_not_across_team_queues(self, book: Engine) -> None:
        three = user(book, "collector3")
        first = calls(book)[0]

        assert reassign(book, first["id"], three, by="manager1").outcome == "claimed"
        with book.begin() as connection:
            team_a = connection.execute(select(table_of(Team).c.id).where(table_of(Team).c.code == "phone-a"))
            connection.execute(
                update(_ACTION)
                .where(_ACTION.c.id == calls(book)[1]["id"])
                .values(team_id=team_a.scalar_one())
            )
        with pytest.raises(AssignmentRefused, match="another team's queue"):
            reassign(book, calls(book)[1]["id"], three, by="manager1")

    def test_a_worked_call_cannot_move(self, book: Engine) -> None:
        with book.begin() as connection:
            connection.execute(
                update(_ACTION).where(_ACTION.c.id == calls(book)[0]["id"]).values(status="done")
            )

        with pytest.raises(assign.StaleView, match="worked already"):
            reassign(book, calls(book)[0]["id"], user(book, "collector2"))


class TestShare:
    def test_reserved_cases_go_to_their_collector_first_and_to_no_one_else(self, book: Engine) -> None:
        one, two = user(book, "collector1"), user(book, "collector2")
        with audit_transaction(book) as connection:
            reserved = assign.share(
                connection,
                to_user_id=two.id,
                count=3,
                bucket=None,
                segment="m2",
                actor=user(book, "team_lead1"),
                run_date=RUN,
                now=NOW,
            )
        mine = [row["id"] for row in calls(book) if row["assigned_to_id"] == two.id]

        assert reserved == 3 and mine == [row["id"] for row in calls(book)[:3]]
        assert claim(book, one)["id"] == calls(book)[3]["id"]  # type: ignore[index]
        assert claim(book, two)["id"] == mine[0]  # type: ignore[index]
        assert audit_actions(book)[-1] == "queue.shared"

    def test_nothing_free_of_that_segment_is_refused(self, book: Engine) -> None:
        with audit_transaction(book) as connection, pytest.raises(AssignmentRefused, match="no free case"):
            assign.share(
                connection,
                to_user_id=user(book, "collector2").id,
                count=3,
                bucket=None,
                segment="m9",
                actor=user(book, "team_lead1"),
                run_date=RUN,
                now=NOW,
            )

    def test_a_share_only_for_the_leads_team(self, book: Engine) -> None:
        with (
            audit_transaction(book) as connection,
            pytest.raises(AssignmentRefused, match="not in your team"),
        ):
            assign.share(
                connection,
                to_user_id=user(book, "collector3").id,
                count=3,
                bucket=None,
                segment=None,
                actor=user(book, "team_lead1"),
                run_date=RUN,
                now=NOW,
            )


class TestAgenda:
    def test_the_collectors_agenda_on_the_business_date(self, book: Engine) -> None:
        seeded = seed_day(book, now=NOW)
        one, accounts = seeded["user"], seeded["accounts"]

        with book.connect() as connection:
            found = agenda(connection, one, business_date=RUN, now=NOW, zone=ZONE, clear_text=True)

        assert [(row["account_id"], row["slot"]) for row in found.due_now] == [(accounts[2], "due_now")]
        assert (
            found.due_now[0]["account_no"] and len(found.later_today) == 1 and len(found.later) == 1
        )  # the one in two days: not today
        assert [row["account_id"] for row in found.promises_due] == [accounts[3]]
        assert [(row["account_id"], row["status"]) for row in found.promises_broken] == [
            (accounts[4], "broken")
        ]
        assert [(row["account_id"], row["number"]) for row in found.instalments] == [(accounts[6], 1)]
        assert found.held == []  # both calls logged: the claims are done
        assert (found.figures.calls, found.figures.rpcs, found.figures.promises) == (2, 1, 1)
        assert found.figures.promised_fen == 1_234_500 and found.figures.collected_fen == 300_000

    def test_a_payment_goes_to_whoever_spoke_with_the_cardholder_last(self, book: Engine) -> None:
        seeded = seed_day(book, now=NOW)
        two = user(book, "collector2")
        later = NOW + timedelta(hours=1)  # collector2 reaches the same cardholder an hour later
        with audit_transaction(book) as connection:
            log_call(connection, account_id=seeded["accounts"][0], user_id=two.id, now=later,
                     call=CallLog(outcome="right_party", conversation=True))  # fmt: skip

        with book.connect() as connection:
            floor = board(
                connection, team_id=team_of(two), business_date=RUN, now=NOW + timedelta(hours=2), zone=ZONE
            )

        collected = {one.person["username"]: one.figures.collected_fen for one in floor.days}
        assert collected == {"collector1": 0, "collector2": 300_000, "team_lead1": 0}

    def test_targets_set_for_the_team_and_for_the_collector(self, book: Engine) -> None:
        lead, one = user(book, "team_lead1"), user(book, "collector1")
        team_id = team_of(lead)
        with audit_transaction(book) as connection:
            targets.set_target(
                connection,
                team_id=team_id,
                user_id=None,
                on=RUN,
                target=Target(100, 20, 5, 10_000_00),
                actor=lead,
                business_date=RUN,
                now=NOW,
            )
            targets.set_target(
                connection,
                team_id=team_id,
                user_id=one.id,
                on=RUN,
                target=Target(calls=80),
                actor=lead,
                business_date=RUN,
                now=NOW,
            )
            targets.set_target(
                connection,
                team_id=team_id,
                user_id=one.id,
                on=RUN,
                target=Target(calls=90),
                actor=lead,
                business_date=RUN,
                now=NOW,
            )

        with book.connect() as connection:
            mine = agenda(connection, one, business_date=RUN, now=NOW, zone=ZONE)
            team = board(connection, team_id=team_id, business_date=RUN, now=NOW, zone=ZONE)
            rows = connection.execute(select(table_of(DayTarget))).mappings().all()

        assert mine.target == Target(90, 20, 5, 10_000_00) and len(rows) == 2
        assert team.team_progress[0].target == 90 + 100 + 100  # collector1, collector2, the lead
        assert audit_actions(book).count("targets.set") == 3

    def test_targets_refused_for_a_past_day_or_another_team(self, book: Engine) -> None:
        lead = user(book, "team_lead1")
        team_id = team_of(lead)
        with audit_transaction(book) as connection:
            with pytest.raises(AssignmentRefused, match="from the business date"):
                targets.set_target(
                    connection,
                    team_id=team_id,
                    user_id=None,
                    on=RUN - timedelta(days=1),
                    target=Target(calls=1),
                    actor=lead,
                    business_date=RUN,
                    now=NOW,
                )
            with pytest.raises(AssignmentRefused, match="not in the team"):
                targets.set_target(
                    connection,
                    team_id=team_id,
                    user_id=user(book, "collector3").id,
                    on=RUN,
                    target=Target(calls=1),
                    actor=lead,
                    business_date=RUN,
                    now=NOW,
                )
            with pytest.raises(AssignmentRefused, match="own team"):
                targets.set_target(
                    connection,
                    team_id=team_id + 1,
                    user_id=None,
                    on=RUN,
                    target=Target(calls=1),
                    actor=lead,
                    business_date=RUN,
                    now=NOW,
                )

    def test_the_floor_of_the_team(self, book: Engine) -> None:
        seeded = seed_day(book, now=NOW)
        team_id = team_of(user(book, "team_lead1"))

        with book.connect() as connection:
            floor = board(
                connection, team_id=team_id, business_date=RUN, now=NOW + timedelta(minutes=25), zone=ZONE
            )

        assert [one["username"] for one in floor.members] == ["collector2", "collector1", "team_lead1"]
        assert floor.claims == []  # both calls logged
        assert [one["account_id"] for one in floor.at_risk] == [seeded["accounts"][2]]
        assert floor.at_risk[0]["overdue"] and floor.promises_due[0]["collector"] == "collector one"
        day = next(one for one in floor.days if one.person["username"] == "collector1")
        assert (day.figures.calls, day.figures.collected_fen) == (2, 300_000)
        assert floor.queue_totals == {"free": 10, "reserved": 0, "held": 0, "done": 2}


def at_once(*jobs: Any) -> list[Any]:
    """The jobs in threads released together; each one's result or the exception it raised."""
    barrier, results = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except Exception as problem:  # the outcome under test
            results[index] = problem

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def slow_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting a collector's held cases takes a while: a move holds its locks long enough for a
    parallel one to meet them."""
    counted = assign.held_cases

    def slowly(*args: Any, **kwargs: Any) -> int:
        found = counted(*args, **kwargs)
        threading.Event().wait(0.5)
        return found

    monkeypatch.setattr(assign, "held_cases", slowly)


@pytest.mark.postgres
@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
class TestParallelMoves:
    def test_two_leads_move_one_case_at_once_one_wins(self, book: Engine, slow_count: None) -> None:
        case, one, two = calls(book)[0]["id"], user(book, "collector1"), user(book, "collector2")

        outcomes = at_once(
            lambda: reassign(book, case, one), lambda: reassign(book, case, two, by="manager1")
        )

        won = [result for result in outcomes if isinstance(result, assign.Moved)]
        assert len(won) == 1 and isinstance(next(r for r in outcomes if r not in won), assign.StaleView)
        holder = next(row for row in calls(book) if row["id"] == case)["claimed_by_id"]
        assert holder == (one.id if outcomes[0] in won else two.id)
        assert audit_actions(book).count("queue.reassigned") == 1

    def test_two_moves_to_a_collector_one_below_the_cap_claim_one_and_reserve_the_other(
        self, book: Engine, slow_count: None
    ) -> None:
        two = user(book, "collector2")
        for _ in range(4):
            claim(book, two)
        free = [row["id"] for row in calls(book) if row["status"] == "planned"][:2]

        outcomes = at_once(
            lambda: reassign(book, free[0], two), lambda: reassign(book, free[1], two, by="manager1")
        )

        assert sorted(result.outcome for result in outcomes) == ["claimed", "reserved"]
        held = [row for row in calls(book) if row["status"] == "claimed" and row["claimed_by_id"] == two.id]
        assert len(held) == 5

    def test_two_shares_at_once_never_reserve_one_case_twice(self, book: Engine) -> None:
        one, two = user(book, "collector1"), user(book, "collector2")

        def share(to: StaffUser, by: str) -> int:
            with audit_transaction(book) as connection:
                return assign.share(
                    connection,
                    to_user_id=to.id,
                    count=8,
                    bucket=None,
                    segment=None,
                    actor=user(book, by),
                    run_date=RUN,
                    now=NOW,
                )

        outcomes = at_once(lambda: share(one, "team_lead1"), lambda: share(two, "manager1"))

        assert sorted(outcomes) == [4, 8]
        owners = [row["assigned_to_id"] for row in calls(book)]
        assert owners.count(one.id) + owners.count(two.id) == 12 and None not in owners
