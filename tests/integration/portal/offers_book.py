"""The offers' book: three M2 cardholders (5,000.00 principal, 300.00 interest, 200.00 fees, a mobile
each) after a completed run of the default strategy: the first in segment m2 with a call claimed by
collector c1, the second with no action that day (its delinquency puts it in m2), the third in
m3_m6_large (no offers)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from my_pay_book import settings_for
from outbox_seed import seed_cardholders
from sqlalchemy import Engine, insert, update

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CollectionAction, DailyRun, StrategyVersion, table_of
from arrears.portal import sessions
from arrears.portal.deps import PORTAL_COOKIE
from arrears.strategy.load import load_strategy
from arrears.users.service import create_user
from arrears.web.app import create_app

RUN = date(2026, 11, 23)


@dataclass(frozen=True)
class Offers:
    customers: list[int]
    accounts: list[int]
    numbers: list[str]
    mobiles: list[int]
    collector: int


def seed(engine: Engine, cipher: FieldCipher) -> Offers:
    found = seed_cardholders(engine, cipher, count=3)
    a, x = table_of(CardAccount), table_of(CollectionAction)
    now = clock.now()
    text = load_strategy("default").text
    with engine.begin() as connection:
        connection.execute(update(a).values(interest_fen=300_00, fee_fen=200_00))
        user = create_user(connection, username="c1", display_name="C1", role="collector",
                           password="correct horse battery", now=now)  # fmt: skip
        version = connection.execute(
            insert(table_of(StrategyVersion)).values(
                name="default", version=2, sha256=hashlib.sha256(text.encode()).hexdigest(), text=text,
                registered_at=now,
            ).returning(table_of(StrategyVersion).c.id)
        ).scalar_one()  # fmt: skip
        connection.execute(insert(table_of(DailyRun)).values(run_date=RUN, status="completed",
                           strategy_version_id=version, started_at=now, completed_at=now))  # fmt: skip
        rows = [(found[0], "m2", user.id), (found[2], "m3_m6_large", None)]
        for (customer, account, _), segment, claimed in rows:
            connection.execute(insert(x).values(
                run_date=RUN, account_id=account, customer_id=customer, channel="call", segment=segment,
                arm="champion", treatment="phone_m2", value_fen=1_000, priority=1,
                scheduled_at=datetime(2026, 11, 23, 1, tzinfo=UTC),
                status="claimed" if claimed else "planned", claimed_by_id=claimed,
                claimed_at=now - timedelta(hours=1) if claimed else None,
            ))  # fmt: skip
    return Offers([c for c, _, _ in found], [a_ for _, a_, _ in found],
                  [f"6222{n:010d}" for n in (1, 2, 3)], [p for _, _, p in found], user.id)  # fmt: skip


def client_for(engine: Engine, tmp_path: Path, customer_id: int) -> tuple[TestClient, str]:
    client = TestClient(
        create_app(settings_for(tmp_path), engine=engine),
        base_url="https://testserver",
        follow_redirects=False,
    )
    with engine.begin() as connection:
        token = sessions.start(connection, customer_id=customer_id, now=clock.now())
        found = sessions.find(connection, token=token, now=clock.now(), idle=timedelta(minutes=15))
    assert found is not None
    client.cookies.set(PORTAL_COOKIE, token, domain="testserver.local", path="/my")
    return client, found.csrf_token
