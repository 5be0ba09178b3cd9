"""The model registry in the store: registered versions, the active one, who promoted it and when.

SQL lives here; callers own the transaction. The database allows one active model at most (a partial
unique index), so two promotions at once cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import RegisteredModel, table_of

_TABLE = table_of(RegisteredModel)


class RegistryError(ArrearsError):
    """A registration or promotion that cannot be done."""


@dataclass(frozen=True, slots=True)
class ModelVersion:
    version: str
    directory: str
    cv_auc: float
    cv_ece: float
    registered_by: str
    registered_at: datetime
    active: bool
    promoted_by: str | None
    promoted_at: datetime | None


def _version(row: Row[Any]) -> ModelVersion:
    mapping = row._mapping
    return ModelVersion(**{name: mapping[name] for name in ModelVersion.__dataclass_fields__})


class ModelRegistry:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def register(self, card: Mapping[str, Any], directory: Path, *, by: str, now: datetime) -> ModelVersion:
        """Records the model whose ``card`` (card.json) lies in ``directory``."""
        version = str(card["version"])
        if self.find(version) is not None:
            raise RegistryError(f"model {version} is already registered", f"模型 {version} 已经注册")
        self._connection.execute(
            insert(_TABLE).values(
                version=version,
                directory=str(directory.resolve()),
                format_version=int(card["format_version"]),
                data_sha256=str(card["data"]["sha256"]),
                cv_auc=float(card["cv"]["auc"]["mean"]),
                cv_ece=float(card["cv"]["ece"]["mean"]),
                card=json.dumps(card, ensure_ascii=False),
                registered_by=by,
                registered_at=now,
                active=False,
            )
        )
        found = self.find(version)
        assert found is not None
        return found

    def promote(self, version: str, *, by: str, now: datetime) -> ModelVersion:
        """Makes ``version`` the active model (the one scoring uses by default)."""
        if self.find(version) is None:
            raise NotFound(f"model {version} is not registered", f"模型 {version} 未注册")
        self._connection.execute(update(_TABLE).where(_TABLE.c.active).values(active=False))
        self._connection.execute(
            update(_TABLE)
            .where(_TABLE.c.version == version)
            .values(active=True, promoted_by=by, promoted_at=now)
        )
        found = self.find(version)
        assert found is not None
        return found

    def find(self, version: str) -> ModelVersion | None:
        row = self._connection.execute(select(_TABLE).where(_TABLE.c.version == version)).first()
        return _version(row) if row is not None else None

    def active(self) -> ModelVersion | None:
        row = self._connection.execute(select(_TABLE).where(_TABLE.c.active)).first()
        return _version(row) if row is not None else None

    def versions(self) -> list[ModelVersion]:
        rows = self._connection.execute(select(_TABLE).order_by(_TABLE.c.registered_at, _TABLE.c.id))
        return [_version(row) for row in rows]
