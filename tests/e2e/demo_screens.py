"""The demo's first screens: each demo user signs in to the workspace served over the demo's data
directory (in-process) and opens ``/``, following the redirect to their role's first screen."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from arrears.config import Settings
from arrears.db import make_engine
from arrears.web.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TAGS = re.compile(r"<[^>]+>")


def first_screens(
    data_dir: Path, key: str, password: str, usernames: list[str]
) -> dict[str, tuple[str, str]]:
    """Each user's first screen: (its path, its visible text with the tags stripped)."""
    settings = Settings(data_dir=data_dir, encryption_key=key)
    engine = make_engine(f"sqlite:///{data_dir / 'arrears.db'}")
    app = create_app(settings, engine=engine)
    screens = {}
    try:
        for username in usernames:
            with TestClient(app) as client:
                token = CSRF.search(client.get("/login").text)
                assert token is not None
                form = {"username": username, "password": password, "csrf_token": token.group(1)}
                signed = client.post("/login", data=form, follow_redirects=False)
                assert signed.status_code == 303, (username, signed.status_code)
                answer = client.get("/")
                assert answer.status_code == 200, (username, answer.status_code)
                text = " ".join(TAGS.sub(" ", answer.text).split())
                screens[username] = (answer.url.path, text)
    finally:
        engine.dispose()
    return screens


def figure(text: str, label: str) -> int:
    """The number shown right after ``label`` on a page (thousands separators allowed)."""
    found = re.search(re.escape(label) + r"\D{0,40}?([\d,]+)", text)
    assert found is not None, (label, text[:2000])
    return int(found.group(1).replace(",", ""))
