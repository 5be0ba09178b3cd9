"""A workspace SMS's request key replayed: the same request answers the message it queued, whatever the
rulebook says by then, and a key reused for another template is not answered as if it were that one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from contact_support import DAY, load_book
from sqlalchemy import Engine, func, select

from arrears.compliance import load_policy
from arrears.contacts import sms
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.models import CardAccount, OutboxMessage, table_of

POLICY = load_policy("cn")
ZONE = "Asia/Shanghai"
LATE = DAY.replace(hour=21, minute=59, second=59)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return load_book(engine, tmp_path, cipher, users=())


def _account(engine: Engine) -> int:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return int(connection.execute(select(a.c.id).order_by(a.c.id).limit(1)).scalar_one())


def _send(engine: Engine, account: int, *, now: Any, key: str, template: str = "reminder") -> dict[str, Any]:
    with engine.begin() as connection:
        return sms.send(connection, account_id=account, template=template, user_id=None, policy=POLICY,
                        zone=ZONE, now=now, request_key=key)  # fmt: skip


def _messages(engine: Engine) -> int:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(m)).scalar_one())


def test_a_retry_after_the_hours_answers_the_message_already_queued(book: Engine) -> None:
    account = _account(book)
    first = _send(book, account, now=LATE, key="retry-0000001")

    again = _send(book, account, now=LATE + timedelta(seconds=2), key="retry-0000001")  # 22:00:01

    assert (again["id"], again["status"]) == (first["id"], "queued") and _messages(book) == 1


def test_a_key_reused_for_another_template_is_refused(book: Engine) -> None:
    account = _account(book)
    _send(book, account, now=DAY, key="reuse-0000001", template="reminder")

    with pytest.raises(ArrearsError, match="another"):
        _send(book, account, now=DAY, key="reuse-0000001", template="overdue")
    assert _messages(book) == 1


@pytest.mark.parametrize("same", [True, False])
def test_parallel_sends_queue_once_per_key(book: Engine, same: bool) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    account, barrier = _account(book), Barrier(6)

    def one(index: int) -> Any:
        barrier.wait()
        return _send(book, account, now=DAY, key="same-00000001" if same else f"each-{index:08d}")["id"]

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(one, range(6)))

    assert len(set(ids)) == (1 if same else 6) and _messages(book) == len(set(ids))
