"""Attacks by extreme input through the desk's pages (SQLite and PostgreSQL): amounts that are not amounts or
sit at the edges, ids past 2^31 and 2^63 in paths and forms, NUL bytes, 100 kB texts, categories half
given or unknown, a channel only the system may use, remedies repeated or unknown, the paging and tabs of
the desk. A refusal is a 4xx page that changes nothing, never a server error; what is accepted keeps its
value to the fen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from desk_book import accounts, app_for, audit, cases, holds, staff_client, user
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, update

from arrears.models import CardAccount, table_of

BAD_AMOUNTS = [
    "1e999",
    "NaN",
    "-0.01",
    "0.001",
    "99999999999999999999",
    "0",
    "0.00",
    "100000000.01",
    "１２",
    "1,000",
    " ",
    "Infinity",
    "0x10",
    "12x",
]
HUGE_IDS = [
    "9223372036854775808",
    "18446744073709551616",
    "2147483648",
    "0",
    "-1",
    "1e3",
    "99999999999999999999",
]


@dataclass
class Desk:
    client: TestClient
    csrf: str
    book: Engine

    def log(self, account: int, **fields: str) -> Response:
        form = {
            "csrf_token": self.csrf,
            "kind_category": "dispute:amount",
            "channel": "call",
            "summary": "the amount is wrong",
        } | fields
        return self.client.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False)

    def opened(self, account: int, **fields: str) -> int:
        answer = self.log(account, **fields)
        assert answer.status_code == 303, answer.text[:800]
        found = re.search(r"/service-desk/cases/(\d+)", answer.headers["location"])
        assert found is not None
        return int(found.group(1))

    def step(self, case_id: int, step: str, **fields: str | list[str]) -> Response:
        return self.client.post(
            f"/service-desk/cases/{case_id}/{step}",
            data={"csrf_token": self.csrf} | fields,
            follow_redirects=False,
        )


@pytest.fixture
def desk(book: Engine, tmp_path: Path) -> Desk:
    client, csrf = staff_client(app_for(book, tmp_path), "customer_service1")
    return Desk(client, csrf, book)


def refused(answer: Response) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:500])


def test_amounts_that_are_not_amounts_are_refused_on_intake(desk: Desk) -> None:
    account, _ = accounts(desk.book)[0]
    for amount in BAD_AMOUNTS:
        answer = desk.log(account, amount=amount)
        if amount.strip():
            assert answer.status_code == 422 and 'id="service-error"' in answer.text, amount
        else:  # a blank amount is no amount: a dispute may leave it out
            assert answer.status_code == 303
    assert len(cases(desk.book)) == 1 and cases(desk.book)[0]["amount_fen"] is None


@pytest.mark.parametrize(
    ("typed", "fen", "shown"),
    [
        ("0.01", 1, "¥0.01"),
        ("100000000.00", 10_000_000_000, "¥100,000,000.00"),
        ("12345.6", 1_234_560, "¥12,345.60"),
    ],
)
def test_a_disputed_amount_round_trips_to_the_fen(desk: Desk, typed: str, fen: int, shown: str) -> None:
    account, _ = accounts(desk.book)[1]
    case_id = desk.opened(account, amount=typed)
    [row], [hold] = cases(desk.book), holds(desk.book)
    assert row["amount_fen"] == fen == hold["amount_fen"]
    assert shown in desk.client.get(f"/service-desk/cases/{case_id}").text


def test_an_amount_on_a_complaint_or_hardship_is_refused(desk: Desk) -> None:
    account, _ = accounts(desk.book)[1]
    for kind in ("complaint:privacy", "hardship:illness"):
        answer = desk.log(account, kind_category=kind, amount="10.00")
        assert answer.status_code == 422, kind
    assert cases(desk.book) == []


@pytest.mark.parametrize(
    "kind_category",
    [
        "dispute:",
        ":fraud",
        "bogus:amount",
        "complaint:fraud",
        "dispute",
        "",
        "dispute:fraud:x",
        "DISPUTE:FRAUD",
        "plan:plan",
        "callback:",
    ],
)
def test_half_given_or_unknown_categories_are_refused(desk: Desk, kind_category: str) -> None:
    account, _ = accounts(desk.book)[2]
    answer = desk.log(account, kind_category=kind_category)
    assert answer.status_code == 422 and 'id="service-error"' in answer.text
    assert cases(desk.book) == [] and holds(desk.book) == []


@pytest.mark.parametrize("channel", ["portal", "assistant", "", "fax", "REGULATOR"])
def test_staff_cannot_log_a_channel_only_the_system_uses(desk: Desk, channel: str) -> None:
    account, _ = accounts(desk.book)[2]
    answer = desk.log(account, channel=channel, kind_category="complaint:attitude_abuse")
    assert answer.status_code == 422
    assert cases(desk.book) == []


def test_nul_bytes_and_100_kb_texts_are_refused_whole(desk: Desk) -> None:
    account, _ = accounts(desk.book)[3]
    for fields in (
        {"summary": "rude\x00collector"},
        {"summary": "x" * 100_000},
        {"regulator_ref": "\x00"},
        {"summary": "中" * 50_000},
        {"regulator_ref": "R" * 61, "channel": "regulator"},
        {"channel": "call", "regulator_ref": "JG-1"},
    ):
        refused(desk.log(account, **fields))
    assert cases(desk.book) == [] and holds(desk.book) == []
    case_id = desk.opened(account)
    for fields in (
        {"text": "a\x00b"},
        {"text": "y" * 100_000},
        {"text": "   "},
        {"kind": "system", "text": "x"},
    ):
        refused(desk.step(case_id, "notes", **fields))
    assert audit(desk.book, "service_case.note") == []


def test_ids_past_the_columns_in_paths_and_forms_are_refused(desk: Desk) -> None:
    account, _ = accounts(desk.book)[4]
    for bad in HUGE_IDS:
        assert desk.client.get(f"/service-desk/cases/{bad}").status_code == 404, bad
        assert desk.step(bad, "acknowledge").status_code == 404, bad  # type: ignore[arg-type]
        assert (
            desk.client.post(f"/cases/{bad}/service-cases", data={"csrf_token": desk.csrf}).status_code == 404
        )
    assert desk.client.get("/service-desk/cases/2147483647").status_code == 404  # the largest id: no row
    case_id = desk.opened(account)
    for bad in [*HUGE_IDS, "2147483647", str(user(desk.book, "collector1").id), ""]:  # not on the desk
        assert desk.step(case_id, "assign", assignee=bad).status_code == 422, bad
    for bad in [*HUGE_IDS, "2147483647", "x", str(user(desk.book, "customer_service1").id)]:
        refused(desk.log(account, kind_category="complaint:attitude_abuse", involved_user=bad))
    [row] = cases(desk.book)
    assert row["assigned_to_id"] is None and audit(desk.book, "service_case.assigned") == []


def resolve(desk: Desk, case_id: int, **fields: str | list[str]) -> Response:
    base: dict[str, str | list[str]] = {"outcome": "upheld", "text": "we looked into it"}
    return desk.step(case_id, "resolve", **(base | fields))


def test_remedies_repeated_are_stored_once_and_unknown_ones_refused(desk: Desk) -> None:
    account, _ = accounts(desk.book)[5]
    case_id = desk.opened(account, kind_category="complaint:privacy")
    for fields in (
        {"remedies": ["bribe"]},
        {"remedies": ["apology", "APOLOGY"]},
        {"outcome": "maybe"},
        {"outcome": "not_upheld", "remedies": ["apology"]},
        {"remedies": ["refund"]},
        {"remedies": ["apology"], "refund": "1.00"},
        {"text": "\x00"},
        {"text": ""},
    ):
        refused(resolve(desk, case_id, **fields))
    assert cases(desk.book)[0]["status"] == "open"
    answer = resolve(desk, case_id, remedies=["correction", "apology", "apology", "correction"])
    assert answer.status_code == 303
    assert cases(desk.book)[0]["remedies"] == "apology,correction"


@pytest.mark.parametrize("refund", BAD_AMOUNTS)
def test_refund_amounts_that_are_not_amounts_are_refused(desk: Desk, refund: str) -> None:
    account, _ = accounts(desk.book)[6]
    case_id = desk.opened(account)
    refused(resolve(desk, case_id, remedies=["refund"], refund=refund))
    assert cases(desk.book)[0]["status"] == "open"


@pytest.mark.parametrize(
    ("typed", "fen", "shown"), [("0.01", 1, "¥0.01"), ("100000000.00", 10_000_000_000, "¥100,000,000.00")]
)
def test_a_refund_round_trips_to_the_fen(desk: Desk, typed: str, fen: int, shown: str) -> None:
    account, _ = accounts(desk.book)[6]
    case_id = desk.opened(account)
    assert resolve(desk, case_id, remedies=["refund"], refund=typed).status_code == 303
    assert cases(desk.book)[0]["refund_fen"] == fen
    assert shown in desk.client.get(f"/service-desk/cases/{case_id}").text


@pytest.mark.parametrize("where", ["summary", "note", "decision"])
def test_a_text_within_the_form_s_4000_characters_is_accepted(desk: Desk, where: str) -> None:
    account, _ = accounts(desk.book)[7]
    long = "持卡人反映：" + "说" * 2_994  # 3,000 characters, within the textarea's maxlength of 4,000
    if where == "summary":
        assert desk.log(account, summary=long).status_code == 303
        return
    case_id = desk.opened(account)
    if where == "note":
        assert desk.step(case_id, "notes", text=long).status_code == 303
    else:
        assert resolve(desk, case_id, text=long).status_code == 303


def test_a_complaint_naming_an_unknown_agency_is_refused(desk: Desk) -> None:
    account, _ = accounts(desk.book)[8]
    answer = desk.log(account, kind_category="complaint:attitude_abuse", involved_agency="NO-SUCH-AGENCY")
    assert answer.status_code == 422
    assert cases(desk.book) == []


def test_a_complaint_naming_a_known_agency_holds_its_users(desk: Desk) -> None:
    account, _ = accounts(desk.book)[8]
    desk.opened(account, kind_category="complaint:attitude_abuse", involved_agency="X")
    [hold] = holds(desk.book)
    assert (hold["kind"], hold["agency_code"], hold["staff_user_id"]) == ("complaint", "X", None)


@pytest.mark.parametrize(
    "query",
    [
        "page_no=999999999999999999999",
        "page_no=-5",
        "page_no=0",
        "tab=bogus",
        "tab=closed&page_no=2",
        "tab=%00",
        "page_no=abc",
    ],
)
def test_the_desk_s_pages_past_the_last_and_unknown_tabs_answer_a_page(desk: Desk, query: str) -> None:
    account, _ = accounts(desk.book)[9]
    desk.opened(account)
    answer = desk.client.get(f"/service-desk?{query}")
    assert answer.status_code in (200, 422), (query, answer.status_code)
    if answer.status_code == 200:
        assert 'id="count-due">1<' in answer.text


def test_the_figures_with_no_account_in_collection_show_no_rate(desk: Desk) -> None:
    account, _ = accounts(desk.book)[10]
    desk.opened(account)
    with desk.book.begin() as connection:
        connection.execute(update(table_of(CardAccount)).values(dpd=0))
    answer = desk.client.get("/service-desk")
    assert answer.status_code == 200
    rates = re.findall(r'<td class="num">([^<]*)</td></tr>', answer.text.split('id="by-category"')[1])
    assert rates and rates[0] == "-"
