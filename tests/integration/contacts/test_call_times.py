"""The call's time is the server's and promise dates are bounded (issue 13, items 4 and 5), on SQLite
and PostgreSQL: through the service, the API and the case page's form."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from contact_support import DAY, PASSWORD, SHANGHAI, TEST_KEY, first_account, load_book
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update

from arrears.api import accounts as accounts_api
from arrears.api import actions
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.contacts.call_rules import CallLimits
from arrears.contacts.calls import CallLog, Promise, log_call
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.models import CollectionAction, ContactEvent, PromiseToPay, table_of
from arrears.web.app import create_app

LIMITS = CallLimits(zone="Asia/Shanghai", backdate=timedelta(minutes=15), promise_days=30)
TODAY = DAY.date()  # 24 Nov 2026 in Shanghai


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    loaded = load_book(engine, tmp_path, cipher, users=("collector1",))
    with loaded.begin() as connection:  # the claim's lease runs whenever the tests run
        far = datetime(9999, 1, 1, tzinfo=SHANGHAI)
        connection.execute(update(table_of(CollectionAction)).values(lease_until=far))
    return loaded


def log(engine: Engine, call: CallLog, now: datetime = DAY, user_id: int | None = None) -> dict[str, Any]:
    account, _ = first_account(engine)
    with engine.begin() as connection:
        return log_call(connection, account_id=account, user_id=user_id, call=call, now=now, limits=LIMITS)


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


class TestTheCallsTime:
    @pytest.mark.parametrize(
        "at",
        [
            DAY - timedelta(days=1),
            DAY - timedelta(minutes=16),
            DAY + timedelta(minutes=1),
            datetime(2005, 9, 19, 10, tzinfo=SHANGHAI),
        ],
    )
    def test_a_time_outside_the_window_before_now_is_refused(self, book: Engine, at: datetime) -> None:
        with pytest.raises(ArrearsError) as refused:
            log(book, CallLog(at=at, outcome="no_answer"))

        assert refused.value.message_zh and refused.value.message_en
        assert count(book, ContactEvent) == 0

    def test_without_a_time_the_call_is_logged_now_and_not_audited(self, book: Engine) -> None:
        log(book, CallLog(outcome="no_answer"))

        with book.connect() as connection:
            assert connection.execute(select(table_of(ContactEvent).c.at)).scalar_one() == DAY
            assert AuditLog(connection).entries() == []

    def test_a_time_inside_the_window_is_kept_and_audited(self, book: Engine) -> None:
        at = DAY - timedelta(minutes=10)

        logged = log(book, CallLog(at=at, outcome="no_answer"))

        with book.connect() as connection:
            assert connection.execute(select(table_of(ContactEvent).c.at)).scalar_one() == at
            entries = AuditLog(connection).entries()
        assert [(e.action, e.subject_type, e.subject_id) for e in entries] == [
            ("call.backdated", "contact_event", str(logged["id"]))
        ]
        assert json.loads(entries[0].details)["minutes_before"] == 10 and verify(entries) == []


class TestThePromiseDate:
    @pytest.mark.parametrize(
        "promised", [date(1999, 1, 1), TODAY - timedelta(days=1), TODAY + timedelta(days=31)]
    )
    def test_a_date_in_the_past_or_too_far_out_is_refused(self, book: Engine, promised: date) -> None:
        call = CallLog(outcome="promise", promise=Promise(amount_fen=33_00, promised_date=promised))

        with pytest.raises(ArrearsError) as refused:
            log(book, call)

        assert refused.value.message_zh and refused.value.message_en
        assert count(book, ContactEvent) == count(book, PromiseToPay) == 0

    @pytest.mark.parametrize("promised", [TODAY, TODAY + timedelta(days=30)])
    def test_today_to_the_limit_is_accepted(self, book: Engine, promised: date) -> None:
        call = CallLog(outcome="promise", promise=Promise(amount_fen=33_00, promised_date=promised))

        assert log(book, call)["promise_id"] is not None

    @pytest.mark.parametrize("claimed", [None, timedelta(minutes=10)])
    def test_the_promise_is_taken_on_the_business_date_of_the_servers_clock(
        self, book: Engine, claimed: timedelta | None
    ) -> None:
        """The server's clock reads 17:00 UTC on 24 Nov, 01:00 on 25 Nov in Shanghai: the promise is
        taken on 25 Nov, with or without a call time given (ten minutes earlier)."""
        now = datetime(2026, 11, 24, 17, tzinfo=UTC)
        at = None if claimed is None else (now - claimed).astimezone(SHANGHAI)
        promise = Promise(amount_fen=33_00, promised_date=date(2026, 11, 25))

        log(book, CallLog(at=at, outcome="promise", promise=promise), now=now)

        with book.connect() as connection:
            taken = connection.execute(select(table_of(PromiseToPay).c.taken_on)).scalar_one()
        assert taken == date(2026, 11, 25)


# --- over HTTP ----------------------------------------------------------------------------------------


@pytest.fixture
def client(book: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    settings = Settings(
        data_dir=tmp_path,
        encryption_key=SecretStr(base64.b64encode(TEST_KEY).decode()),
        timezone="Asia/Shanghai",
    )
    app = create_app(settings, engine=book)
    app.include_router(actions.router)
    monkeypatch.setattr(accounts_api, "now", lambda: DAY)
    monkeypatch.setattr(actions, "now", lambda: DAY)
    return TestClient(app)


def test_backdated_calls_no_longer_escape_the_daily_cap(book: Engine, client: TestClient) -> None:
    """Five connected calls posted "at" the day before are refused; posted now, they count, and the
    check before the next call says the daily cap of connected calls is reached."""
    token = client.post("/api/v1/auth/token", data={"username": "collector1", "password": PASSWORD})
    me = {"Authorization": f"Bearer {token.json()['access_token']}"}
    account, _ = first_account(book)
    url = f"/api/v1/accounts/{account}/calls"
    yesterday = (DAY - timedelta(days=1)).isoformat()

    refused = [
        client.post(url, json={"outcome": "right_party", "at": yesterday}, headers=me) for _ in range(5)
    ]

    assert {answer.status_code for answer in refused} == {422}
    assert "minutes" in refused[0].json()["detail"]
    assert count(book, ContactEvent) == 0
    for _ in range(3):
        assert client.post(url, json={"outcome": "right_party"}, headers=me).status_code == 201
    check = client.get(f"/api/v1/accounts/{account}/call-check", headers=me).json()
    assert not check["allowed"] and "CN-CALL-CONNECTED" in check["rules"]
    promise = {"outcome": "promise", "promise": {"amount_fen": 100, "promised_date": "1999-01-01"}}
    assert client.post(url, json=promise, headers=me).status_code == 422
