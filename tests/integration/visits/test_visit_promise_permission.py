"""A visit outcome that takes a promise needs ``promise:take`` (every visitor holds it today: the
check is shown with a role that lost it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fieldwork_book import build_fieldwork_book, user
from sqlalchemy import Engine, func, select

from arrears.audit.repository import audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.models import PromiseToPay, table_of
from arrears.users import permissions
from arrears.users.permissions import NotPermitted
from arrears.visits import fieldwork
from arrears.visits.fieldwork import Outcome

DAY = date(2026, 11, 23)
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_visit_promise_needs_promise_take(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    stops = build_fieldwork_book(engine, tmp_path, cipher, DAY)
    kept = permissions.ROLE_PERMISSIONS["visitor"] - {"promise:take"}
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "visitor", kept)
    promise = Outcome(kind="promise", amount_fen=10_000, promised_date=DAY + timedelta(days=7))

    with audit_transaction(engine) as connection, pytest.raises(NotPermitted, match="promise:take"):
        fieldwork.record_outcome(connection, stop_id=stops["a"][0], user=user(connection, "visitor1"),
                                 outcome=promise, zone="Asia/Shanghai", now=MORNING)  # fmt: skip

    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table_of(PromiseToPay))).scalar_one() == 0
