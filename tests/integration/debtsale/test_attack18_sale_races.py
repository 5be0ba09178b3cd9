"""Debt sale attacked at once, on SQLite and PostgreSQL: two approvers deciding the same sale at the
same instant, two pools holding the same accounts approved at once by two people, two proposals of one
pool at once, and a proposer approving their own sale: one wins, the other is refused (never 500, never
an account sold twice, never half written); the buyer's file read back against its SHA-256."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from arrears.debtsale import rules, salefile, sales
from arrears.debtsale.salefile import SaleFileMismatch
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import DebtSale, SoldAccount, table_of
from arrears.users.service import create_user
from debt_sale_book import LOSS, SaleBook, approved, build_sale_book, drawn_pool, proposed, staff
from web_book import PASSWORD, RUN


@pytest.fixture
def sale_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    book = build_sale_book(engine, tmp_path, cipher)
    with engine.begin() as connection:
        create_user(connection, username="manager2", display_name="m2", role="manager", password=PASSWORD,
                    now=now())  # fmt: skip
    return book


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    start, answers = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(index: int) -> None:
        start.wait()
        try:
            answers[index] = jobs[index]()
        except Exception as problem:  # what each got, to compare
            answers[index] = problem

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def sold_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(SoldAccount))).scalar_one())


def test_two_approvers_at_once_sell_once(
    engine: Engine, sale_book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sale_id = proposed(engine, drawn_pool(engine))
    answers = at_once([
        lambda who=who: approved(engine, sale_id, tmp_path / "data", cipher, by=who)
        for who in ("manager1", "manager2")
    ])  # fmt: skip
    won = [one for one in answers if isinstance(one, dict)]
    lost = [one for one in answers if not isinstance(one, dict)]
    assert len(won) == 1 and len(lost) == 1, answers
    assert isinstance(lost[0], rules.SaleRefused), repr(lost[0])
    assert won[0]["accounts"] == LOSS and sold_count(engine) == LOSS


def test_two_pools_of_the_same_accounts_sold_at_once_sell_each_account_once(
    engine: Engine, sale_book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    first, second = proposed(engine, drawn_pool(engine)), proposed(engine, drawn_pool(engine, name="again"))
    answers = at_once([
        lambda sale=sale, who=who: approved(engine, sale, tmp_path / "data", cipher, by=who)
        for sale, who in ((first, "manager1"), (second, "manager2"))
    ])  # fmt: skip
    won = [one for one in answers if isinstance(one, dict)]
    assert len(won) == 1, answers
    lost = next(one for one in answers if not isinstance(one, dict))
    assert isinstance(lost, rules.SaleRefused), repr(lost)
    assert sold_count(engine) == LOSS
    d = table_of(DebtSale)
    with engine.connect() as connection:
        statuses = sorted(connection.execute(select(d.c.status)).scalars())
    assert statuses == ["approved", "proposed"]  # the loser's sale left as it was: nothing half written


def test_one_pool_proposed_twice_at_once_has_one_sale(engine: Engine, sale_book: SaleBook) -> None:
    pool_id = drawn_pool(engine)
    answers = at_once([lambda who=who: proposed(engine, pool_id, by=who) for who in ("legal1", "manager1")])
    assert sum(isinstance(one, int) for one in answers) == 1, answers
    assert any(isinstance(one, rules.SaleRefused) for one in answers), answers


def test_the_proposer_never_approves_their_own_sale(
    engine: Engine, sale_book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sale_id = proposed(engine, drawn_pool(engine), by="manager1")
    with pytest.raises(rules.SaleRefused):
        approved(engine, sale_id, tmp_path / "data", cipher, by="manager1")
    assert sold_count(engine) == 0


def test_a_tampered_buyers_file_is_refused(
    engine: Engine, sale_book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    data_dir = tmp_path / "data"
    sale_id = proposed(engine, drawn_pool(engine))
    approved(engine, sale_id, data_dir, cipher)
    d = table_of(DebtSale)
    with engine.connect() as connection:
        path, digest = connection.execute(select(d.c.file_path, d.c.file_sha256)).one()
    stored = data_dir / path
    stored.write_bytes(stored.read_bytes().replace(b"1000000", b"1000001", 1))
    with pytest.raises(SaleFileMismatch):
        salefile.read_checked(data_dir, relative=path, sha256=digest)
    with engine.connect() as connection, pytest.raises(SaleFileMismatch):
        sales.download(connection, sale_id=sale_id, by=staff(engine, "legal1"), data_dir=data_dir, now=now())
    assert RUN  # the book's run day
