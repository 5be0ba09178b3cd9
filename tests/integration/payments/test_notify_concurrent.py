"""Two notifications of the same trade at once (threads, SQLite and PostgreSQL): the money is posted once,
and both answer success."""

from __future__ import annotations

import threading
from pathlib import Path

from gateway_support import (
    NOW,
    audited,
    new_order,
    notification,
    notifications,
    payments,
    seed_account,
    settings_for,
)
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.payments.notifications import Received, receive_notification
from arrears.payments.posting import post_payment

THREADS = 6


def _at_once(engine: Engine, work: list[dict[str, str]], tmp_path: Path) -> list[Received]:
    settings = settings_for(tmp_path)
    barrier, results, errors = threading.Barrier(len(work)), [], []
    lock = threading.Lock()

    def one(fields: dict[str, str]) -> None:
        try:
            barrier.wait()
            with audit_transaction(engine) as connection:
                received = receive_notification(
                    connection,
                    fields,
                    secret=settings.gateway_secret.get_secret_value().encode(),  # type: ignore[union-attr]
                    now=NOW,
                    settings=settings,
                )
            with lock:
                results.append(received)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(fields,)) for fields in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def test_the_same_notification_at_once_posts_once(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings_for(tmp_path), account_id, 200_00)
    fields = notification(out_trade_no, 200_00, trade_no="T-SAME")

    results = _at_once(engine, [fields] * THREADS, tmp_path)

    assert sorted(r.outcome for r in results) == ["posted"] + ["repeat"] * (THREADS - 1)
    assert {r.answer for r in results} == {"success"}
    assert [p["trade_no"] for p in payments(engine, account_id)] == ["T-SAME"]
    assert audited(engine, "payment.posted") == 1
    assert len(notifications(engine)) == THREADS


def test_two_trades_for_one_order_at_once_post_one_of_them(engine: Engine, tmp_path: Path) -> None:
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings_for(tmp_path), account_id, 200_00)
    work = [notification(out_trade_no, 200_00, trade_no=f"T-{n}") for n in range(THREADS)]

    results = _at_once(engine, work, tmp_path)

    assert sorted(r.outcome for r in results) == ["posted"] + ["second_trade"] * (THREADS - 1)
    assert len(payments(engine, account_id)) == 1


def test_posting_the_same_trade_at_once_without_an_order_posts_once(engine: Engine, tmp_path: Path) -> None:
    """The unique payment_ref holds where no order row is locked (a settlement file's payment)."""
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    barrier, ids, errors = threading.Barrier(THREADS), [], []

    def one() -> None:
        try:
            barrier.wait()
            with audit_transaction(engine) as connection:
                ids.append(
                    post_payment(
                        connection,
                        account_id=account_id,
                        amount_fen=100_00,
                        paid_at=NOW,
                        trade_no="T-FILE",
                        source="reconcile",
                        now=NOW,
                        settings=settings,
                    )
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(set(ids)) == 1 and len(ids) == THREADS
    assert len(payments(engine, account_id)) == 1
