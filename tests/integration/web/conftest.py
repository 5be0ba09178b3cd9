"""A small book with a completed run's call queue, users of every role, and a browser-like client."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_support import Browser

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.users import passwords
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, build_book


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest costs: the pages are under test here, not the hash's strength."""
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())


@pytest.fixture
def web(book: Engine, app_settings: Settings) -> TestClient:
    return TestClient(create_app(app_settings, engine=book))


@pytest.fixture
def browser(web: TestClient) -> Browser:
    return Browser(web)
