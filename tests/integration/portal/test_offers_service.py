"""The portal's offers on a real database: shown only as the strategy and the authority allow, the
preview is the stored schedule, accepting makes an active audited plan, beyond the offers a request;
promises, callbacks and preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from offers_book import Offers, seed
from sqlalchemy import Engine, select

from arrears.arrangements.repository import PlanRepository
from arrears.audit.repository import audit_transaction
from arrears.compliance.policy import load_policy
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AuditEvent,
    Callback,
    ContactPoint,
    ContactPreference,
    PortalRequest,
    PromiseToPay,
    table_of,
)
from arrears.portal import offers
from arrears.portal.offer_rules import BeyondOffer, Choice

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 2, tzinfo=UTC)  # 10:00 in Shanghai
POLICY = load_policy("cn")
ZONE = "Asia/Shanghai"


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Offers:
    return seed(engine, cipher)


def audit(engine: Engine, action: str) -> list[dict[str, object]]:
    e = table_of(AuditEvent)
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(e).where(e.c.action == action)).mappings()]


def rows(engine: Engine, model: type) -> list[dict[str, object]]:
    t = table_of(model)
    with engine.connect() as connection:
        return [
            dict(r)
            for r in connection.execute(select(t).order_by(t.c[t.primary_key.columns.keys()[0]])).mappings()
        ]


def test_offers_follow_the_segment_and_the_authority(engine: Engine, book: Offers) -> None:
    with engine.connect() as connection:
        first = offers.account_offer(connection, account_id=book.accounts[0])
        second = offers.account_offer(connection, account_id=book.accounts[1])
        third = offers.account_offer(connection, account_id=book.accounts[2])
    assert first is not None and first.segment == "m2"
    assert (first.max_instalments, first.waiver_bp, first.deferral_days, first.promise_days) == (
        10,
        2_000,
        20,
        5,
    )
    assert second is not None and second.segment == "m2"  # no action that day: its delinquency says m2
    assert third is None  # m3_m6_large offers nothing


def test_the_preview_is_the_stored_plan_and_accepting_is_audited(engine: Engine, book: Offers) -> None:
    choice = Choice("instalment", months=6)
    with engine.connect() as connection:
        shown = offers.preview(connection, account_id=book.accounts[0], choice=choice, today=TODAY)
    with audit_transaction(engine) as connection:
        accepted = offers.accept(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            choice=choice,
            today=TODAY,
            now=NOW,
        )
    assert accepted.schedule == shown
    with engine.connect() as connection:
        plan = PlanRepository(connection).plan(accepted.plan_id)
    assert plan is not None and plan["status"] == "active" and plan["proposed_by_id"] is None
    assert plan["total_fen"] == shown.total_fen and plan["waived_fen"] == 100_00  # 20% of 500.00
    assert [(i["number"], i["due_date"], i["amount_fen"]) for i in plan["instalments"]] == [
        (one.number, one.due_date, one.amount_fen) for one in shown.instalments
    ]
    assert plan["instalments"][0]["due_date"] == TODAY + timedelta(days=1)  # the down payment, payable now
    [entry] = audit(engine, "portal.plan_accepted")
    assert entry["actor"] == f"customer:{book.customers[0]}" and entry["subject_id"] == str(accepted.plan_id)
    with engine.connect() as connection, pytest.raises(BeyondOffer, match="has a repayment plan already"):
        offers.preview(connection, account_id=book.accounts[0], choice=choice, today=TODAY)


def test_beyond_the_offer_is_a_request_not_a_plan(engine: Engine, book: Offers, cipher: FieldCipher) -> None:
    with engine.connect() as connection, pytest.raises(BeyondOffer, match="2 to 10 instalments, not 12"):
        offers.preview(
            connection, account_id=book.accounts[0], choice=Choice("instalment", months=12), today=TODAY
        )
    with audit_transaction(engine) as connection:
        asked = offers.request_plan(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            text="18 期",
            cipher=cipher,
            policy=POLICY,
            zone=ZONE,
            now=NOW,
        )
    assert rows(engine, PortalRequest)[0]["kind"] == "plan" and asked.user_id == book.collector
    [callback] = rows(engine, Callback)
    assert callback["user_id"] == book.collector and callback["id"] == asked.callback_id
    with engine.connect() as connection:
        assert PlanRepository(connection).open_plan(book.accounts[0]) is None
    assert cipher.decrypt(rows(engine, PortalRequest)[0]["text_enc"]) == "18 期"  # type: ignore[arg-type]
    with audit_transaction(engine) as connection:  # at 23:00 local: the callback is due at 08:00
        late = offers.request_plan(
            connection,
            account_id=book.accounts[1],
            customer_id=book.customers[1],
            text=None,
            cipher=cipher,
            policy=POLICY,
            zone=ZONE,
            now=datetime(2026, 11, 24, 15, tzinfo=UTC),
        )
    assert late.due_at == datetime(2026, 11, 25, 0, tzinfo=UTC) and late.user_id is None  # the team's queue


def test_promises_within_the_offer(engine: Engine, book: Offers) -> None:
    with audit_transaction(engine) as connection, pytest.raises(BeyondOffer) as refused:
        offers.promise(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            amount_fen=500_00,
            promised=TODAY + timedelta(days=6),
            today=TODAY,
            now=NOW,
            settings_days=14,
        )
    assert "within 5 days, by 2026-11-29" in refused.value.message_en
    with audit_transaction(engine) as connection:
        offers.promise(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            amount_fen=500_00,
            promised=TODAY + timedelta(days=5),
            today=TODAY,
            now=NOW,
            settings_days=14,
        )
    [promise] = rows(engine, PromiseToPay)
    assert (promise["amount_fen"], promise["taken_on"], promise["status"]) == (500_00, TODAY, "open")
    assert audit(engine, "portal.promise")[0]["actor"] == f"customer:{book.customers[0]}"
    refused_promise = pytest.raises(BeyondOffer, match="no promise to pay is offered")
    with audit_transaction(engine) as connection, refused_promise:
        offers.promise(
            connection,
            account_id=book.accounts[2],
            customer_id=book.customers[2],
            amount_fen=1_00,
            promised=TODAY,
            today=TODAY,
            now=NOW,
            settings_days=14,
        )


def test_a_callback_for_the_collector_in_the_window(
    engine: Engine, book: Offers, cipher: FieldCipher
) -> None:
    with audit_transaction(engine) as connection:
        asked = offers.request_callback(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            day=TODAY + timedelta(days=1),
            window=(time(14), time(16)),
            text=None,
            cipher=cipher,
            policy=POLICY,
            zone=ZONE,
            now=NOW,
        )
    [callback] = rows(engine, Callback)
    assert callback["user_id"] == book.collector and callback["due_at"] == datetime(
        2026, 11, 25, 6, tzinfo=UTC
    )
    [request] = rows(engine, PortalRequest)
    assert request["kind"] == "callback" and request["callback_id"] == asked.callback_id
    with audit_transaction(engine) as connection, pytest.raises(BeyondOffer, match="time windows"):
        offers.request_callback(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            day=TODAY,
            window=(time(22), time(23)),
            text=None,
            cipher=cipher,
            policy=POLICY,
            zone=ZONE,
            now=NOW,
        )
    with audit_transaction(engine) as connection, pytest.raises(BeyondOffer, match="is over"):
        offers.request_callback(
            connection,
            account_id=book.accounts[0],
            customer_id=book.customers[0],
            day=TODAY,
            window=(time(8), time(10)),
            text=None,
            cipher=cipher,
            policy=POLICY,
            zone=ZONE,
            now=NOW,
        )


def test_preferences_and_opt_outs(engine: Engine, book: Offers) -> None:
    with audit_transaction(engine) as connection:
        done = offers.save_preferences(
            connection,
            customer_id=book.customers[0],
            hours_from=time(9),
            hours_to=time(18),
            channels=["call", "sms"],
            opt_out=[book.mobiles[0]],
            policy=POLICY,
            now=NOW,
        )
    assert done == [book.mobiles[0]]
    [saved] = rows(engine, ContactPreference)
    assert (saved["hours_from"], saved["hours_to"], saved["channels"]) == ("09:00", "18:00", "call,sms")
    assert [p["opted_out"] for p in rows(engine, ContactPoint) if p["id"] == book.mobiles[0]] == [True]
    [entry] = audit(engine, "contact_point.opted_out")
    assert entry["actor"] == f"customer:{book.customers[0]}" and '"via":"portal"' in str(entry["details"])
    with audit_transaction(engine) as connection, pytest.raises(BeyondOffer, match="only of your own"):
        offers.save_preferences(
            connection,
            customer_id=book.customers[0],
            hours_from=None,
            hours_to=None,
            channels=[],
            opt_out=[book.mobiles[1]],
            policy=POLICY,
            now=NOW,
        )
    with audit_transaction(engine) as connection, pytest.raises(BeyondOffer, match="08:00-22:00"):
        offers.save_preferences(
            connection,
            customer_id=book.customers[0],
            hours_from=time(6),
            hours_to=time(9),
            channels=[],
            opt_out=[],
            policy=POLICY,
            now=NOW,
        )
