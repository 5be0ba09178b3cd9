"""All SQL of the receipt / reply webhooks: their nonces and their refusals, kept in ``inbound_message``
as rows of kind ``webhook`` (the outbox page counts them by kind and outcome). The caller owns the
connection and its transaction.

- An accepted call: ``outcome='accepted'``, ``provider_id`` = its nonce, ``received_at`` = its signed
  timestamp (at most the window away from its arrival). A replay must carry the same timestamp (the
  signature covers it), so looking the nonce up at that exact time uses the ``received_at`` index and
  never scans the window.
- A refused call: ``outcome='invalid'``, ``status`` = why (headers, signature, stale, replay, body),
  ``received_at`` = the server's time. Nothing of the body is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, text

from arrears.models import InboundMessage, table_of

KIND = "webhook"
_INBOUND = table_of(InboundMessage)


def claim_nonce(connection: Connection, *, transport: str, nonce: str, at: datetime) -> bool:
    """Records the call signed at ``at`` with ``nonce``; False when that nonce was recorded before (a
    replay: the caller rolls back). Two calls with one nonce at once: the second waits for the first
    (an advisory lock on PostgreSQL, SQLite's single writer: the insert comes first) and then sees it."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": f"webhook:{transport}:{nonce}"},
        )
    i = _INBOUND.c
    connection.execute(
        insert(_INBOUND).values(
            received_at=at,
            transport=transport,
            kind=KIND,
            provider_id=nonce,
            matched=False,
            outcome="accepted",
        )
    )
    same = select(func.count()).where(
        i.received_at == at, i.kind == KIND, i.transport == transport, i.provider_id == nonce
    )
    return connection.execute(same).scalar_one() == 1


def count_refused(connection: Connection, *, transport: str, reason: str, now: datetime) -> None:
    """Counts a refused call (its reason only)."""
    connection.execute(
        insert(_INBOUND).values(
            received_at=now,
            transport=transport,
            kind=KIND,
            status=reason[:20],
            matched=False,
            outcome="invalid",
        )
    )
