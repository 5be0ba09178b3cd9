"""A small book with two teams for the arrangements tests: accounts with known balances, collectors
who worked some of them from the queue, team leads and a manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CollectionAction, Team, table_of
from arrears.users import service as user_service
from arrears.users.passwords import hash_password
from arrears.users.service import StaffUser, create_user
from uci_cases import uci_head

AS_OF = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
PASSWORD = "correct horse battery"
OPEN_LEASE = datetime(9999, 1, 1, tzinfo=UTC)  # the claims are still open whenever the tests run
# every account owes 10,000 yuan principal, 1,200 interest and 300 fees
PRINCIPAL, INTEREST, FEES = 10_000_00, 1_200_00, 300_00
USERS = {  # username: (role, team)
    "c1": ("collector", "east"),
    "c2": ("collector", "west"),
    "lead_east": ("team_lead", "east"),
    "lead_west": ("team_lead", "west"),
    "boss": ("manager", None),
    "v1": ("visitor", "east"),
}


@dataclass(frozen=True)
class Book:
    engine: Engine
    accounts: list[int]  # c1 worked the first four from the queue, c2 the next two
    users: dict[str, StaffUser]


# One Argon2 hash for all the users of all the tests (each takes a third of a second); sign-ins still
# verify it in full.
_one_hash = lru_cache(maxsize=1)(hash_password)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch) -> Book:
    monkeypatch.setattr(user_service, "hash_password", _one_hash)
    uci.write_extract(uci_head(12), tmp_path / "extract", as_of=AS_OF)
    a = table_of(CardAccount)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=AS_OF, cipher=cipher, now=NOW)
        connection.execute(update(a).values(principal_fen=PRINCIPAL, interest_fen=INTEREST, fee_fen=FEES))
        accounts = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).all()
        for code in ("east", "west"):
            connection.execute(insert(table_of(Team)).values(code=code, name=code, kind="phone"))
        users = {
            name: create_user(connection, username=name, display_name=name.upper(), role=role,
                              password=PASSWORD, now=NOW, team_code=team)
            for name, (role, team) in USERS.items()
        }  # fmt: skip
        claims = [(users["c1"], row) for row in accounts[:4]] + [(users["c2"], row) for row in accounts[4:6]]
        connection.execute(
            insert(table_of(CollectionAction)),
            [
                {"run_date": AS_OF, "account_id": account, "customer_id": customer, "channel": "call",
                 "segment": "m1", "arm": "champion", "treatment": "phone_m1", "value_fen": 1_000,
                 "priority": 1, "scheduled_at": NOW, "status": "claimed", "claimed_by_id": user.id,
                 "claimed_at": NOW, "lease_until": OPEN_LEASE}
                for user, (account, customer) in claims
            ],
        )  # fmt: skip
    return Book(engine, [row.id for row in accounts], users)
