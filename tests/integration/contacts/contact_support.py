"""The contact-action tests' book, constants and helpers (no conftest.py here: its module name would
shadow the suite's ``conftest`` for the modules that import from it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.contacts import holds
from arrears.contacts.calls import CallLog, log_call
from arrears.contacts.dialling import call_check
from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    CardAccount,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    DailyRun,
    table_of,
)
from arrears.users.service import create_user
from uci_cases import uci_head

RUN = date(2005, 10, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 24, 10, tzinfo=SHANGHAI)  # inside the hours
NIGHT = datetime(2026, 11, 24, 23, tzinfo=SHANGHAI)  # outside them
LOADED = datetime(2026, 11, 20, 9, tzinfo=UTC)
OPEN_LEASE = datetime(2100, 1, 1, tzinfo=UTC)  # a claim still open under the real clock (the scope's)
PASSWORD = "correct horse battery"
TEST_KEY = bytes(range(32))  # the suite's fixed master key (tests/conftest.py)
USERS = {
    "collector1": "collector",
    "collector2": "collector",
    "visitor1": "visitor",
    "team_lead1": "team_lead",
    "legal1": "legal",
    "admin1": "admin",
    "cs1": "customer_service",
    "compliance1": "compliance",
    "manager1": "manager",
}


def load_book(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, *, users: tuple[str, ...] = tuple(USERS)
) -> Engine:
    """Five UCI accounts, the ``users`` (names of ``USERS``; each costs an Argon2 hash), and the first
    account claimed by ``collector1`` (so it is in that collector's scope)."""
    uci.write_extract(uci_head(5), tmp_path / "extract", as_of=RUN)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=RUN, cipher=cipher, now=LOADED)
        ids = {
            name: create_user(
                connection, username=name, display_name=name, role=USERS[name], password=PASSWORD, now=LOADED
            ).id
            for name in users
        }
        a = table_of(CardAccount)
        first = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id).limit(1)).first()
        assert first is not None
        run = {"run_date": RUN, "status": "completed", "started_at": LOADED}
        connection.execute(insert(table_of(DailyRun)).values(**run))
        claimed = {
            "run_date": RUN, "account_id": first.id, "customer_id": first.customer_id, "channel": "call",
            "segment": "m2", "arm": "champion", "treatment": "phone_m2", "value_fen": 1_000, "priority": 1,
            "scheduled_at": LOADED, "status": "claimed", "claimed_by_id": ids.get("collector1"),
            "claimed_at": LOADED, "lease_until": OPEN_LEASE,
        }  # fmt: skip
        connection.execute(insert(table_of(CollectionAction)).values(**claimed))
    return engine


def first_account(engine: Engine) -> tuple[int, int]:
    """The claimed account and its customer."""
    a = table_of(CardAccount)
    with engine.connect() as connection:
        row = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).first()
    assert row is not None
    return int(row.id), int(row.customer_id)


def point_of(engine: Engine, customer_id: int, kind: str) -> int:
    p = table_of(ContactPoint)
    with engine.connect() as connection:
        found = connection.execute(
            select(p.c.id).where(p.c.customer_id == customer_id, p.c.kind == kind).order_by(p.c.id)
        ).scalar()
    assert found is not None
    return int(found)


def user_id(engine: Engine, username: str) -> int:
    u = table_of(AppUser)
    with engine.connect() as connection:
        return int(connection.execute(select(u.c.id).where(u.c.username == username)).scalar_one())


# --- the contact actions as the pages call them (a connection, a policy, a zone, a moment) ---

POLICY = load_policy("cn")
ZONE = "Asia/Shanghai"


def check(engine: Engine, account_id: int, at: datetime, **options: Any) -> Any:
    with engine.connect() as connection:
        return call_check(connection, account_id=account_id, policy=POLICY, zone=ZONE, at=at, **options)


def log(
    engine: Engine, account_id: int, at: datetime, outcome: str, point: int | None, **fields: Any
) -> None:
    call = CallLog(at=at, contact_point_id=point, outcome=outcome, **fields)  # type: ignore[arg-type]
    with engine.begin() as connection:
        log_call(connection, account_id=account_id, user_id=None, call=call, now=at)


def hold(engine: Engine, account_id: int, kind: str, **options: Any) -> dict[str, Any]:
    with audit_transaction(engine) as connection:
        return holds.place_hold(
            connection,
            account_id=account_id,
            kind=kind,
            reason="the cardholder disputes a charge",
            user_id=None,
            actor="compliance1",
            role="compliance",  # may place every kind
            now=options.pop("now", DAY),
            **options,
        )


def sms_events(engine: Engine) -> int:
    e = table_of(ContactEvent)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(e.c.channel == "sms")).scalar_one())
