"""Legal's first screen: the daily run's referrals of the business date and the collectors' requests,
each account with its evidence, and the decision (proceed, or return with a reason) audited and shown
on the case's timeline; refusals and bad input answered 4xx with nothing written."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from web_support import Browser, signed_in_as

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.compliance import load_policy
from arrears.contacts.case_requests import request_case
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    AuditEvent,
    CardAccount,
    CaseRequest,
    CollectionAction,
    ContactEvent,
    Hold,
    OutboxMessage,
    Payment,
    PromiseToPay,
    table_of,
)
from web_book import RUN, personal_data

REQUEST_REASON = "说是下月还，已三次失约 / promised three times"


def accounts(book: Engine) -> list[tuple[int, int, str]]:
    a = table_of(CardAccount)
    with book.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id))
        ]  # type: ignore[misc]


def refer(book: Engine, chosen: list[tuple[int, int, str]], day: date = RUN) -> None:
    """The daily run's legal-review referrals of ``day`` for the accounts."""
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=1)
    rows = [
        {
            "run_date": day,
            "account_id": account,
            "customer_id": customer,
            "channel": "legal_review",
            "segment": "m6",
            "arm": "champion",
            "treatment": "legal",
            "value_fen": 100_000,
            "scheduled_at": at,
            "status": "planned",
        }
        for account, customer, _ in chosen
    ]
    with book.begin() as connection:
        connection.execute(insert(table_of(CollectionAction)), rows)


def collector_requests(book: Engine, account_id: int, reason: str = REQUEST_REASON) -> int:
    u = table_of(AppUser)
    with book.begin() as connection:
        collector = connection.execute(select(u.c.id).where(u.c.username == "collector1")).scalar_one()
        found = request_case(
            connection,
            account_id=account_id,
            kind="legal_review",
            reason=reason,
            user_id=collector,
            policy=load_policy("cn"),
            now=datetime.now(UTC),
        )
    return int(found["id"])


def evidence(book: Engine, account_id: int, customer_id: int) -> None:
    """A payment, calls (one reaching the cardholder), promises (two broken) and a demand letter."""
    now = datetime.now(UTC)
    with book.begin() as connection:
        connection.execute(
            insert(table_of(Payment)),
            [
                {
                    "payment_ref": "P-legal-1",
                    "account_id": account_id,
                    "paid_date": date(2005, 9, 28),
                    "amount_fen": 12_345_00,
                    "channel": "bank_transfer",
                }
            ],
        )
        calls = [
            {
                "account_id": account_id,
                "customer_id": customer_id,
                "at": now - timedelta(days=n),
                "channel": "call",
                "party": "debtor",
                "connected": n == 1,
                "conversation": n == 1,
                "outcome": "promise" if n == 1 else "no_answer",
            }
            for n in range(1, 5)
        ]
        connection.execute(insert(table_of(ContactEvent)), calls)
        promises = [
            {
                "account_id": account_id,
                "amount_fen": 500_00,
                "taken_on": date(2005, 9, 1),
                "promised_date": date(2005, 9, 10),
                "status": status,
                "created_at": now,
            }
            for status in ("broken", "broken", "kept")
        ]
        connection.execute(insert(table_of(PromiseToPay)), promises)
        connection.execute(
            insert(table_of(OutboxMessage)),
            [
                {
                    "idempotency_key": "letter-legal-1",
                    "channel": "letter",
                    "source": "run",
                    "account_id": account_id,
                    "customer_id": customer_id,
                    "template": "final_demand",
                    "created_at": now,
                    "not_before": now,
                    "deadline_at": now + timedelta(days=3),
                    "status": "sent",
                    "next_attempt_at": now,
                    "sent_at": datetime(2005, 9, 20, 2, tzinfo=UTC),
                }
            ],
        )


@pytest.fixture
def queue(book: Engine) -> list[tuple[int, int, str]]:
    """Two referrals of the business date, one of an earlier day, and a collector's request."""
    chosen = accounts(book)
    refer(book, chosen[:2])
    refer(book, chosen[5:6], day=RUN - timedelta(days=1))  # not the business date's: not listed
    collector_requests(book, chosen[2][0])
    evidence(book, chosen[0][0], chosen[0][1])
    return chosen


def english(browser: Browser) -> Browser:
    browser.client.get("/lang/en")
    return browser


def card(page: str, account_no: str) -> str:
    found = re.search(
        rf'<section class="card legal-account"[^>]*data-account="{re.escape(account_no)}".*?</section>',
        page,
        re.S,
    )
    assert found is not None, account_no
    return found.group(0)


def audit_entries(book: Engine, action: str) -> list[dict[str, object]]:
    e = table_of(AuditEvent)
    with book.connect() as connection:
        rows = (
            connection.execute(
                select(e.c.action, e.c.actor, e.c.subject_type, e.c.subject_id, e.c.details).where(
                    e.c.action == action
                )
            )
            .mappings()
            .all()
        )
    return [dict(row) | {"details": json.loads(row["details"])} for row in rows]


def test_legal_lands_on_the_queue_with_each_accounts_evidence(
    web: TestClient, queue: list[tuple[int, int, str]]
) -> None:
    legal = signed_in_as(web, "legal1")
    assert legal.client.get("/", follow_redirects=False).headers["location"] == "/legal"
    page = legal.client.get("/legal").text  # zh-CN by default
    assert "法务审查" in page and "等待中：3 个账户" in page

    english(legal)
    page = legal.client.get("/legal").text
    assert "Waiting: 3 accounts (2 referrals of the daily run, 1 collectors' requests)" in page
    first = card(page, queue[0][2])
    assert "Referred by the daily run of 2005-10-01" in first
    assert "¥12,345.00 · 2005-09-28" in first  # the last payment
    assert re.search(r"Calls and visits attempted</dt><dd>4<", first)
    assert re.search(r"Reached the cardholder</dt><dd>1<", first)
    assert "2 of 3" in first  # promises broken of those taken
    assert "final demand" in first.lower() and "2005-09-20" in first
    request = card(page, queue[2][2])
    assert "Requested by collector one" in request and "promised three times" in request
    assert queue[5][2] not in page  # an earlier day's referral is not the business date's work
    assert 'href="/legal"' in page  # the navigation's link


def test_the_queue_shows_no_personal_data(
    web: TestClient, queue: list[tuple[int, int, str]], cipher: FieldCipher
) -> None:
    page = english(signed_in_as(web, "legal1")).client.get("/legal").text
    for account_id, _, _ in queue[:3]:
        name, national_id, phones = personal_data(web.app.state.engine, cipher, account_id)  # type: ignore[attr-defined]
        assert name not in page and national_id not in page and not any(phone in page for phone in phones)


def test_proceeding_is_audited_and_shown_on_the_case_timeline(
    web: TestClient, book: Engine, queue: list[tuple[int, int, str]]
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    account_id, _, account_no = queue[0]

    answer = legal.post(
        "/legal/decisions",
        {"account_id": str(account_id), "outcome": "proceed", "reason": "file at the district court"},
        token_from="/legal",
    )

    assert answer.status_code == 303 and answer.headers["location"].startswith("/legal?done=proceed")
    page = legal.client.get(answer.headers["location"]).text
    assert "the account proceeds to legal action" in page
    assert f'data-account="{account_no}"' not in page  # decided: off the queue
    decided = page.split('id="legal-decided"')[1]
    assert (
        account_no in decided
        and "proceed with legal action" in decided
        and "file at the district court" in decided
    )
    [entry] = audit_entries(book, "legal.proceeded")
    assert entry["actor"] == "legal1" and (entry["subject_type"], entry["subject_id"]) == (
        "card_account",
        str(account_id),
    )
    assert entry["details"] == {
        "account_id": account_id,
        "outcome": "proceed",
        "reason": "file at the district court",
        "requests": [],
        "referrals": [entry["details"]["referrals"][0]],  # type: ignore[index]
        "business_date": "2005-10-01",
    }
    x, r = table_of(CollectionAction), table_of(CaseRequest)
    with book.connect() as connection:
        assert (
            connection.execute(
                select(x.c.status).where(x.c.account_id == account_id, x.c.channel == "legal_review")
            ).scalar_one()
            == "accepted"
        )
        row = connection.execute(select(r).where(r.c.account_id == account_id)).mappings().one()
        assert (row["status"], row["requested_by_id"], row["decided_by_id"] is not None) == (
            "accepted",
            None,
            True,
        )
        assert verify(AuditLog(connection).entries()) == []
    timeline = legal.client.get(f"/cases/{account_id}").text.split("Timeline")[1]
    assert "legal review decided" in timeline and "proceed with legal action" in timeline
    assert "file at the district court" in timeline
    legal.client.get("/lang/zh_CN")
    timeline = legal.client.get(f"/cases/{account_id}").text
    assert "法务审查已决定" in timeline and "采取法律行动" in timeline


def test_a_return_needs_a_reason_and_nothing_is_written_without_one(
    web: TestClient, book: Engine, queue: list[tuple[int, int, str]]
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    request_account = queue[2][0]

    refused = legal.post(
        "/legal/decisions",
        {"account_id": str(request_account), "outcome": "return", "reason": "  "},
        token_from="/legal",
    )

    assert refused.status_code == 422
    assert "a returned account needs the reason" in card(refused.text, queue[2][2])
    assert audit_entries(book, "legal.returned") == []
    r = table_of(CaseRequest)
    with book.connect() as connection:
        assert (
            connection.execute(select(r.c.status).where(r.c.account_id == request_account)).scalar_one()
            == "open"
        )


def test_a_returned_request_tells_the_collectors_why_masked_for_those_who_may_not_see_personal_data(
    web: TestClient, book: Engine, queue: list[tuple[int, int, str]]
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    account_id = queue[2][0]
    reason = "a plan was agreed; call him on 13812345678 first"

    answer = legal.post(
        "/legal/decisions",
        {"account_id": str(account_id), "outcome": "return", "reason": reason},
        token_from="/legal",
    )

    assert answer.status_code == 303
    [entry] = audit_entries(book, "legal.returned")
    assert entry["details"]["reason"] == reason and len(entry["details"]["requests"]) == 1  # type: ignore[index,arg-type]
    r = table_of(CaseRequest)
    with book.connect() as connection:
        assert (
            connection.execute(select(r.c.status).where(r.c.account_id == account_id)).scalar_one()
            == "declined"
        )
    service = english(signed_in_as(web, "customer_service1"))  # reads the book, no pii:reveal
    timeline = service.client.get(f"/cases/{account_id}").text.split("Timeline")[1]
    assert "returned to collection" in timeline and "legal review requested" in timeline
    assert "13812345678" not in timeline and "138****5678" in timeline
    assert reason in legal.client.get(f"/cases/{account_id}").text  # legal may see personal data


def test_a_decision_taken_meanwhile_is_not_taken_twice(
    web: TestClient, book: Engine, queue: list[tuple[int, int, str]]
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    form = {"account_id": str(queue[1][0]), "outcome": "proceed", "reason": ""}
    assert legal.post("/legal/decisions", form, token_from="/legal").status_code == 303

    again = legal.post("/legal/decisions", form, token_from="/legal")

    assert again.status_code == 409 and "nothing waiting for a legal decision" in again.text
    assert len(audit_entries(book, "legal.proceeded")) == 1


def test_a_hold_that_blocks_contact_stops_proceeding_but_not_a_return(
    web: TestClient, book: Engine, queue: list[tuple[int, int, str]]
) -> None:
    account_id, customer_id, account_no = queue[1]
    with book.begin() as connection:
        connection.execute(
            insert(table_of(Hold)).values(
                customer_id=customer_id,
                account_id=account_id,
                kind="dispute",
                reason="disputes a charge",
                placed_at=datetime.now(UTC) - timedelta(hours=1),
            )
        )
    legal = english(signed_in_as(web, "legal1"))
    assert "dispute" in card(legal.client.get("/legal").text, account_no)

    held = legal.post(
        "/legal/decisions", {"account_id": str(account_id), "outcome": "proceed"}, token_from="/legal"
    )
    assert held.status_code == 422 and "is on hold (dispute)" in held.text
    assert audit_entries(book, "legal.proceeded") == []

    returned = legal.post(
        "/legal/decisions",
        {"account_id": str(account_id), "outcome": "return", "reason": "dispute first"},
        token_from="/legal",
    )
    assert returned.status_code == 303


@pytest.mark.parametrize(
    "account_id", ["", "abc", "0", "-1", "1.5", str(2**31), str(2**63), str(2**63 + 1), "9" * 30]
)
def test_an_account_id_that_cannot_be_is_refused_422(
    web: TestClient, queue: list[tuple[int, int, str]], account_id: str
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    answer = legal.post(
        "/legal/decisions", {"account_id": account_id, "outcome": "proceed"}, token_from="/legal"
    )
    assert answer.status_code == 422 and "account_id" in answer.text and "is not an id" in answer.text


def test_bad_decisions_and_pages_are_refused_422(
    web: TestClient, book: Engine, queue: list[tuple[int, int, str]]
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    account = str(queue[0][0])
    for form in (
        {"account_id": account, "outcome": "maybe"},
        {"account_id": account},
        {"account_id": account, "outcome": "return", "reason": "x" * 2001},
    ):
        answer = legal.post("/legal/decisions", form, token_from="/legal")
        assert answer.status_code == 422 and 'role="alert"' in answer.text, form
    for page_no in ("0", "-1", "abc", str(2**63), str(2**63 + 1), "1e3"):
        answer = legal.client.get(f"/legal?page_no={page_no}")
        assert answer.status_code == 422 and "page_no" in answer.text, page_no
    assert legal.client.get("/legal?page_no=99999").status_code == 200  # past the last: the last page
    assert audit_entries(book, "legal.proceeded") == audit_entries(book, "legal.returned") == []


def test_an_account_that_is_not_there_is_not_found(
    web: TestClient, queue: list[tuple[int, int, str]]
) -> None:
    legal = english(signed_in_as(web, "legal1"))
    answer = legal.post(
        "/legal/decisions", {"account_id": "999999", "outcome": "proceed"}, token_from="/legal"
    )
    assert answer.status_code == 404


def test_only_legal_reviews(web: TestClient, queue: list[tuple[int, int, str]]) -> None:
    for username in ("collector1", "compliance1", "manager1", "admin1"):
        browser = signed_in_as(web, username)
        assert browser.client.get("/legal").status_code == 403, username
        assert 'href="/legal"' not in browser.client.get("/", follow_redirects=True).text, username


def test_an_empty_queue_says_so(web: TestClient, book: Engine) -> None:
    page = english(signed_in_as(web, "legal1")).client.get("/legal").text
    assert "Nothing waits for a legal decision." in page and "Waiting: 0 accounts" in page


def test_counts_have_thousands_separators(web: TestClient, book: Engine) -> None:
    chosen = accounts(book)
    x = table_of(CollectionAction)
    refer(book, chosen[:1])
    with book.begin() as connection:
        template = connection.execute(select(x).where(x.c.channel == "legal_review")).mappings().one()
        rows = [
            {key: value for key, value in template.items() if key != "id"}
            | {"account_id": chosen[n % len(chosen)][0], "customer_id": chosen[n % len(chosen)][1]}
            for n in range(1, 1_234)
        ]
        connection.execute(insert(x), rows)
        connection.execute(update(x).where(x.c.channel == "legal_review").values(status="planned"))
    page = english(signed_in_as(web, "legal1")).client.get("/legal").text
    assert "1,234 referrals of the daily run" in page
