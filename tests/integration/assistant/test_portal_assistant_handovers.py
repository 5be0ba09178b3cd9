"""Hand-overs from the assistant's page: a complaint, a fraud report or a hardship request opens a service
case (channel assistant, the redacted conversation as its summary, the holds the desk's rules place), a
person asked for, a legal question or an unsure answer a callback; each once per conversation; without a
session only the way to sign in or call. The intents come from a stub classifier, so that these tests
depend on the hand-over rules and not on the model's reading of the questions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from assistant_portal_book import (  # noqa: F401  (fixtures)
    Holder,
    app_for,
    ask,
    audit,
    book_fixture,
    cases,
    conversations,
    fast_password_hashing_fixture,
    holders,
    holds,
    portal_client,
    requests_rows,
    rows,
    second_account,
    staff,
    turns,
    visitor_client,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from arrears.assistant import model
from arrears.assistant.model import Prediction
from arrears.assistant.rules import HEADING
from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import mask_name
from arrears.models import Callback

COMPLAINT, FRAUD, HARDSHIP = (
    "催收员骂我，我要投诉",
    "这几笔交易不是我刷的，卡被盗刷了",
    "我失业了，暂时还不上",
)
HUMAN, LEGAL, UNSURE, OWE = "我要转人工", "你们是不是要起诉我", "嗯那个就是", "我欠多少钱"
INTENTS = {
    COMPLAINT: ("complaint", 0.97), FRAUD: ("fraud", 0.95), HARDSHIP: ("hardship", 0.93),
    HUMAN: ("human", 0.9), LEGAL: ("legal", 0.9), UNSURE: ("balance", 0.12), OWE: ("balance", 0.99),
}  # fmt: skip


class Stub:
    """A classifier that knows the tests' questions (with the cardholder's name prefixed or not)."""

    def predict(self, question: str) -> Prediction:
        intent, confidence = next(found for text, found in INTENTS.items() if question.endswith(text))
        return Prediction(intent, confidence, ((intent, confidence),))


@pytest.fixture(autouse=True)
def stub_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "shipped", lambda *args, **kwargs: Stub())


@pytest.fixture
def app(book: Engine, tmp_path: Path) -> Any:
    return app_for(book, tmp_path)


def hand_over(client: TestClient, csrf: str, **fields: str) -> Any:
    return client.post("/my/assistant/handover", data={"csrf_token": csrf, **fields}, follow_redirects=False)


def selected(page: str, name: str) -> str:
    found = re.search(
        rf'<select id="{name}" name="{name}".*?<option value="([^"]+)" selected>', page, re.DOTALL
    )
    assert found is not None, name
    return found.group(1)


def signed_in(app: Any, book: Engine, holder: Holder, *questions: str) -> tuple[TestClient, str]:
    client, csrf = portal_client(app, book, holder.customer_id)
    for question in questions:
        assert ask(client, csrf, question).status_code == 303
    return client, csrf


def test_a_complaint_opens_a_service_case_with_the_conversation(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, OWE, f"我是{mine.name}，{COMPLAINT}")
    page = client.get("/my/assistant").text
    assert 'action="/my/assistant/handover"' in page and 'name="category"' in page

    sent = hand_over(client, csrf, to="service_case", category="attitude_abuse", account=mine.account_no)

    assert sent.status_code == 303 and sent.headers["location"].startswith(
        "/my/assistant?handed=service_case"
    )
    (case,) = cases(book)
    assert (case["kind"], case["category"], case["channel"]) == ("complaint", "attitude_abuse", "assistant")
    assert (case["account_id"], case["created_by"]) == (mine.account_id, f"customer:{mine.customer_id}")
    summary = cipher.decrypt(case["summary_enc"])
    assert summary.startswith(HEADING) and f"{mask_name(mine.name)}，{COMPLAINT}" in summary
    assert mine.name not in summary and "[1]" in summary and "[2]" in summary
    (request,) = requests_rows(book)
    assert (request["kind"], request["category"]) == ("complaint", "attitude_abuse")
    assert case["portal_request_id"] == request["id"]
    (held,) = holds(book)  # the desk's rule: a complaint of abuse holds the account (nobody to name here)
    assert (held["kind"], held["account_id"], held["staff_user_id"]) == ("complaint", mine.account_id,
                                                                        case["involved_user_id"])  # fmt: skip
    assert request["hold_id"] == held["id"]
    (conversation,) = conversations(book)
    assert (conversation["service_case_id"], conversation["account_id"]) == (case["id"], mine.account_id)
    (entry,) = audit(book, "assistant.handover")
    assert json.loads(entry["details"])["case_id"] == case["id"] and COMPLAINT not in entry["details"]
    assert json.loads(audit(book, "service_case.opened")[0]["details"])["channel"] == "assistant"
    shown = client.get(sent.headers["location"]).text
    assert f"KF-{case['id']:06d}" in shown and 'id="handed"' in shown


def test_a_complaint_needs_one_of_the_desks_categories(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, COMPLAINT)

    for category in ("", "fraud", "no_such"):
        refused = hand_over(client, csrf, to="service_case", category=category, account=mine.account_no)
        assert refused.status_code == 422 and 'role="alert"' in refused.text

    assert cases(book) == [] and requests_rows(book) == [] and holds(book) == []


def test_fraud_opens_a_dispute_that_holds_every_account(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    second_account(book, mine, dpd=10, overdue_fen=5_000)
    client, csrf = signed_in(app, book, mine, FRAUD)

    sent = hand_over(client, csrf, to="service_case", category="amount", account=mine.account_no)

    assert sent.status_code == 303
    (case,) = cases(book)
    assert (case["kind"], case["category"], case["channel"]) == ("dispute", "fraud", "assistant")
    (held,) = holds(book)  # every account of the customer
    assert (held["kind"], held["customer_id"], held["account_id"]) == ("dispute", mine.customer_id, None)


def test_hardship_opens_a_hardship_request_with_the_policys_pause(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, HARDSHIP)

    assert (
        hand_over(client, csrf, to="service_case", category="illness", account=mine.account_no).status_code
        == 303
    )

    (case,) = cases(book)
    assert (case["kind"], case["category"], case["channel"]) == ("hardship", "illness", "assistant")
    assert sorted(h["kind"] for h in holds(book)) == ["breathing_space", "hardship"]


@pytest.mark.parametrize("question", [HUMAN, LEGAL, UNSURE])
def test_a_person_a_legal_question_or_an_unsure_answer_gets_a_callback(
    app: Any, book: Engine, cipher: FieldCipher, question: str
) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, question)
    page = client.get("/my/assistant").text
    assert turns(book)[0]["handover_to"] == "callback" and 'name="window"' in page

    sent = hand_over(client, csrf, to="callback", account=mine.account_no, day=selected(page, "day"),
                     window=selected(page, "window"))  # fmt: skip

    assert sent.status_code == 303, sent.text[:300]
    (callback,) = rows(book, Callback)
    assert callback["account_id"] == mine.account_id
    (request,) = requests_rows(book)
    assert (request["kind"], request["callback_id"]) == ("callback", callback["id"])
    assert cipher.decrypt(request["text_enc"]).startswith(HEADING)
    assert conversations(book)[0]["callback_id"] == callback["id"] and cases(book) == []
    assert 'id="handed"' in client.get(sent.headers["location"]).text


def test_a_conversation_hands_over_once(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, COMPLAINT)
    hand_over(client, csrf, to="service_case", category="privacy", account=mine.account_no)
    assert "/my/assistant/handover" not in client.get("/my/assistant").text  # no second offer

    again = hand_over(client, csrf, to="service_case", category="privacy", account=mine.account_no)

    assert again.status_code == 422 and "KF-" in again.text
    assert len(cases(book)) == 1


def test_nothing_to_hand_over_when_the_latest_answer_offers_nothing(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, COMPLAINT, OWE)  # the complaint is no longer the latest

    refused = hand_over(client, csrf, to="service_case", category="privacy", account=mine.account_no)
    wrong_kind = hand_over(client, csrf, to="callback", account=mine.account_no, day="2030-01-01",
                           window="08:00-10:00")  # fmt: skip

    assert refused.status_code == 422 and wrong_kind.status_code == 422
    assert cases(book) == [] and rows(book, Callback) == []


def test_only_the_cardholders_own_account_and_conversation(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine, theirs = holders(book, cipher, 2)
    client, csrf = signed_in(app, book, mine, COMPLAINT)
    other, other_csrf = portal_client(app, book, theirs.customer_id)
    chat = client.cookies.get("arrears_my_chat") or ""
    other.cookies.set("arrears_my_chat", chat, domain="testserver.local", path="/my")

    not_theirs = hand_over(client, csrf, to="service_case", category="privacy", account=theirs.account_no)
    not_their_conversation = hand_over(other, other_csrf, to="service_case", category="privacy",
                                       account=theirs.account_no)  # fmt: skip

    assert not_theirs.status_code == 404 and not_their_conversation.status_code == 422
    assert cases(book) == [] and requests_rows(book) == []


def test_a_visitor_cannot_hand_over(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = visitor_client(app)
    ask(client, csrf, COMPLAINT)

    sent = hand_over(client, csrf, to="service_case", category="privacy", account=mine.account_no)

    assert sent.status_code == 303 and sent.headers["location"] == "/my/login"
    assert cases(book) == []


def test_the_desk_reads_the_redacted_conversation_on_the_case(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = signed_in(app, book, mine, f"我是{mine.name}，手机{mine.mobile}，{COMPLAINT}")
    hand_over(client, csrf, to="service_case", category="frequency_hours", account=mine.account_no)
    (case,) = cases(book)
    desk, _ = staff(app, "customer_service1")

    page = desk.get(f"/service-desk/cases/{case['id']}")

    assert page.status_code == 200
    summary = re.search(r'id="case-summary">(.*?)</p>', page.text, re.DOTALL)
    assert summary is not None and COMPLAINT in summary.group(1) and "智能客服对话" in summary.group(1)
    assert mine.name not in page.text and mine.mobile not in page.text
