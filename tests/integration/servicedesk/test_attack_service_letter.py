"""Attacks on the response letter (复函) (SQLite and PostgreSQL): a decision full of Typst and markup
characters at the longest length accepted, the case's own holds (every contact on the account, hardship
and its pause) in force when it is printed, a refund to the fen, a double click on the page, and what a
reply to a complaint or a fraud dispute must not say (a demand to pay, with its QR code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desk_book import DESK, accounts, app_for, cases, staff_client, user
from pypdf import PdfReader
from sqlalchemy import Engine, func, select

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.kit.inputs import MAX_TEXT
from arrears.messaging.letters import render_letters
from arrears.models import OutboxMessage, table_of
from arrears.servicedesk import work
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.reply import queue_response_letter
from arrears.servicedesk.rules import Intake, Resolution

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=2)
MARKUP = '#set page(paper: "a0") $x^2$ *bold* _it_ \\ [link](x) `code` <lbl> @ref = heading // not a comment'


def replied(book: Engine, cipher: FieldCipher, index: int, intake: Intake, resolution: Resolution) -> int:
    """A case opened, decided and its response letter queued; its id."""
    staff = user(book, "customer_service1")
    account, _ = accounts(book)[index]
    with audit_transaction(book) as connection:
        case = open_case(
            connection,
            account_id=account,
            intake=intake,
            actor=f"user:{staff.id}",
            user_id=staff.id,
            setup=DESK,
            cipher=cipher,
            now=T0,
        )
    with audit_transaction(book) as connection:
        work.resolve(connection, case_id=case.id, resolution=resolution, by=staff, cipher=cipher, now=LATER)
        queue_response_letter(connection, case_id=case.id, by=staff, zone=DESK.zone, now=LATER)
    return case.id


def printed(book: Engine, cipher: FieldCipher, tmp_path: Path) -> tuple[list[str], int]:
    """The day's letters rendered: each letter's text (spaces removed) and how many were set aside."""
    settings = Settings(data_dir=tmp_path, bank_name="示例银行", pay_url="https://pay.example/p")
    with book.begin() as connection:
        batch = render_letters(
            connection,
            run_date=LATER.astimezone(DESK.zone).date(),
            out_dir=tmp_path / "out",
            now=LATER,
            cipher=cipher,
            settings=settings,
            workers=1,
        )
    if batch.paths is None:
        return [], len(batch.skipped)
    reader = PdfReader(batch.paths.merged)
    texts = []
    for one in batch.rendered:
        pages = reader.pages[one.first_page - 1 : one.first_page - 1 + one.pages]  # first_page counts from 1
        texts.append("".join(page.extract_text() for page in pages).replace(" ", "").replace("\n", ""))
    return texts, len(batch.skipped)


def test_a_decision_full_of_markup_at_the_longest_length_prints_as_written(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    decision = (MARKUP + "。经核查") * (MAX_TEXT // (len(MARKUP) + 4))
    decision = decision[: MAX_TEXT - 3] + "END"
    replied(
        book,
        cipher,
        0,
        Intake("complaint", "privacy", "call", "leaked"),
        Resolution("not_upheld", (), decision),
    )
    texts, skipped = printed(book, cipher, tmp_path)
    assert skipped == 0 and len(texts) == 1
    for piece in (
        '#setpage(paper:"a0")',
        "$x^2$",
        "*bold*",
        "_it_",
        "[link](x)",
        "`code`",
        "<lbl>",
        "@ref",
        "//notacomment",
        "END",
    ):
        assert piece in texts[0], piece
    assert texts[0].count("经核查") == decision.count("经核查")


def test_the_case_s_own_holds_do_not_stop_its_letter(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    replied(
        book,
        cipher,
        1,
        Intake("complaint", "attitude_abuse", "letter", "rude, nobody named"),
        Resolution("upheld", ("apology",), "回复一"),
    )
    replied(
        book,
        cipher,
        2,
        Intake("hardship", "illness", "call", "in hospital"),
        Resolution("partly_upheld", (), "回复二"),
    )
    replied(
        book,
        cipher,
        3,
        Intake("dispute", "fraud", "call", "not me"),
        Resolution("upheld", ("correction",), "回复三"),
    )
    texts, skipped = printed(book, cipher, tmp_path)
    assert skipped == 0 and len(texts) == 3
    assert all(any(f"回复{n}" in text for text in texts) for n in "一二三")


def test_the_letter_is_queued_once_under_double_clicks(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    client, csrf = staff_client(app_for(book, tmp_path), "customer_service1")
    account, _ = accounts(book)[4]
    form = {"csrf_token": csrf, "kind_category": "complaint:privacy", "channel": "email", "summary": "leaked"}
    answer = client.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False)
    case_id = int(answer.headers["location"].split("/")[-1].split("?")[0])
    decided = {"csrf_token": csrf, "outcome": "not_upheld", "text": "no leak found"}
    assert (
        client.post(
            f"/service-desk/cases/{case_id}/resolve", data=decided, follow_redirects=False
        ).status_code
        == 303
    )
    clicks = [
        client.post(
            f"/service-desk/cases/{case_id}/letter", data={"csrf_token": csrf}, follow_redirects=False
        ).status_code
        for _ in range(3)
    ]
    assert clicks == [303, 422, 422]
    with book.connect() as connection:
        count = connection.execute(select(func.count()).select_from(table_of(OutboxMessage))).scalar_one()
    assert count == 1 and cases(book)[0]["letter_message_id"] is not None


@pytest.mark.parametrize(("fen", "shown"), [(1, "0.01"), (10_000_000_000, "100,000,000.00")])
def test_the_letter_states_the_refund_to_the_fen(
    book: Engine, cipher: FieldCipher, tmp_path: Path, fen: int, shown: str
) -> None:
    replied(
        book,
        cipher,
        5,
        Intake("dispute", "interest_fees", "letter", "charged twice", amount_fen=fen),
        Resolution("upheld", ("refund",), "退还多收的费用", refund_fen=fen),
    )
    [text], _ = printed(book, cipher, tmp_path)
    assert "退款" in text and shown in text


def test_a_reply_to_a_fraud_dispute_demands_no_payment(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    replied(
        book,
        cipher,
        6,
        Intake("dispute", "fraud", "call", "not my transactions"),
        Resolution("upheld", ("correction",), "经核查，相关交易系他人盗刷，已全额调账。"),
    )
    [text], _ = printed(book, cipher, tmp_path)
    assert "盗刷" in text  # the reply is printed
    for demand in ("请于以下日期前还款", "扫码在线还款", "还款方式", "全部结清需还", "pay.example"):
        assert demand not in text, demand
