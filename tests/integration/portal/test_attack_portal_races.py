"""Two tabs at once: accepting an offer, or promising to pay, ten times in parallel makes one plan and one
promise (the account's row is locked while it is checked on PostgreSQL; SQLite's writers take turns)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from offers_book import seed
from sqlalchemy import Engine, func, select

from arrears.audit.repository import audit_transaction
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import PromiseToPay, RepaymentPlan, table_of
from arrears.portal import offers
from arrears.portal.offer_rules import Choice

THREADS = 10


def _at_once(work: Callable[[], object]) -> list[str]:
    barrier, outcomes = threading.Barrier(THREADS), []

    def one() -> None:
        barrier.wait()
        try:
            work()
            outcomes.append("ok")
        except Exception as problem:
            outcomes.append(type(problem).__name__)

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def test_ten_accepts_and_ten_promises_at_once_make_one_each(engine: Engine, cipher: FieldCipher) -> None:
    book = seed(engine, cipher)
    today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()

    def accept() -> None:
        with audit_transaction(engine) as connection:
            offers.accept(connection, account_id=book.accounts[0], customer_id=book.customers[0],
                          choice=Choice("instalment", months=4), today=today, now=clock.now())  # fmt: skip

    def promise() -> None:
        with audit_transaction(engine) as connection:
            offers.promise(connection, account_id=book.accounts[0], customer_id=book.customers[0],
                           amount_fen=10_000, promised=today + timedelta(days=1), today=today,
                           now=clock.now(), settings_days=30)  # fmt: skip

    accepted = _at_once(accept)
    promised = _at_once(promise)
    assert accepted.count("ok") == 1 and _count(engine, RepaymentPlan) == 1, accepted
    assert promised.count("ok") == 1 and _count(engine, PromiseToPay) == 1, promised
