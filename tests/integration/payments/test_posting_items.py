"""post_payment: the items paid off in the issuer's order, the credit beyond them, the delinquency now and
the same the next daily run finds, idempotency per trade_no."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from gateway_support import NOW, TODAY, account, payments, seed_account, settings_for
from sqlalchemy import Engine

from arrears.accounts.service import refresh_delinquency
from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.payments.posting import PostingRefused, apply_payment, post_payment


def _post(engine: Engine, settings: Settings, account_id: int, amount: int, trade_no: str = "T-1") -> int:
    with audit_transaction(engine) as connection:
        return post_payment(
            connection,
            account_id=account_id,
            amount_fen=amount,
            paid_at=NOW,
            trade_no=trade_no,
            source="gateway",
            now=NOW,
            settings=settings,
        )


def test_a_payment_pays_fees_then_interest_then_principal(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine, fee=50_00, interest=120_00, principal=3_000_00)

    payment_id = _post(engine, settings_for(tmp_path), account_id, 200_00)

    [paid] = payments(engine, account_id)
    assert paid["id"] == payment_id
    applied = (paid["applied_fee_fen"], paid["applied_interest_fen"], paid["applied_principal_fen"])
    assert applied == (50_00, 120_00, 30_00)
    after = account(engine, account_id)
    assert (after["fee_fen"], after["interest_fen"], after["principal_fen"]) == (0, 0, 2_970_00)


def test_the_issuers_order_is_a_setting(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine, fee=50_00, interest=120_00, principal=3_000_00)

    _post(engine, settings_for(tmp_path, payment_order="principal,interest,fee"), account_id, 3_100_00)

    after = account(engine, account_id)
    assert (after["fee_fen"], after["interest_fen"], after["principal_fen"]) == (50_00, 20_00, 0)


def test_an_amount_beyond_every_item_stays_as_credit_on_the_payment(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine, fee=10_00, interest=20_00, principal=30_00)

    _post(engine, settings_for(tmp_path), account_id, 100_00)

    [paid] = payments(engine, account_id)
    applied = paid["applied_fee_fen"] + paid["applied_interest_fen"] + paid["applied_principal_fen"]
    assert (paid["amount_fen"], applied) == (100_00, 60_00)  # 40.00 credit: amount less applied
    after = account(engine, account_id)
    assert (after["fee_fen"], after["interest_fen"], after["principal_fen"]) == (0, 0, 0)


def test_the_overdue_amount_reflects_the_payment_now_and_the_next_run_agrees(
    engine: Engine, tmp_path: Path
) -> None:
    minimums = (
        (date(2026, 10, 5), 300_00),
        (date(2026, 11, 5), 300_00),
        (TODAY + timedelta(days=10), 300_00),
    )
    account_id = seed_account(engine, minimums=minimums)
    with engine.begin() as connection:
        refresh_delinquency(connection, as_of=TODAY)
    before = account(engine, account_id)
    assert (before["overdue_fen"], before["dpd"], before["bucket"]) == (600_00, 50, "M2")

    _post(engine, settings_for(tmp_path), account_id, 350_00)

    now = account(engine, account_id)
    assert (now["overdue_fen"], now["dpd"], now["bucket"]) == (250_00, 19, "M1")
    with engine.begin() as connection:
        refresh_delinquency(connection, as_of=TODAY)
    again = account(engine, account_id)
    assert (again["overdue_fen"], again["dpd"], again["bucket"]) == (250_00, 19, "M1")


def test_a_payment_that_clears_the_overdue_makes_the_account_current(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine)

    _post(engine, settings_for(tmp_path), account_id, 600_00)

    now = account(engine, account_id)
    assert (now["overdue_fen"], now["dpd"], now["bucket"], now["regulatory_class"]) == (0, 0, "M0", "normal")


def test_posting_is_idempotent_per_trade_no(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)

    first = _post(engine, settings, account_id, 200_00)
    second = _post(engine, settings, account_id, 200_00)

    assert first == second
    assert len(payments(engine, account_id)) == 1
    assert account(engine, account_id)["principal_fen"] == 3_000_00 - 30_00


def test_a_payment_of_nothing_is_refused(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine)

    with pytest.raises(PostingRefused):
        _post(engine, settings_for(tmp_path), account_id, 0)

    assert payments(engine, account_id) == []


def test_apply_payment_never_takes_an_item_below_zero() -> None:
    items = {"fee": -5_00, "interest": 10_00, "principal": 0}

    applied = apply_payment(amount_fen=15_00, items=items, order=("fee", "interest", "principal"))

    assert (applied.fee_fen, applied.interest_fen, applied.principal_fen, applied.credit_fen) == (
        0,
        10_00,
        0,
        5_00,
    )
