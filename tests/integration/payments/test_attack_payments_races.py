"""Attacks by concurrency (threads; SQLite and PostgreSQL): the same notification twenty times at once,
success and closed at once, two trades of one order, a notification racing a reversal, a settlement file
racing the notification of the same trade. Money is posted once or not at all, no transaction fails, and
the account's items always equal what it owed less what the standing payments applied."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from gateway_support import (
    NOW,
    account,
    audited,
    new_order,
    notification,
    notifications,
    order,
    payments,
    seed_account,
    settings_for,
)
from reconcile_book import write_settlement
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.payments.gateway import TRADE_CLOSED, gateway_time
from arrears.payments.notifications import receive_notification
from arrears.payments.reconcile import read_settlement_file, run_reconciliation
from arrears.payments.reversal import reverse_payment

OWED = 50_00 + 120_00 + 3_000_00  # gateway_support.seed_account's fee, interest and principal


def _at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Runs the jobs in threads released together; every job's result (an exception fails the test)."""
    barrier, results, errors = threading.Barrier(len(jobs)), [None] * len(jobs), []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results


def _notify(engine: Engine, settings: Settings, fields: dict[str, str]) -> Callable[[], str]:
    def job() -> str:
        with audit_transaction(engine) as connection:
            secret = settings.gateway_secret.get_secret_value().encode()  # type: ignore[union-attr]
            return receive_notification(connection, fields, secret=secret, now=NOW, settings=settings).outcome

    return job


def _items_add_up(engine: Engine, account_id: int) -> None:
    """fee + interest + principal == what was owed less what the payments that stand applied."""
    found = account(engine, account_id)
    rows = payments(engine, account_id)
    applied = sum(r["applied_fee_fen"] + r["applied_interest_fen"] + r["applied_principal_fen"] for r in rows)
    assert found["fee_fen"] + found["interest_fen"] + found["principal_fen"] == OWED - applied
    assert min(found["fee_fen"], found["interest_fen"], found["principal_fen"]) >= 0


def test_twenty_copies_of_one_notification_post_once(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    fields = notification(out_trade_no, 200_00, trade_no="T-20")

    outcomes = _at_once([_notify(engine, settings, fields) for _ in range(20)])

    assert sorted(outcomes) == ["posted"] + ["repeat"] * 19
    assert [p["amount_fen"] for p in payments(engine, account_id)] == [200_00]
    assert audited(engine, "payment.posted") == 1
    assert audited(engine, "payment.notification") == 20
    _items_add_up(engine, account_id)


def test_success_and_closed_at_once_post_the_money_once(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    for round_ in range(3):
        out_trade_no = new_order(engine, settings, account_id, 10_00)
        paid = notification(out_trade_no, 10_00, trade_no=f"T-PAID-{round_}")
        closed = notification(out_trade_no, 10_00, trade_no=f"T-PAID-{round_}", status=TRADE_CLOSED)

        outcomes = _at_once([_notify(engine, settings, paid), _notify(engine, settings, closed)])

        # either order: closed first, then the money taken after all (posted); or posted, then closed after
        assert sorted(outcomes) in (["closed", "posted"], ["closed_after_success", "posted"])
        assert order(engine, out_trade_no)["status"] == "paid"
    assert [p["amount_fen"] for p in payments(engine, account_id)] == [10_00] * 3
    _items_add_up(engine, account_id)


def test_two_trades_of_one_order_at_once_post_one(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    jobs = [
        _notify(engine, settings, notification(out_trade_no, 200_00, trade_no=f"T-{n}")) for n in range(2)
    ]

    outcomes = _at_once(jobs)

    assert sorted(outcomes) == ["posted", "second_trade"]
    [paid] = payments(engine, account_id)
    assert order(engine, out_trade_no)["trade_no"] == paid["trade_no"]
    assert [n["review_status"] for n in notifications(engine) if n["outcome"] == "second_trade"] == ["open"]
    _items_add_up(engine, account_id)


def test_a_notification_racing_a_reversal_on_the_same_account(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    first = new_order(engine, settings, account_id, 100_00)
    assert _notify(engine, settings, notification(first, 100_00, trade_no="T-FIRST"))() == "posted"
    [posted] = payments(engine, account_id)
    second = new_order(engine, settings, account_id, 70_00)

    def reverse() -> int:
        with audit_transaction(engine) as connection:
            return reverse_payment(connection, payment_id=posted["id"], reason="refund", reference=None,
                                   now=NOW, settings=settings, actor="ops")  # fmt: skip

    outcomes = _at_once([
        reverse,
        _notify(engine, settings, notification(second, 70_00, trade_no="T-SECOND")),
        _notify(engine, settings, notification(first, 100_00, trade_no="T-FIRST")),  # a replay meanwhile
    ])  # fmt: skip

    assert outcomes[1:] == ["posted", "repeat"]
    rows = payments(engine, account_id)
    assert sorted(r["amount_fen"] for r in rows) == [-100_00, 70_00, 100_00]
    assert order(engine, first)["status"] == "refunded"
    assert order(engine, second)["status"] == "paid"
    _items_add_up(engine, account_id)


def test_the_same_payment_reversed_twice_at_once_is_reversed_once(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    first = new_order(engine, settings, account_id, 100_00)
    _notify(engine, settings, notification(first, 100_00, trade_no="T-ONCE"))()
    [posted] = payments(engine, account_id)

    def reverse() -> str:
        try:
            with audit_transaction(engine) as connection:
                reverse_payment(connection, payment_id=posted["id"], reason="refund", reference=None, now=NOW,
                                settings=settings, actor="ops")  # fmt: skip
        except Exception as problem:
            return type(problem).__name__
        return "reversed"

    outcomes = _at_once([reverse, reverse, reverse])

    assert sorted(outcomes) == ["ReversalRefused", "ReversalRefused", "reversed"]
    assert sorted(r["amount_fen"] for r in payments(engine, account_id)) == [-100_00, 100_00]
    _items_add_up(engine, account_id)


@pytest.mark.parametrize("rounds", [4])
def test_a_settlement_file_racing_the_notification_of_the_same_trade(
    engine: Engine, tmp_path: Path, rounds: int
) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    for round_ in range(rounds):
        out_trade_no = new_order(engine, settings, account_id, 10_00)
        trade_no = f"T-RACE-{round_}"
        path = write_settlement(
            tmp_path / f"settlement-2026-11-24-{round_}.csv",
            [(trade_no, out_trade_no, "10.00", "TRADE_SUCCESS", gateway_time(NOW))],
        )
        settlement = read_settlement_file(path, zone=ZoneInfo(settings.timezone))

        def reconcile(settlement: Any = settlement) -> dict[str, int]:
            with audit_transaction(engine) as connection:
                report = run_reconciliation(connection, settlement, day=NOW.date(), actor="ops", now=NOW,
                                            settings=settings)  # fmt: skip
            return report.counts

        counts, outcome = _at_once(
            [reconcile, _notify(engine, settings, notification(out_trade_no, 10_00, trade_no=trade_no))]
        )

        assert (counts["missing_here"], outcome) in ((1, "repeat"), (0, "posted"))
        placed = order(engine, out_trade_no)
        assert (placed["status"], placed["trade_no"]) == ("paid", trade_no)
        assert placed["payment_id"] == payments(engine, account_id)[-1]["id"]
    assert [p["trade_no"] for p in payments(engine, account_id)] == [f"T-RACE-{n}" for n in range(rounds)]
    _items_add_up(engine, account_id)
