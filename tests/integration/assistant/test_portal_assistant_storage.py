"""What the assistant keeps of a portal conversation (on SQLite and PostgreSQL): the question masked (the
cardholder's name, mobile, national ID and address, and every pattern) and encrypted, nothing personal
elsewhere nor in the logs; nothing for a refused question; the account linked only for a verified
session, and only one of the asker's own; a conversation bound to its session; the rate limit."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from assistant_portal_book import (  # noqa: F401  (fixtures)
    Holder,
    book_fixture,
    conversations,
    fast_password_hashing_fixture,
    holders,
    rows,
    turns,
)
from sqlalchemy import Engine

from arrears.assistant.conversations import (
    Asked,
    Asker,
    TooManyQuestions,
    ask_and_keep,
    find,
    session_binding,
)
from arrears.assistant.rules import QUESTIONS_PER_CLIENT, RATE_WINDOW
from arrears.assistant.text import InvalidQuestion
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.masking import mask_name, mask_phone
from arrears.models import PortalAttempt

TODAY = date(2005, 10, 1)


def keep(
    engine: Engine, cipher: FieldCipher, text: str, *, asker: Asker, token: str | None = None,
    account_no: str | None = None, address: str = "10.0.0.1", now: datetime | None = None,
) -> Asked:  # fmt: skip
    with engine.begin() as connection:
        return ask_and_keep(
            connection, text=text, lang=None, asker=asker, account_no=account_no, token=token,
            client_address=address, cipher=cipher, today=TODAY, now=now or clock.now(),
        )  # fmt: skip


def verified(cipher: FieldCipher, holder: Holder, session_key: str = "session-1") -> Asker:
    return Asker(holder.customer_id, session_binding(cipher, session_key))


def personal(holder: Holder) -> list[str]:
    return [holder.name, holder.mobile, holder.national_id, holder.address]


def stored_text(engine: Engine) -> str:
    """Every value of the kept conversations' rows and of the rate limit's, as text (bytes decoded
    leniently): where anything personal would show."""
    values: list[Any] = []
    for model in ("conversations", "turns"):
        found = conversations(engine) if model == "conversations" else turns(engine)
        values += [value for row in found for value in row.values()]
    values += [value for row in rows(engine, PortalAttempt) for value in row.values()]
    return "\n".join(bytes(v).decode("utf-8", "replace") if isinstance(v, bytes | memoryview) else str(v)
                     for v in values)  # fmt: skip


def test_a_question_holding_the_cardholders_details_is_kept_masked_and_encrypted(
    book: Engine, cipher: FieldCipher
) -> None:
    holder = holders(book, cipher, 1)[0]
    question = (f"我是{holder.name}，手机{holder.mobile}，身份证{holder.national_id}，住{holder.address}，"
                "我现在欠多少钱？")  # fmt: skip

    keep(book, cipher, question, asker=verified(cipher, holder))

    (turn,) = turns(book)
    clear = cipher.decrypt(bytes(turn["question_enc"]))
    for value in personal(holder):
        assert value not in clear, value
        assert value not in stored_text(book), value
    assert mask_name(holder.name) in clear and mask_phone(holder.mobile) in clear
    assert "我现在欠多少钱" in clear  # the question itself is kept
    assert "我现在欠多少钱" not in stored_text(book)  # encrypted at rest
    assert (turn["intent"], turn["article"], turn["verified"]) == ("balance", "balance.zh", True)


def test_a_visitors_question_is_masked_by_its_patterns(book: Engine, cipher: FieldCipher) -> None:
    holder = holders(book, cipher, 1)[0]

    keep(book, cipher, f"手机{holder.mobile}，身份证{holder.national_id}，怎么还款", asker=Asker())

    clear = cipher.decrypt(bytes(turns(book)[0]["question_enc"]))
    assert holder.mobile not in clear and holder.national_id not in clear


def test_the_question_is_never_logged(
    book: Engine, cipher: FieldCipher, caplog: pytest.LogCaptureFixture
) -> None:
    holder = holders(book, cipher, 1)[0]
    caplog.set_level(logging.DEBUG)

    keep(book, cipher, f"我是{holder.name}，问一下还款日是哪天", asker=verified(cipher, holder))

    assert turns(book)  # kept
    assert holder.name not in caplog.text and "还款日是哪天" not in caplog.text


@pytest.mark.parametrize("text", ["长" * 501, "   ", "a\x00b"])
def test_a_refused_question_keeps_nothing(book: Engine, cipher: FieldCipher, text: str) -> None:
    holder = holders(book, cipher, 1)[0]

    with pytest.raises(InvalidQuestion):
        keep(book, cipher, text, asker=verified(cipher, holder))

    assert turns(book) == [] and conversations(book) == [] and rows(book, PortalAttempt) == []


def test_the_account_is_linked_only_for_a_verified_session(book: Engine, cipher: FieldCipher) -> None:
    holder = holders(book, cipher, 1)[0]

    keep(book, cipher, "我欠多少钱", asker=Asker())
    keep(book, cipher, "我欠多少钱", asker=verified(cipher, holder))

    visitor, signed_in = conversations(book)
    assert (visitor["account_id"], visitor["session_hash"], visitor["verified"]) == (None, None, False)
    assert (signed_in["account_id"], signed_in["verified"]) == (holder.account_id, True)
    assert [(t["account_id"], t["verified"]) for t in turns(book)] == [
        (None, False),
        (holder.account_id, True),
    ]


def test_another_customers_account_is_never_reachable(book: Engine, cipher: FieldCipher) -> None:
    mine, theirs = holders(book, cipher, 2)

    with pytest.raises(NotFound):
        keep(book, cipher, "我欠多少钱", asker=verified(cipher, mine), account_no=theirs.account_no)
    with pytest.raises(NotFound):  # an account that does not exist
        keep(book, cipher, "我欠多少钱", asker=verified(cipher, mine), account_no="A0000000X")

    assert turns(book) == [] and conversations(book) == []


def test_a_conversation_is_bound_to_its_session(book: Engine, cipher: FieldCipher) -> None:
    mine, theirs = holders(book, cipher, 2)
    asker = verified(cipher, mine)
    first = keep(book, cipher, "我欠多少钱", asker=asker)
    assert first.token is not None

    again = keep(book, cipher, "还款日是哪天", asker=asker, token=first.token)
    other = keep(book, cipher, "我欠多少钱", asker=verified(cipher, theirs, "session-2"), token=first.token)
    visitor = keep(book, cipher, "怎么还款", asker=Asker(), token=first.token)

    assert (again.conversation_id, again.token, again.number) == (first.conversation_id, None, 2)
    assert other.conversation_id != first.conversation_id and other.token is not None
    assert visitor.conversation_id not in (first.conversation_id, other.conversation_id)
    with book.connect() as connection:
        assert find(connection, token=first.token, asker=asker) is not None
        assert find(connection, token=first.token, asker=verified(cipher, mine, "session-9")) is None
        assert find(connection, token=first.token, asker=Asker()) is None


def test_questions_are_limited_per_client_address(book: Engine, cipher: FieldCipher) -> None:
    start = clock.now()
    for n in range(QUESTIONS_PER_CLIENT):
        keep(book, cipher, "怎么还款", asker=Asker(), now=start + timedelta(seconds=n))
    later = start + timedelta(seconds=QUESTIONS_PER_CLIENT)

    with pytest.raises(TooManyQuestions):
        keep(book, cipher, "怎么还款", asker=Asker(), now=later)
    assert len(turns(book)) == QUESTIONS_PER_CLIENT  # the refused one is not kept

    keep(book, cipher, "怎么还款", asker=Asker(), address="10.0.0.2", now=later)  # another client
    keep(
        book, cipher, "怎么还款", asker=Asker(), now=start + RATE_WINDOW + timedelta(seconds=1)
    )  # the window
    assert len(turns(book)) == QUESTIONS_PER_CLIENT + 2
    assert all("10.0.0" not in str(row["client_hash"]) for row in rows(book, PortalAttempt))


def test_two_questions_of_a_conversation_get_their_own_numbers(book: Engine, cipher: FieldCipher) -> None:
    first = keep(book, cipher, "怎么还款", asker=Asker())
    for _ in range(3):
        keep(book, cipher, "还款日是哪天", asker=Asker(), token=first.token)

    assert [t["number"] for t in turns(book)] == [1, 2, 3, 4]
    assert conversations(book)[0]["turns"] == 4
