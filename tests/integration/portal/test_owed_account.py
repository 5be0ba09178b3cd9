"""What a cardholder owes: the overdue amount split in payment order, the minimum and the payoff as the
letters say them, the oldest unpaid due date by the daily run's maths, the plan, the last payments and
the messages sent (never a sign-in code), on the account page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from signin_book import add_holder, client_for, sign_in
from sqlalchemy import Engine, insert

from arrears.kit.crypto import FieldCipher
from arrears.models import OutboxMessage, Payment, PlanInstalment, RepaymentPlan, Statement, table_of
from arrears.portal.owed import owed

AT = datetime(2026, 11, 2, 2, tzinfo=UTC)


def _message(
    holder_account: int, customer: int, *, template: str, status: str, body: str
) -> dict[str, object]:
    return {
        "idempotency_key": f"k:{template}:{status}",
        "channel": "sms",
        "kind": "collection",
        "source": "run",
        "account_id": holder_account if template != "otp" else None,
        "customer_id": customer,
        "template": template,
        "body": body,
        "created_at": AT,
        "not_before": AT,
        "deadline_at": AT,
        "next_attempt_at": AT,
        "status": status,
        "sent_at": AT if status == "sent" else None,
    }


def test_what_is_owed(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 21)
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Statement)),
            [
                {
                    "account_id": holder.account_id,
                    "statement_date": date(2026, 10, 1),
                    "due_date": date(2026, 10, 20),
                    "balance_fen": 535_000,
                    "minimum_due_fen": 60_000,
                },
                {
                    "account_id": holder.account_id,
                    "statement_date": date(2026, 11, 1),
                    "due_date": date(2026, 11, 20),
                    "balance_fen": 535_000,
                    "minimum_due_fen": 60_000,
                },
            ],
        )
        connection.execute(
            insert(table_of(Payment)).values(
                payment_ref="p1",
                account_id=holder.account_id,
                paid_date=date(2026, 10, 25),
                amount_fen=10_000,
                channel="bank_transfer",
            )
        )
        plan = connection.execute(
            insert(table_of(RepaymentPlan))
            .returning(table_of(RepaymentPlan).c.id)
            .values(
                account_id=holder.account_id,
                kind="instalment",
                agreed_on=date(2026, 10, 26),
                total_fen=120_000,
                status="active",
                created_at=AT,
            )
        ).scalar_one()
        connection.execute(
            insert(table_of(PlanInstalment)),
            [
                {
                    "plan_id": plan,
                    "number": 1,
                    "due_date": date(2026, 10, 30),
                    "amount_fen": 40_000,
                    "paid_fen": 40_000,
                    "status": "kept",
                },
                {
                    "plan_id": plan,
                    "number": 2,
                    "due_date": date(2026, 11, 30),
                    "amount_fen": 40_000,
                    "paid_fen": 0,
                    "status": "due",
                },
            ],
        )
        connection.execute(
            insert(table_of(OutboxMessage)),
            [
                _message(
                    holder.account_id,
                    holder.customer_id,
                    template="overdue",
                    status="sent",
                    body="尾号0021 逾期",
                ),
                _message(
                    holder.account_id,
                    holder.customer_id,
                    template="reminder",
                    status="queued",
                    body="not yet",
                ),
                _message(
                    holder.account_id, holder.customer_id, template="otp", status="sent", body="验证码******"
                ),
            ],
        )
    with engine.connect() as connection:
        found = owed(connection, account_id=holder.account_id, today=date(2026, 11, 2))
    # the book: principal 5000.00, interest 300.00, fees 50.00, overdue 1200.00
    assert found.overdue_items == {"fee": 5_000, "interest": 30_000, "principal": 85_000}
    assert (found.minimum_fen, found.payoff_fen) == (120_000, 535_000)
    assert found.overdue_since == date(2026, 10, 20)  # arrears 1200.00 due 10-20, 100.00 paid since
    assert found.next_due_date == date(2026, 11, 20)
    assert found.plan is not None and found.plan.next_instalment is not None
    assert found.plan.next_instalment.number == 2
    assert [p["amount_fen"] for p in found.payments] == [10_000]
    assert [m["template"] for m in found.messages] == ["overdue"]
    client = client_for(engine, tmp_path)
    sign_in(client, engine, holder)
    page = client.get(f"/my/account/{holder.account_no}")
    assert page.status_code == 200
    for text in ("¥1,200.00", "¥5,350.00", "¥850.00", "2026-10-20", "2026-11-30", "尾号0021 逾期", "¥100.00"):
        assert text in page.text, text
    assert "not yet" not in page.text and "验证码******" not in page.text  # the code message is not listed
    home = client.get("/my")
    assert "¥1,200.00" in home.text and f"/my/account/{holder.account_no}/pay" in home.text
    english = client.get(f"/my/lang/en?next=/my/account/{holder.account_no}", follow_redirects=True)
    assert '<html lang="en">' in english.text and "Minimum to bring the account up to date" in english.text
    assert client.get("/my/lang/en?next=//evil.example", follow_redirects=False).headers["location"] == "/my"
