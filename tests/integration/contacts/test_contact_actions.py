"""The contact actions on SQLite and PostgreSQL: the check before dialling, SMS, callbacks, requests
and holds, called as the pages call them (a connection, a policy, a zone, a moment)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from contact_support import (
    DAY,
    NIGHT,
    POLICY,
    RUN,
    SHANGHAI,
    ZONE,
    check,
    first_account,
    hold,
    load_book,
    log,
    point_of,
    user_id,
)
from sqlalchemy import Engine, update

from arrears.accounts.service import refresh_delinquency
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.batch.run_day import store_portfolio
from arrears.batch.steps.comply import situation_of
from arrears.batch.store import RunRepository
from arrears.compliance import check as check_situation
from arrears.contacts import callbacks, case_requests, holds
from arrears.contacts.call_rules import CALLBACK_DAYS
from arrears.contacts.rules import ContactBlocked
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import MAX_TEXT, InvalidField
from arrears.models import (
    ContactPoint,
    table_of,
)
from arrears.scoring.store import store_accounts


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return load_book(engine, tmp_path, cipher, users=("collector1", "collector2"))


class TestCallCheck:
    def test_allowed_in_the_day_to_the_primary_mobile(self, book: Engine) -> None:
        account, customer = first_account(book)

        decided = check(book, account, DAY)

        assert decided.allowed and decided.rules == () and decided.reasons == ()
        assert decided.contact_point_id == point_of(book, customer, "mobile") and decided.channel == "call"

    def test_blocked_at_night_until_eight(self, book: Engine) -> None:
        account, _ = first_account(book)

        decided = check(book, account, NIGHT)

        assert not decided.allowed and decided.rules == ("CN-HOURS",)
        assert decided.reasons[0].zh and "outside the allowed hours" in decided.reasons[0].en
        assert decided.next_allowed_at == datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)

    def test_blocked_under_a_hold_until_it_is_lifted(self, book: Engine) -> None:
        account, _ = first_account(book)
        placed = hold(book, account, "dispute")

        held = check(book, account, DAY + timedelta(minutes=5))
        assert not held.allowed and held.rules == ("CN-HOLD",) and held.next_allowed_at is None
        assert "dispute" in held.reason_en

        with audit_transaction(book) as connection:
            holds.lift_hold(
                connection,
                hold_id=placed["id"],
                reason="resolved",
                user_id=None,
                actor="cs1",
                role="customer_service",
                now=DAY + timedelta(minutes=10),
            )
        assert check(book, account, DAY + timedelta(minutes=15)).allowed
        assert not check(book, account, DAY + timedelta(minutes=5)).allowed  # as it was then

    def test_hardship_and_expired_holds_do_not_block(self, book: Engine) -> None:
        account, _ = first_account(book)
        hold(book, account, "hardship")
        hold(book, account, "complaint", expires_at=DAY + timedelta(hours=1))

        assert not check(book, account, DAY + timedelta(minutes=30)).allowed
        assert check(book, account, DAY + timedelta(hours=2)).allowed

    def test_blocked_after_three_connected_calls_today(self, book: Engine) -> None:
        account, customer = first_account(book)
        home = point_of(book, customer, "home_phone")
        for minutes in (0, 30, 60):
            log(book, account, DAY + timedelta(minutes=minutes), "right_party", home, conversation=True)

        decided = check(book, account, DAY + timedelta(hours=2))

        assert decided.rules == ("CN-CALL-CONNECTED",)
        assert decided.next_allowed_at == datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)
        assert check(book, account, datetime(2026, 11, 25, 9, tzinfo=SHANGHAI)).allowed

    def test_six_attempts_block_that_number_only(self, book: Engine) -> None:
        account, customer = first_account(book)
        for minutes in range(5):
            log(book, account, DAY + timedelta(minutes=minutes), "no_answer", None)  # the primary mobile
        log(book, account, DAY + timedelta(minutes=5), "busy", point_of(book, customer, "mobile"))

        later = DAY + timedelta(hours=1)
        assert check(book, account, later).rules == ("CN-CALL-ATTEMPTS",)
        assert check(book, account, later, contact_point_id=point_of(book, customer, "work_phone")).allowed

    def test_an_opted_out_number_is_blocked(self, book: Engine) -> None:
        account, customer = first_account(book)
        mobile = point_of(book, customer, "mobile")
        with book.begin() as connection:
            p = table_of(ContactPoint)
            connection.execute(update(p).where(p.c.id == mobile).values(opted_out=True, opted_out_at=DAY))

        assert check(book, account, DAY).rules == ("CN-OPT-OUT",)

    def test_a_third_party_only_once_the_debtor_is_unreachable(self, book: Engine) -> None:
        account, customer = first_account(book)
        relay = {"party": "third_party", "purpose": "relay_message"}
        home = point_of(book, customer, "home_phone")

        assert check(book, account, DAY, contact_point_id=home, **relay).rules == ("CN-THIRD-PARTY",)
        for days in (5, 4, 3):
            log(book, account, DAY - timedelta(days=days), "no_answer", None)
        assert check(book, account, DAY, contact_point_id=home, **relay).allowed
        collect = {"party": "third_party", "purpose": "collect"}
        assert check(book, account, DAY, contact_point_id=home, **collect).rules == ("CN-THIRD-PARTY",)

    def test_refuses_what_cannot_be_dialled(self, book: Engine) -> None:
        account, customer = first_account(book)
        with pytest.raises(ArrearsError, match="kind email"):
            check(book, account, DAY, contact_point_id=point_of(book, customer, "email"))
        with pytest.raises(ArrearsError, match="not the cardholder's"):
            check(book, account, DAY, contact_point_id=point_of(book, customer + 1, "mobile"))
        with pytest.raises(NotFound):
            check(book, 999_999, DAY)
        with pytest.raises(ArrearsError, match="time zone"):
            check(book, account, DAY.replace(tzinfo=None))


class TestCallbacks:
    def test_scheduled_listed_soonest_first_and_closed(self, book: Engine) -> None:
        account, _ = first_account(book)
        me, other = user_id(book, "collector1"), user_id(book, "collector2")
        with book.begin() as connection:
            options: dict[str, Any] = {
                "account_id": account,
                "user_id": me,
                "policy": POLICY,
                "zone": ZONE,
                "now": DAY,
            }
            later = callbacks.schedule_callback(
                connection, due_at=DAY + timedelta(days=1), note="after payday", **options
            )
            sooner = callbacks.schedule_callback(connection, due_at=DAY + timedelta(hours=3), **options)
            listed = callbacks.open_callbacks(connection, user_id=me)
            assert [c["id"] for c in listed] == [sooner["id"], later["id"]]
            assert callbacks.open_callbacks(connection, user_id=other) == []
            assert (
                callbacks.complete_callback(connection, callback_id=sooner["id"], user_id=me)["status"]
                == "done"
            )
            with pytest.raises(ArrearsError, match="done already"):
                callbacks.cancel_callback(connection, callback_id=sooner["id"], user_id=me)
            with pytest.raises(NotFound):
                callbacks.cancel_callback(connection, callback_id=later["id"], user_id=other)
            assert (
                callbacks.cancel_callback(connection, callback_id=later["id"], user_id=me)["status"]
                == "cancelled"
            )
            assert callbacks.open_callbacks(connection, user_id=me) == []

    def test_refused_in_the_past_and_when_a_call_would_be_blocked(self, book: Engine) -> None:
        account, _ = first_account(book)
        options: dict[str, Any] = {
            "account_id": account,
            "user_id": user_id(book, "collector1"),
            "policy": POLICY,
            "zone": ZONE,
        }
        with book.begin() as connection:
            with pytest.raises(ArrearsError, match="past"):
                callbacks.schedule_callback(connection, due_at=DAY - timedelta(minutes=1), now=DAY, **options)
            with pytest.raises(ContactBlocked) as blocked:
                callbacks.schedule_callback(connection, due_at=NIGHT, now=DAY, **options)
            assert blocked.value.check.next_allowed_at == datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)
        hold(book, account, "cease_contact")
        with book.begin() as connection, pytest.raises(ContactBlocked, match="cease contact"):
            callbacks.schedule_callback(connection, due_at=DAY + timedelta(hours=1), now=DAY, **options)

    def test_refused_more_than_the_horizon_ahead(self, book: Engine) -> None:
        """A callback far ahead would keep the account in its owner's scope for as long (a claim's
        access without a claim): it falls due within CALLBACK_DAYS."""
        account, _ = first_account(book)
        options: dict[str, Any] = {
            "account_id": account,
            "user_id": user_id(book, "collector1"),
            "policy": POLICY,
            "zone": ZONE,
            "now": DAY,
        }
        with book.begin() as connection:
            last = DAY + timedelta(days=CALLBACK_DAYS)
            assert callbacks.schedule_callback(connection, due_at=last, **options)["status"] == "open"
            for beyond in (last + timedelta(days=1), datetime(2999, 12, 30, 10, tzinfo=SHANGHAI)):
                with pytest.raises(ArrearsError, match=f"{CALLBACK_DAYS} days"):
                    callbacks.schedule_callback(connection, due_at=beyond, **options)


class TestRequests:
    def test_one_open_request_of_a_kind_per_account(self, book: Engine) -> None:
        account, _ = first_account(book)
        me = user_id(book, "collector1")
        with book.begin() as connection:
            options: dict[str, Any] = {"account_id": account, "user_id": me, "policy": POLICY, "now": DAY}
            visit = case_requests.request_case(
                connection, kind="visit", reason="unreachable by phone", **options
            )
            with pytest.raises(ArrearsError, match="open visit request"):
                case_requests.request_case(connection, kind="visit", reason="again", **options)
            with pytest.raises(ArrearsError, match="reason"):
                case_requests.request_case(connection, kind="legal_review", reason="  ", **options)
            legal = case_requests.request_case(
                connection, kind="legal_review", reason="two collections", **options
            )
            visits = case_requests.open_requests(connection, kind="visit")
            assert (
                [r["id"] for r in visits] == [visit["id"]]
                and visits[0]["account_no"]
                and visits[0]["dpd"] == 60
            )
            assert [r["id"] for r in case_requests.open_requests(connection, kind="legal_review")] == [
                legal["id"]
            ]
            assert visit["status"] == "open" and visit["requested_by_id"] == me
            with pytest.raises(ArrearsError, match="unknown request kind"):
                case_requests.open_requests(connection, kind="lawsuit")

    def test_refused_under_a_blocking_hold(self, book: Engine) -> None:
        account, _ = first_account(book)
        hold(book, account, "bankruptcy")
        with book.begin() as connection, pytest.raises(ArrearsError, match="CN-HOLD"):
            case_requests.request_case(
                connection, account_id=account, kind="visit", reason="r", user_id=None, policy=POLICY, now=DAY
            )


class TestHolds:
    def test_placed_and_lifted_in_the_audit_chain_without_the_reasons(self, book: Engine) -> None:
        account, customer = first_account(book)
        placed = hold(book, account, "complaint", whole_customer=False)
        assert placed["account_id"] == account and placed["customer_id"] == customer
        with audit_transaction(book) as connection:
            lifted = holds.lift_hold(
                connection,
                hold_id=placed["id"],
                reason="complaint answered",
                user_id=None,
                actor="cs1",
                role="customer_service",
                now=DAY,
            )
            with pytest.raises(ArrearsError, match="lifted already"):
                holds.lift_hold(
                    connection,
                    hold_id=placed["id"],
                    reason="again",
                    user_id=None,
                    actor="cs1",
                    role="customer_service",
                    now=DAY,
                )
        assert lifted["lift_reason"] == "complaint answered" and lifted["lifted_at"] == DAY
        with book.connect() as connection:
            entries = AuditLog(connection).entries()
        assert [(e.action, e.actor, e.subject_id) for e in entries] == [
            ("hold.placed", "compliance1", str(placed["id"])),
            ("hold.lifted", "cs1", str(placed["id"])),
        ]
        assert verify(entries) == []
        assert all("dispute" not in e.details and "answered" not in e.details for e in entries)

    def test_refuses_bad_holds(self, book: Engine) -> None:
        account, _ = first_account(book)
        with pytest.raises(ArrearsError, match="unknown hold kind"):
            hold(book, account, "vacation")
        with pytest.raises(ArrearsError, match="expire in the past"):
            hold(book, account, "dispute", expires_at=DAY - timedelta(days=1))
        with pytest.raises(NotFound):
            hold(book, 999_999, "dispute")
        with audit_transaction(book) as connection, pytest.raises(NotFound):
            holds.lift_hold(
                connection, hold_id=999, reason="r", user_id=None, actor="x", role="legal", now=DAY
            )
        with book.connect() as connection:
            assert AuditLog(connection).entries() == []

    def test_a_customer_wide_hold_covers_every_account(self, book: Engine) -> None:
        account, _ = first_account(book)
        placed = hold(book, account, "deceased")
        with book.connect() as connection:
            assert holds.hold_accounts(connection, placed["id"]) == [account]
            assert holds.hold_accounts(connection, 999) == []


def test_the_check_decides_as_the_daily_run_would(book: Engine) -> None:
    """The daily run's situation of the account's call (``store_portfolio``, ``situation_of``) and the
    interactive check's are decided alike, with the same holds, consents and contacts."""
    account, customer = first_account(book)
    start = datetime.combine(RUN, time(9), SHANGHAI)
    for minutes in (0, 20, 40):
        log(book, account, start + timedelta(minutes=minutes), "right_party", None, conversation=True)
    hold(book, account, "hardship", now=start)
    with book.begin() as connection:
        p = table_of(ContactPoint)
        mobile = point_of(book, customer, "mobile")
        connection.execute(update(p).where(p.c.id == mobile).values(consent_outside_hours=True))
        refresh_delinquency(connection, as_of=RUN)
        layout = store_accounts(connection, as_of=RUN)
        portfolio = store_portfolio(RunRepository(connection), layout, RUN, ZONE)
    row = portfolio.filter(pl.col("account_id") == str(account)).row(0, named=True)
    for hour in (7, 12, 23):
        at = datetime.combine(RUN, time(hour), SHANGHAI)
        run_decision = check_situation(POLICY, situation_of(row, "call", at))
        mine = check(book, account, at)
        assert (mine.allowed, mine.rules) == (run_decision.decision == "allow", run_decision.rules)
        assert mine.next_allowed_at == run_decision.next_allowed_at
    assert mine.rules == ("CN-CALL-CONNECTED",)  # the consent lifts the hours, not the cap


class TestFreeTextBounds:
    """Free text is bounded in the services (MAX_TEXT characters), whichever edge it comes through: the
    pages passed a 1 MB hold reason straight to the store, where the API's schemas stopped it."""

    LONG = "r" * (MAX_TEXT + 1)

    def test_a_hold_reason_and_a_lift_reason(self, book: Engine) -> None:
        account, _ = first_account(book)
        options: dict[str, Any] = {"user_id": None, "actor": "compliance1", "role": "compliance", "now": DAY}
        with audit_transaction(book) as connection, pytest.raises(InvalidField) as refused:
            holds.place_hold(connection, account_id=account, kind="dispute", reason=self.LONG, **options)
        assert refused.value.field == "reason"
        placed = hold(book, account, "dispute")
        with audit_transaction(book) as connection, pytest.raises(InvalidField) as refused:
            holds.lift_hold(connection, hold_id=placed["id"], reason=self.LONG, **options)
        assert refused.value.field == "reason"

    def test_a_callback_note_and_a_request_reason(self, book: Engine) -> None:
        account, _ = first_account(book)
        me = user_id(book, "collector1")
        with book.begin() as connection, pytest.raises(InvalidField) as refused:
            callbacks.schedule_callback(
                connection, account_id=account, user_id=me, due_at=DAY + timedelta(hours=1), policy=POLICY,
                zone=ZONE, now=DAY, note=self.LONG,
            )  # fmt: skip
        assert refused.value.field == "note"
        with book.begin() as connection, pytest.raises(InvalidField) as refused:
            case_requests.request_case(
                connection, account_id=account, kind="visit", reason=self.LONG, user_id=me, policy=POLICY,
                now=DAY,
            )  # fmt: skip
        assert refused.value.field == "reason"
