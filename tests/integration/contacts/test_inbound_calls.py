"""Inbound calls on SQLite and PostgreSQL: finding the caller, checking who they are, and logging the call
outside the outbound calling hours and caps while the third-party and hold rules still apply."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from contact_support import DAY, NIGHT, POLICY, check, first_account, hold, load_book, log, point_of, user_id
from sqlalchemy import Engine, select, update

from arrears.audit.chain import verify as verify_chain
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.contacts.call_rules import CallLimits
from arrears.contacts.inbound import find_callers, log_inbound
from arrears.contacts.inbound_rules import INBOUND_CHANNEL, Claimed, InboundCall
from arrears.kit.crypto import FieldCipher
from arrears.kit.inputs import InvalidField
from arrears.models import (
    AuditEvent,
    CardAccount,
    ContactEvent,
    ContactPoint,
    Customer,
    PromiseToPay,
    table_of,
)
from web_book import personal_data

LIMITS = CallLimits(zone="Asia/Shanghai", backdate=timedelta(minutes=15), promise_days=30)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return load_book(engine, tmp_path, cipher, users=("cs1",))


def caller_of(engine: Engine, cipher: FieldCipher) -> tuple[int, int, Claimed]:
    """The first account, its customer and what its cardholder says when asked (all three right)."""
    account_id, customer_id = first_account(engine)
    name, national_id, _phones = personal_data(engine, cipher, account_id)
    with engine.connect() as connection:
        born = connection.execute(
            select(table_of(Customer).c.birth_date).where(table_of(Customer).c.id == customer_id)
        ).scalar()
    return account_id, customer_id, Claimed(name, national_id[-6:], born)


def inbound(
    engine: Engine, cipher: FieldCipher, account_id: int, claimed: Claimed, at: datetime, **call: Any
) -> dict[str, Any]:
    values = {"party": "debtor", "outcome": "right_party"} | call
    with audit_transaction(engine) as connection:
        return log_inbound(
            connection,
            account_id=account_id,
            user_id=user_id(engine, "cs1"),
            actor="cs1",
            call=InboundCall.model_validate(values),
            claimed=claimed,
            cipher=cipher,
            policy=POLICY,
            now=at,
            limits=LIMITS,
        )


def events(engine: Engine) -> list[Any]:
    e = table_of(ContactEvent)
    with engine.connect() as connection:
        return list(connection.execute(select(e).order_by(e.c.id)).all())


class TestTheHoursAndCapsDoNotApply:
    def test_a_cardholder_calling_in_at_23_00_is_logged_though_an_outbound_call_is_refused(
        self, book: Engine, cipher: FieldCipher
    ) -> None:
        account_id, customer_id, claimed = caller_of(book, cipher)
        assert NIGHT.hour == 23 and NIGHT.utcoffset() == timedelta(hours=8)
        outbound = check(book, account_id, NIGHT)
        assert not outbound.allowed and "CN-HOURS" in outbound.rules

        logged = inbound(
            book, cipher, account_id, claimed, NIGHT, contact_point_id=point_of(book, customer_id, "mobile")
        )

        (event,) = events(book)
        assert event.id == logged["id"] and event.channel == INBOUND_CHANNEL and event.party == "debtor"
        assert event.at == NIGHT and event.connected and event.conversation

    def test_inbound_calls_are_not_counted_against_the_outbound_caps(
        self, book: Engine, cipher: FieldCipher
    ) -> None:
        account_id, customer_id, claimed = caller_of(book, cipher)
        for minutes in (0, 10, 20, 30):  # more than the three connected calls a day
            inbound(book, cipher, account_id, claimed, DAY + timedelta(minutes=minutes))
        later = check(book, account_id, DAY + timedelta(hours=1))
        assert later.allowed, later.reasons
        mobile = point_of(book, customer_id, "mobile")
        for minutes in (0, 10, 20):  # the same number of the bank's own calls does count
            log(book, account_id, DAY + timedelta(minutes=minutes), "right_party", mobile, conversation=True)
        assert "CN-CALL-CONNECTED" in check(book, account_id, DAY + timedelta(hours=1)).rules


class TestWhatStillApplies:
    def test_an_unverified_caller_is_not_logged_as_the_cardholder(
        self, book: Engine, cipher: FieldCipher
    ) -> None:
        account_id, _customer, claimed = caller_of(book, cipher)
        wrong = Claimed(
            claimed.name, "000000" if claimed.id_tail != "000000" else "111111", claimed.birth_date
        )
        with pytest.raises(InvalidField) as refused:
            inbound(book, cipher, account_id, wrong, DAY)
        assert refused.value.field == "party" and events(book) == []

        inbound(book, cipher, account_id, wrong, DAY, party="third_party", outcome="third_party")
        (event,) = events(book)
        assert event.party == "third_party" and not event.conversation

    def test_a_promise_is_taken_from_the_verified_cardholder_and_not_under_a_hold(
        self, book: Engine, cipher: FieldCipher
    ) -> None:
        account_id, _customer, claimed = caller_of(book, cipher)
        promise = {"amount_fen": 50_000, "promised_date": (DAY + timedelta(days=3)).date()}
        logged = inbound(book, cipher, account_id, claimed, DAY, outcome="promise", promise=promise)
        p = table_of(PromiseToPay)
        with book.connect() as connection:
            taken = connection.execute(select(p).where(p.c.id == logged["promise_id"])).one()
        assert taken.amount_fen == 50_000 and taken.taken_on == DAY.date()
        assert taken.taken_by_id == user_id(book, "cs1")

        hold(book, account_id, "dispute")
        with pytest.raises(InvalidField) as refused:
            inbound(
                book,
                cipher,
                account_id,
                claimed,
                DAY + timedelta(hours=1),
                outcome="promise",
                promise=promise,
            )
        assert refused.value.field == "outcome" and "dispute" in refused.value.message_en
        inbound(book, cipher, account_id, claimed, DAY + timedelta(hours=1))  # the call itself is logged

    def test_a_third_party_cannot_promise(self) -> None:
        with pytest.raises(ValueError, match="verified cardholder"):
            InboundCall.model_validate(
                {
                    "party": "third_party",
                    "outcome": "third_party",
                    "promise": {"amount_fen": 100, "promised_date": "2026-11-25"},
                }
            )

    def test_the_audit_keeps_the_checks_results_never_the_values(
        self, book: Engine, cipher: FieldCipher
    ) -> None:
        account_id, _customer, claimed = caller_of(book, cipher)
        missing_birth = Claimed(claimed.name, claimed.id_tail[-4:], None)
        logged = inbound(
            book, cipher, account_id, missing_birth, NIGHT, party="third_party", outcome="third_party"
        )
        a = table_of(AuditEvent)
        with book.connect() as connection:
            entry = connection.execute(select(a).where(a.c.action == "contact.inbound")).one()
            assert verify_chain(AuditLog(connection).entries()) == []
        assert entry.subject_id == str(logged["id"]) and entry.actor == "cs1"
        details = json.loads(entry.details)
        born = "not_given" if claimed.birth_date is not None else "not_on_file"
        assert details["checks"] == {
            "name": "match",
            "id_tail": "match",
            "birth_date": born,
            "verified": born == "not_on_file",
        }
        assert claimed.name not in entry.details and claimed.id_tail not in entry.details


class TestFindingTheCaller:
    def test_by_account_mobile_national_id_and_its_last_characters(
        self, book: Engine, cipher: FieldCipher
    ) -> None:
        account_id, customer_id, _claimed = caller_of(book, cipher)
        _name, national_id, phones = personal_data(book, cipher, account_id)
        a = table_of(CardAccount)
        with book.connect() as connection:
            number = connection.execute(select(a.c.account_no).where(a.c.id == account_id)).scalar_one()
            p = table_of(ContactPoint)
            mobile = cipher.decrypt(
                connection.execute(
                    select(p.c.value_enc).where(p.c.customer_id == customer_id, p.c.kind == "mobile")
                ).scalar_one()
            )
            assert mobile in phones
            found = {
                "account": find_callers(connection, cipher, f"  {number.lower()} "),
                "mobile": find_callers(connection, cipher, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"),
                "id": find_callers(connection, cipher, national_id.lower()),
                "tail": find_callers(connection, cipher, national_id[-6:]),
                "tail4": find_callers(connection, cipher, national_id[-4:]),
            }
        for how, matches in found.items():
            assert account_id in {one.account_id for one in matches}, how
        (by_phone,) = [one for one in found["mobile"] if one.account_id == account_id]
        assert by_phone.found_by == "phone" and by_phone.via is not None
        assert by_phone.name_masked.endswith("*") and "*" in by_phone.national_id_masked

    @pytest.mark.parametrize("typed", ["x" * 65, "123\x01", "9" * 100_000])
    def test_a_search_no_number_can_be_is_refused(
        self, book: Engine, cipher: FieldCipher, typed: str
    ) -> None:
        with book.connect() as connection, pytest.raises(InvalidField) as refused:
            find_callers(connection, cipher, typed)
        assert refused.value.field == "q"

    def test_a_number_of_digits_is_found_by_its_index(self, book: Engine, cipher: FieldCipher) -> None:
        a = table_of(CardAccount)
        with book.begin() as connection:
            connection.execute(update(a).where(a.c.id == 2).values(account_no="6222000011112222"))
        with book.connect() as connection:
            (found,) = find_callers(connection, cipher, " 6222000011112222 ")
            assert found.account_id == 2 and found.found_by == "account_no"
            assert find_callers(connection, cipher, "6222000011112223") == []

    def test_nothing_found_is_an_empty_list(self, book: Engine, cipher: FieldCipher) -> None:
        with book.connect() as connection:
            assert find_callers(connection, cipher, "NO-SUCH-ACCOUNT") == []
            assert find_callers(connection, cipher, "   ") == []


def test_the_call_check_still_decides_with_inbound_calls_on_record(book: Engine, cipher: FieldCipher) -> None:
    """An inbound call is not a channel the rulebook knows: the check leaves it out instead of failing."""
    account_id, _customer, claimed = caller_of(book, cipher)
    inbound(book, cipher, account_id, claimed, DAY)
    assert check(book, account_id, DAY + timedelta(minutes=5)).allowed
