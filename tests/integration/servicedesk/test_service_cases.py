"""Service cases on a real store (SQLite and PostgreSQL): the holds each kind places and whom they stop,
the queue, closure lifting them, the repeat flag, escalation, the desk's lists and figures, masking."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from desk_book import DESK, accounts, audit, cases, holds, user
from sqlalchemy import Engine, insert, select, update

from arrears.arrangements.rules import PlanTerms
from arrears.arrangements.service import propose_plan
from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.contacts.dialling import call_check
from arrears.contacts.queue import claim_next
from arrears.kit.crypto import FieldCipher
from arrears.kit.inputs import InvalidField
from arrears.models import CardAccount, CollectionAction, ContactEvent, table_of
from arrears.servicedesk import desk, work
from arrears.servicedesk.escalation import escalate_due
from arrears.servicedesk.intake import OpenedCase, open_case
from arrears.servicedesk.rules import CaseStateError, Intake, Resolution

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)  # Friday 09:00 in Shanghai
POLICY = load_policy("cn")


def opened(book: Engine, cipher: FieldCipher, account_id: int, intake: Intake, at: datetime = T0,
           by: str = "customer_service1") -> OpenedCase:  # fmt: skip
    staff = user(book, by)
    with audit_transaction(book) as connection:
        return open_case(connection, account_id=account_id, intake=intake, actor=f"user:{staff.id}",
                         user_id=staff.id, setup=DESK, cipher=cipher, now=at)  # fmt: skip


def blocked(
    book: Engine, account_id: int, username: str | None, at: datetime = T0 + timedelta(hours=2)
) -> bool:
    with book.connect() as connection:
        check = call_check(connection, account_id=account_id, policy=POLICY, zone="Asia/Shanghai", at=at,
                           user_id=user(book, username).id if username else None)  # fmt: skip
    return "CN-HOLD" in check.rules


def test_a_complaint_naming_a_collector_stops_only_their_calls(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[0]
    collector = user(book, "collector1")
    case = opened(book, cipher, account, Intake("complaint", "attitude_abuse", "call", "shouted at me",
                                                involved_user_id=collector.id))  # fmt: skip
    [hold] = holds(book)
    assert (hold["kind"], hold["account_id"], hold["staff_user_id"]) == ("complaint", account, collector.id)
    assert case.hold_ids == (hold["id"],)
    assert blocked(book, account, "collector1") and not blocked(book, account, "collector2")
    assert not blocked(book, account, None)  # the bank's own actions (the daily run) go on


def test_the_queue_keeps_the_account_from_the_collector_named(book: Engine, cipher: FieldCipher) -> None:
    x = table_of(CollectionAction)
    with book.connect() as connection:  # the queue's most valuable call
        first = connection.execute(select(x.c.account_id).where(x.c.priority == 1)).scalar_one()
    collector = user(book, "collector1")
    opened(book, cipher, first, Intake("complaint", "third_party", "call", "called my employer",
                                       involved_user_id=collector.id))  # fmt: skip
    with audit_transaction(book) as connection:
        theirs = claim_next(connection, user_id=collector.id, now=T0, max_held=5, team_id=collector.team_id)
        other = user(book, "collector2")
        next_one = claim_next(connection, user_id=other.id, now=T0, max_held=5, team_id=other.team_id)
    assert theirs is not None and theirs["account_id"] != first
    assert next_one is not None and next_one["account_id"] == first


def test_an_agency_named_is_stopped_through_its_users(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[1]
    opened(book, cipher, account, Intake("complaint", "false_threats", "letter", "said police would come",
                                         involved_agency="X"))  # fmt: skip
    assert blocked(book, account, "agency_user1") and not blocked(book, account, "collector1")


def test_a_portal_complaint_names_the_latest_caller(book: Engine, cipher: FieldCipher) -> None:
    account, customer = accounts(book)[2]
    collector = user(book, "collector2")
    with book.begin() as connection:
        call = {"account_id": account, "customer_id": customer, "user_id": collector.id, "channel": "call",
                "at": T0 - timedelta(days=2), "party": "debtor", "connected": True, "conversation": True,
                "outcome": "right_party"}  # fmt: skip
        connection.execute(insert(table_of(ContactEvent)).values(**call))
    opened(book, cipher, account, Intake("complaint", "attitude_abuse", "portal", "rude"))
    assert cases(book)[0]["involved_user_id"] == collector.id
    assert holds(book)[0]["staff_user_id"] == collector.id


def test_a_complaint_naming_nobody_stops_every_contact_on_the_account(
    book: Engine, cipher: FieldCipher
) -> None:
    account, _ = accounts(book)[3]
    opened(book, cipher, account, Intake("complaint", "attitude_abuse", "portal", "rude"))
    assert cases(book)[0]["involved_user_id"] is None
    assert blocked(book, account, "collector1") and blocked(book, account, None)


def test_a_dispute_holds_its_account_with_the_amount_and_fraud_every_account(
    book: Engine, cipher: FieldCipher
) -> None:
    (first, customer), (second, _) = accounts(book)[:2]
    opened(
        book, cipher, first, Intake("dispute", "interest_fees", "email", "interest wrong", amount_fen=12_345)
    )
    opened(book, cipher, second, Intake("dispute", "fraud", "call", "not my card"))
    dispute, fraud = holds(book)
    assert (dispute["account_id"], dispute["amount_fen"], dispute["customer_id"]) == (first, 12_345, customer)
    assert fraud["account_id"] is None and fraud["kind"] == "dispute"
    assert blocked(book, first, None) and blocked(book, second, "collector3")


def test_hardship_pauses_collection_for_the_policy_s_days(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[4]
    opened(book, cipher, account, Intake("hardship", "income_loss", "call", "lost my job"))
    hardship, pause = holds(book)
    assert (hardship["kind"], hardship["expires_at"]) == ("hardship", None)
    assert (pause["kind"], pause["expires_at"]) == ("breathing_space", T0 + timedelta(days=30))
    assert blocked(book, account, None)
    assert not blocked(book, account, None, at=T0 + timedelta(days=31))  # the pause is over


def resolved(book: Engine, cipher: FieldCipher, case_id: int, at: datetime, outcome: str = "upheld") -> None:
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:
        work.resolve(connection, case_id=case_id, resolution=Resolution(outcome, (), "we looked into it"),
                     by=staff, cipher=cipher, now=at)  # fmt: skip


def test_closing_lifts_the_case_s_holds_audited(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[5]
    case = opened(book, cipher, account, Intake("hardship", "illness", "call", "in hospital"))
    staff = user(book, "customer_service1")
    with pytest.raises(CaseStateError), audit_transaction(book) as connection:
        work.close(connection, case_id=case.id, by=staff, now=T0 + timedelta(hours=1))
    resolved(book, cipher, case.id, T0 + timedelta(hours=2))
    with audit_transaction(book) as connection:
        lifted = work.close(connection, case_id=case.id, by=staff, now=T0 + timedelta(hours=3))
    assert sorted(lifted) == sorted(case.hold_ids)
    assert all(hold["lifted_at"] == T0 + timedelta(hours=3) for hold in holds(book))
    assert len(audit(book, "hold.lifted")) == 2 and not blocked(
        book, account, None, at=T0 + timedelta(hours=4)
    )
    [closed] = audit(book, "service_case.closed")
    assert json.loads(closed["details"])["holds_lifted"] == lifted
    with pytest.raises(CaseStateError), audit_transaction(book) as connection:
        work.close(connection, case_id=case.id, by=staff, now=T0 + timedelta(hours=5))


def test_a_regulator_referral_closes_only_after_its_response_letter(
    book: Engine, cipher: FieldCipher
) -> None:
    account, _ = accounts(book)[6]
    case = opened(book, cipher, account, Intake("complaint", "frequency_hours", "regulator", "too many calls",
                                                regulator_ref="JG-2026-001"))  # fmt: skip
    assert cases(book)[0]["regulator"] is True
    resolved(book, cipher, case.id, T0 + timedelta(hours=2), outcome="partly_upheld")
    with pytest.raises(CaseStateError), audit_transaction(book) as connection:
        work.close(
            connection, case_id=case.id, by=user(book, "customer_service1"), now=T0 + timedelta(hours=3)
        )


def test_a_second_complaint_within_a_year_is_flagged(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[7]
    first = opened(book, cipher, account, Intake("complaint", "privacy", "email", "told my neighbour"))
    again = opened(book, cipher, account, Intake("complaint", "frequency_hours", "call", "again"),
                   at=T0 + timedelta(days=40))  # fmt: skip
    assert (first.repeat, again.repeat) == (False, True)


def test_late_cases_escalate_to_the_team_lead_then_the_manager_once(
    book: Engine, cipher: FieldCipher
) -> None:
    account, _ = accounts(book)[8]
    case = opened(book, cipher, account, Intake("dispute", "amount", "call", "wrong amount"))
    assert case.acknowledge_by == datetime(2026, 12, 7, 16, tzinfo=UTC)  # end of Monday in Shanghai
    with audit_transaction(book) as connection:
        assert escalate_due(connection, setup=DESK, cipher=cipher, now=T0 + timedelta(days=1)) == []
        first = escalate_due(connection, setup=DESK, cipher=cipher, now=case.acknowledge_by)
        again = escalate_due(
            connection, setup=DESK, cipher=cipher, now=case.acknowledge_by + timedelta(hours=1)
        )
        later = escalate_due(connection, setup=DESK, cipher=cipher, now=case.resolve_by + timedelta(days=3))
    assert [(one.case_id, one.level) for one in first] == [(case.id, 1)] and again == []
    assert [(one.case_id, one.level) for one in later] == [(case.id, 2)]
    assert cases(book)[0]["escalation_level"] == 2 and len(audit(book, "service_case.escalated")) == 2


def test_the_desk_lists_cases_by_deadline_with_their_figures(book: Engine, cipher: FieldCipher) -> None:
    (first, _), (second, _), (third, _) = accounts(book)[:3]
    collector = user(book, "collector1")
    rude = Intake("complaint", "attitude_abuse", "call", "rude", involved_user_id=collector.id)
    late = opened(book, cipher, first, rude, at=T0 - timedelta(days=31))
    soon = opened(book, cipher, second, Intake("dispute", "charge", "call", "unknown charge"),
                  at=T0 - timedelta(days=14))  # fmt: skip
    done = opened(
        book, cipher, third, Intake("complaint", "privacy", "email", "leaked"), at=T0 - timedelta(days=2)
    )
    resolved(book, cipher, done.id, T0 - timedelta(days=1))
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:  # acknowledged in time: only its resolution runs
        work.acknowledge(connection, case_id=soon.id, by=staff, now=T0 - timedelta(days=14, hours=-1))
    with book.connect() as connection:
        shown = desk.desk_page(connection, user=staff, setup=DESK, now=T0)
        breached = desk.desk_page(connection, user=staff, setup=DESK, now=T0, tab="breached")
        risky = desk.desk_page(connection, user=staff, setup=DESK, now=T0, tab="at_risk")
        figures = desk.figures(connection, now=T0)
    assert [row["id"] for row in shown.rows] == [late.id, soon.id]  # by deadline
    assert shown.counts["due"] == 2 and shown.counts["breached"] == 1
    assert [row["id"] for row in breached.rows] == [late.id] and breached.rows[0][
        "resolve_clock"
    ].state == "breached"
    assert [row["id"] for row in risky.rows] == [soon.id]
    assert figures.resolved.resolved == 1 and figures.resolved.share_in_time == 1.0
    assert sum(row["count"] for row in figures.by_category) == 2  # the last 30 days
    [against] = figures.against_staff
    assert (against["involved_user_id"], against["received"]) == (collector.id, 1)


def test_a_role_without_the_reveal_permission_reads_the_summary_masked(
    book: Engine, cipher: FieldCipher
) -> None:
    account, _ = accounts(book)[9]
    case = opened(
        book, cipher, account, Intake("complaint", "privacy", "call", "call me on 13800138000 please")
    )
    with book.connect() as connection:
        masked = desk.case_view(connection, case_id=case.id, user=user(book, "customer_service1"), setup=DESK,
                                cipher=cipher, now=T0)  # fmt: skip
        clear = desk.case_view(connection, case_id=case.id, user=user(book, "team_lead1"), setup=DESK,
                               cipher=cipher, now=T0)  # fmt: skip
    assert "13800138000" not in masked["summary"] and "13800138000" in clear["summary"]
    stored = cases(book)[0]["summary_enc"]
    assert b"13800138000" not in stored and "summary" not in audit(book, "service_case.opened")[0]["details"]


def test_a_waiver_is_granted_only_through_the_approval_flow(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[10]
    with book.begin() as connection:  # interest to waive
        a = table_of(CardAccount)
        connection.execute(update(a).where(a.c.id == account).values(interest_fen=5_000))
    case = opened(book, cipher, account, Intake("dispute", "interest_fees", "call", "charged twice"))
    staff = user(book, "customer_service1")
    waiver = Resolution("upheld", ("waiver",), "the fee is waived")
    with pytest.raises(InvalidField) as refused, audit_transaction(book) as connection:
        work.resolve(connection, case_id=case.id, resolution=waiver, by=staff, cipher=cipher, now=T0)
    assert refused.value.field == "remedies"
    terms = PlanTerms(kind="deferral", first_due_date=T0.date() + timedelta(days=20), waived_interest_fen=1)
    with audit_transaction(book) as connection:
        proposed = propose_plan(connection, account_id=account, terms=terms, by=staff, today=T0.date(),
                                now=T0 + timedelta(minutes=5))  # fmt: skip
        work.resolve(connection, case_id=case.id, resolution=waiver, by=staff, cipher=cipher,
                     now=T0 + timedelta(minutes=6))  # fmt: skip
    [row] = cases(book)
    assert row["approval_id"] == proposed.approval_id and row["remedies"] == "waiver"
    details = json.loads(audit(book, "service_case.resolved")[0]["details"])
    assert details["plan_id"] == proposed.plan_id
