"""Writing many outbox rows at once, fast on both stores: the dispatcher records a batch of 1,000 in a
few statements. PostgreSQL: ``COPY`` for new rows and one ``UPDATE ... FROM unnest(...)`` for the sent
messages (an ``executemany`` costs a round of the pipeline per row); SQLite: ``executemany`` (in
process, already fast). Callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, bindparam, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite

from arrears.models import OutboxMessage, table_of

_MESSAGE = table_of(OutboxMessage)
CHUNK = 5_000
SMALL = 20  # rows up to which a plain INSERT costs fewer round trips than a COPY
_SENT_PG = text(
    "UPDATE outbox_message AS m SET status = 'sent', provider_id = v.provider_id, sent_at = :now, "
    "transport = :transport, attempts = m.attempts + 1, last_error = NULL, blocked_rules = NULL, "
    "claimed_by = NULL, claim_until = NULL "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:providers AS varchar[])) AS v(id, provider_id) "
    "WHERE m.id = v.id"
)


_STAGE = "outbox_message_stage"


def insert_new_messages(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Inserts the outbox rows whose idempotency key is new (all rows with the same keys); returns
    (id, status, last_error) of those inserted. PostgreSQL: the rows are copied into a temporary table
    and inserted from it in one statement (``ON CONFLICT DO NOTHING``)."""
    if not rows:
        return []
    m = _MESSAGE
    if connection.dialect.name != "postgresql":
        statement = (
            sqlite.insert(m).on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(m.c.id, m.c.status, m.c.last_error)
        )  # fmt: skip
        return list(connection.execute(statement, list(rows)).all())
    if len(rows) <= SMALL:  # a one-time code, a receipt: one statement rather than a stage and a COPY
        few = (
            postgresql.insert(m).values(list(rows)).on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(m.c.id, m.c.status, m.c.last_error)
        )  # fmt: skip
        return list(connection.execute(few).all())
    names = ", ".join(m.c[name].name for name in rows[0])
    connection.execute(text(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS AS "
        f"SELECT {names} FROM outbox_message WITH NO DATA"
    ))  # fmt: skip
    connection.execute(text(f"TRUNCATE {_STAGE}"))
    insert_rows(connection, Table(_STAGE, MetaData(), *(Column(name) for name in rows[0])), rows)
    moved = text(
        f"INSERT INTO outbox_message ({names}) SELECT {names} FROM {_STAGE} "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status, last_error"
    )
    return list(connection.execute(moved).all())


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts the rows (all with the same keys, columns of ``table``)."""
    if not rows:
        return
    if connection.dialect.name != "postgresql" or len(rows) <= SMALL:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start : start + CHUNK])
        return
    names = list(rows[0])
    columns = ", ".join(table.c[name].name for name in names)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[name] for name in names))


def mark_sent(
    connection: Connection, sent: Sequence[tuple[int, str | None]], *, transport: str, now: datetime
) -> None:
    """Marks the messages sent with their provider ids; each try counts (``attempts`` + 1)."""
    if not sent:
        return
    if connection.dialect.name == "postgresql":
        for start in range(0, len(sent), CHUNK):
            part = sent[start : start + CHUNK]
            ids, providers = [one[0] for one in part], [one[1] for one in part]
            connection.execute(
                _SENT_PG, {"now": now, "transport": transport, "ids": ids, "providers": providers}
            )
        return
    m = _MESSAGE
    connection.execute(
        update(m).where(m.c.id == bindparam("_id")).values(
            status="sent", provider_id=bindparam("_provider"), sent_at=now, transport=transport,
            attempts=m.c.attempts + 1, last_error=None, blocked_rules=None, claimed_by=None, claim_until=None,
        ),
        [{"_id": message_id, "_provider": provider} for message_id, provider in sent],
    )  # fmt: skip
