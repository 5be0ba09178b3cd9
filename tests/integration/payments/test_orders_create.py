"""create_order and order_view: the refusals, the order's number and expiry, the audit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from gateway_support import AUDIT, NOW, order, seed_account, settings_for
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.kit.errors import ArrearsError, NotFound
from arrears.payments.orders import OrderRefused, create_order, order_view


def _create(engine: Engine, tmp_path: Path, account_id: int, amount: int, **more: object) -> str:
    settings = settings_for(tmp_path, **more)
    with audit_transaction(engine) as connection:
        created = create_order(connection, account_id=account_id, amount_fen=amount, purpose="overdue",
                               via="portal", user_id=None, now=NOW, settings=settings)  # fmt: skip
    assert created.pay_url == f"https://pay.bank.example/pay/simulated/{created.out_trade_no}"
    assert created.expires_at == NOW + timedelta(minutes=settings.payment_order_minutes)
    return created.out_trade_no


def test_an_order_is_numbered_uniquely_expires_and_is_audited(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine)

    numbers = {_create(engine, tmp_path, account_id, 100_00, payment_order_minutes=10) for _ in range(20)}

    assert len(numbers) == 20
    assert all(len(n) == 28 and n.startswith("20261124") for n in numbers)
    with engine.connect() as connection:
        view = order_view(connection, sorted(numbers)[0])
        entries = connection.execute(select(AUDIT).where(AUDIT.c.action == "payment.order_created")).all()
    assert view is not None
    assert (view.state(NOW), view.state(NOW + timedelta(minutes=10)), view.account_tail) == (
        "created",
        "expired",
        "2222",
    )
    assert len(entries) == 20
    customer_id = order(engine, sorted(numbers)[0])["customer_id"]
    assert {entry.actor for entry in entries} == {f"customer:{customer_id}"}
    assert "张三" not in entries[0].details and json.loads(entries[0].details)["amount_fen"] == 100_00


@pytest.mark.parametrize("amount", [0, -1, 3_170_01])
def test_an_amount_not_above_zero_or_above_the_payoff_is_refused(
    engine: Engine, tmp_path: Path, amount: int
) -> None:
    account_id = seed_account(engine)  # payoff 3,170.00

    with pytest.raises(OrderRefused):
        _create(engine, tmp_path, account_id, amount)


def test_the_whole_payoff_is_allowed_and_no_secret_or_no_account_refused(
    engine: Engine, tmp_path: Path
) -> None:
    account_id = seed_account(engine)

    _create(engine, tmp_path, account_id, 3_170_00)
    with pytest.raises(ArrearsError, match="ARREARS_GATEWAY_SECRET"):
        _create(engine, tmp_path, account_id, 100, gateway_secret="short")
    with pytest.raises(NotFound):
        _create(engine, tmp_path, account_id + 1000, 100)

    with engine.connect() as connection:
        assert order_view(connection, "NOSUCH") is None
