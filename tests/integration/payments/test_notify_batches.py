"""Notifications decided in one batch (``receive_notifications``) do exactly what the same notifications
do one at a time, on SQLite and PostgreSQL; and the process's batcher answers each request, batching
those that arrive together, and tries a failed batch again one notification at a time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from gateway_support import (
    NOW,
    SECRET,
    account,
    new_order,
    notification,
    notifications,
    order,
    payments,
    seed_account,
    settings_for,
)
from sqlalchemy import Engine, select, text

from arrears.api import notification_batches
from arrears.api.notification_batches import NotificationBatcher
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.config import Settings
from arrears.models import AuditEvent, CardAccount, PaymentOrder, table_of
from arrears.payments.gateway import TRADE_CLOSED
from arrears.payments.notifications import Incoming, Received, receive_notification, receive_notifications
from arrears.payments.reversal import reverse_payment

AUDIT, ACCOUNT, ORDER = table_of(AuditEvent), table_of(CardAccount), table_of(PaymentOrder)
ITEMS = ("fee_fen", "interest_fen", "principal_fen", "arrears_fen", "dpd", "bucket", "overdue_fen")


def _scenario(engine: Engine, settings: Settings, prefix: str) -> tuple[list[Incoming], dict[str, Any]]:
    """Three accounts and their orders, and notifications that cover every outcome, some twice."""
    x = seed_account(engine, account_no=f"{prefix}00000001")
    y = seed_account(engine, account_no=f"{prefix}00000002")
    z = seed_account(engine, account_no=f"{prefix}00000003")
    x1, x2 = new_order(engine, settings, x, 100_00), new_order(engine, settings, x, 250_00)
    y1, z1, w1 = new_order(engine, settings, y, 600_00), new_order(engine, settings, z, 80_00), None
    w1 = new_order(engine, settings, z, 90_00)
    trade = f"SIM20261124{prefix}".ljust(31, "0")
    bad = notification(w1, 90_00, trade_no=trade[:-2] + "99") | {"sign": "0" * 64}
    fields = [
        notification(x1, 100_00, trade_no=trade[:-1] + "1"),
        notification(x1, 100_00, trade_no=trade[:-1] + "1"),  # the same trade again: a repeat
        notification(x2, 250_00, trade_no=trade[:-1] + "2"),  # a second payment on the same account
        notification(y1, 600_00, trade_no=trade[:-1] + "3"),
        notification(y1, 600_00, trade_no=trade[:-1] + "4"),  # another trade for a paid order
        notification(z1, 80_00, trade_no=trade[:-1] + "5", status=TRADE_CLOSED),
        notification(z1, 80_00, trade_no=trade[:-1] + "5", status=TRADE_CLOSED),
        notification(x1, 100_00, trade_no=trade[:-1] + "1", status=TRADE_CLOSED),  # closed after success
        bad,
        notification("NO-SUCH-ORDER", 90_00, trade_no=trade[:-1] + "6"),
        notification(w1, 91_00, trade_no=trade[:-1] + "7"),  # amount mismatch
    ]
    incoming = [Incoming(one) for one in fields] + [Incoming({}, "the field 'sign' is sent more than once")]
    return incoming, {"accounts": (x, y, z), "orders": (x1, x2, y1, z1, w1)}


def _state(engine: Engine, made: dict[str, Any]) -> dict[str, Any]:
    return {
        "accounts": [{name: account(engine, one)[name] for name in ITEMS} for one in made["accounts"]],
        "payments": [
            [
                (p["amount_fen"], p["applied_fee_fen"], p["applied_interest_fen"], p["applied_principal_fen"])
                for p in payments(engine, one)
            ]
            for one in made["accounts"]
        ],
        "orders": [
            (order(engine, one)["status"], order(engine, one)["payment_id"] is not None)
            for one in made["orders"]
        ],
    }


def _shape(found: list[Received]) -> list[tuple[str, bool, bool]]:
    return [(one.outcome, one.payment_id is not None, one.order_id is not None) for one in found]


def test_a_batch_does_what_the_notifications_do_one_at_a_time(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    alone, made_alone = _scenario(engine, settings, "62221111")
    together, made_together = _scenario(engine, settings, "62223333")
    one_by_one = []
    for one in alone:
        with audit_transaction(engine) as connection:
            one_by_one.append(
                receive_notification(
                    connection, one.fields, secret=SECRET.encode(), now=NOW, settings=settings,
                    malformed=one.malformed,
                )
            )  # fmt: skip
    with audit_transaction(engine) as connection:
        batched = receive_notifications(
            connection, together, secret=SECRET.encode(), now=NOW, settings=settings
        )

    assert _shape(batched) == _shape(one_by_one)
    assert [one.outcome for one in batched] == [
        "posted", "repeat", "posted", "posted", "second_trade", "closed", "repeat", "closed_after_success",
        "bad_signature", "unknown_order", "amount_mismatch", "invalid",
    ]  # fmt: skip
    assert batched[1].payment_id == batched[0].payment_id  # the repeat names the payment of the batch
    assert batched[7].payment_id == batched[0].payment_id
    assert batched[4].payment_id == batched[3].payment_id
    assert _state(engine, made_together) == _state(engine, made_alone)
    with engine.connect() as connection:
        actions = Counter(connection.execute(select(AUDIT.c.action)).scalars())
        assert verify(AuditLog(connection).entries()) == []
    assert actions["payment.notification"] == 2 * len(alone)
    assert actions["payment.posted"] == actions["payment.effects"] == 2 * 3


def _batcher_run(engine: Engine, settings: Settings, items: list[Incoming]) -> list[Received]:
    """The items submitted at once to a batcher, on an event loop of a thread of its own."""
    found: list[Received] = []

    async def main() -> None:
        batcher = NotificationBatcher(engine, settings, SECRET.encode(), clock=lambda: NOW)
        found.extend(await asyncio.gather(*(batcher.submit(one) for one in items)))

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    thread.join(120)
    return found


@pytest.fixture
def sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch the batcher decides."""
    seen: list[int] = []
    real = notification_batches.receive_notifications

    def counting(connection: Any, incoming: Any, **kwargs: Any) -> list[Received]:
        seen.append(len(incoming))
        return real(connection, incoming, **kwargs)

    monkeypatch.setattr(notification_batches, "receive_notifications", counting)
    return seen


def test_the_batcher_batches_what_arrives_together(engine: Engine, tmp_path: Path, sizes: list[int]) -> None:
    settings = settings_for(tmp_path)
    items, made = _scenario(engine, settings, "62225555")
    found = _batcher_run(engine, settings, items)
    assert [one.outcome for one in found][:5] == ["posted", "repeat", "posted", "posted", "second_trade"]
    assert max(sizes) > 1 and sum(sizes) == len(items)
    assert [len(payments(engine, one)) for one in made["accounts"]] == [2, 1, 0]


def test_a_failed_batch_is_tried_one_at_a_time(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    items, made = _scenario(engine, settings, "62227777")
    real = notification_batches.receive_notifications

    def fails_for_many(connection: Any, incoming: Any, **kwargs: Any) -> list[Received]:
        if len(incoming) > 1:
            raise RuntimeError("the batch fails")
        return real(connection, incoming, **kwargs)

    monkeypatch.setattr(notification_batches, "receive_notifications", fails_for_many)
    found = _batcher_run(engine, settings, items)
    assert [one.outcome for one in found][:4] == ["posted", "repeat", "posted", "posted"]
    assert [len(payments(engine, one)) for one in made["accounts"]] == [2, 1, 0]


def test_a_reversal_and_a_batch_holding_its_order_do_not_deadlock(engine: Engine, tmp_path: Path) -> None:
    """A batch holds the order of a payment being reversed (a repeat of its trade) and waits for the
    account; the reversal must take that order before the account, not after (PostgreSQL would abort
    one of them as a deadlock)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks and deadlock detection: PostgreSQL")
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    first, second = (
        new_order(engine, settings, account_id, 10_00),
        new_order(engine, settings, account_id, 20_00),
    )
    with audit_transaction(engine) as connection:
        paid = receive_notification(
            connection, notification(first, 10_00, trade_no="T-1"), secret=SECRET.encode(), now=NOW,
            settings=settings,
        ).payment_id  # fmt: skip
    assert paid is not None
    errors: list[BaseException] = []

    def batch() -> None:
        try:
            with audit_transaction(engine) as connection:
                connection.execute(text("SET LOCAL deadlock_timeout = '5s'"))
                receive_notifications(
                    connection,
                    [Incoming(notification(first, 10_00, trade_no="T-1")),
                     Incoming(notification(second, 20_00, trade_no="T-2"))],
                    secret=SECRET.encode(), now=NOW, settings=settings,
                )  # fmt: skip
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def reverse() -> None:
        try:
            with audit_transaction(engine) as connection:
                connection.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
                reverse_payment(
                    connection, payment_id=paid, reason="refund", reference=None, now=NOW, settings=settings,
                    actor="ops",
                )  # fmt: skip
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    with engine.connect() as blocker:  # holds the account: the reversal queues first, then the batch
        blocker.begin()
        blocker.execute(select(ACCOUNT.c.id).where(ACCOUNT.c.id == account_id).with_for_update())
        threads = [threading.Thread(target=reverse, daemon=True), threading.Thread(target=batch, daemon=True)]
        for thread in threads:
            thread.start()
            time.sleep(0.5)
        blocker.rollback()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(payments(engine, account_id)) == 3  # the payment, its reversal, the second order's payment


def test_a_batch_held_up_by_a_lock_does_not_hold_up_the_notifications_after_it(
    engine: Engine, tmp_path: Path
) -> None:
    """Another transaction keeps order A locked for 3 s: A's batch waits, but B, arriving after it, is
    taken by another batch once it has waited STALLED seconds, and answered long before A."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one write lock for the whole database)")
    settings = settings_for(tmp_path)
    first, second = (
        seed_account(engine, account_no="6222444400000001"),
        seed_account(engine, account_no="6222444400000002"),
    )
    held, free = new_order(engine, settings, first, 10_00), new_order(engine, settings, second, 20_00)
    answered: dict[str, float] = {}

    async def main() -> None:
        batcher = NotificationBatcher(engine, settings, SECRET.encode(), clock=lambda: NOW)
        started = time.monotonic()

        async def send(out_trade_no: str, amount: int, trade_no: str, delay: float) -> None:
            await asyncio.sleep(delay)
            found = await batcher.submit(Incoming(notification(out_trade_no, amount, trade_no=trade_no)))
            assert found.outcome == "posted"
            answered[out_trade_no] = time.monotonic() - started

        await asyncio.gather(send(held, 10_00, "T-HELD", 0.0), send(free, 20_00, "T-FREE", 0.2))

    with engine.connect() as blocker:
        blocker.begin()
        blocker.execute(select(ORDER.c.id).where(ORDER.c.out_trade_no == held).with_for_update())
        thread = threading.Thread(target=lambda: asyncio.run(main()))
        thread.start()
        time.sleep(3)
        blocker.rollback()
    thread.join(60)
    assert answered[free] < 2.0 < answered[held]


def test_a_notification_kept_for_review_and_sent_again_is_kept_once(engine: Engine, tmp_path: Path) -> None:
    """The gateway sends a refused notification again and again: one review, however the copies come."""
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 100_00)
    wrong = Incoming(notification(out_trade_no, 99_00, trade_no="T-WRONG"))
    with audit_transaction(engine) as connection:
        twice = receive_notifications(
            connection, [wrong, wrong], secret=SECRET.encode(), now=NOW, settings=settings
        )
    with audit_transaction(engine) as connection:
        again = receive_notification(
            connection, wrong.fields, secret=SECRET.encode(), now=NOW, settings=settings
        )
    assert [one.outcome for one in [*twice, again]] == ["amount_mismatch"] * 3
    assert {one.answer for one in [*twice, again]} == {"fail"}
    stored = notifications(engine)
    assert [row["review_status"] for row in stored] == ["open", None, None]
    assert "sent again" in stored[2]["detail"]


def test_steady_load_without_a_hold_keeps_one_batch_in_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications arrive all the time and each batch takes 0.3 s: a batch takes them within 0.3 s,
    none waits STALLED seconds, so no second batch is started (batches stay large)."""
    running, most = [0], [0]
    lock = threading.Lock()

    def slow(self: NotificationBatcher, incoming: Any) -> list[Received]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return [Received("posted", 1) for _ in incoming]

    monkeypatch.setattr(NotificationBatcher, "_receive", slow)

    async def main() -> None:
        batcher = NotificationBatcher(None, None, b"", clock=lambda: NOW)  # type: ignore[arg-type]
        sent = []
        for _ in range(40):  # one every 50 ms for 2 s
            sent.append(asyncio.ensure_future(batcher.submit(Incoming({}))))
            await asyncio.sleep(0.05)
        await asyncio.gather(*sent)

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    thread.join(30)
    assert most[0] == 1
