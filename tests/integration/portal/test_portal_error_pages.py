"""Errors under /my come in the portal's layout, never the staff workspace's (no staff menu, no
staff sign-in link), whichever handler answers: an unknown page, a refused form, a missing row."""

from __future__ import annotations

from pathlib import Path

from signin_book import client_for
from sqlalchemy import Engine


def test_an_unknown_portal_page_is_a_portal_error_page(engine: Engine, tmp_path: Path) -> None:
    client = client_for(engine, tmp_path)
    portal = client.get("/my/no-such-page")
    staff = client.get("/no-such-page")
    assert portal.status_code == staff.status_code == 404
    assert 'href="/static/my.css"' in portal.text and 'href="/static/my.css"' not in staff.text
    assert "/login" not in portal.text.replace("/my/login", "")  # no way to the staff sign-in


def test_a_refused_gateway_page_request_is_in_the_portal_layout(engine: Engine, tmp_path: Path) -> None:
    client = client_for(engine, tmp_path)
    answer = client.get("/pay/simulated/" + "x" * 10_000)
    assert answer.status_code in (404, 422)
    assert 'href="/static/my.css"' in answer.text
