"""The assistant's page on the portal (/my/assistant): open without a session, where an account question
gets no figure and is told how to sign in; inside a session, the cardholder's own overdue amount (of
the account they choose, the most overdue by default) and never another's; the page in English; htmx;
CSRF for visitors and sessions; the rate limit; an over-long question; where the page is linked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from assistant_portal_book import (  # noqa: F401  (fixtures)
    HOTLINE,
    app_for,
    ask,
    book_fixture,
    conversations,
    csrf_of,
    fast_password_hashing_fixture,
    holders,
    portal_client,
    second_account,
    turns,
    visitor_client,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from arrears.assistant.rules import QUESTIONS_PER_CLIENT
from arrears.kit.crypto import FieldCipher
from arrears.web.deps import LANG_COOKIE

OWE = "我现在一共欠多少钱？"
FIGURE = re.compile(r'<h2 id="acct-(\d+)">.*?<p class="figure[^"]*">(¥[^<]+)</p>', re.DOTALL)


@pytest.fixture
def app(book: Engine, tmp_path: Path) -> Any:
    return app_for(book, tmp_path)


def overdue_on_my_page(client: TestClient) -> dict[int, str]:
    """Each account's overdue figure as /my shows it to the signed-in cardholder."""
    return {int(account): figure for account, figure in FIGURE.findall(client.get("/my").text)}


def answers(page: str) -> list[str]:
    """The assistant's answers on the page, oldest first."""
    return re.findall(r'<div class="card" lang="[^"]+">(.*?)</div>', page, re.DOTALL)


def test_without_a_session_the_answer_holds_no_amount_and_says_how_to_sign_in(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    client, csrf = visitor_client(app)

    sent = ask(client, csrf, OWE)

    assert sent.status_code == 303 and sent.headers["location"] == "/my/assistant#turn-1"
    page = client.get("/my/assistant").text
    (answer,) = answers(page)
    assert "¥" not in page  # no figure at all
    assert "请登录持卡人服务页面 /my" in answer and "来源：" in answer
    assert 'href="/my/login"' in page
    assert OWE in page  # the question, as kept


def test_with_a_session_the_answer_holds_the_cardholders_own_overdue_amount(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine, theirs = holders(book, cipher, 2)
    client, csrf = portal_client(app, book, mine.customer_id)
    other, _ = portal_client(app, book, theirs.customer_id)
    own, others = overdue_on_my_page(client)[mine.account_id], overdue_on_my_page(other)[theirs.account_id]
    assert own != others  # the book's two cardholders owe different amounts

    assert ask(client, csrf, OWE).status_code == 303

    (answer,) = answers(client.get("/my/assistant").text)
    assert own in answer and others not in answer
    assert "请登录" not in answer


def test_the_cardholder_chooses_among_their_accounts_the_most_overdue_by_default(
    app: Any, book: Engine, cipher: FieldCipher
) -> None:
    mine = holders(book, cipher, 1)[0]
    number = second_account(book, mine, dpd=400, overdue_fen=987_654)
    client, csrf = portal_client(app, book, mine.customer_id)
    figures = overdue_on_my_page(client)
    (more_overdue,) = [account for account in figures if account != mine.account_id]
    page = client.get("/my/assistant").text
    assert f'<option value="{number}" selected>' in page  # the most overdue, as /my orders them
    assert f'<option value="{mine.account_no}">' in page

    ask(client, csrf, OWE)
    ask(client, csrf, OWE, account=mine.account_no)

    first, second = answers(client.get("/my/assistant").text)
    assert figures[more_overdue] in first and figures[mine.account_id] in second
    assert [t["account_id"] for t in turns(book)] == [more_overdue, mine.account_id]


def test_another_customers_account_is_never_reachable(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine, theirs = holders(book, cipher, 2)
    client, csrf = portal_client(app, book, mine.customer_id)

    refused = ask(client, csrf, OWE, account=theirs.account_no)

    assert refused.status_code == 404
    assert turns(book) == [] and conversations(book) == []
    assert theirs.account_no not in client.get("/my/assistant").text


def test_the_english_page_answers_in_english(app: Any, book: Engine, cipher: FieldCipher) -> None:
    client, csrf = visitor_client(app)
    client.cookies.set(LANG_COOKIE, "en", domain="testserver.local")

    ask(client, csrf, OWE)

    (answer,) = answers(client.get("/my/assistant").text)
    assert "Source: " in answer and "sign in at /my" in answer
    assert turns(book)[0]["lang"] == "en"


def test_an_english_question_on_the_chinese_page_is_answered_in_english(app: Any, book: Engine) -> None:
    client, csrf = visitor_client(app)

    ask(client, csrf, "How much do I owe on my card?")

    (answer,) = answers(client.get("/my/assistant").text)
    assert "Source: " in answer and "来源" not in answer


def test_htmx_gets_the_conversation_alone(app: Any, book: Engine) -> None:
    client, csrf = visitor_client(app)

    sent = ask(client, csrf, OWE, htmx=True)

    assert sent.status_code == 200
    assert sent.text.startswith('<div id="chat">') and "<html" not in sent.text
    assert OWE in sent.text and len(answers(sent.text)) == 1
    assert "arrears_my_chat" in sent.headers["set-cookie"]


def test_a_visitor_needs_the_pages_token(app: Any, book: Engine) -> None:
    client, csrf = visitor_client(app)
    stranger = TestClient(app, base_url="https://testserver")  # never opened the page: no cookie

    assert ask(client, "not-the-token", OWE).status_code == 403
    assert ask(stranger, csrf, OWE).status_code == 403
    assert client.post("/my/assistant", data={"text": OWE}, follow_redirects=False).status_code == 403
    assert turns(book) == [] and conversations(book) == []


def test_a_session_needs_its_own_token(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = portal_client(app, book, mine.customer_id)
    _, visitor_token = visitor_client(app)

    wrong = ask(client, visitor_token, OWE, htmx=True)

    assert wrong.status_code == 403 and wrong.headers["hx-refresh"] == "true"
    assert ask(client, csrf + "x", OWE).status_code == 403
    assert turns(book) == []
    assert ask(client, csrf, OWE).status_code == 303


def test_questions_are_limited_per_client(app: Any, book: Engine) -> None:
    client, csrf = visitor_client(app)
    for _ in range(QUESTIONS_PER_CLIENT):
        assert ask(client, csrf, "怎么还款").status_code == 303

    limited = ask(client, csrf, "怎么还款")

    assert limited.status_code == 429 and "您的提问过于频繁" in limited.text
    assert len(turns(book)) == QUESTIONS_PER_CLIENT
    elsewhere = TestClient(app, base_url="https://testserver", client=("198.51.100.7", 4000))
    assert ask(elsewhere, csrf_of(elsewhere.get("/my/assistant")), "怎么还款").status_code == 303


@pytest.mark.parametrize("htmx", [False, True])
def test_an_over_long_question_is_refused_with_a_message_and_nothing_kept(
    app: Any, book: Engine, htmx: bool
) -> None:
    client, csrf = visitor_client(app)
    text = "我想问一下" + "还款" * 250  # 505 characters

    refused = ask(client, csrf, text, htmx=htmx)

    assert refused.status_code == (200 if htmx else 422)
    assert "问题不能超过 500 个字符（现为 505 个）" in refused.text and 'role="alert"' in refused.text
    assert f">{text}</textarea>" in refused.text  # given back to shorten
    assert turns(book) == [] and conversations(book) == []


def test_the_page_is_linked_from_the_portal(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    client, _ = portal_client(app, book, mine.customer_id)

    assert 'href="/my/assistant"' in client.get("/my").text  # the navigation
    assert 'href="/my/assistant"' in TestClient(app).get("/my/help").text  # help, signed in or not


def test_after_signing_out_the_conversation_is_not_shown(app: Any, book: Engine, cipher: FieldCipher) -> None:
    mine = holders(book, cipher, 1)[0]
    client, csrf = portal_client(app, book, mine.customer_id)
    ask(client, csrf, OWE)
    assert len(answers(client.get("/my/assistant").text)) == 1

    client.post("/my/logout", data={"csrf_token": csrf}, follow_redirects=False)

    page = client.get("/my/assistant").text
    assert answers(page) == [] and "¥" not in page and OWE not in page


def test_a_visitor_is_offered_the_sign_in_and_the_hotline_for_a_person(app: Any, book: Engine) -> None:
    client, csrf = visitor_client(app)

    ask(client, csrf, "我要投诉你们的催收员，他骂人")

    page = client.get("/my/assistant").text
    assert turns(book)[0]["handover_to"] == "service_case"
    assert 'href="/my/login"' in page and f'href="tel:{HOTLINE}"' in page
    assert "/my/assistant/handover" not in page
