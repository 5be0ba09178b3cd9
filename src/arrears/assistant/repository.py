"""SQL of the assistant's kept conversations (``assistant_conversation``, ``assistant_turn``) and of the
questions counted for the rate limit (rows of kind ``assistant`` in the portal's ``portal_attempt``,
keyed by the client address's keyed hash as the sign-in's are). The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from arrears.models import (
    AssistantConversation,
    AssistantTurn,
    Callback,
    PortalAttempt,
    ServiceCase,
    table_of,
)

_CONVERSATION, _TURN, _ATTEMPT = (
    table_of(AssistantConversation),
    table_of(AssistantTurn),
    table_of(PortalAttempt),
)
QUESTION = "assistant"  # portal_attempt.kind of a question asked


class AssistantRepository:
    """Named questions on the kept conversations."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def conversation(self, token_hash: str) -> dict[str, Any] | None:
        c = _CONVERSATION
        found = self._connection.execute(select(c).where(c.c.token_hash == token_hash)).mappings().first()
        return dict(found) if found else None

    def conversation_by_id(self, conversation_id: int) -> dict[str, Any] | None:
        c = _CONVERSATION
        found = self._connection.execute(select(c).where(c.c.id == conversation_id)).mappings().first()
        return dict(found) if found else None

    def add_conversation(self, values: dict[str, Any]) -> int:
        c = _CONVERSATION
        return int(self._connection.execute(insert(c).values(**values).returning(c.c.id)).scalar_one())

    def next_number(self, conversation_id: int, *, at: datetime, account_id: int | None) -> int:
        """The next turn's number (counted in the row, so two questions at once get two numbers), the
        conversation's last question time and, for a verified session's account, its account."""
        c = _CONVERSATION
        values: dict[str, Any] = {"turns": c.c.turns + 1, "last_at": at}
        if account_id is not None:
            values["account_id"] = account_id
        query = update(c).where(c.c.id == conversation_id).values(**values).returning(c.c.turns)
        return int(self._connection.execute(query).scalar_one())

    def add_turn(self, values: dict[str, Any]) -> int:
        t = _TURN
        return int(self._connection.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())

    def turns(self, conversation_id: int, *, latest: int) -> list[dict[str, Any]]:
        """The conversation's latest ``latest`` turns, oldest first."""
        t = _TURN
        query = select(t).where(t.c.conversation_id == conversation_id).order_by(t.c.number.desc())
        rows = [dict(row) for row in self._connection.execute(query.limit(latest)).mappings()]
        return rows[::-1]

    def handed_over(
        self, conversation_id: int, *, at: datetime, account_id: int, case_id: int | None = None,
        callback_id: int | None = None
    ) -> None:  # fmt: skip
        values: dict[str, Any] = {"handed_over_at": at, "account_id": account_id}
        if case_id is not None:
            values["service_case_id"] = case_id
        if callback_id is not None:
            values["callback_id"] = callback_id
        self._connection.execute(
            update(_CONVERSATION).where(_CONVERSATION.c.id == conversation_id).values(**values)
        )

    def handed(self, conversation_id: int) -> dict[str, Any]:
        """What the conversation handed over to: the case (id, reply-by) and the callback (id, due)."""
        c, s, b = _CONVERSATION, table_of(ServiceCase), table_of(Callback)
        query = (
            select(c.c.service_case_id.label("case_id"), s.c.resolve_by.label("case_resolve_by"),
                   c.c.callback_id, b.c.due_at.label("callback_due_at"))
            .outerjoin(s, s.c.id == c.c.service_case_id)
            .outerjoin(b, b.c.id == c.c.callback_id)
            .where(c.c.id == conversation_id)
        )  # fmt: skip
        found = self._connection.execute(query).mappings().first()
        return dict(found) if found else {}

    # --- the rate limit -----------------------------------------------------------------------------

    def questions_since(self, client_hash: str, since: datetime) -> int:
        a = _ATTEMPT
        query = select(func.count()).select_from(a)
        query = query.where(a.c.client_hash == client_hash, a.c.at > since, a.c.kind == QUESTION)
        return int(self._connection.execute(query).scalar_one())

    def count_question(self, client_hash: str, *, at: datetime, before: datetime) -> None:
        """Records a question from the client and removes the client's own question rows older than
        ``before`` (through the client's index: no scan of the table)."""
        a = _ATTEMPT
        self._connection.execute(
            delete(a).where(a.c.client_hash == client_hash, a.c.at < before, a.c.kind == QUESTION)
        )
        self._connection.execute(
            insert(a).values(at=at, kind=QUESTION, client_hash=client_hash, subject_hash=None)
        )
