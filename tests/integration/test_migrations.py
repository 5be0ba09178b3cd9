"""The Alembic migrations against SQLite and (when configured) PostgreSQL.

Upgrade, downgrade and upgrade again; the migrated schema matches the ORM models; the audit table is
append-only in the database itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, text
from sqlalchemy.exc import DatabaseError

import arrears.models  # noqa: F401  (registers every table on Base.metadata)
from arrears import migrate
from arrears.db import Base
from arrears.models import AuditEvent

MODEL_TABLES = frozenset(Base.metadata.tables)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_the_models_define_tables() -> None:
    # guards the other tests against an empty metadata (e.g. the models not being imported)
    assert {"customer", "card_account", "audit_event", "delinquency_snapshot"} <= MODEL_TABLES


def test_upgrade_to_head(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)

    head = migrate.head_revision()
    assert head is not None
    assert migrate.current_revision(empty_engine) == head


def test_upgrade_creates_every_model_table(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    assert table_names(empty_engine) == MODEL_TABLES | {"alembic_version"}


def test_downgrade_to_base_leaves_only_the_version_table(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    migrate.downgrade(empty_engine, "base")

    assert table_names(empty_engine) == {"alembic_version"}
    assert migrate.current_revision(empty_engine) is None


def test_up_down_up(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")

    migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert table_names(empty_engine) == MODEL_TABLES | {"alembic_version"}
    # the triggers came back with the table
    _insert_audit_event(empty_engine)
    with pytest.raises(DatabaseError), empty_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event"))


def test_a_database_with_users_and_their_rows_upgrades_to_head(empty_engine: Engine) -> None:
    """A column added to app_user (rows in it, other tables pointing at it) is added in place: a
    rebuild of the table would be refused by the foreign keys that point at it (SQLite)."""
    migrate.upgrade(empty_engine, "0022")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO app_user (id, username, display_name, role, is_active, created_at) "
                 "VALUES (1, 'c1', 'c1', 'collector', true, :at)"),
            {"at": at},
        )  # fmt: skip
        connection.execute(
            text("INSERT INTO web_session (id, user_id, csrf_token, created_at, last_seen_at, expires_at) "
                 "VALUES ('k', 1, 't', :at, :at, :at)"),
            {"at": at},
        )  # fmt: skip
        connection.execute(  # a row that keeps its author: no cascade
            text("INSERT INTO message_template (name, channel, version, body_zh, body_en, created_by_id, "
                 "created_at) VALUES ('t', 'sms', 1, 'z', 'e', 1, :at)"),
            {"at": at},
        )  # fmt: skip

    migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    with empty_engine.connect() as connection:
        flag = connection.execute(text("SELECT must_change_password FROM app_user")).scalar_one()
    assert flag in (False, 0)
    with empty_engine.connect() as connection:  # nothing that pointed at the users went with a rebuild
        assert connection.execute(text("SELECT count(*) FROM web_session")).scalar_one() == 1


def test_upgrade_twice_is_harmless(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_models_match_the_migrated_schema(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def _insert_audit_event(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(AuditEvent.__table__).values(
                at=datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
                actor="system",
                action="import.extract",
                subject_type="import_run",
                subject_id="1",
                details="{}",
                prev_hash="0" * 64,
                hash="a" * 64,
            )
        )


class TestAuditEventIsAppendOnly:
    @pytest.fixture
    def migrated(self, empty_engine: Engine) -> Engine:
        migrate.upgrade(empty_engine)
        _insert_audit_event(empty_engine)
        return empty_engine

    def test_insert_works(self, migrated: Engine) -> None:
        with migrated.connect() as connection:
            rows = connection.execute(text("SELECT actor, action FROM audit_event")).all()
        assert [tuple(row) for row in rows] == [("system", "import.extract")]

    def test_update_is_refused(self, migrated: Engine) -> None:
        with pytest.raises(DatabaseError, match="append-only"), migrated.begin() as connection:
            connection.execute(text("UPDATE audit_event SET actor = 'mallory'"))

        with migrated.connect() as connection:
            assert connection.execute(text("SELECT actor FROM audit_event")).scalar_one() == "system"

    def test_delete_is_refused(self, migrated: Engine) -> None:
        with pytest.raises(DatabaseError, match="append-only"), migrated.begin() as connection:
            connection.execute(text("DELETE FROM audit_event"))

        with migrated.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 1

    def test_a_second_event_can_still_be_appended(self, migrated: Engine) -> None:
        with migrated.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, actor, action, details, prev_hash, hash) "
                    "VALUES (:at, 'system', 'import.uci', '{}', :prev, :hash)"
                ),
                {"at": datetime(2026, 11, 23, 9, 0), "prev": "a" * 64, "hash": "b" * 64},
            )
        with migrated.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 2
