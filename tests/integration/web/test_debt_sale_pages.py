"""The debt sale pages: legal draws a pool and proposes its sale, a manager approves it, legal downloads
the buyer's file (audited; refused once it changed); refusals answered in their form (422, 409 once
decided) with what was typed; other roles kept out (403); and the cardholder of a sold account is told on
the portal whom to pay now, and cannot pay the bank or arrange a plan there."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import Browser, signed_in_as

from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, CardAccount, DebtSale, DebtSalePool, SoldAccount, table_of
from arrears.portal import sessions
from arrears.portal.deps import PORTAL_COOKIE
from arrears.web.app import create_app
from debt_sale_book import LOSS, SaleBook, build_sale_book
from fixed_keys import TEST_KEY
from web_book import RUN

BUYER = {
    "buyer_name": "东方资产管理股份有限公司", "buyer_licence": "911100007109254543",
    "buyer_contact": "400-610-0000", "buyer_pay_to": "户名 东方资产 账号 0200 0012 3456 789",
    "price": "3000.00", "sold_on": RUN.isoformat(), "buyer_collects_itself": "yes",
}  # fmt: skip


@pytest.fixture
def sale_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    return build_sale_book(engine, tmp_path, cipher)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", encryption_key=base64.b64encode(TEST_KEY).decode())


@pytest.fixture
def site(engine: Engine, sale_book: SaleBook, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, engine=engine))


def one(engine: Engine, model: type) -> dict[str, object]:
    table = table_of(model)
    with engine.connect() as connection:
        return dict(connection.execute(select(table).order_by(table.c.id.desc()).limit(1)).mappings().one())


def audits(engine: Engine) -> list[str]:
    e = table_of(AuditEvent)
    with engine.connect() as connection:
        query = select(e.c.action).where(e.c.action.like("debt_sale.%")).order_by(e.c.id)
        return list(connection.execute(query).scalars())


def draw(legal: Browser, **fields: str) -> object:
    data = {"as_of": RUN.isoformat(), "min_dpd": "181", "name": "2005 Q4"} | fields
    return legal.post("/debt-sale/pools", data, token_from="/debt-sale")


def test_a_sale_from_the_pool_to_the_buyers_file(
    site: TestClient, engine: Engine, settings: Settings
) -> None:
    legal = signed_in_as(site, "legal1")
    page = legal.client.get("/debt-sale")
    assert page.status_code == 200 and "pool-form" in page.text

    refused = draw(legal, min_dpd="180")
    assert refused.status_code == 422 and 'id="pool-error"' in refused.text and 'value="180"' in refused.text
    drawn = draw(legal)
    assert drawn.status_code == 303
    pool_id = int(one(engine, DebtSalePool)["id"])
    assert drawn.headers["location"] == f"/debt-sale/pools/{pool_id}"
    pool_page = legal.client.get(f"/debt-sale/pools/{pool_id}")
    assert pool_page.status_code == 200 and "sale-form" in pool_page.text and "¥" in pool_page.text

    path = f"/debt-sale/pools/{pool_id}/sales"
    bad = legal.post(path, BUYER | {"price": "0"}, token_from=f"/debt-sale/pools/{pool_id}")
    assert bad.status_code == 422 and 'id="sale-error"' in bad.text and BUYER["buyer_name"] in bad.text
    proposed = legal.post(path, BUYER, token_from=f"/debt-sale/pools/{pool_id}")
    assert proposed.status_code == 303
    sale_id = int(one(engine, DebtSale)["id"])
    sale_page = f"/debt-sale/sales/{sale_id}"
    assert "decision-form" not in legal.client.get(sale_page).text  # legal does not decide
    assert (
        legal.post(f"{sale_page}/decision", {"outcome": "approve"}, token_from=sale_page).status_code == 403
    )

    manager = signed_in_as(site, "manager1")
    assert "decision-form" in manager.client.get(sale_page).text
    unsure = manager.post(f"{sale_page}/decision", {"outcome": "maybe"}, token_from=sale_page)
    assert unsure.status_code == 422 and 'id="decision-error"' in unsure.text
    done = manager.post(f"{sale_page}/decision", {"outcome": "approve"}, token_from=sale_page)
    assert done.status_code == 303 and done.headers["location"] == f"{sale_page}?done=approve"
    again = manager.post(f"{sale_page}/decision", {"outcome": "reject", "note": "x"}, token_from=sale_page)
    assert again.status_code == 409
    with engine.connect() as connection:
        assert len(connection.execute(select(table_of(SoldAccount))).all()) == LOSS

    shown = legal.client.get(sale_page)
    assert shown.status_code == 200 and 'id="sale-file"' in shown.text and "forward-total" in shown.text
    download = legal.client.get(f"{sale_page}/file.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.headers["cache-control"] == "no-store"
    assert hashlib.sha256(download.content).hexdigest() == one(engine, DebtSale)["file_sha256"]
    stored = settings.data_dir / str(one(engine, DebtSale)["file_path"])
    stored.write_bytes(stored.read_bytes() + b"x")
    changed = legal.client.get(f"{sale_page}/file.csv")
    assert changed.status_code == 409 and 'id="file-error"' in changed.text
    assert audits(engine) == ["debt_sale.pool_created", "debt_sale.proposed", "debt_sale.approved",
                              "debt_sale.file_downloaded", "debt_sale.file_mismatch"]  # fmt: skip


@pytest.mark.parametrize("username", ["collector1", "visitor1", "compliance1", "customer_service1",
                                      "admin1", "agency_user1", "lawyer1"])  # fmt: skip
def test_other_roles_are_kept_out(site: TestClient, username: str) -> None:
    user = signed_in_as(site, username)
    for path in ("/debt-sale", "/debt-sale/pools/1", "/debt-sale/sales/1", "/debt-sale/sales/1/file.csv"):
        assert user.client.get(path).status_code == 403, path


def test_missing_and_malformed_ids_answer_404(site: TestClient) -> None:
    legal = signed_in_as(site, "legal1")
    for path in ("/debt-sale/pools/9999", "/debt-sale/sales/9999", "/debt-sale/pools/abc",
                 f"/debt-sale/sales/{2**31}", "/debt-sale/sales/9999/file.csv"):  # fmt: skip
        assert legal.client.get(path).status_code == 404, path


def test_english_on_request(site: TestClient) -> None:
    legal = signed_in_as(site, "legal1")
    legal.client.cookies.set("arrears_lang", "en")
    assert "Draw a pool" in legal.client.get("/debt-sale").text
    legal.client.cookies.set("arrears_lang", "zh-CN")
    assert "Draw a pool" not in legal.client.get("/debt-sale").text


def _cardholder(site: TestClient, engine: Engine, customer_id: int) -> tuple[TestClient, str]:
    client = TestClient(site.app, base_url="https://testserver")
    with engine.begin() as connection:
        token = sessions.start(connection, customer_id=customer_id, now=clock.now())
        found = sessions.find(connection, token=token, now=clock.now(), idle=timedelta(minutes=15))
    assert found is not None
    client.cookies.set(PORTAL_COOKIE, token, domain="testserver.local", path="/my")
    return client, found.csrf_token


def test_the_cardholder_of_a_sold_account_is_told_whom_to_pay(
    site: TestClient, engine: Engine, sale_book: SaleBook
) -> None:
    sold, kept = sale_book.loss[0], sale_book.accounts[10]
    a = table_of(CardAccount)
    with engine.connect() as connection:
        numbers = dict(connection.execute(select(a.c.id, a.c.account_no)).all())
    client, token = _cardholder(site, engine, sale_book.customers[sold])
    assert "东方资产" not in client.get(f"/my/account/{numbers[sold]}").text  # not sold yet
    legal, manager = signed_in_as(site, "legal1"), signed_in_as(site, "manager1")
    draw(legal)
    legal.post(f"/debt-sale/pools/{one(engine, DebtSalePool)['id']}/sales", BUYER, token_from="/debt-sale")
    sale_page = f"/debt-sale/sales/{one(engine, DebtSale)['id']}"
    assert (
        manager.post(f"{sale_page}/decision", {"outcome": "approve"}, token_from=sale_page).status_code == 303
    )

    home = client.get("/my")
    assert home.status_code == 200 and BUYER["buyer_name"] in home.text and BUYER["buyer_pay_to"] in home.text
    assert f"/my/account/{numbers[sold]}/pay" not in home.text
    page = client.get(f"/my/account/{numbers[sold]}")
    assert page.status_code == 200 and BUYER["buyer_contact"] in page.text and "/pay" not in re.sub(
        r'href="/my/pay[^"]*"', "", page.text.split('id="owed-h"')[1].split("</section>")[0]
    )  # fmt: skip
    pay = client.get(f"/my/account/{numbers[sold]}/pay")
    assert pay.status_code == 409 and BUYER["buyer_name"] in pay.text
    posted = client.post(f"/my/account/{numbers[sold]}/pay", data={"choice": "custom", "amount": "10",
                                                                    "csrf_token": token})  # fmt: skip
    assert posted.status_code == 409
    for path in ("offers", "promise", "callback"):  # no plan, promise or callback: whom to pay instead
        answer = client.get(f"/my/account/{numbers[sold]}/{path}")
        assert answer.status_code == 409 and BUYER["buyer_pay_to"] in answer.text, path
    promise = {"amount": "10", "promised_date": RUN.isoformat(), "csrf_token": token}
    promised = client.post(f"/my/account/{numbers[sold]}/promise", data=promise)
    assert promised.status_code == 409 and BUYER["buyer_name"] in promised.text
    other, _ = _cardholder(site, engine, sale_book.customers[kept])  # an account not sold: as before
    assert other.get(f"/my/account/{numbers[kept]}/pay").status_code == 200
