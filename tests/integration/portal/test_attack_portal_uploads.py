"""Attacks with files and text on the portal's requests, seen from both sides: a script behind a PNG
header, SVG, a PDF with JavaScript, files at and past the limit, an empty file, broken multipart, a
thousand parts; HTML in a cardholder's words on the staff's pages; a huge body at the sign-in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from requests_book import (  # noqa: F401  (fixtures)
    LIMIT,
    PDF,
    PNG,
    app_for,
    book_fixture,
    fast_password_hashing_fixture,
    holders,
    portal_client,
    requests_rows,
    staff,
)
from sqlalchemy import Engine

SCRIPT_AS_PNG = b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PDF_WITH_JS = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _post(client: TestClient, path: str, csrf: str, files: list[Any], **fields: str) -> Any:
    data = {"category": "charge", "text": "not mine", "csrf_token": csrf} | fields
    return client.post(path, data=data, files=[("attachment", one) for one in files], follow_redirects=False)


def test_what_is_taken_and_how_staff_get_it_back(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    app = app_for(book, tmp_path)
    client, csrf = portal_client(app, book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/dispute"
    svg = _post(client, path, csrf, [("x.svg", SVG, "image/svg+xml")])
    svg_named_png = _post(client, path, csrf, [("x.png", SVG, "image/png")])
    empty = _post(client, path, csrf, [("empty.png", b"", "image/png")])
    over = _post(client, path, csrf, [("big.png", PNG + b"\x00" * (LIMIT - len(PNG) + 1), "image/png")])
    assert [svg.status_code, svg_named_png.status_code, empty.status_code, over.status_code] == [
        422,
        422,
        422,
        413,
    ]
    assert requests_rows(book) == []
    at_limit = PNG + b"\x00" * (LIMIT - len(PNG))
    sent = _post(client, path, csrf, [("a.png", SCRIPT_AS_PNG, "text/html"), ("b.pdf", PDF_WITH_JS, "x/y"),
                                      ("c.png", at_limit, "image/png")])  # fmt: skip
    assert sent.status_code == 303, sent.text[-500:]
    [row] = requests_rows(book)
    service, _ = staff(app, "customer_service1")
    case = service.get(f"/cases/{holder.account_id}").text
    links = re.findall(rf"/portal-requests/{row['id']}/attachments/(\d+)", case)
    assert len(set(links)) == 3
    served = [
        service.get(f"/portal-requests/{row['id']}/attachments/{one}") for one in sorted(set(links), key=int)
    ]
    assert [one.headers["content-type"] for one in served] == ["image/png", "application/pdf", "image/png"]
    for one in served:
        assert one.headers["content-disposition"].startswith('attachment; filename="request-')
        assert re.fullmatch(
            r'attachment; filename="request-\d+-\d+\.(png|pdf)"', one.headers["content-disposition"]
        )
        assert one.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in one.headers["content-security-policy"]
    assert served[0].content == SCRIPT_AS_PNG and served[2].content == at_limit


def test_broken_multipart_and_a_thousand_parts_are_refused_without_a_500(
    book: Engine, tmp_path: Path
) -> None:
    holder = holders(book)[0]
    client, csrf = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    path = f"/my/account/{holder.account_no}/request/dispute"
    for body, kind in (
        (
            b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated',
            "multipart/form-data; boundary=x",
        ),
        (b"garbage", "multipart/form-data"),
        (b"garbage", "multipart/form-data; boundary="),
        (b"\x00\xff" * 100, "application/octet-stream"),
    ):
        answer = client.post(path, content=body, headers={"content-type": kind, "x-csrf-token": csrf})
        assert 400 <= answer.status_code < 500, (body[:20], kind, answer.status_code)
    many = [("attachment", (f"{n}.png", PNG, "image/png")) for n in range(1200)]
    answer = client.post(path, data={"category": "charge", "text": "x", "csrf_token": csrf}, files=many)
    assert 400 <= answer.status_code < 500
    assert requests_rows(book) == []


def test_a_cardholder_s_words_are_escaped_on_the_staff_s_pages(book: Engine, tmp_path: Path) -> None:
    holder = holders(book)[0]
    app = app_for(book, tmp_path)
    client, csrf = portal_client(app, book, holder.customer_id)
    sent = _post(client, f"/my/account/{holder.account_no}/request/dispute", csrf, [], text=XSS)
    assert sent.status_code == 303
    mine = client.get("/my/requests").text
    service, _ = staff(app, "customer_service1")
    lead, _ = staff(app, "team_lead1")  # sees the words unmasked
    pages = [mine, service.get(f"/cases/{holder.account_id}").text, service.get("/portal-requests").text,
             lead.get(f"/cases/{holder.account_id}").text, lead.get("/portal-requests").text]  # fmt: skip
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert any("&lt;script&gt;" in page for page in pages[1:])


def test_the_sign_in_refuses_a_huge_body_before_parsing_it(book: Engine, tmp_path: Path) -> None:
    client = TestClient(app_for(book, tmp_path), base_url="https://testserver")
    for path in ("/my/login", "/my/code"):
        big = client.post(path, files={"junk": ("x.bin", b"\x00" * 2_000_000, "application/octet-stream")},
                          data={"csrf_token": "x"})  # fmt: skip
        assert big.status_code == 413, (path, big.status_code)
        chunks = iter([b"--x\r\n", b"\x00" * 2_000_000])
        big = client.post(path, content=chunks, headers={"content-type": "multipart/form-data; boundary=x"})
        assert big.status_code == 413, (path, big.status_code)
