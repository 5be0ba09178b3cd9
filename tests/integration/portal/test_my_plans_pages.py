"""The /my offers, promise, callback and preferences pages: only the cardholder's own account, the
preview and the accepted plan, the refusals with their reason, and the staff case page's timeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from offers_book import Offers, client_for, seed
from sqlalchemy import Engine, select

from arrears.accounts.case_file import timeline
from arrears.kit.crypto import FieldCipher
from arrears.models import ContactPreference, PortalRequest, RepaymentPlan, table_of


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Offers:
    return seed(engine, cipher)


def test_offers_preview_accept_and_the_case_timeline(engine: Engine, book: Offers, tmp_path: Path) -> None:
    client, csrf = client_for(engine, tmp_path, book.customers[0])
    page = client.get(f"/my/account/{book.numbers[0]}/offers?lang=en")
    assert page.status_code == 200 and 'name="months"' in page.text and 'value="10"' in page.text
    assert 'value="11"' not in page.text  # the self-service authority's 10 months, not the strategy's 12
    other, _ = client_for(engine, tmp_path, book.customers[1])
    assert other.get(f"/my/account/{book.numbers[0]}/offers").status_code == 404
    shown = client.post(
        f"/my/account/{book.numbers[0]}/offers/preview",
        data={"csrf_token": csrf, "kind": "instalment", "months": "4"},
    )
    assert shown.status_code == 200 and "/offers/accept" in shown.text
    no_csrf = client.post(
        f"/my/account/{book.numbers[0]}/offers/accept", data={"kind": "instalment", "months": "4"}
    )
    assert no_csrf.status_code == 403
    done = client.post(
        f"/my/account/{book.numbers[0]}/offers/accept",
        data={"csrf_token": csrf, "kind": "instalment", "months": "4"},
    )
    assert done.status_code == 200 and f"/my/account/{book.numbers[0]}/pay?instalment=1" in done.text
    p = table_of(RepaymentPlan)
    with engine.connect() as connection:
        [plan] = connection.execute(select(p.c.id, p.c.status)).all()
        items = timeline(connection, book.accounts[0])
    assert plan.status == "active"
    assert any(
        item["kind"] == "plan" and item.get("plan_id") == plan.id for item in items
    )  # the staff case page


def test_beyond_and_refusals(engine: Engine, book: Offers, tmp_path: Path) -> None:
    client, csrf = client_for(engine, tmp_path, book.customers[0])
    beyond = client.post(
        f"/my/account/{book.numbers[0]}/offers/preview",
        data={"csrf_token": csrf, "kind": "instalment", "months": "12"},
    )
    assert beyond.status_code == 422 and "12" in beyond.text
    asked = client.post(
        f"/my/account/{book.numbers[0]}/offers/request", data={"csrf_token": csrf, "text": "18"}
    )
    assert asked.status_code == 303
    promise = client.post(
        f"/my/account/{book.numbers[0]}/promise",
        data={"csrf_token": csrf, "amount": "100", "promised_date": "2099-01-01"},
    )
    assert promise.status_code == 422 and "2099-01-01" in promise.text
    callback = client.get(f"/my/account/{book.numbers[0]}/callback")
    assert callback.status_code == 200 and "20:00-22:00" in callback.text and "22:00-" not in callback.text
    r = table_of(PortalRequest)
    with engine.connect() as connection:
        assert [row.kind for row in connection.execute(select(r.c.kind))] == ["plan"]
        assert connection.execute(select(table_of(RepaymentPlan).c.id)).first() is None


def test_preferences_page(engine: Engine, book: Offers, tmp_path: Path) -> None:
    client, csrf = client_for(engine, tmp_path, book.customers[0])
    page = client.get("/my/preferences")
    assert page.status_code == 200 and f'name="opt_out" value="{book.mobiles[0]}"' in page.text
    saved = client.post(
        "/my/preferences",
        data={"csrf_token": csrf, "hours_from": "09:00", "hours_to": "18:00", "channels": ["call", "sms"]},
    )
    assert saved.status_code == 303
    f = table_of(ContactPreference)
    with engine.connect() as connection:
        assert connection.execute(select(f.c.hours_from, f.c.channels)).one() == ("09:00", "call,sms")
    bad = client.post(
        "/my/preferences", data={"csrf_token": csrf, "hours_from": "06:00", "hours_to": "09:00"}
    )
    assert bad.status_code == 422
