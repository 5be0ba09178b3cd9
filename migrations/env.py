"""Alembic environment: the URL comes from the caller (``arrears db``) or from Settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import arrears.models  # noqa: F401  (registers every table)
from arrears.db import Base, get_engine

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine().connect() as new_connection:
        _run(new_connection)


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run 'arrears db upgrade'")
run_migrations_online()
