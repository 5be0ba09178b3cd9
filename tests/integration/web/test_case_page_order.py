"""The case page opens with the account: its number, bucket and cardholder come first, the payments
card (with its banner and pay link) after them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import signed_in_as

from arrears.models import CardAccount, table_of


def test_the_account_header_comes_before_the_payments(web: TestClient, book: Engine) -> None:
    a = table_of(CardAccount)
    with book.connect() as connection:
        account_id, account_no = connection.execute(select(a.c.id, a.c.account_no).order_by(a.c.id)).first()  # type: ignore[misc]
    page = signed_in_as(web, "manager1").client.get(f"/cases/{account_id}").text
    header, payments = page.find(f"<h1>{account_no}"), page.find('id="payments"')
    assert 0 < header < payments
