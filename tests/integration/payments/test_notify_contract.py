"""POST /api/v1/payments/notify/simulated: each answer of the contract; money posted once or never."""

from __future__ import annotations

from pathlib import Path

from gateway_support import (
    SECRET,
    account,
    audited,
    client,
    new_order,
    notification,
    notifications,
    order,
    payments,
    seed_account,
    settings_for,
)
from sqlalchemy import Engine

from arrears.payments.gateway import TRADE_CLOSED

NOTIFY = "/api/v1/payments/notify/simulated"


def test_a_good_notification_posts_the_payment_and_answers_success(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)

    answer = client(engine, settings).post(NOTIFY, data=notification(out_trade_no, 200_00, trade_no="T-1"))

    assert (answer.status_code, answer.text) == (200, "success")
    assert answer.headers["content-type"].startswith("text/plain")
    [paid] = payments(engine, account_id)
    assert (paid["payment_ref"], paid["trade_no"], paid["source"], paid["amount_fen"]) == (
        "T-1",
        "T-1",
        "gateway",
        200_00,
    )
    assert str(paid["paid_date"]) == "2026-11-24"
    placed = order(engine, out_trade_no)
    assert (placed["status"], placed["trade_no"], placed["payment_id"]) == ("paid", "T-1", paid["id"])
    [received] = notifications(engine)
    assert (received["outcome"], received["review_status"], received["total_amount"]) == (
        "posted",
        None,
        "200.00",
    )
    assert audited(engine, "payment.notification") == 1
    assert audited(engine, "payment.posted") == 1


def test_a_bad_signature_answers_fail_and_posts_nothing(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    forged = notification(out_trade_no, 200_00, secret="another-secret-of-enough-length")
    tampered = notification(out_trade_no, 200_00) | {"total_amount": "1.00"}
    unsigned = {name: value for name, value in notification(out_trade_no, 200_00).items() if name != "sign"}
    wrong_type = notification(out_trade_no, 200_00) | {"sign_type": "RSA2"}

    web = client(engine, settings)
    answers = [web.post(NOTIFY, data=fields) for fields in (forged, tampered, unsigned, wrong_type)]

    assert [(a.status_code, a.text) for a in answers] == [(400, "fail")] * 4
    assert payments(engine, account_id) == []
    assert order(engine, out_trade_no)["status"] == "created"
    assert [n["outcome"] for n in notifications(engine)] == ["bad_signature"] * 4
    assert audited(engine, "payment.notification") == 4


def test_an_unknown_order_answers_fail(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    seed_account(engine)

    answer = client(engine, settings).post(NOTIFY, data=notification("20261124NOSUCHORDER", 200_00))

    assert (answer.status_code, answer.text) == (400, "fail")
    assert [n["outcome"] for n in notifications(engine)] == ["unknown_order"]


def test_an_amount_different_from_the_orders_is_refused_and_kept_for_review(
    engine: Engine, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)

    answer = client(engine, settings).post(NOTIFY, data=notification(out_trade_no, 199_99))

    assert (answer.status_code, answer.text) == (400, "fail")
    assert payments(engine, account_id) == []
    assert order(engine, out_trade_no)["status"] == "created"
    [kept] = notifications(engine)
    assert (kept["outcome"], kept["review_status"]) == ("amount_mismatch", "open")
    assert "199.99" in kept["detail"] and "200.00" in kept["detail"]


def test_a_replay_answers_success_again_and_posts_nothing_more(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    fields = notification(out_trade_no, 200_00, trade_no="T-1")
    web = client(engine, settings)

    answers = [web.post(NOTIFY, data=fields) for _ in range(3)]

    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 3
    assert len(payments(engine, account_id)) == 1
    assert account(engine, account_id)["principal_fen"] == 3_000_00 - (200_00 - 50_00 - 120_00)
    assert [n["outcome"] for n in notifications(engine)] == ["posted", "repeat", "repeat"]
    assert audited(engine, "payment.posted") == 1


def test_closed_after_success_changes_nothing_and_is_kept_for_review(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)
    web.post(NOTIFY, data=notification(out_trade_no, 200_00, trade_no="T-1"))

    answer = web.post(NOTIFY, data=notification(out_trade_no, 200_00, trade_no="T-1", status=TRADE_CLOSED))

    assert (answer.status_code, answer.text) == (200, "success")
    assert order(engine, out_trade_no)["status"] == "paid"
    assert len(payments(engine, account_id)) == 1
    kept = notifications(engine)[-1]
    assert (kept["outcome"], kept["review_status"]) == ("closed_after_success", "open")


def test_closed_before_payment_closes_the_order_and_a_second_trade_is_kept_for_review(
    engine: Engine, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    closing = new_order(engine, settings, account_id, 100_00)
    paid = new_order(engine, settings, account_id, 100_00)
    web = client(engine, settings)

    closed = web.post(NOTIFY, data=notification(closing, 100_00, trade_no="T-C", status=TRADE_CLOSED))
    web.post(NOTIFY, data=notification(paid, 100_00, trade_no="T-1"))
    second = web.post(NOTIFY, data=notification(paid, 100_00, trade_no="T-2"))

    assert (closed.text, second.text) == ("success", "success")
    assert order(engine, closing)["status"] == "closed"
    assert [p["trade_no"] for p in payments(engine, account_id)] == ["T-1"]
    assert [(n["outcome"], n["review_status"]) for n in notifications(engine)] == [
        ("closed", None),
        ("posted", None),
        ("second_trade", "open"),
    ]


def test_malformed_fields_are_refused(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)
    from arrears.payments.gateway import sign

    def signed(**changes: str) -> dict[str, str]:
        fields = {
            k: v for k, v in (notification(out_trade_no, 200_00) | changes).items() if k != "sign" and v
        }
        return fields | {"sign": sign(fields, SECRET.encode())}

    cases = [
        signed(total_amount="200"),
        signed(total_amount="1e999"),
        signed(trade_status="WAIT_BUYER_PAY"),
        signed(gmt_payment="2026-11-24T10:30:00"),
        signed(gmt_payment=""),
        signed(trade_no=""),
    ]
    answers = [web.post(NOTIFY, data=fields) for fields in cases]
    twice = web.post(
        NOTIFY,
        content=b"out_trade_no=a&out_trade_no=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert [a.status_code for a in [*answers, twice]] == [400] * 7
    assert payments(engine, account_id) == []
    assert {n["outcome"] for n in notifications(engine)} == {"invalid"}


def test_no_secret_configured_answers_503_and_orders_are_refused(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, gateway_secret=None)
    seed_account(engine)

    answer = client(engine, settings).post(NOTIFY, data=notification("X", 100))

    assert answer.status_code == 503
    assert notifications(engine) == []
