"""The response letter of a resolved case: queued once through the outbox as a service letter, rendered
with the day's letters from the governed template with the case's facts, though the case's holds stop
every collection letter."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desk_book import DESK, accounts, audit, cases, user
from pypdf import PdfReader
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.messaging.letters import render_letters
from arrears.messaging.repository import OutboxRepository
from arrears.servicedesk import work
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.reply import queue_response_letter
from arrears.servicedesk.rules import CaseStateError, Intake, Resolution

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)


def test_the_response_letter_is_rendered_with_the_case_s_facts(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    account, _ = accounts(book)[0]
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:
        fraud = Intake("dispute", "fraud", "call", "not me")
        case = open_case(connection, account_id=account, intake=fraud, actor=f"user:{staff.id}",
                         user_id=staff.id, setup=DESK, cipher=cipher, now=T0)  # fmt: skip
        with pytest.raises(CaseStateError):
            queue_response_letter(connection, case_id=case.id, by=staff, zone=DESK.zone, now=T0)
    decision = "经核查，相关交易系他人盗刷，已全额调账。"
    later = T0 + timedelta(days=2)
    with audit_transaction(book) as connection:
        work.resolve(connection, case_id=case.id, resolution=Resolution("upheld", ("correction",), decision),
                     by=staff, cipher=cipher, now=later)  # fmt: skip
        message_id = queue_response_letter(connection, case_id=case.id, by=staff, zone=DESK.zone, now=later)
        with pytest.raises(CaseStateError):  # once per case
            queue_response_letter(connection, case_id=case.id, by=staff, zone=DESK.zone, now=later)
    assert cases(book)[0]["letter_message_id"] == message_id
    assert json.loads(audit(book, "service_case.letter")[0]["details"])["message_id"] == message_id
    settings = Settings(data_dir=tmp_path, bank_name="示例银行")
    with book.begin() as connection:
        day = later.astimezone(DESK.zone).date()
        batch = render_letters(connection, run_date=day, out_dir=tmp_path / "out", now=later, cipher=cipher,
                               settings=settings, workers=1)  # fmt: skip
    assert [one.message_id for one in batch.rendered] == [message_id] and batch.skipped == []
    assert batch.paths is not None
    text = "".join(page.extract_text() for page in PdfReader(batch.paths.merged).pages).replace(" ", "")
    assert f"KF-{case.id:06d}" in text and decision in text and "盗刷" in text and "更正记录" in text
    assert "2026年12月4日" in text  # the day the case was received
    for demand in ("逾期应还", "还款方式", "请于", "扫码还款", "还款参考号"):  # a reply demands nothing
        assert demand not in text, demand
    with book.connect() as connection:
        sent = OutboxRepository(connection).message_by_key(f"service:{case.id}:response")
    assert sent is not None and sent["status"] == "sent"
