"""The service-desk tests' fixtures: the web tests' book and fast password hashing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from arrears.kit.crypto import FieldCipher
from arrears.users import passwords
from web_book import FAST_HASHER, build_book


@pytest.fixture(autouse=True, name="fast_password_hashing")
def fast_password_hashing_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture(name="book")
def book_fixture(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)
