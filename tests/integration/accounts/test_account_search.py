"""Finding an account by its number, as people type it: trimmed and in any case, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert

from arrears.accounts.repository import accounts_numbered
from arrears.models import CardAccount, Customer, table_of

AT = datetime(2026, 12, 1, tzinfo=UTC)
NUMBERS = ("A00015383", "b00000007", "Cx00042", "D1", "d1")


@pytest.fixture
def accounts(engine: Engine) -> dict[str, int]:
    """One account per number (``D1`` and ``d1`` are two different accounts)."""
    customer = {"customer_no": "C1", "name": "张三", "national_id_enc": b"x", "national_id_hash": "h",
                "national_id_masked": "1101**********1234", "created_at": AT, "updated_at": AT}  # fmt: skip
    with engine.begin() as connection:
        customer_id = connection.execute(
            insert(table_of(Customer)).values(**customer).returning(table_of(Customer).c.id)
        ).scalar_one()
        ids = {}
        for number in NUMBERS:
            values = {"account_no": number, "customer_id": customer_id, "product": "card", "currency": "CNY",
                      "credit_limit_fen": 1, "principal_fen": 1, "interest_fen": 0, "fee_fen": 0,
                      "open_date": date(2020, 1, 1), "cycle_day": 1, "due_day": 20, "status": "open",
                      "created_at": AT, "updated_at": AT}  # fmt: skip
            ids[number] = connection.execute(
                insert(table_of(CardAccount)).values(**values).returning(table_of(CardAccount).c.id)
            ).scalar_one()
    return ids


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("A00015383", "A00015383"), ("a00015383", "A00015383"), ("  a00015383\t", "A00015383"),
     ("B00000007", "b00000007"), ("cX00042", "Cx00042"), ("CX00042 ", "Cx00042")],
)  # fmt: skip
def test_an_account_number_matches_trimmed_and_in_any_case(
    engine: Engine, accounts: dict[str, int], typed: str, stored: str
) -> None:
    with engine.connect() as connection:
        assert accounts_numbered(connection, typed) == [accounts[stored]]


def test_the_exact_number_comes_first_when_two_differ_only_in_case(
    engine: Engine, accounts: dict[str, int]
) -> None:
    with engine.connect() as connection:
        assert accounts_numbered(connection, "d1") == [accounts["d1"], accounts["D1"]]
        assert accounts_numbered(connection, "D1") == [accounts["D1"], accounts["d1"]]


@pytest.mark.parametrize("typed", ["", "   ", "A0001538", "A00015383X", "%", "A0001538_"])
def test_nothing_else_matches(engine: Engine, accounts: dict[str, int], typed: str) -> None:
    with engine.connect() as connection:
        assert accounts_numbered(connection, typed) == []
