"""A call that takes a promise to pay needs ``promise:take`` besides ``contact:log``, over the API and
on the case page (every role today holds both: the check is shown with a role that lost
``promise:take``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web_support import signed_in_as

from arrears.kit.clock import now
from arrears.models import ContactEvent, PromiseToPay, table_of
from arrears.users import permissions
from web_book import PASSWORD

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)


@pytest.fixture
def no_promises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Collectors may log contacts but not take promises."""
    kept = permissions.ROLE_PERMISSIONS["collector"] - {"promise:take"}
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "collector", kept)


def count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(table))).scalar_one())


def test_a_call_with_a_promise_needs_promise_take(web: TestClient, book: Engine, no_promises: None) -> None:
    browser = signed_in_as(web, "collector1")
    case = browser.post("/queue/next").headers["location"]
    account = int(case.rsplit("/", 1)[1])
    token = web.post("/api/v1/auth/token", data={"username": "collector1", "password": PASSWORD}).json()
    api = {"Authorization": f"Bearer {token['access_token']}"}
    promised = (now() + timedelta(days=5)).date().isoformat()
    call = {"outcome": "promise", "conversation": True, "reason": "income_loss",
            "promise": {"amount_fen": 10_000, "promised_date": promised}}  # fmt: skip

    refused = web.post(f"/api/v1/accounts/{account}/calls", json=call, headers=api)
    form = {"outcome": "promise", "conversation": "on", "reason": "income_loss", "promise_amount": "100",
            "promise_date": promised}  # fmt: skip
    page = browser.post(f"{case}/calls", form, token_from=case)

    assert refused.status_code == 403 and "promise:take" in refused.json()["detail"]
    assert page.status_code in (403, 422) and "promise:take" in page.text
    assert count(book, PromiseToPay) == 0 and count(book, ContactEvent) == 0
    busy = web.post(f"/api/v1/accounts/{account}/calls", json={"outcome": "busy"}, headers=api)
    assert busy.status_code == 201  # contact:log alone still logs a call without a promise
