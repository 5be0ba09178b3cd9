"""A payment received on a sold account after its cut-off is posted as usual and flagged to forward to the
buyer, on SQLite and PostgreSQL, whichever way it arrives: the gateway, a reversal (a negative flag), the
bank's extract; audited; a payment on an account not sold, or made before the cut-off, is not flagged."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.debtsale.forwards import flag_forwards, forwards
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, CardAccount, Payment, SoldPaymentForward, table_of
from arrears.payments.posting import post_payment
from arrears.payments.reversal import reverse_payment
from debt_sale_book import SaleBook, approved, build_sale_book, drawn_pool, proposed
from web_book import RUN

NOW = datetime(2005, 10, 2, 2, tzinfo=UTC)  # 10:00 on the day after the cut-off in Shanghai
SETTINGS = Settings(sms_hotline="95500")


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    return build_sale_book(engine, tmp_path, cipher)


def sold(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> int:
    sale_id = proposed(engine, drawn_pool(engine))
    approved(engine, sale_id, tmp_path / "data", cipher)
    return sale_id


def flags(engine: Engine) -> list[dict[str, object]]:
    f = table_of(SoldPaymentForward)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(f).order_by(f.c.id)).mappings()]


def post(engine: Engine, account_id: int, fen: int, trade_no: str) -> int:
    with audit_transaction(engine) as connection:
        return post_payment(connection, account_id=account_id, amount_fen=fen, paid_at=NOW, trade_no=trade_no,
                            source="gateway", now=NOW, settings=SETTINGS)  # fmt: skip


def test_a_gateway_payment_and_its_reversal_are_flagged(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sale_id = sold(engine, tmp_path, cipher)
    paid = post(engine, book.loss[0], 12_345, "T-1")
    post(engine, book.accounts[9], 5_000, "T-2")  # not sold: the bank's own
    (flag,) = flags(engine)
    assert (flag["payment_id"], flag["sale_id"], flag["account_id"], flag["amount_fen"]) == (
        paid, sale_id, book.loss[0], 12_345
    )  # fmt: skip
    a, p = table_of(CardAccount), table_of(Payment)
    with engine.connect() as connection:  # posted as usual: the payment stands and is applied
        assert connection.execute(select(p.c.amount_fen).where(p.c.id == paid)).scalar_one() == 12_345
        assert connection.execute(select(a.c.updated_at).where(a.c.id == book.loss[0])).scalar_one() == NOW

    with audit_transaction(engine) as connection:
        back = reverse_payment(connection, payment_id=paid, reason="refund", reference=None, now=NOW,
                               settings=SETTINGS, actor="user:1")  # fmt: skip
    assert [(f["payment_id"], f["amount_fen"]) for f in flags(engine)] == [(paid, 12_345), (back, -12_345)]
    with engine.connect() as connection:
        assert forwards(connection, sale_id).total_fen == 0
        flagged = [r for r in connection.execute(select(table_of(AuditEvent))).mappings()
                   if r["action"] == "debt_sale.payment_flagged"]  # fmt: skip
    assert [json.loads(r["details"])["amount_fen"] for r in flagged] == [12_345, -12_345]
    with audit_transaction(engine) as connection:  # idempotent: nothing flagged twice
        assert flag_forwards(connection, now=NOW) == 0


def test_the_reversal_of_a_payment_made_before_the_cut_off_is_not_flagged(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sold(engine, tmp_path, cipher)
    p = table_of(Payment)
    with engine.connect() as connection:  # the book's payment of 2005-09-30, before the cut-off
        before = connection.execute(select(p.c.id).where(p.c.payment_ref == "BOOK-2")).scalar_one()
    with audit_transaction(engine) as connection:
        reverse_payment(connection, payment_id=before, reason="returned", reference=None, now=NOW,
                        settings=SETTINGS, actor="user:1")  # fmt: skip
    assert flags(engine) == []


def test_the_extracts_payments_on_sold_accounts_are_flagged(
    engine: Engine, book: SaleBook, tmp_path: Path, cipher: FieldCipher
) -> None:
    sale_id = sold(engine, tmp_path, cipher)
    a = table_of(CardAccount)
    with engine.connect() as connection:
        numbers = dict(connection.execute(select(a.c.id, a.c.account_no)).all())
    day = RUN + timedelta(days=1)
    extract = tmp_path / "extract-2"
    shutil.copytree(tmp_path / "extract", extract)
    manifest = json.loads((extract / "manifest.json").read_text("utf-8")) | {"as_of": day.isoformat()}
    (extract / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with (extract / "payments.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["X-SOLD", numbers[book.loss[3]], day.isoformat(), "321.00", "counter"])
        writer.writerow(["X-KEPT", numbers[book.accounts[10]], day.isoformat(), "99.00", "counter"])
    with engine.begin() as connection:
        import_extract(connection, extract, as_of=day, cipher=cipher, now=NOW)
    (flag,) = flags(engine)
    assert (flag["sale_id"], flag["account_id"], flag["amount_fen"], flag["source"]) == (
        sale_id, book.loss[3], 32_100, "extract"
    )  # fmt: skip
