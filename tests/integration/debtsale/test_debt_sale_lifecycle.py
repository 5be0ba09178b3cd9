"""Debt sale on SQLite and PostgreSQL: a pool drawn and frozen with each account's expected recovery to
the fen, a sale proposed by legal and approved by a manager (the accounts sold, the bank's collection
stopped, the notices queued, the buyer's file written and checked), and the refusals, which leave
nothing written: not loss class, resale, an account sold twice, a price of 0 or above the pool, dates
out of range, the proposer approving, an account no longer eligible."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.debtsale import pools, rules, salefile, sales
from arrears.debtsale.rules import PoolRefused, SaleRefused
from arrears.kit.clock import now as clock_now
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.legal import cases
from arrears.models import (
    AuditEvent,
    Callback,
    CardAccount,
    CollectionAction,
    Customer,
    DebtSale,
    DebtSalePool,
    DebtSalePoolAccount,
    DelinquencySnapshot,
    Hold,
    OutboxMessage,
    SoldAccount,
    table_of,
)
from arrears.users.permissions import NotPermitted
from debt_sale_book import (
    LOSS,
    SaleBook,
    approved,
    build_sale_book,
    drawn_pool,
    expected_of,
    proposed,
    staff,
    terms,
)
from web_book import RUN

NOW = datetime(2005, 10, 1, 3, tzinfo=UTC)


def rows(engine: Engine, model: type, **where: object) -> list[dict[str, object]]:
    table = table_of(model)
    query = select(table).where(*(table.c[key] == value for key, value in where.items())).order_by(table.c.id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def hold(engine: Engine, book: SaleBook, account_id: int, kind: str) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table_of(Hold)).values(
            customer_id=book.customers[account_id], account_id=account_id, kind=kind, reason="test",
            placed_at=NOW - timedelta(days=1),
        ))  # fmt: skip


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    return build_sale_book(engine, tmp_path, cipher)


def test_a_pool_is_drawn_and_frozen(engine: Engine, book: SaleBook) -> None:
    with audit_transaction(engine) as connection:  # an open legal case and a dispute keep two out
        cases.open_case(connection, account_id=book.loss[6], by=staff(engine, "legal1"), today=RUN, now=NOW)
    hold(engine, book, book.loss[7], "dispute")
    hold(engine, book, book.loss[5], "hardship")  # does not keep it out
    pool_id = drawn_pool(engine, name="2005 Q4 loss pool")

    (pool,) = rows(engine, DebtSalePool, id=pool_id)
    members = {m["account_id"]: m for m in rows(engine, DebtSalePoolAccount, pool_id=pool_id)}
    assert sorted(members) == sorted(book.loss[:6]) and pool["status"] == "open"
    assert pool["name"] == "2005 Q4 loss pool" and pool["as_of_date"] == RUN and pool["min_dpd"] == 181
    for rank, account in enumerate(book.loss[:6]):
        assert members[account]["expected_fen"] == expected_of(rank)
    assert members[book.loss[0]]["months_paid"] == 3 and members[book.loss[0]]["paid_12m_fen"] == 17_000
    assert members[book.loss[0]]["p_pay_bp"] == 4_000 and members[book.loss[4]]["p_pay_bp"] is None
    assert members[book.loss[0]]["last_paid_on"] == date(2005, 9, 30)
    assert pool["accounts"] == 6 and pool["balance_fen"] == sum(1_000_000 + 100_000 * r for r in range(6))
    assert pool["expected_fen"] == sum(expected_of(rank) for rank in range(6))
    criteria = json.loads(str(pool["criteria"]))
    assert criteria["excluded"]["legal_case"] == 1 and criteria["excluded"]["hold"] == 1
    assert criteria["excluded"]["not_eligible"] == 0 and criteria["entry_point"] == "DEBT-SALE"

    with engine.connect() as connection:
        view = pools.pool_view(connection, pool_id)
        assert view["summary"].accounts == 6 and view["summary"].buckets == {"M7+": 6}
        assert [m["expected_fen"] for m in view["members"]] == sorted(
            (expected_of(r) for r in range(6)), reverse=True
        )
        (entry,) = [e for e in AuditLog(connection).entries() if e.action == "debt_sale.pool_created"]
        assert json.loads(entry.details)["accounts"] == 6 and entry.actor == "legal1"

    with engine.begin() as connection:  # frozen: a later change of the account leaves the pool as it was
        a = table_of(CardAccount)
        connection.execute(
            update(a).where(a.c.id == book.loss[0]).values(dpd=10, regulatory_class="special_mention")
        )
    assert rows(engine, DebtSalePoolAccount, pool_id=pool_id, account_id=book.loss[0])[0]["dpd"] == 200


def test_only_the_policys_age_counts(engine: Engine, book: SaleBook) -> None:
    pool_id = drawn_pool(engine, min_dpd=400)  # 440, 500, 560 and 620 days past due
    assert (
        sorted(m["account_id"] for m in rows(engine, DebtSalePoolAccount, pool_id=pool_id)) == book.loss[4:]
    )


def test_an_account_not_loss_class_is_left_out(engine: Engine, book: SaleBook) -> None:
    with engine.begin() as connection:  # over 180 days but classed doubtful (a bank's own class table)
        s = table_of(DelinquencySnapshot)
        connection.execute(
            update(s).where(s.c.account_id == book.loss[0]).values(regulatory_class="doubtful")
        )
    pool_id = drawn_pool(engine)
    assert book.loss[0] not in {m["account_id"] for m in rows(engine, DebtSalePoolAccount, pool_id=pool_id)}
    assert (
        json.loads(str(rows(engine, DebtSalePool, id=pool_id)[0]["criteria"]))["excluded"]["not_eligible"]
        == 1
    )


@pytest.mark.parametrize(
    ("as_of", "min_dpd", "refused"),
    [
        (RUN, 180, InvalidField),  # not over 180 days: the entry point's age
        (RUN, 0, InvalidField),
        (RUN - timedelta(days=1), 181, PoolRefused),  # no snapshot that day
        (RUN, 5_000, PoolRefused),  # no account that old
    ],
)
def test_pool_refusals_write_nothing(
    engine: Engine, book: SaleBook, as_of: date, min_dpd: int, refused: type[Exception]
) -> None:
    with pytest.raises(refused), audit_transaction(engine) as connection:
        pools.create_pool(
            connection, as_of=as_of, min_dpd=min_dpd, name=None, by=staff(engine, "legal1"), now=NOW
        )
    assert rows(engine, DebtSalePool) == [] and rows(engine, DebtSalePoolAccount) == []


def test_a_sale_from_proposal_to_approval(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    pool_id = drawn_pool(engine)
    members = sorted(m["account_id"] for m in rows(engine, DebtSalePoolAccount, pool_id=pool_id))
    assert members == book.loss
    with engine.begin() as connection:  # an open callback and a queued collection SMS on a member
        connection.execute(insert(table_of(Callback)).values(
            account_id=book.loss[0], customer_id=book.customers[book.loss[0]],
            user_id=staff(engine, "collector1").id, due_at=NOW + timedelta(hours=2), created_at=NOW,
            status="open",
        ))  # fmt: skip
        connection.execute(insert(table_of(OutboxMessage)).values(
            idempotency_key="run:test:sms:1", channel="sms", kind="collection", source="run",
            account_id=book.loss[0], customer_id=book.customers[book.loss[0]], created_at=NOW, not_before=NOW,
            deadline_at=NOW + timedelta(hours=12), next_attempt_at=NOW, status="queued", body="test",
        ))  # fmt: skip
    sale_id = proposed(engine, pool_id)
    assert rows(engine, DebtSalePool, id=pool_id)[0]["status"] == "proposed"
    assert rows(engine, SoldAccount) == []  # nothing sold before the approval

    data_dir = tmp_path / "data"
    done = approved(engine, sale_id, data_dir, cipher)
    assert done["accounts"] == LOSS and done["notices"] == LOSS and done["file_rows"] == LOSS
    assert (
        done["actions_cancelled"] == LOSS
        and done["messages_cancelled"] == 1
        and done["callbacks_cancelled"] == 1
    )

    (sale,) = rows(engine, DebtSale, id=sale_id)
    assert sale["status"] == "approved" and sale["decided_by_id"] == staff(engine, "manager1").id
    assert rows(engine, DebtSalePool, id=pool_id)[0]["status"] == "sold"
    sold = rows(engine, SoldAccount, sale_id=sale_id)
    assert sorted(s["account_id"] for s in sold) == book.loss
    assert all(s["sold_on"] == RUN and s["cutoff_on"] == RUN and s["notice_message_id"] for s in sold)
    calls = rows(engine, CollectionAction)
    assert {c["status"] for c in calls if c["account_id"] in book.loss} == {"cancelled"}
    assert {c["status"] for c in calls if c["account_id"] not in book.loss} == {"planned"}
    assert rows(engine, Callback, account_id=book.loss[0])[0]["status"] == "cancelled"
    assert rows(engine, OutboxMessage, idempotency_key="run:test:sms:1")[0]["status"] == "cancelled"

    notices = [m for m in rows(engine, OutboxMessage) if m["template"] == "debt_sale_notice"]
    assert len(notices) == LOSS and {(m["channel"], m["kind"], m["status"]) for m in notices} == {
        ("letter", "service", "queued")
    }  # fmt: skip
    assert {m["id"] for m in notices} == {s["notice_message_id"] for s in sold}

    body = (data_dir / str(sale["file_path"])).read_bytes()
    assert hashlib.sha256(body).hexdigest() == sale["file_sha256"] and sale["file_rows"] == LOSS
    assert (data_dir / str(sale["file_path"])).stat().st_mode & 0o777 == 0o600
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(table[0]) == list(rules.FILE_COLUMNS) and len(table) == LOSS
    c = table_of(Customer)
    with engine.connect() as connection:
        first = connection.execute(
            select(c.c.name, c.c.national_id_enc).where(c.c.id == book.customers[book.loss[0]])
        ).one()
    mine = next(row for row in table if row["name"] == first.name)
    assert mine["national_id"] == cipher.decrypt(first.national_id_enc)  # the buyer gets the data in clear
    assert mine["balance_at_cutoff_fen"] == "1000000" and mine["dpd_at_cutoff"] == "200"
    assert mine["cutoff_date"] == RUN.isoformat()

    with audit_transaction(engine) as connection:
        found, name = sales.download(connection, sale_id=sale_id, by=staff(engine, "legal1"),
                                     data_dir=data_dir, now=NOW)  # fmt: skip
    assert found == body and name == f"debt-sale-{sale_id}.csv"
    with engine.connect() as connection:
        assert verify(AuditLog(connection).entries()) == []
    actions = [
        str(r["action"]) for r in rows(engine, AuditEvent) if str(r["action"]).startswith("debt_sale.")
    ]
    assert actions == ["debt_sale.pool_created", "debt_sale.proposed", "debt_sale.approved",
                       "debt_sale.file_downloaded"]  # fmt: skip


def test_a_changed_sale_file_is_refused(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sale_id = proposed(engine, drawn_pool(engine))
    approved(engine, sale_id, tmp_path, cipher)
    path = tmp_path / str(rows(engine, DebtSale, id=sale_id)[0]["file_path"])
    path.write_bytes(path.read_bytes().replace(b"1000000", b"9000000"))
    with pytest.raises(salefile.SaleFileMismatch, match="checksum"), audit_transaction(engine) as connection:
        sales.download(connection, sale_id=sale_id, by=staff(engine, "legal1"), data_dir=tmp_path, now=NOW)
    path.unlink()
    with pytest.raises(salefile.SaleFileMismatch, match="missing"), audit_transaction(engine) as connection:
        sales.download(connection, sale_id=sale_id, by=staff(engine, "legal1"), data_dir=tmp_path, now=NOW)


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"price_fen": 0}, "price"),
        ({"price_fen": -100}, "price"),
        ({"price_fen": 10**14}, "price"),  # above the pool's balance
        ({"sold_on": date(1, 1, 1)}, "sold_on"),
        ({"sold_on": date(9999, 12, 31)}, "sold_on"),
        ({"sold_on": RUN - timedelta(days=1)}, "sold_on"),
        ({"buyer_collects_itself": False}, "buyer_collects_itself"),
        ({"buyer_name": ""}, "buyer_name"),
    ],
)
def test_bad_terms_are_refused(
    engine: Engine, book: SaleBook, changed: dict[str, object], field: str
) -> None:
    pool_id = drawn_pool(engine)
    with pytest.raises(InvalidField) as refused:
        proposed(engine, pool_id, **changed)
    assert refused.value.field == field
    assert rows(engine, DebtSale) == [] and rows(engine, DebtSalePool, id=pool_id)[0]["status"] == "open"


def test_four_eyes_and_roles(engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher) -> None:
    pool_id = drawn_pool(engine, by="manager1")
    with pytest.raises(NotPermitted):
        proposed(engine, pool_id, by="collector1")
    sale_id = proposed(engine, pool_id, by="manager1")
    with pytest.raises(SaleRefused, match="another"):
        approved(engine, sale_id, tmp_path, cipher, by="manager1")  # the proposer
    with pytest.raises(NotPermitted):
        approved(engine, sale_id, tmp_path, cipher, by="legal1")  # legal proposes, a manager approves
    with pytest.raises(SaleRefused, match="has a sale already"):
        proposed(engine, pool_id, by="legal1")
    assert rows(engine, SoldAccount) == [] and rows(engine, DebtSale, id=sale_id)[0]["status"] == "proposed"
    with pytest.raises(NotFound), audit_transaction(engine) as connection:
        sales.reject(connection, sale_id=sale_id + 99, by=staff(engine, "manager1"), reason="x", now=NOW)


def test_a_rejected_sale_opens_its_pool_again(engine: Engine, book: SaleBook) -> None:
    pool_id = drawn_pool(engine)
    sale_id = proposed(engine, pool_id)
    with pytest.raises(InvalidField, match="reason"), audit_transaction(engine) as connection:
        sales.reject(connection, sale_id=sale_id, by=staff(engine, "manager1"), reason="  ", now=NOW)
    with audit_transaction(engine) as connection:
        sales.reject(
            connection, sale_id=sale_id, by=staff(engine, "manager1"), reason="price too low", now=NOW
        )
    assert rows(engine, DebtSale, id=sale_id)[0]["status"] == "rejected"
    assert rows(engine, DebtSalePool, id=pool_id)[0]["status"] == "open"
    with pytest.raises(sales.SaleMoved), audit_transaction(engine) as connection:
        sales.reject(connection, sale_id=sale_id, by=staff(engine, "manager1"), reason="again", now=NOW)
    assert proposed(engine, pool_id, price_fen=500_000) > sale_id  # a new proposal on the pool


def test_an_account_is_never_sold_twice(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    first, second = drawn_pool(engine), drawn_pool(engine, min_dpd=400)  # drawn before any sale: overlapping
    sale_id = proposed(engine, first)
    later = proposed(engine, second)
    approved(engine, sale_id, tmp_path, cipher)
    with pytest.raises(SaleRefused, match=r"4 accounts .* \(sold before\)"):
        approved(engine, later, tmp_path, cipher)
    assert (
        len(rows(engine, SoldAccount)) == LOSS and rows(engine, DebtSale, id=later)[0]["status"] == "proposed"
    )
    with pytest.raises(PoolRefused):  # a new pool finds nothing left to sell
        drawn_pool(engine)
    with pytest.raises(IntegrityError), engine.begin() as connection:  # and the store refuses a second row
        connection.execute(insert(table_of(SoldAccount)).values(
            account_id=book.loss[0], customer_id=book.customers[book.loss[0]], sale_id=later, sold_on=RUN,
            cutoff_on=RUN, created_at=NOW,
        ))  # fmt: skip


def test_an_account_no_longer_eligible_refuses_the_approval(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sale_id = proposed(engine, drawn_pool(engine))
    with audit_transaction(engine) as connection:
        cases.open_case(connection, account_id=book.loss[2], by=staff(engine, "legal1"), today=RUN, now=NOW)
    with engine.begin() as connection:  # a payment brought another back under 181 days
        a = table_of(CardAccount)
        connection.execute(
            update(a).where(a.c.id == book.loss[3]).values(dpd=30, regulatory_class="special_mention")
        )
    numbers = {
        row["id"]: row["account_no"] for row in rows(engine, CardAccount) if row["id"] in book.loss[2:4]
    }
    with pytest.raises(SaleRefused) as refused:
        approved(engine, sale_id, tmp_path, cipher)
    said = refused.value.message_en
    assert f"{numbers[book.loss[2]]} (an open legal case)" in said
    assert f"{numbers[book.loss[3]]} (not eligible for sale)" in said
    assert rows(engine, SoldAccount) == [] and rows(engine, DebtSale, id=sale_id)[0]["status"] == "proposed"
    assert not (tmp_path / salefile.relative_path(sale_id)).exists()
    assert [m for m in rows(engine, OutboxMessage) if m["template"] == "debt_sale_notice"] == []


def test_the_sale_date_may_not_come_after_today(engine: Engine, book: SaleBook) -> None:
    pool_id = drawn_pool(engine)
    with pytest.raises(InvalidField, match="sold_on"), audit_transaction(engine) as connection:
        sales.propose(connection, pool_id=pool_id, terms=terms(sold_on=RUN + timedelta(days=2)),
                      by=staff(engine, "legal1"), today=RUN + timedelta(days=1), now=clock_now())  # fmt: skip
