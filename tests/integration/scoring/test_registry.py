"""The model registry on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from arrears.kit.errors import NotFound
from arrears.models import RegisteredModel
from arrears.scoring.registry import ModelRegistry, RegistryError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def card(version: str, auc: float = 0.787) -> dict[str, object]:
    return {
        "format": "arrears-model",
        "format_version": 1,
        "version": version,
        "data": {"sha256": "ab" * 32},
        "cv": {"auc": {"mean": auc, "std": 0.01}, "ece": {"mean": 0.013, "std": 0.004}},
    }


def test_register_promote_and_switch(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        registry = ModelRegistry(connection)
        registry.register(card("pd-1"), tmp_path / "one", by="analyst", now=NOW)
        registry.register(card("pd-2", 0.79), tmp_path / "two", by="analyst", now=NOW)
        assert registry.active() is None
        registry.promote("pd-1", by="risk-manager", now=NOW)
    with engine.begin() as connection:
        registry = ModelRegistry(connection)
        active = registry.active()
        assert active is not None
        assert (active.version, active.promoted_by, active.promoted_at) == ("pd-1", "risk-manager", NOW)
        assert active.directory == str((tmp_path / "one").resolve())
        later = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        registry.promote("pd-2", by="cro", now=later)
    with engine.connect() as connection:
        versions = {v.version: v for v in ModelRegistry(connection).versions()}
    assert [v.version for v in versions.values() if v.active] == ["pd-2"]
    assert versions["pd-1"].promoted_by == "risk-manager"  # the history of who promoted stays
    assert versions["pd-2"].cv_auc == pytest.approx(0.79)


def test_a_version_is_registered_once(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        registry = ModelRegistry(connection)
        registry.register(card("pd-1"), tmp_path, by="analyst", now=NOW)
        with pytest.raises(RegistryError, match="already registered"):
            registry.register(card("pd-1"), tmp_path, by="analyst", now=NOW)


def test_promoting_an_unknown_version_is_refused(engine: Engine) -> None:
    with engine.begin() as connection, pytest.raises(NotFound, match="pd-9"):
        ModelRegistry(connection).promote("pd-9", by="cro", now=NOW)


def test_the_database_allows_one_active_model(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        registry = ModelRegistry(connection)
        registry.register(card("pd-1"), tmp_path, by="analyst", now=NOW)
        registry.register(card("pd-2"), tmp_path, by="analyst", now=NOW)
        registry.promote("pd-1", by="cro", now=NOW)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            update(RegisteredModel).where(RegisteredModel.version == "pd-2").values(active=True)
        )
