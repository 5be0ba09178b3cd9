"""The web tests' book: UCI accounts, a completed run's call queue, teams and a user of every role.

Shared by tests/integration/web and tests/browser.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, select

from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    ROLES,
    CardAccount,
    CollectionAction,
    ContactPoint,
    Customer,
    DailyRun,
    Team,
    table_of,
)
from arrears.users.service import create_user
from uci_cases import uci_head

RUN = date(2005, 10, 1)
CASES = 12
PASSWORD = "correct horse battery"
# Argon2id with the smallest costs: the pages are under test, not the hash's strength
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def build_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    """UCI accounts, a completed run whose calls wait in the queue, one user per role (``<role>1``),
    a second collector in the first one's team and one in another team."""
    uci.write_extract(uci_head(CASES), tmp_path / "extract", as_of=RUN)
    at = now()
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=RUN, cipher=cipher, now=at)
        accounts = connection.execute(
            select(table_of(CardAccount).c.id, table_of(CardAccount).c.customer_id)
        ).all()
        connection.execute(insert(table_of(DailyRun)).values(run_date=RUN, status="completed", started_at=at))
        rows = [{"run_date": RUN, "account_id": account, "customer_id": customer, "channel": "call",
                 "segment": "m2", "arm": "champion", "treatment": "phone_m2",
                 "value_fen": 1_000 * (CASES - rank), "priority": rank + 1,
                 "scheduled_at": at - timedelta(hours=1), "status": "planned"}
                for rank, (account, customer) in enumerate(accounts)]  # fmt: skip
        connection.execute(insert(table_of(CollectionAction)), rows)
        team = table_of(Team)
        teams = [("phone-a", "phone", None), ("phone-b", "phone", None), ("agency-x", "agency", "X")]
        connection.execute(insert(team), [{"code": code, "name": code, "kind": kind, "agency_code": agency}
                                          for code, kind, agency in teams])  # fmt: skip
        for role in ROLES:
            team_code = {"collector": "phone-a", "team_lead": "phone-a", "agency_user": "agency-x"}.get(role)
            create_user(connection, username=f"{role}1", display_name=f"{role} one", role=role,
                        password=PASSWORD, now=at, team_code=team_code)  # fmt: skip
        create_user(connection, username="collector2", display_name="c2", role="collector", password=PASSWORD,
                    now=at, team_code="phone-a")  # fmt: skip
        create_user(connection, username="collector3", display_name="c3", role="collector", password=PASSWORD,
                    now=at, team_code="phone-b")  # fmt: skip
    return engine


def personal_data(engine: Engine, cipher: FieldCipher, account_id: int) -> tuple[str, str, list[str]]:
    """The account's cardholder in clear: name, national ID and phone numbers (to check pages hide them)."""
    a, c, p = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
    with engine.connect() as connection:
        customer = connection.execute(
            select(c.c.id, c.c.name, c.c.national_id_enc)
            .join(a, a.c.customer_id == c.c.id)
            .where(a.c.id == account_id)
        ).one()
        points = connection.execute(
            select(p.c.kind, p.c.value_enc).where(p.c.customer_id == customer.id)
        ).all()
    phones = [cipher.decrypt(point.value_enc) for point in points if point.kind.endswith(("mobile", "phone"))]
    return customer.name, cipher.decrypt(customer.national_id_enc), phones
