"""The web tests' browser-like client: signs in through the form and posts forms with the CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from web_book import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """A client that signs in through the form, as a person does, and posts forms with the CSRF token."""

    client: TestClient

    def sign_in(self, username: str, password: str = PASSWORD) -> Any:
        form = self.client.get("/login")
        token = CSRF.search(form.text)
        assert token is not None
        fields = {"username": username, "password": password, "csrf_token": token.group(1)}
        return self.client.post("/login", data=fields, follow_redirects=False)

    def csrf(self, path: str = "/") -> str:
        found = CSRF.search(self.client.get(path).text)
        assert found is not None, f"no CSRF token on {path}"
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *, token_from: str = "/") -> Any:
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf(token_from)},
                                follow_redirects=False)  # fmt: skip


def signed_in_as(app_client: TestClient, username: str) -> Browser:
    browser = Browser(TestClient(app_client.app))  # its own cookies
    answer = browser.sign_in(username)
    assert answer.status_code == 303, answer  # type: ignore[attr-defined]
    return browser
