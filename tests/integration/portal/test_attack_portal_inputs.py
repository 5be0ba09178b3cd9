"""Attacks on the portal's forms: odd amounts, dates and windows in promises and callbacks, tampered offer
fields, accepting twice or on a held account, text with NUL, huge text and HTML (shown escaped to the
staff), and what a cardholder's page shows of other people's data."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from offers_book import client_for, seed
from sqlalchemy import Engine, func, insert, select, update

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AuditEvent,
    Callback,
    CardAccount,
    Hold,
    PlanInstalment,
    PortalRequest,
    PromiseToPay,
    RepaymentPlan,
    table_of,
)
from arrears.portal import offers as offers_service
from arrears.portal.offer_rules import Choice


def _today() -> date:
    return clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


BAD_AMOUNTS = ["1e999", "NaN", "nan", "inf", "-10", "10.001", "１００", "1,000", "0x10", "1e3", " ", "",
               "100000000.01", "9" * 400, "10\x00", "0", "0.00"]  # fmt: skip


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_promise_with_an_odd_amount_is_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, amount: str
) -> None:
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    day = (_today() + timedelta(days=1)).isoformat()
    answer = client.post(f"/my/account/{book.numbers[0]}/promise",
                         data={"csrf_token": token, "amount": amount, "promised_date": day})  # fmt: skip
    assert answer.status_code == 422, (amount, answer.status_code)
    assert _count(engine, PromiseToPay) == 0


@pytest.mark.parametrize(
    "day", ["0001-01-01", "9999-12-31", "1899-12-31", "2999-12-31", "2026-02-30", "２０２６-12-01", "-1"]
)
def test_promise_and_callback_dates_out_of_range_are_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, day: str
) -> None:
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    promise = client.post(f"/my/account/{book.numbers[0]}/promise",
                          data={"csrf_token": token, "amount": "10.00", "promised_date": day})  # fmt: skip
    callback = client.post(f"/my/account/{book.numbers[0]}/callback",
                           data={"csrf_token": token, "day": day, "window": "10:00-12:00"})  # fmt: skip
    assert (promise.status_code, callback.status_code) == (422, 422), day
    assert _count(engine, PromiseToPay) == _count(engine, Callback) == 0


def test_a_promise_beyond_the_offer_s_days_is_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    with engine.connect() as connection:
        offer = offers_service.account_offer(connection, account_id=book.accounts[0])
    assert offer is not None and offer.promise_days > 0
    limit = min(offer.promise_days, client.app.state.settings.promise_max_days)  # type: ignore[attr-defined]
    beyond = (_today() + timedelta(days=limit + 1)).isoformat()
    last = (_today() + timedelta(days=limit)).isoformat()
    url = f"/my/account/{book.numbers[0]}/promise"
    assert (
        client.post(url, data={"csrf_token": token, "amount": "10", "promised_date": beyond}).status_code
        == 422
    )
    assert (
        client.post(url, data={"csrf_token": token, "amount": "10", "promised_date": last}).status_code == 303
    )
    again = client.post(url, data={"csrf_token": token, "amount": "10", "promised_date": last})
    assert again.status_code == 422 and _count(engine, PromiseToPay) == 1


@pytest.mark.parametrize(
    "window", ["06:00-08:00", "22:00-24:00", "21:00-23:00", "10:00-12:00\x00", "x" * 5000]
)
def test_a_callback_outside_the_windows_is_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, window: str
) -> None:
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    day = (_today() + timedelta(days=1)).isoformat()
    answer = client.post(f"/my/account/{book.numbers[0]}/callback",
                         data={"csrf_token": token, "day": day, "window": window})  # fmt: skip
    assert answer.status_code == 422 and _count(engine, Callback) == 0


def test_tampered_offer_fields_are_ignored_or_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    """The browser names only the kind and the months: a waiver, a down payment or an amount sent along
    change nothing; more instalments than offered are refused."""
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    url = f"/my/account/{book.numbers[0]}/offers/accept"
    for months in ("11", "99", "-3", "0", "1", "3.5", "9" * 5000):
        answer = client.post(url, data={"csrf_token": token, "kind": "instalment", "months": months})
        assert answer.status_code == 422, months
    for days in ("0", "-1", "999", "31"):
        answer = client.post(url, data={"csrf_token": token, "kind": "deferral", "days": days})
        assert answer.status_code == 422, days
    assert client.post(url, data={"csrf_token": token, "kind": "waive_all"}).status_code == 422
    assert _count(engine, RepaymentPlan) == 0
    with engine.connect() as connection:
        expected = offers_service.preview(connection, account_id=book.accounts[0],
                                          choice=Choice("instalment", months=4), today=_today())  # fmt: skip
    tampered = {"csrf_token": token, "kind": "instalment", "months": "4", "waived_interest_fen": "30000",
                "waived_fee_fen": "20000", "waiver": "1", "down_payment_fen": "0", "down_payment": "0",
                "amount": "0.01", "instalments": "12"}  # fmt: skip
    assert client.post(url, data=tampered).status_code == 200
    p, i = table_of(RepaymentPlan), table_of(PlanInstalment)
    with engine.connect() as connection:
        [plan] = connection.execute(select(p)).mappings().all()
        amounts = [row.amount_fen for row in connection.execute(select(i.c.amount_fen).order_by(i.c.id))]
    assert plan["waived_interest_fen"] == expected.waived_interest_fen
    assert plan["waived_fee_fen"] == expected.waived_fee_fen
    assert amounts == [one.amount_fen for one in expected.instalments]
    # accepting again (a second click, or another tab) makes no second plan
    assert (
        client.post(url, data={"csrf_token": token, "kind": "instalment", "months": "4"}).status_code == 422
    )
    assert client.post(url, data={"csrf_token": token, "kind": "deferral", "days": "5"}).status_code == 422
    assert _count(engine, RepaymentPlan) == 1


def test_no_plan_is_accepted_on_a_held_or_paid_off_account(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    book = seed(engine, cipher)
    now = clock.now()
    a = table_of(CardAccount)
    with engine.begin() as connection:
        connection.execute(insert(table_of(Hold)).values(
            customer_id=book.customers[0], account_id=book.accounts[0], kind="deceased", reason="test",
            placed_at=now,
        ))  # fmt: skip
        connection.execute(update(a).where(a.c.id == book.accounts[1]).values(
            principal_fen=0, interest_fen=0, fee_fen=0, overdue_fen=0, arrears_fen=0, dpd=0, status="closed",
        ))  # fmt: skip
    for n in (0, 1):
        client, token = client_for(engine, tmp_path, book.customers[n])
        url = f"/my/account/{book.numbers[n]}/offers/accept"
        for data in ({"kind": "instalment", "months": "4"}, {"kind": "deferral", "days": "5"}):
            answer = client.post(url, data=data | {"csrf_token": token})
            assert answer.status_code == 422, (n, data, answer.status_code)
    assert _count(engine, RepaymentPlan) == 0


@pytest.mark.parametrize(
    "text",
    ["a\x00b", "x" * 100_000, "<script>alert(1)</script><img src=x onerror=alert(2)>", '=HYPERLINK("x")'],
)
def test_request_texts_are_stored_safely_or_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    caplog.set_level(logging.DEBUG)
    day = (_today() + timedelta(days=1)).isoformat()
    base = f"/my/account/{book.numbers[0]}"
    answers = [
        client.post(f"{base}/offers/request", data={"csrf_token": token, "text": text}),
        client.post(
            f"{base}/callback", data={"csrf_token": token, "day": day, "window": "20:00-22:00", "text": text}
        ),
        client.post(
            f"{base}/request/complaint",
            data={"csrf_token": token, "category": "attitude_abuse", "text": text},
        ),
    ]
    for answer in answers:
        assert answer.status_code in (303, 422), answer.status_code
        assert "<script>alert(1)" not in answer.text
    if len(text) > 10_000:
        assert [a.status_code for a in answers] == [422, 422, 422]
    with engine.connect() as connection:
        details = " ".join(
            str(row) for row in connection.execute(select(table_of(AuditEvent).c.details)).scalars()
        )
        stored = connection.execute(select(table_of(PortalRequest).c.text_enc)).scalars().all()
    assert text[:20] not in details
    assert all(text[:20].encode() not in (one or b"") for one in stored)
    assert text[:20] not in caplog.text
    mine = client.get("/my/requests")
    assert mine.status_code == 200 and "<script>alert(1)" not in mine.text
