"""A small book with a completed run's call queue, users of every role, and a browser-like client."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from web_support import PASSWORD, Browser

from arrears.config import Settings
from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import ROLES, CardAccount, CollectionAction, DailyRun, Team, table_of
from arrears.users import passwords
from arrears.users.service import create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

RUN = date(2005, 10, 1)
CASES = 12


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest costs: the pages are under test here, not the hash's strength."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    """UCI accounts, a completed run whose calls wait in the queue, one user per role (``<role>1``),
    a second collector in the first one's team and one in another team."""
    uci.write_extract(uci.read_uci(uci.bundled_path()).head(CASES), tmp_path / "extract", as_of=RUN)
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
        connection.execute(insert(team), [{"code": "phone-a", "name": "Phone A", "kind": "phone"},
                                          {"code": "phone-b", "name": "Phone B", "kind": "phone"},
                                          {"code": "agency-x", "name": "Agency X", "kind": "agency",
                                           "agency_code": "X"}])  # fmt: skip
        for role in ROLES:
            team_code = {"collector": "phone-a", "team_lead": "phone-a", "agency_user": "agency-x"}.get(role)
            create_user(connection, username=f"{role}1", display_name=f"{role} one", role=role,
                        password=PASSWORD, now=at, team_code=team_code)  # fmt: skip
        create_user(connection, username="collector2", display_name="c2", role="collector", password=PASSWORD,
                    now=at, team_code="phone-a")  # fmt: skip
        create_user(connection, username="collector3", display_name="c3", role="collector", password=PASSWORD,
                    now=at, team_code="phone-b")  # fmt: skip
    return engine


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())


@pytest.fixture
def web(book: Engine, app_settings: Settings) -> TestClient:
    return TestClient(create_app(app_settings, engine=book))


@pytest.fixture
def browser(web: TestClient) -> Browser:
    return Browser(web)
