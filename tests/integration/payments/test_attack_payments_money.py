"""Attacks on the money and the times of a notification: amounts that are not the contract's yuan with two
decimals, amounts beyond the payoff (credit), the application to fee, interest and principal summed to the
fen (a property), and payment times out of any sense. Money is posted as sent, or not at all."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from gateway_support import (
    NOW,
    SECRET,
    account,
    client,
    new_order,
    notification,
    notifications,
    payments,
    seed_account,
    settings_for,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.payments.gateway import TRADE_CLOSED, BadNotification, amount_fen, parse_gateway_time, sign
from arrears.payments.notifications import receive_notification
from arrears.payments.posting import ITEMS, apply_payment, post_payment

NOTIFY = "/api/v1/payments/notify/simulated"
BAD_AMOUNTS = ["1e999", "NaN", "nan", "inf", "-Infinity", "0.00", "-1.00", "-200.00", "+200.00", "200",
               "200.0", "200.001", "２００.００", "99999999999999999999.99", "100000000.01", "0200.00",
               "200,00", "2,00.00", "200.00 ", "0x10.00", "2e2.00", "200.0\u0660", "200.00yuan",
               "¥200.00"]  # fmt: skip


def _signed(fields: dict[str, str]) -> dict[str, str]:
    unsigned = {name: value for name, value in fields.items() if name != "sign"}
    return unsigned | {"sign": sign(unsigned, SECRET.encode())}


def test_amounts_that_are_not_yuan_with_two_decimals_are_refused() -> None:
    for text in BAD_AMOUNTS:
        try:
            amount_fen(text)
        except BadNotification:
            continue
        raise AssertionError(f"{text!r} was read as an amount")
    assert [amount_fen(text) for text in ("0.01", "200.00", "100000000.00")] == [1, 200_00, 100_000_000_00]


def test_a_signed_notification_with_a_bad_amount_posts_nothing(engine: Engine, tmp_path: Path) -> None:
    settings_ = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings_, account_id, 200_00)
    web = client(engine, settings_)

    for text in BAD_AMOUNTS:
        fields = _signed(notification(out_trade_no, 200_00) | {"total_amount": text})
        answer = web.post(NOTIFY, data=fields)
        assert (answer.status_code, answer.text) == (400, "fail"), text

    assert {n["outcome"] for n in notifications(engine)} == {"invalid"}
    assert payments(engine, account_id) == []
    assert account(engine, account_id)["fee_fen"] == 50_00


_NUMBERS = itertools.count(1)
_ITEM = st.integers(min_value=-10_000_00, max_value=10_000_000_00)


@settings(max_examples=400, deadline=None)
@given(
    amount=st.integers(min_value=1, max_value=100_000_000_00),
    fee=_ITEM,
    interest=_ITEM,
    principal=_ITEM,
    order=st.permutations(ITEMS),
)
def test_the_amount_is_applied_to_the_fen_in_the_issuers_order(
    amount: int, fee: int, interest: int, principal: int, order: list[str]
) -> None:
    items = {"fee": fee, "interest": interest, "principal": principal}
    applied = apply_payment(amount_fen=amount, items=items, order=order)
    paid = {"fee": applied.fee_fen, "interest": applied.interest_fen, "principal": applied.principal_fen}

    assert sum(paid.values()) == amount - applied.credit_fen
    assert applied.credit_fen >= 0
    assert all(value >= 0 for value in paid.values())
    assert all(paid[name] <= max(0, items[name]) for name in ITEMS)  # no item goes below 0
    for before, after in itertools.pairwise(order):  # a later item only once the earlier is paid
        if paid[after] > 0:
            assert paid[before] == max(0, items[before])
    assert applied.credit_fen == max(0, amount - sum(max(0, value) for value in items.values()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.integers(min_value=1, max_value=2_000_00), min_size=1, max_size=4))
def test_posted_payments_keep_the_items_summing_to_the_fen(
    engine: Engine, tmp_path: Path, amounts: list[int]
) -> None:
    settings_ = settings_for(tmp_path)
    account_id = seed_account(engine, account_no=f"62220000{next(_NUMBERS):08d}")
    before = account(engine, account_id)
    owed = before["fee_fen"] + before["interest_fen"] + before["principal_fen"]
    with audit_transaction(engine) as connection:
        for n, amount in enumerate(amounts):
            post_payment(connection, account_id=account_id, amount_fen=amount, paid_at=before["updated_at"],
                         trade_no=f"P-{account_id}-{n}", source="gateway", now=before["updated_at"],
                         settings=settings_)  # fmt: skip

    after = account(engine, account_id)
    rows = payments(engine, account_id)
    applied = sum(r["applied_fee_fen"] + r["applied_interest_fen"] + r["applied_principal_fen"] for r in rows)
    assert min(after["fee_fen"], after["interest_fen"], after["principal_fen"]) >= 0
    assert after["fee_fen"] + after["interest_fen"] + after["principal_fen"] == owed - applied
    assert applied == min(owed, sum(amounts))
    assert after["fee_fen"] == max(0, before["fee_fen"] - sum(amounts))


def test_an_order_above_what_is_now_owed_is_posted_with_the_rest_as_credit(
    engine: Engine, tmp_path: Path
) -> None:
    settings_ = settings_for(tmp_path)
    account_id = seed_account(engine, fee=10_00, interest=20_00, principal=70_00)
    first = new_order(engine, settings_, account_id, 100_00)
    second = new_order(engine, settings_, account_id, 60_00)  # both made while 100.00 is owed
    web = client(engine, settings_)

    assert web.post(NOTIFY, data=notification(first, 100_00, trade_no="T-A")).text == "success"
    assert web.post(NOTIFY, data=notification(second, 60_00, trade_no="T-B")).text == "success"

    after = account(engine, account_id)
    assert (after["fee_fen"], after["interest_fen"], after["principal_fen"]) == (0, 0, 0)
    [a, b] = payments(engine, account_id)
    assert (a["applied_fee_fen"], a["applied_interest_fen"], a["applied_principal_fen"]) == (
        10_00,
        20_00,
        70_00,
    )
    assert (b["amount_fen"], b["applied_fee_fen"], b["applied_interest_fen"], b["applied_principal_fen"]) == (
        60_00, 0, 0, 0,
    )  # fmt: skip


BAD_TIMES = ["0001-01-01 00:00:00", "0001-01-01 07:59:59", "2026-02-30 10:00:00", "2026-11-24 24:00:00",
             "2026-11-24T10:30:00", "2026-11-24 10:30:00+08:00", "2026-11-24 10:30", "20261124103000",
             "2026/11/24 10:30:00", "２０２６-11-24 10:30:00", "1764000000",
             "2026-11-24  10:30:00"]  # fmt: skip


def test_payment_times_not_in_the_contracts_form_are_refused() -> None:
    for text in BAD_TIMES:
        try:
            parse_gateway_time(text)
        except BadNotification:
            continue
        raise AssertionError(f"{text!r} was read as a time")


def _post_at(web: TestClient, out_trade_no: str, gmt_payment: str, trade_no: str) -> tuple[int, str]:
    fields = _signed(notification(out_trade_no, 200_00, trade_no=trade_no) | {"gmt_payment": gmt_payment})
    answer = web.post(NOTIFY, data=fields)
    return answer.status_code, answer.text


def test_a_payment_time_out_of_range_is_refused_and_posts_nothing(engine: Engine, tmp_path: Path) -> None:
    settings_ = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings_, account_id, 200_00)  # made 2026-11-24 10:30 in Shanghai
    web = client(engine, settings_)
    before = account(engine, account_id)

    answers = [
        _post_at(web, out_trade_no, "0001-01-01 00:00:00", "T-FIRST-DAY"),
        _post_at(web, out_trade_no, "9999-12-31 23:59:59", "T-LAST-DAY"),  # long after it was received
        _post_at(web, out_trade_no, "2999-12-31 23:59:59", "T-FAR"),
        _post_at(web, out_trade_no, "1900-01-01 00:00:00", "T-OLD"),  # long before the order was made
    ]

    assert answers == [(400, "fail")] * 4
    assert [n["outcome"] for n in notifications(engine)] == ["invalid"] * 4
    assert payments(engine, account_id) == []
    assert account(engine, account_id) == before


def test_a_payment_time_near_the_order_is_posted_at_its_date(engine: Engine, tmp_path: Path) -> None:
    settings_ = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings_, account_id, 200_00)  # made 2026-11-24 10:30 in Shanghai
    web = client(engine, settings_)

    assert _post_at(web, out_trade_no, "2026-11-24 10:29:59", "T-ON-TIME") == (200, "success")

    [paid] = payments(engine, account_id)
    assert str(paid["paid_date"]) == "2026-11-24"


def test_success_after_the_order_expired_or_was_closed_is_posted(engine: Engine, tmp_path: Path) -> None:
    """The gateway took the money: a late TRADE_SUCCESS is posted (docs: only a person refunds it)."""
    settings_ = settings_for(tmp_path)
    account_id = seed_account(engine)
    expired = new_order(engine, settings_, account_id, 100_00)  # expires 30 minutes after NOW
    closed = new_order(engine, settings_, account_id, 50_00)
    later = NOW + timedelta(hours=5)

    def receive(fields: dict[str, str]) -> str:
        with audit_transaction(engine) as connection:
            return receive_notification(connection, fields, secret=SECRET.encode(), now=later,
                                        settings=settings_).outcome  # fmt: skip

    outcomes = [
        receive(notification(expired, 100_00, trade_no="T-LATE", at=NOW + timedelta(hours=4))),
        receive(notification(closed, 50_00, trade_no="T-CLOSED", status=TRADE_CLOSED)),
        receive(notification(closed, 50_00, trade_no="T-CLOSED", at=NOW + timedelta(hours=4))),
        receive(notification(closed, 50_00, trade_no="T-CLOSED", status=TRADE_CLOSED)),
    ]

    assert outcomes == ["posted", "closed", "posted", "closed_after_success"]
    assert sorted(p["amount_fen"] for p in payments(engine, account_id)) == [50_00, 100_00]
