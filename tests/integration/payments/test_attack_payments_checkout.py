"""Attacks on the simulated checkout (/pay/simulated/{out_trade_no}), on ids past what a column holds (the
CLI and the URLs), on the reversal, and on what the audit and the logs keep of a notification."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gateway_support import (
    ACCOUNT_NO,
    AUDIT,
    NOW,
    SECRET,
    account,
    client,
    new_order,
    notification,
    order,
    payments,
    seed_account,
    settings_for,
)
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from arrears import config, db
from arrears.audit.repository import audit_transaction
from arrears.cli.main import app
from arrears.kit.errors import NotFound
from arrears.payments.reversal import ReversalRefused, reverse_payment
from arrears.web.pages import pay_gateway

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PERSONAL = ("张三", "110101199003071234", "110101", ACCOUNT_NO, ACCOUNT_NO[:-4])
BIG = "9223372036854775808"  # 2**63: past any BIGINT


@pytest.fixture(autouse=True)
def clock_at_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages read the clock: pinned just after the orders' creation (they expire 30 minutes later)."""
    monkeypatch.setattr(pay_gateway, "now", lambda: NOW + timedelta(minutes=1))
    monkeypatch.setattr("arrears.api.payments.now", lambda: NOW + timedelta(minutes=1))


def _token(web: TestClient, out_trade_no: str) -> str:
    found = TOKEN.search(web.get(f"/pay/simulated/{out_trade_no}").text)
    assert found is not None
    return found.group(1)


def test_the_checkout_refuses_a_post_without_its_own_token(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    stranger, web = client(engine, settings), client(engine, settings)
    token = _token(web, out_trade_no)

    no_cookie = stranger.post(f"/pay/simulated/{out_trade_no}", data={"action": "pay", "csrf_token": token})
    wrong = web.post(f"/pay/simulated/{out_trade_no}", data={"action": "pay", "csrf_token": token + "x"})
    empty = web.post(f"/pay/simulated/{out_trade_no}", data={"action": "pay", "csrf_token": ""})

    assert [a.status_code for a in (no_cookie, wrong, empty)] == [403, 403, 403]
    assert payments(engine, account_id) == []
    assert order(engine, out_trade_no)["status"] == "created"


def test_a_paid_or_cancelled_order_cannot_be_paid_again(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    paid, closed = (new_order(engine, settings, account_id, amount) for amount in (200_00, 100_00))
    web = client(engine, settings)
    for out_trade_no in (paid, closed):
        token = _token(web, out_trade_no)
        action = "pay" if out_trade_no == paid else "cancel"
        done = web.post(f"/pay/simulated/{out_trade_no}", data={"action": action, "csrf_token": token},
                        follow_redirects=False)  # fmt: skip
        assert done.status_code == 303
        assert done.headers["location"] == f"/pay/simulated/{out_trade_no}/done"  # on this site

    token = web.cookies["arrears_pay_csrf"]  # the form's token: the page no longer shows the form
    again = [
        web.post(f"/pay/simulated/{n}", data={"action": "pay", "csrf_token": token}) for n in (paid, closed)
    ]

    assert [a.status_code for a in again] == [409, 409]
    assert [p["amount_fen"] for p in payments(engine, account_id)] == [200_00]
    assert (order(engine, paid)["status"], order(engine, closed)["status"]) == ("paid", "closed")


def test_anyone_with_the_link_sees_masked_data_only(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)
    before = web.get(f"/pay/simulated/{out_trade_no}")
    token = _token(web, out_trade_no)
    web.post(f"/pay/simulated/{out_trade_no}", data={"action": "pay", "csrf_token": token})

    pages = [before, client(engine, settings).get(f"/pay/simulated/{out_trade_no}"),
             client(engine, settings).get(f"/pay/simulated/{out_trade_no}/done")]  # fmt: skip

    for answer in pages:
        assert answer.status_code == 200
        assert ACCOUNT_NO[-4:] in answer.text
        for secret in PERSONAL:
            assert secret not in answer.text, secret
        assert "http://" not in answer.text.replace("http://www.w3.org", "")  # nothing loaded from outside


def test_odd_order_numbers_in_the_path_find_nothing_and_never_fail(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    seed_account(engine)
    web = client(engine, settings)
    odd = [BIG, "A" * 64, "A" * 65, "%3Cscript%3E", "..%2F..%2Fetc%2Fpasswd", "%00", "' OR '1'='1", "中文"]

    for text in odd:
        for path in (f"/pay/simulated/{text}", f"/pay/simulated/{text}/done"):
            answer = web.get(path)
            assert answer.status_code in (404, 422), (path, answer.status_code)
            assert "<script>" not in answer.text


def test_the_language_switch_on_the_checkout_is_no_open_redirect(engine: Engine, tmp_path: Path) -> None:
    web = client(engine, settings_for(tmp_path))

    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example"):
        answer = web.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert answer.status_code in (303, 307), target
        assert answer.headers["location"].startswith("/") and not answer.headers["location"].startswith("//")


def test_ids_past_a_bigint_find_nothing_and_never_fail(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    monkeypatch.setattr(db, "get_engine", lambda *_args: engine)
    monkeypatch.setattr(config, "get_settings", lambda: settings)
    seed_account(engine)
    web = client(engine, settings)

    numbers = (BIG, "-" + BIG, "0", "-1", "99999999999999999999999999")
    cli = [CliRunner().invoke(app, ["payments", "reverse", n, "--reason", "refund"]) for n in numbers]
    urls = [web.get(f"/cases/{BIG}/payments"), web.post(f"/payments/notifications/{BIG}/resolve"),
            web.post(f"/cases/{BIG}/pay-link")]  # fmt: skip

    for result in cli:
        assert result.exit_code == 2, result.output  # a bad parameter, not a traceback
        assert isinstance(result.exception, SystemExit), result.exception
    assert all(answer.status_code < 500 for answer in urls), [a.status_code for a in urls]


def test_a_reversal_of_a_reversal_twice_or_unknown_is_refused(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    other = seed_account(engine, account_no="6222000099998888")
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    client(engine, settings).post(
        "/api/v1/payments/notify/simulated", data=notification(out_trade_no, 200_00)
    )
    [paid] = payments(engine, account_id)
    before_other = account(engine, other)

    def reverse(payment_id: int, reason: str = "refund") -> int:
        with audit_transaction(engine) as connection:
            return reverse_payment(connection, payment_id=payment_id, reason=reason, reference="R" * 500,
                                   now=NOW, settings=settings, actor="ops")  # fmt: skip

    with pytest.raises(ReversalRefused):
        reverse(paid["id"], reason="x" * 501)
    with pytest.raises(ReversalRefused):
        reverse(paid["id"], reason=" \t\n")
    entry = reverse(paid["id"], reason="张三 110101199003071234 " + "y" * 400)
    for payment_id, error in ((paid["id"], ReversalRefused), (entry, ReversalRefused), (10**9, NotFound)):
        with pytest.raises(error):
            reverse(payment_id)

    assert sorted(p["amount_fen"] for p in payments(engine, account_id)) == [-200_00, 200_00]
    assert len(next(p for p in payments(engine, account_id) if p["id"] == entry)["trade_no"]) <= 64
    assert account(engine, other) == before_other  # the other account is untouched
    with engine.connect() as connection:
        details = connection.execute(
            select(AUDIT.c.details).where(AUDIT.c.action == "payment.reversed")
        ).scalar()
    text = json.dumps(details, ensure_ascii=False)
    assert "110101199003071234" not in text and "张三" not in text


def test_no_signature_secret_or_personal_data_in_the_audit_or_the_logs(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    good = notification(out_trade_no, 200_00, trade_no="T-LOG")
    forged = good | {"sign": "0" * 64}
    caplog.set_level(logging.DEBUG)
    web = client(engine, settings)

    for fields in (forged, good, good):
        web.post("/api/v1/payments/notify/simulated", data=fields)

    with engine.connect() as connection:
        audit = [json.dumps(row.details, ensure_ascii=False) for row in connection.execute(select(AUDIT))]
    actions = [a for a in audit if "outcome" in a]
    assert len(actions) == 3  # every notification audited
    for text in [*audit, caplog.text]:
        for secret in (good["sign"], SECRET, "0" * 64, *PERSONAL):
            assert secret not in text, secret
