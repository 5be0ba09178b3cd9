"""A team lead's talk track as an attacker would write it: an unbalanced brace (typed as text, not a
variable) is refused with its reason, in the editor and in its live preview, never 500; markup in a
section is text on the case page once approved; a body of a megabyte is refused before it is read.
Nothing here depends on the database: SQLite only."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_support import Browser

from arrears.contacts.talk_tracks import shipped_talk_tracks
from floor_day import calls

FIRST = shipped_talk_tracks()["talk_first_contact"]
EDIT = "/templates/talk_first_contact/edit"


def signed_in(web: TestClient, username: str) -> Browser:
    browser = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert browser.sign_in(username).status_code == 303
    return browser


def with_identify(body: str, text: str) -> str:
    return body.replace("[identify]", f"[identify]\n{text}", 1)


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
@pytest.mark.parametrize("typed", ["{", "}", "{{name}", "100% {0", "{name"])
@pytest.mark.parametrize("path", ["/templates", "/templates/length"])
def test_an_unbalanced_brace_is_refused_with_its_reason(web: TestClient, typed: str, path: str) -> None:
    lead = signed_in(web, "team_lead1")
    lead.client.get("/lang/en")
    form = {"name": "talk_first_contact", "body_zh": with_identify(FIRST.body_zh, typed),
            "body_en": FIRST.body_en}  # fmt: skip

    answer = lead.post(path, form, token_from=EDIT)

    assert answer.status_code == (422 if path == "/templates" else 200), (
        answer.status_code,
        answer.text[:300],
    )
    assert "unbalanced brace" in answer.text


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_markup_in_an_approved_talk_track_is_text_on_the_case_page(web: TestClient, book: Engine) -> None:
    lead, compliance = signed_in(web, "team_lead1"), signed_in(web, "compliance1")
    evil = "<script>alert('t')</script><img src=x onerror=alert(1)>"
    form = {"name": "talk_first_contact", "body_zh": with_identify(FIRST.body_zh, evil),
            "body_en": with_identify(FIRST.body_en, evil)}  # fmt: skip
    saved = lead.post("/templates", form, token_from=EDIT)
    assert saved.status_code == 303, saved.text[:300]
    version = re.search(r"/versions/(\d+)", saved.headers["location"])
    assert version is not None
    review = f"/templates/talk_first_contact/versions/{version.group(1)}"
    assert compliance.post(f"{review}/approve", token_from=review).status_code == 303
    assert "<script>alert" not in compliance.client.get(review).text

    for lang in ("zh", "en"):
        lead.client.get(f"/lang/{lang}")
        page = lead.client.get(f"/cases/{calls(book)[0]['account_id']}").text
        track = re.search(r'<section class="card" id="talk-track".*?</section>', page, re.S)
        assert track is not None and "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in track.group(0)
        assert "<script>alert" not in page and "<img src=x" not in page


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_a_megabyte_talk_track_is_refused(web: TestClient) -> None:
    lead = signed_in(web, "team_lead1")
    form = {
        "name": "talk_first_contact",
        "body_zh": FIRST.body_zh + "话" * 1_000_000,
        "body_en": FIRST.body_en,
    }

    answer = lead.post("/templates", form, token_from=EDIT)

    assert answer.status_code == 413, answer.status_code
