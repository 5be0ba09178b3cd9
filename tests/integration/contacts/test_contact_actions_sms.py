"""A collector's SMS on SQLite and PostgreSQL: the preview masked, the rulebook's check at once, the
message queued in the outbox once per request, called as the pages call them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from contact_support import (
    DAY,
    NIGHT,
    POLICY,
    ZONE,
    first_account,
    hold,
    load_book,
    log,
    point_of,
    sms_events,
)
from sqlalchemy import Engine, insert, select

from arrears.contacts import sms
from arrears.contacts.calls import Promise
from arrears.contacts.rules import ContactBlocked
from arrears.contacts.templates import TemplateError
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    Customer,
    OutboxMessage,
    PlanInstalment,
    RepaymentPlan,
    table_of,
)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return load_book(engine, tmp_path, cipher, users=("collector1", "collector2"))


class TestSms:
    def test_preview_is_masked_in_both_languages(self, book: Engine) -> None:
        account, customer = first_account(book)
        with book.connect() as connection:
            shown = sms.preview(connection, account_id=account, template="overdue", hotline="400-123-4567")
            name = connection.execute(
                select(table_of(Customer).c.name).where(table_of(Customer).c.id == customer)
            ).scalar_one()
        texts = shown["texts"]
        assert set(texts) == {"zh", "en"} and name not in texts["zh"] and name[0] + "*" in texts["zh"]
        assert "701.50" in texts["zh"] and "400-123-4567" in texts["en"] and "2005年9月25日" in texts["zh"]
        assert sms_events(book) == 0

    def test_queued_in_the_day_once_per_request(self, book: Engine) -> None:
        account, customer = first_account(book)

        def send() -> dict[str, Any]:
            with book.begin() as connection:
                return sms.send(connection, account_id=account, template="reminder", user_id=None,
                                policy=POLICY, zone=ZONE, now=DAY, request_key="click-000001")  # fmt: skip

        sent, again = send(), send()

        m = table_of(OutboxMessage)
        with book.connect() as connection:
            rows = connection.execute(select(m)).mappings().all()
        [row] = rows
        assert (sent["status"], again["id"], sent["id"]) == ("queued", sent["id"], row["id"])
        assert (row["channel"], row["source"], row["template"], row["template_version"]) == (
            "sms", "workspace", "reminder", 1)  # fmt: skip
        assert row["contact_point_id"] == point_of(book, customer, "mobile") and row["body"] == sent["text"]
        assert row["not_before"] == DAY and row["deadline_at"] == DAY.replace(hour=22)
        assert row["idempotency_key"] == f"ws:{account}:0:click-000001" and sent["check"]["allowed"]
        assert sms_events(book) == 0  # logged by the dispatcher when it sends

    def test_a_blocked_sms_records_nothing(self, book: Engine) -> None:
        account, _ = first_account(book)
        with book.begin() as connection, pytest.raises(ContactBlocked) as blocked:
            sms.send(
                connection,
                account_id=account,
                template="reminder",
                user_id=None,
                policy=POLICY,
                zone=ZONE,
                now=NIGHT,
            )
        assert blocked.value.check.rules == ("CN-HOURS",) and "CN-HOURS" not in blocked.value.message_zh
        hold(book, account, "litigation")
        with book.begin() as connection, pytest.raises(ContactBlocked, match="litigation"):
            sms.send(
                connection,
                account_id=account,
                template="reminder",
                user_id=None,
                policy=POLICY,
                zone=ZONE,
                now=DAY,
            )
        assert sms_events(book) == 0

    def test_promise_and_plan_templates_need_their_facts(self, book: Engine) -> None:
        account, _ = first_account(book)
        with book.connect() as connection, pytest.raises(TemplateError, match="open promise"):
            sms.preview(connection, account_id=account, template="promise_reminder")
        promise = Promise(amount_fen=50_000, promised_date=date(2026, 11, 30))
        log(book, account, DAY - timedelta(days=1), "promise", None, conversation=True, promise=promise)
        with book.begin() as connection:
            plan = table_of(RepaymentPlan)
            plan_id = connection.execute(
                insert(plan)
                .values(account_id=account, kind="instalments", agreed_on=date(2026, 11, 20), created_at=DAY)
                .returning(plan.c.id)
            ).scalar_one()
            connection.execute(
                insert(table_of(PlanInstalment)),
                [{"plan_id": plan_id, "number": n, "due_date": date(2026, 12, n), "amount_fen": 30_000}
                 for n in (1, 2, 3)],
            )  # fmt: skip
            reminder = sms.preview(connection, account_id=account, template="promise_reminder")["texts"]
            confirmed = sms.preview(connection, account_id=account, template="plan_confirmation")["texts"]
        assert "500.00" in reminder["en"] and "2026-11-30" in reminder["en"]
        assert (
            "3 instalments" in confirmed["en"]
            and "300.00" in confirmed["en"]
            and "2026-12-01" in confirmed["en"]
        )
        with book.connect() as connection, pytest.raises(TemplateError, match="unknown SMS template"):
            sms.preview(connection, account_id=account, template="threat")
