"""The receipt page on SQLite and PostgreSQL: "processing" (refreshing itself, no script) until the
gateway's signed notification arrives, then the receipt (amount, time, trade_no, masked account, the
items paid, what changed) and the receipt SMS queued; closed orders; another cardholder's order."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from my_pay_book import Holder, add_plan, notify, orders, portal_client, seed
from sqlalchemy import Engine, select

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import OutboxMessage, table_of
from arrears.web.pages.my_pay import REFRESH_TRIES

TRADE_NO = "2026120522001400001"


@pytest.fixture
def holders(engine: Engine, cipher: FieldCipher) -> list[Holder]:
    return seed(engine, cipher)


@pytest.fixture
def client(engine: Engine, tmp_path: Path, holders: list[Holder]) -> TestClient:
    web, _ = portal_client(engine, tmp_path, holders[0].customer_id)
    web.cookies.set("arrears_lang", "en", domain="testserver.local")
    return web


def ordered(engine: Engine, web: TestClient, holder: Holder, **form: str) -> dict[str, Any]:
    token = web.get(f"/my/account/{holder.account_no}/pay").text.split('name="csrf_token" value="')[1][:43]
    web.post(
        f"/my/account/{holder.account_no}/pay", data={"csrf_token": token, **form}, follow_redirects=False
    )
    return orders(engine)[-1]


def done(web: TestClient, order: dict[str, Any], query: str = "") -> Any:
    return web.get(f"/my/pay/{order['out_trade_no']}/done{query}")


class TestBeforeTheNotification:
    def test_processing_refreshes_itself_without_a_script(
        self, engine: Engine, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="overdue")

        page = done(client, order)

        assert page.status_code == 200 and "Payment processing" in page.text and "¥1,200.00" in page.text
        assert page.headers["refresh"] == f"5; url=/my/pay/{order['out_trade_no']}/done?wait=1"
        assert "<script" not in page.text and "Check now" in page.text
        assert done(client, order, "?wait=7").headers["refresh"].endswith("?wait=8")

    def test_refreshing_stops_after_a_while_with_a_word_not_to_pay_twice(
        self, engine: Engine, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="overdue")

        page = done(client, order, f"?wait={REFRESH_TRIES}")

        assert "refresh" not in page.headers and "do not pay a second time" in page.text


class TestAfterTheNotification:
    def test_the_receipt_shows_what_was_paid_and_what_changed(
        self, engine: Engine, tmp_path: Path, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="overdue")
        paid_at = clock.now().replace(microsecond=0)

        assert notify(engine, tmp_path, order, trade_no=TRADE_NO, paid_at=paid_at) == "success"
        page = done(client, order)

        assert page.status_code == 200 and "Payment received" in page.text and "refresh" not in page.headers
        local = paid_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        assert "¥1,200.00" in page.text and TRADE_NO in page.text and local in page.text
        assert "****0001" in page.text and "62220000000001" not in page.text.replace(
            "/my/account/62220000000001", ""
        )
        # fees first, then interest, then principal (ARREARS_PAYMENT_ORDER)
        assert "¥20.00" in page.text and "¥30.00" in page.text and "¥1,150.00" in page.text
        assert "Your account is now current" in page.text

    def test_the_receipt_sms_is_queued_once(
        self, engine: Engine, tmp_path: Path, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="overdue")

        notify(engine, tmp_path, order, trade_no=TRADE_NO)
        notify(engine, tmp_path, order, trade_no=TRADE_NO)  # the gateway says it again

        payment_id = orders(engine)[-1]["payment_id"]
        m = table_of(OutboxMessage)
        with engine.connect() as connection:
            rows = connection.execute(
                select(m.c.idempotency_key, m.c.kind).where(m.c.template == "payment_receipt")
            ).all()
        assert [tuple(row) for row in rows] == [(f"receipt:{payment_id}", "service")]

    def test_a_paid_instalment_says_so(
        self, engine: Engine, tmp_path: Path, client: TestClient, holders: list[Holder]
    ) -> None:
        today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
        add_plan(engine, holders[0].account_id, today=today, first_paid_fen=0)
        order = ordered(engine, client, holders[0], choice="instalment", instalment="1")

        notify(engine, tmp_path, order, trade_no=TRADE_NO)
        page = done(client, order)

        assert order["amount_fen"] == 40_000 and "Instalment 1 of your plan is paid." in page.text

    def test_part_of_the_overdue_amount_leaves_it_overdue(
        self, engine: Engine, tmp_path: Path, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="custom", amount="200")

        notify(engine, tmp_path, order, trade_no=TRADE_NO)
        page = done(client, order)

        assert "Payment received" in page.text and "Still overdue: ¥1,000.00." in page.text
        assert "Your account is now current" not in page.text

    def test_a_closed_order_says_not_completed_and_does_not_refresh(
        self, engine: Engine, tmp_path: Path, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="overdue")

        assert notify(engine, tmp_path, order, status="TRADE_CLOSED") == "success"
        page = done(client, order)

        assert "Payment not completed" in page.text and "No money was taken" in page.text
        assert "refresh" not in page.headers


class TestWhoMaySee:
    def test_another_cardholders_order_is_not_found(
        self, engine: Engine, tmp_path: Path, client: TestClient, holders: list[Holder]
    ) -> None:
        theirs, _ = portal_client(engine, tmp_path, holders[1].customer_id)
        order = ordered(engine, theirs, holders[1], choice="overdue")
        notify(engine, tmp_path, order, trade_no=TRADE_NO)

        page = done(client, order)

        assert page.status_code == 404 and TRADE_NO not in page.text
        assert done(theirs, order).status_code == 200

    def test_an_unknown_order_is_not_found(self, client: TestClient) -> None:
        assert client.get("/my/pay/20261205NOSUCHORDER0000000000/done").status_code == 404

    def test_signed_out_goes_to_the_sign_in(
        self, engine: Engine, client: TestClient, holders: list[Holder]
    ) -> None:
        order = ordered(engine, client, holders[0], choice="overdue")
        client.cookies.clear()

        page = client.get(f"/my/pay/{order['out_trade_no']}/done", follow_redirects=False)

        assert page.status_code == 303 and page.headers["location"] == "/my/login"
