"""Paying from the portal on SQLite and PostgreSQL: the choices and their amounts, amounts of one's own
refused with the reason, the order created for the chosen amount and the browser sent to the
checkout, CSRF, and another cardholder's account."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from my_pay_book import PUBLIC_URL, Holder, add_plan, order_count, orders, portal_client, seed
from sqlalchemy import Engine

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher

PAGE = "/my/account/{}/pay"


@pytest.fixture
def holders(engine: Engine, cipher: FieldCipher) -> list[Holder]:
    return seed(engine, cipher)


@pytest.fixture
def client(engine: Engine, tmp_path: Path, holders: list[Holder]) -> tuple[TestClient, str]:
    return portal_client(engine, tmp_path, holders[0].customer_id)


def today() -> object:
    return clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()


class TestChoices:
    def test_the_overdue_amount_is_offered_and_chosen_first_with_the_payoff_as_the_limit(
        self, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, _ = client

        page = web.get(PAGE.format(holders[0].account_no))

        assert page.status_code == 200
        assert 'value="overdue" checked' in page.text and "¥1,200.00" in page.text
        assert 'value="minimum"' not in page.text  # the minimum is the overdue amount here: offered once
        assert 'value="instalment"' not in page.text  # no plan
        assert 'value="custom"' in page.text and "¥5,050.00" in page.text  # the payoff: 5,000 + 30 + 20
        assert "0001" in page.text  # the account by its last four

    def test_the_next_instalment_is_offered_for_what_is_left_of_it(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        add_plan(engine, holders[0].account_id, today=today())  # type: ignore[arg-type]
        web, _ = client

        page = web.get(PAGE.format(holders[0].account_no))

        assert 'value="instalment"' in page.text and "¥250.00" in page.text  # 400.00 less 150.00 paid
        assert 'name="instalment" value="1"' in page.text

    def test_instalment_n_in_the_query_is_offered_and_preselected(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        add_plan(engine, holders[0].account_id, today=today())  # type: ignore[arg-type]
        web, _ = client

        page = web.get(PAGE.format(holders[0].account_no) + "?instalment=2")

        assert 'value="instalment" checked' in page.text and 'name="instalment" value="2"' in page.text
        assert "¥400.00" in page.text

    def test_another_cardholders_account_is_not_found(
        self, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, token = client

        assert web.get(PAGE.format(holders[1].account_no)).status_code == 404
        posted = web.post(PAGE.format(holders[1].account_no), data={"csrf_token": token, "choice": "overdue"})
        assert posted.status_code == 404

    def test_signed_out_goes_to_the_sign_in(
        self, engine: Engine, tmp_path: Path, holders: list[Holder]
    ) -> None:
        web, _ = portal_client(engine, tmp_path, holders[0].customer_id)
        web.cookies.clear()

        page = web.get(PAGE.format(holders[0].account_no), follow_redirects=False)

        assert page.status_code == 303 and page.headers["location"] == "/my/login"


class TestOrder:
    def test_the_chosen_amount_makes_an_order_and_the_browser_goes_to_the_checkout(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, token = client

        answer = web.post(PAGE.format(holders[0].account_no), data={"csrf_token": token, "choice": "overdue"},
                          follow_redirects=False)  # fmt: skip

        [order] = orders(engine)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{PUBLIC_URL}/pay/simulated/{order['out_trade_no']}"
        assert (order["amount_fen"], order["purpose"], order["created_via"], order["status"]) == (
            120_000, "overdue", "portal", "created")  # fmt: skip
        assert (order["account_id"], order["customer_id"]) == (holders[0].account_id, holders[0].customer_id)

    def test_an_amount_sent_with_a_choice_is_ignored_the_choice_is_worked_out_again(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, token = client

        web.post(PAGE.format(holders[0].account_no),
                 data={"csrf_token": token, "choice": "overdue", "amount": "0.01"})  # fmt: skip

        assert [order["amount_fen"] for order in orders(engine)] == [120_000]

    def test_the_instalment_order_names_the_instalment(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        ids = add_plan(engine, holders[0].account_id, today=today())  # type: ignore[arg-type]
        web, token = client

        web.post(PAGE.format(holders[0].account_no),
                 data={"csrf_token": token, "choice": "instalment", "instalment": "2"})  # fmt: skip

        [order] = orders(engine)
        assert (order["purpose"], order["amount_fen"], order["plan_instalment_id"]) == (
            "instalment", 40_000, ids[1])  # fmt: skip

    def test_an_amount_of_ones_own(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, token = client

        answer = web.post(PAGE.format(holders[0].account_no),
                          data={"csrf_token": token, "choice": "custom", "amount": "5050.00"},
                          follow_redirects=False)  # fmt: skip

        assert answer.status_code == 303
        assert [(order["purpose"], order["amount_fen"]) for order in orders(engine)] == [("custom", 505_000)]

    @pytest.mark.parametrize(
        ("typed", "said"),
        [
            ("1e999", "at most two decimals"),
            ("NaN", "at most two decimals"),
            ("inf", "at most two decimals"),
            ("-10", "at most two decimals"),
            ("10.001", "at most two decimals"),
            ("1,000", "at most two decimals"),
            ("", "at most two decimals"),
            ("0", "at least 0.01"),
            ("0.00", "at least 0.01"),
            ("5050.01", "more than everything the account owes (5,050.00 yuan)"),
            ("99999999999999", "at most two decimals"),
        ],
    )
    def test_a_bad_amount_is_refused_with_the_reason_and_makes_no_order(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder], typed: str, said: str
    ) -> None:
        web, token = client
        web.cookies.set("arrears_lang", "en", domain="testserver.local")

        answer = web.post(PAGE.format(holders[0].account_no),
                          data={"csrf_token": token, "choice": "custom", "amount": typed})  # fmt: skip

        assert answer.status_code == 422 and said in answer.text
        assert 'role="alert"' in answer.text and 'aria-invalid="true"' in answer.text
        assert order_count(engine) == 0

    def test_the_refusal_is_in_chinese_by_default(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, token = client

        answer = web.post(PAGE.format(holders[0].account_no),
                          data={"csrf_token": token, "choice": "custom", "amount": "0"})  # fmt: skip

        assert answer.status_code == 422 and "金额至少为 0.01 元" in answer.text

    def test_without_the_csrf_token_nothing_is_created(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, _ = client

        answer = web.post(PAGE.format(holders[0].account_no), data={"choice": "overdue"})

        assert answer.status_code == 403 and order_count(engine) == 0

    def test_no_choice_is_refused(
        self, engine: Engine, client: tuple[TestClient, str], holders: list[Holder]
    ) -> None:
        web, token = client

        answer = web.post(PAGE.format(holders[0].account_no), data={"csrf_token": token, "choice": "payoff"})

        assert answer.status_code == 422 and order_count(engine) == 0
