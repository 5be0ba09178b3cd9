"""``arrears payments link`` and ``arrears payments list`` in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gateway_support import (
    ACCOUNT_NO,
    NOW,
    audited,
    client,
    new_order,
    notification,
    order,
    seed_account,
    settings_for,
)
from sqlalchemy import Engine
from typer.testing import CliRunner

from arrears import config, db
from arrears.audit.repository import audit_transaction
from arrears.cli.main import app
from arrears.config import Settings
from arrears.payments.posting import post_payment

ENV = {"NO_COLOR": "1", "COLUMNS": "200"}


def _use(monkeypatch: pytest.MonkeyPatch, engine: Engine, settings: Settings) -> None:
    monkeypatch.setattr(db, "get_engine", lambda *_args: engine)
    monkeypatch.setattr(config, "get_settings", lambda: settings)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["payments", *args], env=ENV)
    return result.exit_code, result.output


def test_link_creates_an_order_and_prints_its_number_and_pay_url(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    _use(monkeypatch, engine, settings)
    seed_account(engine)

    code, text = _run("link", ACCOUNT_NO, "--amount", "150.5")
    code_json, text_json = _run("link", ACCOUNT_NO, "--amount", "20", "--json")

    assert (code, code_json) == (0, 0), text + text_json
    found = json.loads(text_json)
    assert found["amount_fen"] == 20_00
    assert found["pay_url"] == f"https://pay.bank.example/pay/simulated/{found['out_trade_no']}"
    placed = order(engine, found["out_trade_no"])
    assert (placed["created_via"], placed["status"], placed["amount_fen"]) == ("cli", "created", 20_00)
    assert "https://pay.bank.example/pay/simulated/" in text and "150.50" in text
    assert audited(engine, "payment.order_created") == 2


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("1e999", "not an amount"),
        ("NaN", "not an amount"),
        ("-5", "negative"),
        ("1.234", "more than two decimals"),
        ("0", "above 0"),
        ("0.00", "above 0"),
        ("12,00", "not an amount"),
    ],
)
def test_link_refuses_an_amount_that_is_not_plain_yuan(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, amount: str, says: str
) -> None:
    _use(monkeypatch, engine, settings_for(tmp_path))
    seed_account(engine)

    code, text = _run("link", ACCOUNT_NO, f"--amount={amount}")

    assert code == 2
    assert says in text
    assert audited(engine, "payment.order_created") == 0


def test_link_refuses_more_than_the_payoff_an_unknown_account_and_no_secret(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, engine, settings_for(tmp_path))
    seed_account(engine, fee=1_00, interest=1_00, principal=1_00)

    above = _run("link", ACCOUNT_NO, "--amount", "3.01")
    unknown = _run("link", "NO-SUCH-ACCOUNT", "--amount", "1")
    _use(monkeypatch, engine, settings_for(tmp_path, gateway_secret=None))
    unset = _run("link", ACCOUNT_NO, "--amount", "1")

    assert above[0] == 1 and "more than the payoff of 3.00 yuan" in above[1]
    assert unknown[0] == 1 and "no account numbered" in unknown[1]
    assert unset[0] == 1 and "ARREARS_GATEWAY_SECRET" in unset[1]
    assert audited(engine, "payment.order_created") == 0


def test_list_shows_the_payments_with_source_trade_no_and_status(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    _use(monkeypatch, engine, settings)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    client(engine, settings).post(
        "/api/v1/payments/notify/simulated", data=notification(out_trade_no, 200_00, trade_no="T-GW")
    )
    with audit_transaction(engine) as connection:
        post_payment(connection, account_id=account_id, amount_fen=10_00, paid_at=NOW, trade_no="T-FILE",
                     source="reconcile", now=NOW, settings=settings)  # fmt: skip

    code, text = _run("list", "--account", ACCOUNT_NO, "--json")
    table_code, table = _run("list", "--account", ACCOUNT_NO)

    assert (code, table_code) == (0, 0), text + table
    listed = {(p["trade_no"], p["source"], p["status"], p["amount_fen"]) for p in json.loads(text)}
    assert listed == {("T-GW", "gateway", "posted", 200_00), ("T-FILE", "reconcile", "posted", 10_00)}
    assert "T-GW" in table and "gateway" in table and "200.00" in table
