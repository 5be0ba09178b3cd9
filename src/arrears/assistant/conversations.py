"""The portal's conversations with the assistant: a question answered and kept, the conversation shown
again, and the hand-overs to a person (a service case on the desk, or a callback). Use cases; the caller
owns the transaction (``audit_transaction`` for the hand-overs, which append to the audit).

Who asks (:class:`Asker`): a visitor (no session: general answers only; an account question is answered
with how to sign in), or the cardholder of a verified portal session, whose questions may be answered
with the figures of one of their own accounts (another's is NotFound, as on the pages). A conversation is
bound to the session that asked (``session_hash``): another session, or a visitor, never sees it.

What is kept (``rules.kept_text``): the question with the cardholder's known values and every pattern of
personal data masked, encrypted with the FieldCipher; the answer as its intent, confidence, article and
hand-over. Nothing here logs the question. Questions are counted per client address (its keyed hash, as
the sign-in counts attempts): ``rules.QUESTIONS_PER_CLIENT`` in ``rules.RATE_WINDOW``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from arrears.accounts.free_text import known_masks
from arrears.assistant import knowledge
from arrears.assistant.engine import Answer, Facts
from arrears.assistant.facts import facts_for
from arrears.assistant.repository import AssistantRepository
from arrears.assistant.rules import (
    RATE_WINDOW,
    SHOWN_TURNS,
    KeptTurn,
    case_for,
    kept_text,
    over_limit,
    replay,
)
from arrears.assistant.service import ask
from arrears.assistant.text import check_question
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.portal import rates
from arrears.portal.accounts import AccountRow, accounts_of, owned_account
from arrears.portal.owed import DEFAULT_ORDER


class TooManyQuestions(ArrearsError):
    """The client address asked ``rules.QUESTIONS_PER_CLIENT`` questions in ``rules.RATE_WINDOW``."""


@dataclass(frozen=True, slots=True)
class Asker:
    """A visitor (both None) or a verified session's cardholder and the session's binding hash."""

    customer_id: int | None = None
    session_hash: str | None = None

    @property
    def verified(self) -> bool:
        return self.customer_id is not None


@dataclass(frozen=True, slots=True)
class Asked:
    conversation_id: int
    token: str | None  # a new conversation's token for the browser's cookie (None: the one it had)
    number: int
    answer: Answer


@dataclass(frozen=True, slots=True)
class Shown:
    """A turn as the page shows it: the question as kept, the answer composed again."""

    number: int
    asked_at: datetime
    question: str
    answer: Answer


def session_binding(cipher: FieldCipher, session_key: str) -> str:
    """The keyed hash binding a conversation to a portal session (the session's own key is not kept)."""
    return cipher.lookup_hash(f"assistant-session:{session_key}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(connection: Connection, *, token: str | None, asker: Asker) -> dict[str, Any] | None:
    """The browser's conversation when it belongs to the asker (the same session, or a visitor's)."""
    if not token or len(token) > 100:
        return None
    found = AssistantRepository(connection).conversation(token_hash(token))
    if found is None or found["session_hash"] != asker.session_hash:
        return None
    return found


def chosen_account(connection: Connection, *, asker: Asker, account_no: str | None) -> AccountRow | None:
    """The verified cardholder's account ``account_no`` (NotFound when it is not theirs), else their
    most overdue one; None for a visitor."""
    if asker.customer_id is None:
        return None
    if account_no:
        return owned_account(connection, customer_id=asker.customer_id, account_no=account_no)
    accounts = accounts_of(connection, asker.customer_id)
    return accounts[0] if accounts else None


def ask_and_keep(
    connection: Connection, *, text: str, lang: str | None, asker: Asker, account_no: str | None,
    token: str | None, client_address: str, cipher: FieldCipher, today: date, now: datetime,
    order: Sequence[str] = DEFAULT_ORDER,
) -> Asked:  # fmt: skip
    """Answers the question (with the chosen account's figures for a verified session) and keeps the
    turn. InvalidQuestion (refused text), TooManyQuestions, NotFound (an account not the asker's):
    nothing is kept."""
    question = check_question(text)
    client = rates.client_hash(cipher, client_address)
    rates.serialize(connection, f"assistant:{client}")
    repository = AssistantRepository(connection)
    if over_limit(repository.questions_since(client, now - RATE_WINDOW)):
        raise TooManyQuestions(
            "too many questions from this connection: please wait a few minutes, or call the hotline",
            "您的提问过于频繁，请稍候几分钟再试，或拨打客服热线",
        )
    account = chosen_account(connection, asker=asker, account_no=account_no)
    facts = _facts(connection, asker, account, today, order)
    answer = ask(question, facts=facts, lang=lang)
    masks = (
        known_masks(connection, [asker.customer_id], cipher=cipher).get(asker.customer_id, {})
        if asker.customer_id is not None
        else {}
    )
    conversation = find(connection, token=token, asker=asker)
    new_token = None if conversation is not None else secrets.token_urlsafe(32)
    conversation_id = (
        conversation["id"] if conversation is not None else _start(repository, new_token, asker, now)
    )
    account_id = account.id if account is not None else None
    number = repository.next_number(conversation_id, at=now, account_id=account_id)
    handover = answer.handover
    repository.add_turn(
        {"conversation_id": conversation_id, "number": number, "asked_at": now,
         "question_enc": cipher.encrypt(kept_text(question, masks)), "intent": answer.intent,
         "confidence": float(answer.confidence), "article": answer.article,
         "handover_to": handover.to if handover else None,
         "handover_reason": handover.reason if handover else None,
         "handover_kind": handover.kind if handover else None, "lang": _lang_of(answer.article),
         "verified": asker.verified, "account_id": account_id}
    )  # fmt: skip
    repository.count_question(client, at=now, before=now - RATE_WINDOW)
    return Asked(conversation_id, new_token, number, answer)


def _lang_of(article: str) -> str:
    """The answer's language, from its article's id (``balance.zh``)."""
    return "en" if article.endswith(".en") else "zh"


def _start(repository: AssistantRepository, token: str | None, asker: Asker, now: datetime) -> int:
    assert token is not None
    return repository.add_conversation(
        {"token_hash": token_hash(token), "session_hash": asker.session_hash, "verified": asker.verified,
         "started_at": now, "last_at": now, "turns": 0}
    )  # fmt: skip


def _facts(
    connection: Connection, asker: Asker, account: AccountRow | None, today: date, order: Sequence[str]
) -> Facts | None:
    if asker.customer_id is None or account is None:
        return None
    return facts_for(connection, customer_id=asker.customer_id, account_no=account.account_no, today=today,
                     order=order)  # fmt: skip


def kept_turn(row: dict[str, Any], cipher: FieldCipher) -> KeptTurn:
    return KeptTurn(
        number=row["number"], asked_at=row["asked_at"], question=cipher.decrypt(row["question_enc"]),
        intent=row["intent"], confidence=float(row["confidence"]), article=row["article"],
        handover_to=row["handover_to"], handover_reason=row["handover_reason"],
        handover_kind=row["handover_kind"], lang="en" if row["lang"] == "en" else "zh",
    )  # fmt: skip


def history(
    connection: Connection, *, conversation: dict[str, Any], asker: Asker, cipher: FieldCipher, today: date,
    order: Sequence[str] = DEFAULT_ORDER,
) -> list[Shown]:  # fmt: skip
    """The conversation's latest turns as the page shows them; an account's figures only for the
    asker's own accounts (another's never: its turns are shown without figures)."""
    rows = AssistantRepository(connection).turns(conversation["id"], latest=SHOWN_TURNS)
    own = (
        {a.id: a for a in accounts_of(connection, asker.customer_id)} if asker.customer_id is not None else {}
    )
    facts: dict[int, Facts | None] = {}
    shown = []
    for row in rows:
        account = own.get(row["account_id"]) if row["verified"] else None
        if account is not None and account.id not in facts:
            facts[account.id] = _facts(connection, asker, account, today, order)
        turn = kept_turn(row, cipher)
        answer = replay(turn, kb=knowledge.shipped(), facts=facts.get(account.id) if account else None)
        shown.append(Shown(turn.number, turn.asked_at, turn.question, answer))
    return shown


def latest_turn(connection: Connection, conversation_id: int) -> dict[str, Any] | None:
    rows = AssistantRepository(connection).turns(conversation_id, latest=1)
    return rows[0] if rows else None


def handover_for_latest(
    connection: Connection, *, conversation: dict[str, Any], to: str, category: str | None
) -> tuple[str | None, str | None]:
    """The latest turn's hand-over when it is to ``to``, as the service case's kind and category (both
    None for a callback); ArrearsError when the conversation's latest answer offers no such hand-over."""
    latest = latest_turn(connection, conversation["id"])
    if latest is None or latest["handover_to"] != to:
        raise ArrearsError("the latest answer offers no such hand-over", "最近一条回答没有提供该转人工方式")
    if to == "callback":
        return None, None
    return case_for(latest["handover_kind"], category)
