"""Malicious-overdraft referrals on SQLite and PostgreSQL: the daily check records the accounts the
rulebook allows with their evidence, once per account and day (a re-run refreshes, never doubles);
what is not a collection or was paid since is left out; legal's decision is audited, a referral is
checked again and refused when paid since; the pack states the evidence and its computation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.legal import overdraft
from arrears.legal.overdraft_rules import decision
from arrears.models import AuditEvent, CardAccount, OverdraftCandidate, table_of
from arrears.users.service import StaffUser
from overdraft_book import ZONE, call, eligible_account, letter, owing, paid
from web_book import build_book, personal_data

NOW = datetime(2026, 6, 1, 2, tzinfo=UTC)
AS_OF = date(2026, 6, 1)
OFFICER = StaffUser(1, "legal1", "法务一", "legal", None)


def ids(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> list[int]:
    build_book(engine, tmp_path, cipher)
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return [int(one) for one in connection.execute(select(a.c.id).order_by(a.c.id)).scalars()]


def check(engine: Engine, as_of: date = AS_OF) -> overdraft.CheckResult:
    with engine.begin() as connection:
        return overdraft.check(connection, as_of=as_of, zone=ZONE, now=NOW)


def candidates(engine: Engine) -> list[dict[str, object]]:
    c = table_of(OverdraftCandidate)
    with engine.connect() as connection:
        return [
            dict(row) for row in connection.execute(select(c).order_by(c.c.account_id, c.c.id)).mappings()
        ]


def decide(engine: Engine, candidate_id: int, outcome: str, reason: str = "两次催收后仍未还款",
           day: date = AS_OF) -> dict[str, object]:  # fmt: skip
    with audit_transaction(engine) as connection:
        return overdraft.decide(connection, candidate_id=candidate_id, decision=decision(outcome, reason),
                                by=OFFICER, day=day, zone=ZONE, now=NOW)  # fmt: skip


def test_the_check_records_the_eligible_accounts_with_their_evidence(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    one, two, three, four, five = ids(engine, tmp_path, cipher)[:5]
    eligible_account(engine, one, first=date(2026, 1, 10), second=date(2026, 2, 9))  # 30 days apart
    eligible_account(engine, two, first=date(2026, 1, 10), second=date(2026, 2, 8))  # 29 days
    eligible_account(engine, three, first=date(2026, 1, 10), second=date(2026, 3, 1))  # 3 months on 06-01
    eligible_account(engine, four, first=date(2026, 1, 10), second=date(2026, 2, 9))
    paid(engine, four, date(2026, 3, 1), 100_00, ref="P4")  # paid since: no pair after it
    owing(engine, five)
    letter(engine, five, date(2026, 1, 10), tracking="EMS5", delivered=False)  # sent, never delivered
    call(engine, five, date(2026, 2, 20), reached=False)  # nobody reached

    result = check(engine)

    (found,) = candidates(engine)
    assert found["account_id"] == one and found["status"] == "pending" and found["check_date"] == AS_OF
    assert (found["first_collection_on"], found["first_collection_kind"]) == (date(2026, 1, 10), "letter")
    assert (found["second_collection_on"], found["second_collection_kind"]) == (date(2026, 2, 9), "call")
    assert found["eligible_from"] == date(2026, 5, 10) and found["last_payment_on"] < date(2026, 1, 10)
    assert (found["overdue_fen"], found["principal_fen"]) == (52_000_00, 48_000_00)
    assert (result.candidates, result.added, result.removed) == (1, 1, 0)


def test_a_call_late_in_the_evening_counts_on_its_local_day(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    account = ids(engine, tmp_path, cipher)[0]
    owing(engine, account)
    letter(engine, account, date(2026, 1, 10), tracking="EMS-A")
    call(engine, account, date(2026, 2, 28), hour=7)  # 2026-02-27 23:00 UTC: 28 Feb in Beijing

    check(engine, date(2026, 5, 29))
    (found,) = candidates(engine)
    assert found["second_collection_on"] == date(2026, 2, 28) and found["eligible_from"] == date(2026, 5, 29)


def test_a_rerun_of_the_day_refreshes_and_removes_but_never_doubles(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    one, two = ids(engine, tmp_path, cipher)[:2]
    eligible_account(engine, one, first=date(2026, 1, 10), second=date(2026, 2, 9))
    eligible_account(engine, two, first=date(2026, 1, 11), second=date(2026, 2, 10))
    check(engine)
    assert check(engine).added == 0 and len(candidates(engine)) == 2

    paid(engine, two, date(2026, 5, 20), 50_00, ref="P2")  # posted before the re-run
    owing(engine, one, overdue_fen=53_000_00)
    again = check(engine)

    (found,) = candidates(engine)
    assert found["account_id"] == one and found["overdue_fen"] == 53_000_00
    assert (again.refreshed, again.removed, again.candidates) == (1, 1, 1)
    check(engine, date(2026, 6, 2))  # the next day: a row of its own
    assert [row["check_date"] for row in candidates(engine)] == [AS_OF, date(2026, 6, 2)]


def test_a_referral_is_audited_and_its_account_not_a_candidate_again(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    one, two = ids(engine, tmp_path, cipher)[:2]
    eligible_account(engine, one, first=date(2026, 1, 10), second=date(2026, 2, 9))
    eligible_account(engine, two, first=date(2026, 1, 10), second=date(2026, 2, 9))
    check(engine)
    first, second = candidates(engine)

    decide(engine, int(first["id"]), "refer")
    decide(engine, int(second["id"]), "not_refer", "持卡人失业，非恶意")
    with pytest.raises(overdraft.AlreadyDecided):
        decide(engine, int(first["id"]), "not_refer")

    rows = candidates(engine)
    assert [(r["status"], r["reason"], r["decided_by_id"]) for r in rows] == [
        ("referred", "两次催收后仍未还款", OFFICER.id), ("not_referred", "持卡人失业，非恶意", OFFICER.id)
    ]  # fmt: skip
    assert check(engine).candidates == 2  # the day's decided rows are kept as decided
    later = check(engine, date(2026, 6, 2))
    assert (later.added, later.already_decided) == (0, 2)
    with engine.connect() as connection:
        assert verify(AuditLog(connection).entries()) == []
        e = table_of(AuditEvent)
        actions = connection.execute(
            select(e.c.action, e.c.subject_id).where(e.c.action.like("legal.overdraft%")).order_by(e.c.id)
        ).all()
    assert [tuple(row) for row in actions] == [
        ("legal.overdraft_referred", str(one)), ("legal.overdraft_not_referred", str(two))
    ]  # fmt: skip


def test_a_referral_is_refused_when_paid_since_the_check(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    account = ids(engine, tmp_path, cipher)[0]
    eligible_account(engine, account, first=date(2026, 1, 10), second=date(2026, 2, 9))
    check(engine)
    (found,) = candidates(engine)
    paid(engine, account, date(2026, 6, 2), 1_00, ref="P-late")

    with pytest.raises(overdraft.NoLongerEligible) as refused:
        decide(engine, int(found["id"]), "refer", day=date(2026, 6, 2))

    assert "no longer meets" in refused.value.message_en
    assert candidates(engine)[0]["status"] == "pending"
    decide(engine, int(found["id"]), "not_refer", "已还款", day=date(2026, 6, 2))  # not referring is allowed


def test_the_pack_states_the_evidence_and_its_computation(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    account = ids(engine, tmp_path, cipher)[0]
    paid(engine, account, date(2025, 12, 20), 300_00, ref="P-old")
    eligible_account(engine, account, first=date(2026, 1, 10), second=date(2026, 2, 9))
    check(engine)
    (found,) = candidates(engine)
    with engine.connect() as connection, pytest.raises(overdraft.NotReferred):
        overdraft.pack(connection, candidate_id=int(found["id"]), cipher=cipher)
    decide(engine, int(found["id"]), "refer")

    with engine.connect() as connection:
        document, rows = overdraft.pack(connection, candidate_id=int(found["id"]), cipher=cipher)

    computed = document["computation"]
    assert computed["rule"] == "LEGAL-MALICIOUS-OVERDRAFT" and computed["eligible"] is True
    assert computed["first_collection"] == {"on": "2026-01-10", "kind": "letter", "ref": f"EMS{account}A"}
    assert computed["days_between"] == 30 and computed["days_unpaid_since_second"] == 112
    assert computed["last_payment"] == {"on": "2025-12-20", "amount_fen": 300_00}
    assert (computed["overdue_fen"], computed["principal_fen"]) == (52_000_00, 48_000_00)
    assert document["decision"]["reason"] == "两次催收后仍未还款" and document["decision"]["by"] is not None
    assert [document["account_no"], "overdue", "", "", "52000.00"] in rows
    name, national_id, _ = personal_data(engine, cipher, account)  # the police need the cardholder
    assert document["cardholder"] == {"name": name, "national_id": national_id}
    assert rows[1][1:] == ["cardholder_name", "", name, ""] and rows[2][1:] == [
        "national_id",
        "",
        national_id,
        "",
    ]
