"""A sold account attacked from the staff side, on SQLite and PostgreSQL: once the sale is approved a
manager opening the case page can no longer start the bank's collection of it again: no SMS, pay link
or callback (the rulebook's check says DEBT-SOLD), no visit or legal-review request, no instalment plan,
no legal case; the case page still opens and says why. Before the sale each of these was accepted (a
plan with the bank on a debt it no longer owns, a legal case on it)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from web_support import Browser

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.debtsale.exclusion import AccountSold
from arrears.kit.crypto import FieldCipher
from arrears.legal import cases
from arrears.models import Callback, CaseRequest, LegalCase, OutboxMessage, RepaymentPlan, table_of
from arrears.web.app import create_app
from arrears.web.pages import actions, pay_link
from debt_sale_book import SaleBook, approved, build_sale_book, drawn_pool, proposed, staff
from fixed_keys import TEST_KEY
from web_book import RUN

NOON = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai: within the hours calls are allowed


@pytest.fixture
def sale_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    return build_sale_book(engine, tmp_path, cipher)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    key, secret = SecretStr(base64.b64encode(TEST_KEY).decode()), SecretStr("s" * 32)
    return Settings(data_dir=tmp_path / "data", encryption_key=key, gateway_secret=secret)


@pytest.fixture
def sold(engine: Engine, sale_book: SaleBook, settings: Settings, cipher: FieldCipher,
         monkeypatch: pytest.MonkeyPatch) -> int:  # fmt: skip
    """The first loss account, sold (a pool of the eight, proposed by legal1, approved by manager1)."""
    monkeypatch.setattr(actions, "now", lambda: NOON)
    monkeypatch.setattr(pay_link, "now", lambda: NOON)
    approved(engine, proposed(engine, drawn_pool(engine)), settings.data_dir, cipher)
    return int(sale_book.loss[0])


def manager(engine: Engine, settings: Settings) -> Browser:
    browser = Browser(TestClient(create_app(settings, engine=engine), raise_server_exceptions=False))
    assert browser.sign_in("manager1").status_code == 303
    return browser


def count(engine: Engine, model: type, account_id: int) -> int:
    table = table_of(model)
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).where(table.c.account_id == account_id)).scalar_one()
        )


FORMS = [
    ("sms", {"template": "reminder"}, OutboxMessage),
    ("pay-link", {"amount": "10"}, OutboxMessage),
    ("callbacks", {"due_at": "2026-12-08T10:00"}, Callback),
    ("requests/legal-review", {"reason": "long overdue"}, CaseRequest),
    ("requests/visit", {"reason": "no answer"}, CaseRequest),
    ("plans", {"kind": "instalment", "months": "6", "first_due_date": "2027-01-15"}, RepaymentPlan),
]


@pytest.mark.parametrize(("path", "fields", "model"), FORMS, ids=[one[0] for one in FORMS])
def test_nothing_restarts_the_banks_collection_of_a_sold_account(
    engine: Engine, settings: Settings, sold: int, path: str, fields: dict[str, str], model: type
) -> None:
    browser, page = manager(engine, settings), f"/cases/{sold}"
    assert browser.client.get(page).status_code == 200
    before = count(engine, model, sold)
    answer = browser.post(f"{page}/{path}", fields, token_from=page)
    assert answer.status_code != 303, answer.headers.get("location")
    assert answer.status_code < 500 and "Traceback" not in answer.text
    assert count(engine, model, sold) == before


def test_an_unsold_account_still_takes_them(engine: Engine, settings: Settings, sale_book: SaleBook,
                                            sold: int) -> None:  # fmt: skip
    kept = sale_book.accounts[-1]
    browser, page = manager(engine, settings), f"/cases/{kept}"
    answer = browser.post(f"{page}/requests/visit", {"reason": "no answer"}, token_from=page)
    assert answer.status_code == 303


def test_no_legal_case_opens_on_a_sold_account(engine: Engine, sold: int) -> None:
    with audit_transaction(engine) as connection, pytest.raises(AccountSold):
        cases.open_case(connection, account_id=sold, by=staff(engine, "legal1"), today=RUN, now=NOON)
    assert count(engine, LegalCase, sold) == 0
