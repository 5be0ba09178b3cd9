"""All SQL about template versions (``message_template``). The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from arrears.messaging.templates.shipped import Draft
from arrears.models import AppUser, MessageTemplate, table_of

_TEMPLATE, _USER = table_of(MessageTemplate), table_of(AppUser)


@dataclass(frozen=True, slots=True)
class Stored:
    """One stored version, with who wrote and who decided it (None: the system)."""

    id: int
    draft: Draft
    version: int
    status: str
    created_by_id: int | None
    created_by: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


def _stored(row: RowMapping) -> Stored:
    draft = Draft(
        name=row["name"], channel=row["channel"], kind=row["kind"], body_zh=row["body_zh"],
        body_en=row["body_en"], subject_zh=row["subject_zh"], subject_en=row["subject_en"],
        description=row["description"], education=bool(row["education"]),
    )  # fmt: skip
    return Stored(
        id=row["id"], draft=draft, version=row["version"], status=row["status"],
        created_by_id=row["created_by_id"], created_by=row["author"], created_at=row["created_at"],
        decided_by=row["decider"], decided_at=row["decided_at"], decision_note=row["decision_note"],
    )  # fmt: skip


def _rows(where: Any) -> Any:
    t = _TEMPLATE
    author, decider = _USER.alias("author"), _USER.alias("decider")
    return (
        select(t, author.c.username.label("author"), decider.c.username.label("decider"))
        .outerjoin(author, author.c.id == t.c.created_by_id)
        .outerjoin(decider, decider.c.id == t.c.decided_by_id)
        .where(where)
    )


def draft_values(draft: Draft) -> dict[str, Any]:
    return {
        "name": draft.name, "channel": draft.channel, "kind": draft.kind, "body_zh": draft.body_zh,
        "body_en": draft.body_en, "subject_zh": draft.subject_zh, "subject_en": draft.subject_en,
        "description": draft.description, "education": draft.education,
    }  # fmt: skip


class TemplateRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def in_use(self, name: str) -> Stored | None:
        """The approved version with the highest number (None: the store has none)."""
        t = _TEMPLATE
        query = _rows(and_(t.c.name == name, t.c.status == "approved")).order_by(t.c.version.desc())
        row = self._connection.execute(query.limit(1)).mappings().first()
        return None if row is None else _stored(row)

    def version(self, name: str, version: int) -> Stored | None:
        t = _TEMPLATE
        row = self._connection.execute(_rows(and_(t.c.name == name, t.c.version == version))).mappings()
        found = row.first()
        return None if found is None else _stored(found)

    def history(self, name: str) -> list[Stored]:
        """Every version of the template, newest first."""
        query = _rows(_TEMPLATE.c.name == name).order_by(_TEMPLATE.c.version.desc())
        return [_stored(row) for row in self._connection.execute(query).mappings()]

    def library(self) -> list[Stored]:
        """Every version of every template, by name then newest first (the library groups them)."""
        query = _rows(_TEMPLATE.c.id.is_not(None)).order_by(_TEMPLATE.c.name, _TEMPLATE.c.version.desc())
        return [_stored(row) for row in self._connection.execute(query).mappings()]

    def names(self) -> set[str]:
        return set(self._connection.execute(select(_TEMPLATE.c.name).distinct()).scalars())

    def last_version(self, name: str) -> int:
        """The highest version number of the template (0: none)."""
        found = self._connection.execute(
            select(func.max(_TEMPLATE.c.version)).where(_TEMPLATE.c.name == name)
        )
        return int(found.scalar_one() or 0)

    def add(self, draft: Draft, *, version: int, status: str, by_id: int | None, at: datetime) -> int:
        values = {**draft_values(draft), "version": version, "status": status, "created_by_id": by_id,
                  "created_at": at}  # fmt: skip
        inserted = self._connection.execute(insert(_TEMPLATE).values(values).returning(_TEMPLATE.c.id))
        return int(inserted.scalar_one())

    def seed(self, drafts: Iterable[Draft], *, at: datetime) -> int:
        """Each draft as approved version 1 by the system, unless its name has a version 1 already
        (INSERT ... ON CONFLICT DO NOTHING: safe when several processes seed at once); how many went in."""
        rows = [{**draft_values(draft), "version": 1, "status": "approved", "created_at": at,
                 "decided_at": at, "decision_note": "shipped"} for draft in drafts]  # fmt: skip
        if not rows:
            return 0
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(_TEMPLATE).values(rows).on_conflict_do_nothing(index_elements=["name", "version"])
        )
        return len(self._connection.execute(statement.returning(_TEMPLATE.c.id)).all())

    def decide(self, template_id: int, *, status: str, by_id: int, at: datetime, note: str | None) -> bool:
        """Marks a draft approved or rejected; False when it is no longer a draft (decided meanwhile)."""
        t = _TEMPLATE
        changed = self._connection.execute(
            update(t).where(t.c.id == template_id, t.c.status == "draft")
            .values(status=status, decided_by_id=by_id, decided_at=at, decision_note=note)
        )  # fmt: skip
        return changed.rowcount == 1

    def retire_before(self, name: str, version: int) -> None:
        """Approved versions older than ``version`` are retired (the newest approved one is in use)."""
        t = _TEMPLATE
        self._connection.execute(
            update(t).where(t.c.name == name, t.c.status == "approved", t.c.version < version)
            .values(status="retired")
        )  # fmt: skip

    def lock_name(self, name: str) -> Sequence[int]:
        """Holds the template's rows until the transaction ends (PostgreSQL), so two decisions take turns."""
        query = select(_TEMPLATE.c.id).where(_TEMPLATE.c.name == name).with_for_update()
        return list(self._connection.execute(query).scalars())
