"""A message template (SMS, e-mail, letter, push) typed with an unbalanced brace, as the talk tracks'
editor beside it: saving is refused with the reason (422) and the live length preview says it, never
500. Nothing here depends on the database: SQLite only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_support import Browser

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)


def signed_in(web: TestClient, username: str) -> Browser:
    browser = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert browser.sign_in(username).status_code == 303
    return browser


@pytest.mark.parametrize("typed", ["{", "}", "您好 {name", "50% off}"])
@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize(("path", "status"), [("/templates", 422), ("/templates/length", 200)])
def test_an_unbalanced_brace_in_a_message_template_is_refused_with_its_reason(
    web: TestClient, typed: str, channel: str, path: str, status: int
) -> None:
    manager = signed_in(web, "manager1")
    manager.client.get("/lang/en")
    form = {"new": "1", "name": "sms_attack17", "channel": channel, "kind": "collection",
            "body_zh": typed, "body_en": typed, "subject_zh": "s", "subject_en": "s"}  # fmt: skip

    answer = manager.post(path, form, token_from="/templates/new")

    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    assert "unbalanced brace" in answer.text
