"""Attacks on notifications posted in batches (decision 0023), SQLite and PostgreSQL: one trade named by
two orders of a batch, the app served on several event loops at once, a batch and a settlement file
locking the same orders, odd bodies and a poison notification in one batch over HTTP, requests given up
while they wait, two payments of one account in a batch with its promise, plan and queued messages, and
the same notifications in two batches at once. Money is posted once or not at all, each notification
does what it would do alone, every request is answered, and the audit chain holds."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from effects_support import TODAY, add_plan, add_promise, message, queue_sms, rows
from gateway_support import (
    NOW,
    SECRET,
    account,
    client,
    new_order,
    notification,
    notifications,
    order,
    payments,
    seed_account,
    settings_for,
)
from reconcile_book import write_settlement
from sqlalchemy import Engine, select, text

from arrears.api import notification_batches
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.config import Settings
from arrears.models import PaymentOrder, PlanInstalment, PromiseToPay, RepaymentPlan, table_of
from arrears.payments import effects_repository
from arrears.payments.gateway import TRADE_CLOSED, gateway_time, sign
from arrears.payments.notifications import Incoming, Received, receive_notification, receive_notifications
from arrears.payments.reconcile import read_settlement_file, run_reconciliation
from arrears.web.app import create_app

NOTIFY = "/api/v1/payments/notify/simulated"
FORM = {"content-type": "application/x-www-form-urlencoded"}
ORDER = table_of(PaymentOrder)


def _alone(engine: Engine, settings: Settings, fields: dict[str, str]) -> Received:
    with audit_transaction(engine) as connection:
        return receive_notification(connection, fields, secret=SECRET.encode(), now=NOW, settings=settings)


def _batch(engine: Engine, settings: Settings, fields: list[dict[str, str]]) -> list[Received]:
    with audit_transaction(engine) as connection:
        return receive_notifications(
            connection, [Incoming(one) for one in fields], secret=SECRET.encode(), now=NOW, settings=settings
        )


def _chain_holds(engine: Engine) -> None:
    with engine.connect() as connection:
        assert verify(AuditLog(connection).entries()) == []


def _body(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs).encode()


def _signed(fields: dict[str, str]) -> dict[str, str]:
    unsigned = {name: value for name, value in fields.items() if name != "sign"}
    return unsigned | {"sign": sign(unsigned, SECRET.encode())}


def _on_a_loop(main: Callable[[], Awaitable[Any]]) -> Any:
    """``main()`` on an event loop of a thread of its own (the suite's browser tests leave one running)."""
    found: list[Any] = []
    thread = threading.Thread(target=lambda: found.append(asyncio.run(main())), daemon=True)
    thread.start()
    thread.join(120)
    assert found, "the event loop did not finish"
    return found[0]


@pytest.fixture
def sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch the process's batcher decides (a failed batch, then each alone)."""
    seen: list[int] = []
    real = notification_batches.receive_notifications

    def counting(connection: Any, incoming: Any, **kwargs: Any) -> list[Received]:
        seen.append(len(incoming))
        return real(connection, incoming, **kwargs)

    monkeypatch.setattr(notification_batches, "receive_notifications", counting)
    return seen


def test_one_trade_named_by_two_orders_of_a_batch_is_a_repeat_as_it_is_alone(
    engine: Engine, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    x = seed_account(engine, account_no="6222000000000001")
    y = seed_account(engine, account_no="6222000000000002")
    x1, y1 = new_order(engine, settings, x, 100_00), new_order(engine, settings, y, 100_00)
    x2, y2 = new_order(engine, settings, x, 100_00), new_order(engine, settings, y, 100_00)

    alone = [
        _alone(engine, settings, notification(x1, 100_00, trade_no="T-ALONE")),
        _alone(engine, settings, notification(y1, 100_00, trade_no="T-ALONE")),
    ]
    batched = _batch(
        engine,
        settings,
        [notification(x2, 100_00, trade_no="T-BATCH"), notification(y2, 100_00, trade_no="T-BATCH")],
    )

    assert [one.outcome for one in alone] == ["posted", "repeat"]
    assert [one.outcome for one in batched] == ["posted", "repeat"]
    assert batched[1].payment_id == batched[0].payment_id
    # the second order is paid by the trade's payment, as alone: never paid without a payment
    assert order(engine, y1)["payment_id"] == alone[0].payment_id
    assert (order(engine, y2)["status"], order(engine, y2)["payment_id"]) == ("paid", batched[0].payment_id)
    assert [p["trade_no"] for p in payments(engine, y)] == []
    assert [p["trade_no"] for p in payments(engine, x)] == ["T-ALONE", "T-BATCH"]
    _chain_holds(engine)


def test_notifications_on_several_event_loops_at_once_are_all_answered(
    engine: Engine, tmp_path: Path
) -> None:
    """The test client in threads runs each request on an event loop of its own: a batcher shared by
    the loops left all but one request waiting for ever."""
    settings = settings_for(tmp_path)
    web = client(engine, settings)
    work = []
    for n in range(8):
        account_id = seed_account(engine, account_no=f"62220000000001{n:02d}")
        out_trade_no = new_order(engine, settings, account_id, 100_00)
        work.append(notification(out_trade_no, 100_00, trade_no=f"T-LOOP-{n}"))
    answers: list[str | None] = [None] * len(work)
    barrier = threading.Barrier(len(work))

    def post(index: int) -> None:
        barrier.wait()
        answers[index] = web.post(NOTIFY, data=work[index]).text

    threads = [threading.Thread(target=post, args=(n,), daemon=True) for n in range(len(work))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))

    assert answers == ["success"] * len(work)
    assert Counter(one["outcome"] for one in notifications(engine)) == {"posted": len(work)}


def test_a_batch_and_a_settlement_file_locking_the_same_orders_do_not_deadlock(
    engine: Engine, tmp_path: Path
) -> None:
    """The reconciliation locks its orders in out_trade_no order; a batch that locked them in id order
    could hold one while waiting for the other, and PostgreSQL aborted the reconciliation."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite's transactions take the database's write lock)")
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    while True:  # the later order (by id) first by out_trade_no
        first = new_order(engine, settings, account_id, 10_00)
        second = new_order(engine, settings, account_id, 20_00)
        if second < first:
            break
    path = write_settlement(
        tmp_path / "settlement-2026-11-24.csv",
        [("T-F", first, "10.00", "TRADE_SUCCESS", gateway_time(NOW)),
         ("T-S", second, "20.00", "TRADE_SUCCESS", gateway_time(NOW))],
    )  # fmt: skip
    settlement = read_settlement_file(path, zone=ZoneInfo(settings.timezone))
    errors: list[BaseException] = []
    found: dict[str, Any] = {}

    def batch() -> None:
        try:
            with audit_transaction(engine) as connection:
                connection.execute(text("SET LOCAL deadlock_timeout = '5s'"))
                found["batch"] = receive_notifications(
                    connection,
                    [Incoming(notification(first, 10_00, trade_no="T-F")),
                     Incoming(notification(second, 20_00, trade_no="T-S"))],
                    secret=SECRET.encode(), now=NOW, settings=settings,
                )  # fmt: skip
        except BaseException as error:  # reported below
            errors.append(error)

    def reconcile() -> None:
        try:
            with audit_transaction(engine) as connection:
                connection.execute(text("SET LOCAL deadlock_timeout = '100ms'"))  # it finds a cycle first
                found["file"] = run_reconciliation(
                    connection, settlement, day=NOW.date(), actor="ops", now=NOW, settings=settings
                ).counts
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=batch, daemon=True), threading.Thread(target=reconcile, daemon=True)]
    with engine.connect() as blocker:  # holds the first order (by id): both queue behind it in turn
        blocker.begin()
        blocker.execute(select(ORDER.c.id).where(ORDER.c.out_trade_no == first).with_for_update())
        for thread in threads:
            thread.start()
            time.sleep(0.5)
        blocker.rollback()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert [one.outcome for one in found["batch"]] == ["posted", "posted"]
    assert found["file"]["matched"] == 2 and found["file"]["missing_here"] == 0
    assert [p["trade_no"] for p in payments(engine, account_id)] == ["T-F", "T-S"]


def test_odd_bodies_in_one_batch_are_answered_each_and_fail_no_other(
    engine: Engine, tmp_path: Path, sizes: list[int]
) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    paid, closed, other = (new_order(engine, settings, account_id, one) for one in (100_00, 50_00, 70_00))
    good = notification(paid, 100_00, trade_no="T-GOOD")
    odd = {  # the fields changed, signed again: each refused for its value, not its signature
        "nul": {"out_trade_no": paid[:5] + "\x00" + paid[5:]},
        "1e999": {"total_amount": "1e999"},
        "zero": {"total_amount": "0.00"},
        "negative": {"total_amount": "-100.00"},
        "too much": {"total_amount": "99999999999.99"},
        "past 2^63": {"total_amount": "9223372036854775808.00"},
        "long order": {"out_trade_no": "A" * 65},
        "long trade": {"trade_no": "T" * 65},
        "year 1": {"gmt_payment": "0001-01-01 00:00:00"},
        "year 9999": {"gmt_payment": "9999-12-31 23:59:59"},
    }
    pairs = {name: list(_signed(good | change).items()) for name, change in odd.items()}
    bodies = [_body(list(good.items()))] + [_body(one) for one in pairs.values()] + [
        _body([*good.items(), ("trade_no", "T-TWICE")]),  # a field twice
        b"out_trade_no=\xff\xfe&trade_no=x",  # not UTF-8
        b"",
        _body(list((notification(other, 70_00, trade_no="T-GOOD") | {"sign": "0" * 64}).items())),
        _body(list(notification(other, 90_00, trade_no="T-MISMATCH").items())),
        _body(list(notification("NO-SUCH-ORDER", 90_00, trade_no="T-NONE").items())),
        _body(list(notification(closed, 50_00, trade_no="T-CLOSE", status=TRADE_CLOSED,
                                at=NOW.replace(year=9999)).items())),
        _body(list(good.items())),  # the same trade again in the batch
    ]  # fmt: skip
    app = create_app(settings, engine=engine)

    async def main() -> list[tuple[int, str]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as web:

            async def post(body: bytes) -> tuple[int, str]:
                answer = await web.post(NOTIFY, content=body, headers=FORM)
                return answer.status_code, answer.text

            return list(await asyncio.gather(*(post(body) for body in bodies)))

    answers = _on_a_loop(main)

    assert answers[0] == answers[-1] == (200, "success")
    assert answers[-2] == (200, "success")  # closed, its gmt_payment not read
    assert answers[1:-2] == [(400, "fail")] * (len(bodies) - 3)
    assert max(sizes) > 1 and sum(sizes) == len(bodies)  # batched, and no batch failed
    outcomes = [one["outcome"] for one in notifications(engine)]
    assert Counter(outcomes) == {"invalid": 12, "bad_signature": 2, "amount_mismatch": 1, "unknown_order": 1,
                                 "posted": 1, "repeat": 1, "closed": 1}  # fmt: skip
    assert [p["trade_no"] for p in payments(engine, account_id)] == ["T-GOOD"]
    assert (order(engine, closed)["status"], order(engine, other)["status"]) == ("closed", "created")
    _chain_holds(engine)


def test_a_poison_notification_and_requests_given_up_while_waiting(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int]
) -> None:
    """One notification whose posting raises fails alone (500: the gateway sends it again); the others of
    its batch are posted and answered; requests given up (a client gone) while their batch waits are
    posted once or not at all, never twice; the next request is answered as ever."""
    settings = settings_for(tmp_path)
    accounts = [seed_account(engine, account_no=f"62229900000001{n:02d}") for n in range(6)]
    poison = accounts[2]
    real_overdue = effects_repository.overdue_of

    def overdue_of(connection: Any, account_ids: Any) -> dict[int, int]:
        wanted = list(account_ids)
        if poison in wanted:
            raise RuntimeError("the posting of this account fails")
        return real_overdue(connection, wanted)

    monkeypatch.setattr(effects_repository, "overdue_of", overdue_of)
    gate = threading.Event()
    real_receive = notification_batches.receive_notifications  # counting (the sizes fixture)

    def held(connection: Any, incoming: Any, **kwargs: Any) -> list[Received]:
        gate.wait(30)  # the first batch waits until the rest have gathered
        return real_receive(connection, incoming, **kwargs)

    monkeypatch.setattr(notification_batches, "receive_notifications", held)
    orders = [new_order(engine, settings, one, 100_00) for one in accounts]
    first = notification(orders[0], 100_00, trade_no="T-FIRST-0")
    waiting = [notification(out, 100_00, trade_no=f"T-WAIT-{n}") for n, out in enumerate(orders)]
    given_up = [notification(orders[4], 100_00, trade_no="T-WAIT-4"), notification(orders[5], 100_00,
                trade_no="T-GONE-5")]  # fmt: skip
    app = create_app(settings, engine=engine)

    async def main() -> tuple[tuple[int, str], list[tuple[int, str]], tuple[int, str]]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as web:

            async def post(fields: dict[str, str]) -> tuple[int, str]:
                answer = await web.post(NOTIFY, data=fields)
                return answer.status_code, answer.text

            head = asyncio.create_task(post(first))
            await asyncio.sleep(0.2)  # its batch is being posted (held)
            rest = [asyncio.create_task(post(one)) for one in waiting]
            gone = [asyncio.create_task(post(one)) for one in given_up]
            await asyncio.sleep(0.2)  # all of them wait for the next batch
            for task in gone:
                task.cancel()
            gate.set()
            answers = (await head, list(await asyncio.gather(*rest)))
            for _ in range(100):  # what was given up is still decided: let the batcher finish
                if len(notifications(engine)) >= 1 + len(waiting) - 1 + len(given_up):
                    break
                await asyncio.sleep(0.05)
            return answers[0], answers[1], await post(notification(orders[3], 100_00, trade_no="T-WAIT-3"))

    head, answers, later = _on_a_loop(main)

    assert head == (200, "success")
    assert answers[2][0] == 500  # the poison, alone
    assert [one for n, one in enumerate(answers) if n != 2] == [(200, "success")] * (len(waiting) - 1)
    assert later == (200, "success")
    assert sizes[:2] == [1, len(waiting) + len(given_up)]  # the batch that failed, then each alone
    for n, account_id in enumerate(accounts):
        trades = [p["trade_no"] for p in payments(engine, account_id)]
        expected = {0: ["T-FIRST-0"], 2: []}.get(n, [f"T-WAIT-{n}"])
        assert trades == expected, n
        placed = order(engine, orders[n])
        assert placed["status"] == ("created" if n == 2 else "paid")
        assert (placed["payment_id"] is None) == (n == 2)
    outcomes = Counter((one["trade_no"], one["outcome"]) for one in notifications(engine))
    assert outcomes[("T-GONE-5", "posted")] == 0  # another trade of a paid order: never posted
    assert outcomes[("T-WAIT-4", "posted")] == 1
    _chain_holds(engine)


def test_two_payments_of_one_account_in_a_batch_settle_it_as_they_do_alone(
    engine: Engine, tmp_path: Path
) -> None:
    """Payments summing to the fen of what is owed, then one fen more (credit): items, delinquency,
    promise, plan and queued collection messages as the same notifications one at a time leave them."""
    settings = settings_for(tmp_path)

    def book(number: str) -> tuple[int, list[str], dict[str, int]]:
        account_id = seed_account(engine, account_no=number)
        customer_id = int(account(engine, account_id)["customer_id"])
        made = {
            "promise": add_promise(engine, account_id, 200_00, promised=TODAY + timedelta(days=3)),
            "plan": add_plan(engine, account_id, [100_00, 100_00], first_due=TODAY + timedelta(days=5),
                             agreed=TODAY),
            "sms": queue_sms(engine, account_id, customer_id, key=f"run:{number}"),
        }  # fmt: skip
        amounts = (170_00, 3_000_00, 1)  # fee and interest; principal; a fen of credit
        return account_id, [new_order(engine, settings, account_id, one) for one in amounts], made

    def state(account_id: int, made: dict[str, int]) -> dict[str, Any]:
        found = account(engine, account_id)
        return {
            "items": {name: found[name] for name in ("fee_fen", "interest_fen", "principal_fen", "dpd",
                                                     "bucket", "overdue_fen", "arrears_fen")},
            "applied": [(p["amount_fen"], p["applied_fee_fen"], p["applied_interest_fen"],
                         p["applied_principal_fen"]) for p in payments(engine, account_id)],
            "promise": [(p["status"], p["paid_fen"])
                        for p in rows(engine, PromiseToPay, account_id=account_id)],
            "plan": [p["status"] for p in rows(engine, RepaymentPlan, id=made["plan"])],
            "instalments": [(i["status"], i["paid_fen"]) for i in rows(engine, PlanInstalment,
                                                                         plan_id=made["plan"])],
            "sms": message(engine, made["sms"])["status"],
        }  # fmt: skip

    alone_id, alone_orders, alone_made = book("6222000000000111")
    batch_id, batch_orders, batch_made = book("6222000000000222")
    amounts = (170_00, 3_000_00, 1)
    for n, (out, amount) in enumerate(zip(alone_orders, amounts, strict=True)):
        assert _alone(engine, settings, notification(out, amount, trade_no=f"T-A-{n}")).outcome == "posted"
    batched = _batch(
        engine,
        settings,
        [notification(out, amount, trade_no=f"T-B-{n}")
         for n, (out, amount) in enumerate(zip(batch_orders, amounts, strict=True))],
    )  # fmt: skip

    assert [one.outcome for one in batched] == ["posted"] * 3
    alone, together = state(alone_id, alone_made), state(batch_id, batch_made)
    assert together == alone
    assert together["items"] | {"bucket": None} == {
        "fee_fen": 0, "interest_fen": 0, "principal_fen": 0, "dpd": 0, "bucket": None, "overdue_fen": 0,
        "arrears_fen": 0,
    }  # fmt: skip
    assert together["applied"] == [(170_00, 50_00, 120_00, 0), (3_000_00, 0, 0, 3_000_00), (1, 0, 0, 0)]
    assert together["promise"] == [("kept", 200_00)] and together["plan"] == ["completed"]
    assert together["sms"] == "cancelled"
    _chain_holds(engine)


def _in_turn(
    engine: Engine,
    settings: Settings,
    fields: list[dict[str, str]],
    barrier: threading.Barrier,
    found: list[Received],
    errors: list[BaseException],
) -> None:
    """One batch of ``fields`` once the barrier lets it go (its outcomes to ``found``)."""
    try:
        barrier.wait()
        found.extend(_batch(engine, settings, fields))
    except BaseException as error:  # reported by the test
        errors.append(error)


def test_the_same_notifications_in_two_batches_at_once_post_each_trade_once(
    engine: Engine, tmp_path: Path
) -> None:
    """As two server processes do: the same trades (and a second trade of one order) in two batches, one
    in the other's reverse order; each posted once, the other batch answers repeat."""
    settings = settings_for(tmp_path)
    accounts = [seed_account(engine, account_no=f"62227700000001{n:02d}") for n in range(3)]
    for round_ in range(3):
        orders = [new_order(engine, settings, one, 10_00 + n) for n, one in enumerate(accounts)]
        orders += [new_order(engine, settings, accounts[0], 5_00)]
        work = [notification(out, 10_00 + n, trade_no=f"T-{round_}-{n}") for n, out in enumerate(orders[:3])]
        work += [notification(orders[3], 5_00, trade_no=f"T-{round_}-3"),
                 notification(orders[3], 5_00, trade_no=f"T-{round_}-9")]  # fmt: skip
        barrier, found, errors = threading.Barrier(2), [], []
        threads = [threading.Thread(target=_in_turn, args=(engine, settings, one, barrier, found, errors))
                   for one in (work, work[::-1])]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert errors == []
        outcomes = Counter(one.outcome for one in found)
        assert outcomes["posted"] == 4
        assert outcomes["posted"] + outcomes["repeat"] + outcomes["second_trade"] == 2 * len(work)
        for n, out in enumerate(orders):
            placed = order(engine, out)
            assert placed["status"] == "paid" and placed["payment_id"] is not None, n
    trades = Counter(p["trade_no"] for one in accounts for p in payments(engine, one))
    assert len(trades) == 12 and set(trades.values()) == {1}
    _chain_holds(engine)
