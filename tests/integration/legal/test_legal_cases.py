"""Legal cases on SQLite and PostgreSQL: a case taken from review through filing and judgment to
enforcement and closed, with the deadlines each step starts and settles; refusals (out of order, a
second open case, a firm that is not a law firm, bad costs) leave nothing written; two officers moving
one case at once make one step; the case's money and a firm's monthly fee statement to the fen."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from threading import Barrier

import pytest
from sqlalchemy import Engine, insert, select

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.legal import cases
from arrears.legal.case_rules import Step, StepRefused
from arrears.models import (
    AuditEvent,
    CardAccount,
    Hold,
    LegalCase,
    LegalCost,
    LegalDeadline,
    LegalStep,
    Payment,
    Team,
    table_of,
)
from arrears.users.service import StaffUser
from web_book import build_book

NOW = datetime(2026, 12, 4, 3, tzinfo=UTC)
TODAY = date(2026, 12, 4)
OFFICER = StaffUser(1, "legal1", "法务一", "legal", None)


def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> list[int]:
    build_book(engine, tmp_path, cipher)
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return [int(one) for one in connection.execute(select(a.c.id).order_by(a.c.id).limit(3)).scalars()]


def team(engine: Engine, code: str, kind: str) -> int:
    t = table_of(Team)
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(t).values(code=code, name=code, kind=kind).returning(t.c.id)
            ).scalar_one()
        )


def opened(engine: Engine, account_id: int, *, on: date = date(2026, 1, 5), firm: int | None = None) -> int:
    with audit_transaction(engine) as connection:
        return cases.open_case(connection, account_id=account_id, by=OFFICER, today=on, now=NOW,
                               firm_team_id=firm)  # fmt: skip


def step(engine: Engine, case_id: int, one: Step, today: date = TODAY) -> Step:
    with audit_transaction(engine) as connection:
        return cases.record_step(connection, case_id=case_id, step=one, by=OFFICER, today=today, now=NOW)


def rows(engine: Engine, model: type, **where: object) -> list[dict[str, object]]:
    table = table_of(model)
    query = select(table).where(*(table.c[key] == value for key, value in where.items())).order_by(table.c.id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def test_a_case_from_review_to_enforcement_and_closed(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    account = book(engine, tmp_path, cipher)[0]
    case_id = opened(engine, account)

    (hold,) = rows(engine, Hold, account_id=account)  # the ordinary treatments stop while it is open
    assert hold["kind"] == "litigation" and hold["lifted_at"] is None and hold["placed_by_id"] == OFFICER.id
    assert rows(engine, LegalCase, id=case_id)[0]["hold_id"] == hold["id"]
    step(engine, case_id, Step("lawyer_letter", date(2026, 1, 10), document="律函〔2026〕001号"))
    step(engine, case_id, Step("filing", date(2026, 2, 1), document="(2026)沪0101民初123号"))
    assert [(d["kind"], d["due_on"]) for d in rows(engine, LegalDeadline, case_id=case_id)] == [
        ("filing_decision", date(2026, 2, 8))
    ]
    step(engine, case_id, Step("hearing", date(2026, 2, 20), hearing_on=date(2026, 4, 15)))
    step(engine, case_id, Step("judgment", date(2026, 5, 1), document="判决书", perform_by=date(2026, 5, 31)))
    deadlines = {d["kind"]: d for d in rows(engine, LegalDeadline, case_id=case_id)}
    assert (
        deadlines["filing_decision"]["settled_at"] is not None
        and deadlines["hearing"]["settled_at"] is not None
    )
    assert deadlines["appeal_window"]["due_on"] == date(2026, 5, 16)
    assert deadlines["enforcement_application"]["due_on"] == date(2028, 5, 31)
    assert deadlines["appeal_window"]["settled_at"] is None
    step(engine, case_id, Step("enforcement", date(2026, 7, 1), document="(2026)沪0101执456号"))
    step(engine, case_id, Step("closed", date(2026, 9, 1), close_reason="paid"))

    (case,) = rows(engine, LegalCase, id=case_id)
    assert case["stage"] == "closed" and case["close_reason"] == "paid" and case["closed_at"] is not None
    assert [s["to_stage"] for s in rows(engine, LegalStep, case_id=case_id)] == [
        "review", "lawyer_letter", "filing", "hearing", "judgment", "enforcement", "closed"
    ]  # fmt: skip
    assert all(d["settled_at"] is not None for d in rows(engine, LegalDeadline, case_id=case_id))
    (hold,) = rows(engine, Hold, account_id=account)
    assert hold["lifted_at"] is not None and "paid" in str(hold["lift_reason"])
    with engine.connect() as connection:
        assert verify(AuditLog(connection).entries()) == []
    actions = [r["action"] for r in rows(engine, AuditEvent) if str(r["action"]).startswith("legal_case.")]
    assert actions == ["legal_case.opened"] + ["legal_case.step"] * 6
    assert opened(engine, account, on=TODAY)  # a closed case leaves room for a new one


def test_refusals_write_nothing(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    account = book(engine, tmp_path, cipher)[0]
    case_id = opened(engine, account)
    before = len(rows(engine, AuditEvent))
    with pytest.raises(cases.CaseOpen):
        opened(engine, account)
    with pytest.raises(StepRefused) as refused:
        step(engine, case_id, Step("judgment", TODAY, document="j", perform_by=TODAY))
    assert "it may move to" in refused.value.message_en
    with pytest.raises(InvalidField):
        step(engine, case_id, Step("filing", date(2025, 12, 31), document="x"))  # before the case opened
    with pytest.raises(InvalidField):
        opened(engine, book_next(engine, account), firm=team(engine, "phone-z", "phone"))
    with pytest.raises(NotFound):
        step(engine, 2**31 - 1, Step("filing", TODAY, document="x"))
    with pytest.raises(NotFound):
        opened(engine, 2**31 - 1)
    for kind, fen in (("court_fee", 0), ("lunch", 100), ("court_fee", -5)):
        with pytest.raises(InvalidField), audit_transaction(engine) as connection:
            cases.add_cost(connection, case_id=case_id, kind=kind, amount_fen=fen, incurred_on=TODAY,
                           by=OFFICER, today=TODAY, now=NOW)  # fmt: skip
    with pytest.raises(InvalidField), audit_transaction(engine) as connection:
        cases.add_cost(connection, case_id=case_id, kind="court_fee", amount_fen=100,
                       incurred_on=date(9999, 12, 31), by=OFFICER, today=TODAY, now=NOW)  # fmt: skip
    assert len(rows(engine, AuditEvent)) == before
    assert [s["to_stage"] for s in rows(engine, LegalStep, case_id=case_id)] == ["review"]
    assert rows(engine, LegalCost) == []


def book_next(engine: Engine, account: int) -> int:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return int(
            connection.execute(select(a.c.id).where(a.c.id > account).order_by(a.c.id).limit(1)).scalar_one()
        )


def test_two_officers_moving_one_case_at_once_make_one_step(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    account = book(engine, tmp_path, cipher)[0]
    case_id = opened(engine, account)
    start = Barrier(2)

    def move(document: str) -> str:
        start.wait()
        try:
            step(engine, case_id, Step("filing", TODAY, document=document))
            return "moved"
        except StepRefused:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(move, ["案号 A", "案号 B"]))
    assert outcomes == ["moved", "refused"]
    assert [s["to_stage"] for s in rows(engine, LegalStep, case_id=case_id)] == ["review", "filing"]
    assert len(rows(engine, LegalDeadline, case_id=case_id)) == 1


def test_money_and_a_firms_fee_statement_to_the_fen(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    first, second, _ = book(engine, tmp_path, cipher)
    firm = team(engine, "firm-a", "law_firm")
    one, two = opened(engine, first, firm=firm), opened(engine, second)
    with audit_transaction(engine) as connection:
        cases.assign_firm(connection, case_id=two, firm_team_id=firm, by=OFFICER, now=NOW)
        for case_id, kind, fen, on in ((one, "court_fee", 1_250_00, date(2026, 11, 3)),
                                       (one, "lawyer_fee", 3_000_01, date(2026, 11, 30)),
                                       (two, "lawyer_fee", 1_999_99, date(2026, 11, 1)),
                                       (two, "lawyer_fee", 500_00, date(2026, 12, 1)),
                                       (one, "enforcement_cost", 1, date(2026, 11, 15))):  # fmt: skip
            cases.add_cost(connection, case_id=case_id, kind=kind, amount_fen=fen, incurred_on=on, by=OFFICER,
                           today=TODAY, now=NOW)  # fmt: skip
        connection.execute(
            insert(table_of(Payment)),
            [{"payment_ref": f"L-{n}", "account_id": first, "paid_date": day, "amount_fen": fen,
              "channel": "app"}
             for n, (day, fen) in enumerate(((date(2026, 1, 4), 999_99), (date(2026, 3, 1), 2_000_00),
                                             (date(2026, 6, 1), 2_500_01), (date(2026, 6, 2), -1)))],
        )  # fmt: skip
        money = cases.money(connection, one)
        statement = cases.fee_statement(connection, firm_team_id=firm, month=date(2026, 11, 17))
    assert money.costs == {
        "court_fee": 1_250_00,
        "lawyer_fee": 3_000_01,
        "enforcement_cost": 1,
        "other_cost": 0,
    }
    assert money.recovered_fen == 2_000_00 + 2_500_01 - 1  # the payment before the case opened is not its own
    assert money.net_fen == 4_500_00 - 4_250_02 and money.cost_recovered_fen == 4_250_02
    assert statement.first == date(2026, 11, 1) and statement.last == date(2026, 11, 30)
    assert statement.total_fen == 1_250_00 + 3_000_01 + 1_999_99 + 1  # December's fee is next month's
    assert {(line["case_id"], line["kind"]) for line in statement.lines} == {
        (one, "court_fee"), (one, "lawyer_fee"), (one, "enforcement_cost"), (two, "lawyer_fee")
    }  # fmt: skip


def test_reminders_of_deadlines_due_for_a_firm_or_everyone(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    first, second, _ = book(engine, tmp_path, cipher)
    firm = team(engine, "firm-b", "law_firm")
    mine, other = opened(engine, first, firm=firm), opened(engine, second)
    step(engine, mine, Step("filing", date(2026, 11, 28), document="案号 1"))  # decision due 12-05
    step(engine, other, Step("filing", date(2026, 11, 20), document="案号 2"))  # due 11-27: overdue
    with engine.connect() as connection:
        everyone = cases.reminders(connection, today=TODAY)
        theirs = cases.reminders(connection, today=TODAY, firm_team_id=firm)
    assert [(r["case_id"], r["overdue"]) for r in everyone] == [(other, True), (mine, False)]
    assert [r["case_id"] for r in theirs] == [mine]
