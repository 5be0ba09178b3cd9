"""A sold account leaves the bank's collection for good, on SQLite and PostgreSQL: the daily run's book
(store mode) and the strategy preview's, the call queue, the dispatcher's re-check of a message, visit
planning's inputs and the agencies' placements; while the notice of the sale, a service letter, still
goes out and is rendered with the buyer's name and how to pay them."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, insert, select, update

from arrears.audit.repository import audit_transaction
from arrears.batch.store import RunRepository
from arrears.config import Settings
from arrears.contacts.queue import claim_next
from arrears.kit.crypto import FieldCipher
from arrears.messaging import rules as dispatch_rules
from arrears.messaging.letters import FontMissing, render_letters
from arrears.messaging.repository import OutboxRepository
from arrears.models import (
    AgencyPlacement,
    CaseRequest,
    CollectionAction,
    OutboxMessage,
    VisitAppointment,
    table_of,
)
from arrears.strategy.repository import BookRepository
from arrears.visits.repository import VisitRepository
from debt_sale_book import SaleBook, approved, build_sale_book, drawn_pool, proposed, staff
from web_book import RUN

NOW = datetime(2005, 10, 1, 2, tzinfo=UTC)  # 10:00 in Shanghai on the run date


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    return build_sale_book(engine, tmp_path, cipher)


def sell_the_loss_accounts(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> int:
    sale_id = proposed(engine, drawn_pool(engine))
    approved(engine, sale_id, tmp_path / "data", cipher)
    return sale_id


def test_the_runs_book_and_the_previews_leave_sold_accounts_out(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    def books() -> tuple[set[int], set[int]]:
        with engine.connect() as connection:
            run = set(RunRepository(connection).accounts(RUN).get_column("account_id").to_list())
            preview = set(BookRepository(connection).accounts(as_of=RUN).get_column("account_id").to_list())
        return run, preview

    assert books() == (set(book.accounts), set(book.accounts))
    sell_the_loss_accounts(engine, tmp_path, cipher)
    assert books() == (set(book.accounts[8:]), set(book.accounts[8:]))


def test_the_queue_never_hands_out_a_sold_account(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sell_the_loss_accounts(engine, tmp_path, cipher)
    x = table_of(CollectionAction)
    with engine.begin() as connection:  # a sold account's call back in the queue, first in line
        connection.execute(
            update(x).where(x.c.account_id == book.loss[0]).values(status="planned", priority=0)
        )
    with audit_transaction(engine) as connection:
        claimed = claim_next(connection, user_id=staff(engine, "collector1").id, now=NOW, max_held=5,
                             team_id=staff(engine, "collector1").team_id)  # fmt: skip
    assert claimed is not None and claimed["account_id"] not in book.loss


def _queued(
    connection: object, key: str, account_id: int, customer_id: int, kind: str = "collection"
) -> None:
    connection.execute(insert(table_of(OutboxMessage)).values(  # type: ignore[attr-defined]
        idempotency_key=key, channel="sms", kind=kind, source="workspace", account_id=account_id,
        customer_id=customer_id, created_at=NOW, not_before=NOW, deadline_at=NOW + timedelta(hours=12),
        next_attempt_at=NOW, status="queued", body="您好",
    ))  # fmt: skip


def test_the_dispatcher_cancels_a_sold_accounts_collection_messages(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sell_the_loss_accounts(engine, tmp_path, cipher)
    sold, kept = book.loss[0], book.accounts[9]
    with engine.begin() as connection:  # queued after the sale (a collector's send, a receipt)
        _queued(connection, "after:1", sold, book.customers[sold])
        _queued(connection, "after:2", sold, book.customers[sold], kind="service")
        _queued(connection, "after:3", kept, book.customers[kept])
    with engine.begin() as connection:
        repository = OutboxRepository(connection)
        claimed = repository.claim(
            channel="sms", worker="w", now=NOW, limit=10, claim_for=timedelta(minutes=2)
        )
        facts = repository.facts(claimed, now=NOW)
    assert sold in facts.sold and kept not in facts.sold
    from arrears.compliance import load_policy

    verdicts = dispatch_rules.recheck(messages=[one.pending() for one in claimed], points=facts.points,
                                      holds=facts.holds, policy=load_policy("cn"), zone="Asia/Shanghai",
                                      now=NOW, sold=facts.sold)  # fmt: skip
    by_key = {one.key: verdict for one, verdict in zip(claimed, verdicts, strict=True)}
    assert by_key["after:1"].action == "cancel" and by_key["after:1"].rules == (dispatch_rules.SOLD_RULE,)
    assert by_key["after:2"].action == "send"  # a service message: a receipt still goes
    assert dispatch_rules.SOLD_RULE not in by_key["after:3"].rules


def test_visit_planning_leaves_sold_accounts_out(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sell_the_loss_accounts(engine, tmp_path, cipher)
    sold, kept = book.loss[1], book.accounts[10]
    with engine.begin() as connection:
        for account in (sold, kept):
            customer = book.customers[account]
            connection.execute(insert(table_of(CollectionAction)).values(
                run_date=RUN, account_id=account, customer_id=customer, channel="visit", segment="m7",
                arm="champion", treatment="visit", value_fen=1, scheduled_at=NOW, status="planned",
            ))  # fmt: skip
            connection.execute(insert(table_of(CaseRequest)).values(
                account_id=account, customer_id=customer, kind="visit", reason="上门", status="open",
                requested_at=NOW,
            ))  # fmt: skip
            connection.execute(insert(table_of(VisitAppointment)).values(
                account_id=account, starts_at=NOW + timedelta(hours=2), ends_at=NOW + timedelta(hours=3),
                status="open", created_at=NOW,
            ))  # fmt: skip
    with engine.connect() as connection:
        repository = VisitRepository(connection)
        assert [r["account_id"] for r in repository.visit_actions(run_date=RUN)] == [kept]
        assert [r["account_id"] for r in repository.open_visit_requests()] == [kept]
        found = repository.open_appointments(start=NOW, end=NOW + timedelta(days=1))
        assert [r["account_id"] for r in found] == [kept]


def test_a_placement_is_recalled_at_the_sale(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    p = table_of(AgencyPlacement)
    with engine.begin() as connection:
        for account in (book.loss[2], book.accounts[11]):
            connection.execute(insert(p).values(account_id=account, agency_code="X", created_at=NOW,
                                                placed_on=RUN - timedelta(days=5),
                                                ends_on=RUN + timedelta(days=85)))  # fmt: skip
    sell_the_loss_accounts(engine, tmp_path, cipher)
    with engine.connect() as connection:
        found = {row.account_id: row for row in connection.execute(select(p))}
    assert found[book.loss[2]].recall_reason == "sold" and found[book.loss[2]].recalled_on is not None
    assert found[book.accounts[11]].recalled_on is None


def test_the_notice_letters_are_rendered_with_the_buyer(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sell_the_loss_accounts(engine, tmp_path, cipher)
    settings = Settings(data_dir=tmp_path, pay_url="https://bank.example/my/pay", bank_name="示例银行")
    out = tmp_path / "print"
    try:
        with engine.begin() as connection:
            batch = render_letters(connection, run_date=RUN, out_dir=out, now=NOW + timedelta(hours=1),
                                   cipher=cipher, settings=settings, workers=1)  # fmt: skip
    except FontMissing:
        pytest.skip("no CJK font for the letters")
    assert batch.rendered and {s.skip.code for s in batch.skipped} <= {"no_address"}
    assert len(batch.rendered) + len(batch.skipped) == len(book.loss)
    text = PdfReader(out / f"letters-{RUN}.pdf").pages[0].extract_text().replace(" ", "").replace("\n", "")
    assert "债权转让通知书" in text and "东方资产管理股份有限公司" in text and "0200001234" in text
    assert (
        "转让的债权金额为" in text and "扫码在线还款" not in text
    )  # no way to pay the bank: a service letter
    with (out / "manifest.csv").open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == len(batch.rendered)
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        statuses = (
            connection.execute(select(m.c.status).where(m.c.template == "debt_sale_notice")).scalars().all()
        )
    assert sorted(statuses) == sorted(["sent"] * len(batch.rendered) + ["failed"] * len(batch.skipped))
