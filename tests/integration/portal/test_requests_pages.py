"""The cardholder's request pages: the multipart form, refusals of wrong types and sizes with the reason in
the page's language, the holds placed, and the list of their requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from requests_book import (  # noqa: F401  (fixtures)
    HTML,
    LIMIT,
    PDF,
    PNG,
    app_for,
    audit,
    book_fixture,
    fast_password_hashing_fixture,
    holders,
    holds,
    portal_client,
    requests_rows,
)
from sqlalchemy import Engine


def post(client: TestClient, path: str, csrf: str | None, fields: dict[str, str], files: list[Any]) -> Any:
    data = fields | ({"csrf_token": csrf} if csrf else {})
    return client.post(
        path, data=data, files=[("attachment", file) for file in files], follow_redirects=False
    )


def test_the_form_sends_a_dispute_with_files_and_holds_the_account(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/dispute"
    form = client.get(path)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert 'for="text"' in form.text and 'for="attachment"' in form.text and 'name="csrf_token"' in form.text
    assert "fraud" in form.text and "//" not in form.text.split("<body", 1)[1].replace("https://", "")
    files = [("bill.png", PNG, "image/png"), ("statement.pdf", PDF, "application/pdf")]
    sent = post(client, path, csrf, {"category": "amount", "text": "利息算错了", "amount": "123.45"}, files)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/my/requests?sent=")
    [row] = requests_rows(book)
    assert (row["kind"], row["category"], row["amount_fen"], row["status"]) == (
        "dispute",
        "amount",
        12_345,
        "open",
    )
    [hold] = holds(book)
    assert (hold["kind"], hold["account_id"], row["hold_id"]) == ("dispute", holder.account_id, hold["id"])
    listed = client.get(sent.headers["location"])
    assert listed.status_code == 200 and str(row["id"]) in listed.text and "利息算错了" in listed.text
    assert "123.45" in listed.text


def test_a_file_of_another_type_is_refused_whatever_its_name(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/complaint"
    fields = {"category": "attitude_abuse", "text": "he shouted"}
    refused = post(client, path, csrf, fields, [("photo.jpg", HTML, "image/jpeg")])
    assert refused.status_code == 422 and "文件类型不符" in refused.text and "he shouted" in refused.text
    client.cookies.set("arrears_lang", "en", domain="testserver.local")
    refused = post(
        client, path, csrf, fields, [("scan.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf")]
    )
    assert refused.status_code == 422 and "wrong type" in refused.text and 'role="alert"' in refused.text
    assert requests_rows(book) == [] and holds(book) == []


def test_a_file_over_the_limit_is_refused_as_too_large(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/hardship"
    fields = {"category": "illness", "text": "in hospital"}
    refused = post(client, path, csrf, fields, [("big.png", PNG + b"\x00" * LIMIT, "image/png")])
    assert refused.status_code == 413 and "文件过大" in refused.text
    client.cookies.set("arrears_lang", "en", domain="testserver.local")
    refused = post(client, path, csrf, fields, [("big.png", PNG + b"\x00" * LIMIT, "image/png")])
    assert refused.status_code == 413 and "too large" in refused.text
    assert requests_rows(book) == [] and holds(book) == []


def test_a_body_past_what_three_files_can_take_is_refused_before_it_is_read(
    book: Engine, tmp_path: Path
) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/dispute"
    huge = [("huge.pdf", PDF + b"\x00" * (4 * LIMIT + 70_000), "application/pdf")]
    refused = post(client, path, csrf, {"category": "fraud", "text": "not me"}, huge)
    assert refused.status_code == 413 and "文件过大" in refused.text  # the app's 413 page, in Chinese
    chunks = iter([b"--x\r\n", b"\x00" * (3 * LIMIT + 70_000)])  # chunked: no Content-Length
    refused = client.post(path, content=chunks, headers={"content-type": "multipart/form-data; boundary=x",
                                                        "x-csrf-token": csrf})  # fmt: skip
    assert refused.status_code == 413
    assert requests_rows(book) == [] and holds(book) == []


def test_four_files_are_refused(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/dispute"
    refused = post(client, path, csrf, {"category": "charge", "text": "x"}, [("a.png", PNG, "image/png")] * 4)
    assert refused.status_code == 422 and "最多 3 个附件" in refused.text and requests_rows(book) == []


def test_bad_amounts_are_named_on_the_form(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/dispute"
    for amount in ("1e999", "NaN", "-5", "0"):
        refused = post(client, path, csrf, {"category": "amount", "text": "x", "amount": amount}, [])
        assert refused.status_code == 422 and 'id="amount"' in refused.text, amount
        assert "amount：" not in refused.text and "amount:" not in refused.text, amount  # said by its label
        assert "异议金额" in refused.text.split('id="form-error"')[1][:200], amount
    assert requests_rows(book) == []


def test_no_csrf_no_session_another_s_account_or_kind(book: Engine, tmp_path: Path) -> None:
    mine, theirs = holders(book)
    app = app_for(book, tmp_path)
    client, csrf = portal_client(app, book, mine.customer_id)
    fields = {"category": "fraud", "text": "not me"}
    assert post(client, f"/my/account/{mine.account_no}/request/dispute", None, fields, []).status_code == 403
    assert (
        post(client, f"/my/account/{theirs.account_no}/request/dispute", csrf, fields, []).status_code == 404
    )
    assert client.get(f"/my/account/{theirs.account_no}/request/dispute").status_code == 404
    assert client.get(f"/my/account/{mine.account_no}/request/plan").status_code == 404
    anonymous = TestClient(app, base_url="https://testserver")
    answer = anonymous.get("/my/requests", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/my/login"
    assert requests_rows(book) == [] and audit(book, "portal.request") == []


def test_my_requests_lists_only_mine_with_their_status(book: Engine, tmp_path: Path) -> None:
    mine, theirs = holders(book)
    app = app_for(book, tmp_path)
    other, other_csrf = portal_client(app, book, theirs.customer_id)
    post(other, f"/my/account/{theirs.account_no}/request/complaint", other_csrf,
         {"category": "privacy", "text": "someone else's words"}, [])  # fmt: skip
    client, _ = portal_client(app, book, mine.customer_id)
    page = client.get("/my/requests")
    assert page.status_code == 200 and "someone else" not in page.text
    assert f"/my/account/{mine.account_no}/request/hardship" in page.text
    listed = other.get("/my/requests").text
    assert "someone else" in listed and ("已收到" in listed or "Received" in listed)  # zh once merged
