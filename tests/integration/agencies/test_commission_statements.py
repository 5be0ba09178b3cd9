"""Agency commission statements on SQLite and PostgreSQL: payments attributed to the placement covering
their day (the recall's last day included), reversals clawing back where their payment was, rates by
the account's delinquency at placement and the schedule in force then, unrated payments counted; the
CSV and PDF checksummed and stored; made again as a new version; reviewed and approved by two people,
audited; a provisional month and unposted gateway payments said; money conserved to the fen."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from arrears.agencies import commission
from arrears.agencies.commission_files import FileChanged
from arrears.agencies.commission_rules import ScheduleRefused, StatementRefused, parse_band
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.errors import NotFound
from arrears.models import AuditEvent, CommissionStatement, GatewayNotification, Payment, table_of
from arrears.users.permissions import NotPermitted
from arrears.users.service import StaffUser
from commission_book import MARCH, NOW, accounts, agency, make, pay, place, schedule, snapshot

REVIEWER = StaffUser(1, "manager1", "经理一", "manager", None)
APPROVER = StaffUser(2, "manager2", "经理二", "manager", None)


@pytest.fixture
def book(engine: Engine) -> dict[str, int]:
    """Two agencies in March 2026 (see the module's figures)."""
    from arrears.users.service import create_user

    with engine.begin() as connection:
        for user in (REVIEWER, APPROVER):
            create_user(connection, username=user.username, display_name=user.display_name, role="manager",
                        password="correct horse battery", now=NOW)  # fmt: skip
        one, two, three, four, five = accounts(connection, 5)
        agency(connection, "A1", "甲催收公司")
        agency(connection, "B2")
        snapshot(connection, one, date(2026, 2, 27), dpd=45, overdue_fen=500_000)
        snapshot(connection, one, date(2026, 3, 3), dpd=400, overdue_fen=9_000_000)  # later: not at placement
        place(connection, one, "A1", date(2026, 2, 28), date(2026, 5, 28), run_date=date(2026, 2, 27))
        snapshot(connection, two, date(2026, 1, 31), dpd=200, overdue_fen=2_000_000)
        place(connection, two, "A1", date(2026, 2, 1), date(2026, 4, 30), recalled_on=date(2026, 3, 10))
        place(connection, two, "B2", date(2026, 3, 11), date(2026, 6, 8))
        place(connection, three, "A1", date(2026, 3, 15), date(2026, 6, 12))  # no snapshot: unrated
        snapshot(connection, five, date(2026, 3, 1), dpd=10, overdue_fen=10_000)
        place(connection, five, "B2", date(2026, 3, 1), date(2026, 5, 29))
        pay(connection, one, date(2026, 2, 27), 10_000, "P-before")  # the day before placement
        february = pay(connection, one, date(2026, 2, 28), 20_000, "P-feb")
        pay(connection, one, date(2026, 3, 2), -20_000, "R-feb", reverses_id=february)
        pay(connection, one, date(2026, 3, 5), 100_005, "P-1a")
        pay(connection, one, date(2026, 3, 31), 1_234, "P-1b")
        held = pay(connection, two, date(2026, 3, 10), 50_000, "P-2a")  # the last day held
        pay(connection, two, date(2026, 3, 11), 30_000, "P-2b")  # B2's first day
        pay(connection, two, date(2026, 3, 20), -50_000, "R-2a", reverses_id=held)  # after the recall: A1's
        pay(connection, three, date(2026, 3, 16), 20_000, "P-3")
        pay(connection, four, date(2026, 3, 12), 7_777, "P-4")  # never placed
        pay(connection, one, date(2026, 4, 1), 99_999, "P-april")
    schedule(engine, "A1", date(2026, 1, 1), "M1-M3:0-10000:1000", "M1-M3:10000+:800", "M4-M6:*:1500",
             "M7+:*:2500")  # fmt: skip
    schedule(engine, "B2", date(2026, 1, 1), "1+:*:1234")
    return {"one": one, "two": two, "three": three, "four": four, "five": five}


def lines(data_dir: Path, relative: str) -> list[dict[str, str]]:
    text = (data_dir / relative).read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def stored(engine: Engine) -> dict[str, dict[str, object]]:
    s = table_of(CommissionStatement)
    with engine.connect() as connection:
        return {row["agency_code"]: dict(row) for row in connection.execute(select(s)).mappings()}


def test_every_agency_that_held_an_account_gets_its_statement(
    engine: Engine, book: dict[str, int], tmp_path: Path
) -> None:
    made = make(engine, tmp_path)

    assert [one.prepared.agency_code for one in made] == ["A1", "B2"]
    a1, b2 = stored(engine)["A1"], stored(engine)["B2"]
    assert (a1["payments"], a1["collected_fen"], a1["commission_fen"]) == (6, 101_239, 8_124)
    assert (a1["clawback_fen"], a1["unrated_payments"], a1["status"], a1["version"]) == (
        -14_500,
        1,
        "draft",
        1,
    )
    assert (b2["payments"], b2["collected_fen"], b2["commission_fen"]) == (1, 30_000, 3_702)
    assert a1["provisional"] in (False, 0) and a1["as_of"] == date(2026, 4, 1)
    rows = lines(tmp_path, str(a1["csv_path"]))
    assert [row["payment_ref"] for row in rows] == ["R-feb", "P-1a", "P-2a", "P-3", "R-2a", "P-1b"]
    first = rows[1]
    assert first["account"] == "****0001" and first["amount_yuan"] == "1000.05"
    assert (first["rate_bp"], first["commission_yuan"], first["bucket_at_placement"]) == (
        "1000",
        "100.01",
        "M2",
    )
    assert (first["dpd_at_placement"], first["overdue_at_placement_yuan"], first["placed_on"]) == (
        "45", "5000.00", "2026-02-28")  # fmt: skip
    assert [row["commission_yuan"] for row in rows] == [
        "-20.00",
        "100.01",
        "125.00",
        "0.00",
        "-125.00",
        "1.23",
    ]
    assert rows[3]["unrated"] == "no_delinquency" and rows[4]["source"] == "reversal"
    assert (tmp_path / str(a1["pdf_path"])).read_bytes().startswith(b"%PDF")
    breakdown = json.loads(str(a1["breakdown"]))
    assert [(row["age_band"], row["rate_bp"], row["payments"]) for row in breakdown] == [
        ("M1-M3", 1000, 3), ("M7+", 2500, 2), (None, 0, 1)]  # fmt: skip


def test_money_is_conserved_to_the_fen(engine: Engine, book: dict[str, int], tmp_path: Path) -> None:
    make(engine, tmp_path)

    p = table_of(Payment)
    with engine.connect() as connection:
        march = connection.execute(
            select(func.sum(p.c.amount_fen)).where(p.c.paid_date >= MARCH, p.c.paid_date <= date(2026, 3, 31))
        ).scalar_one()
    found = stored(engine)
    unattributed = 7_777
    assert sum(int(one["collected_fen"]) for one in found.values()) + unattributed == march  # type: ignore[call-overload]
    for one in found.values():
        rows = lines(tmp_path, str(one["csv_path"]))
        assert sum(round(float(row["commission_yuan"]) * 100) for row in rows) == one["commission_fen"]
        assert sum(round(float(row["amount_yuan"]) * 100) for row in rows) == one["collected_fen"]
        assert len(rows) == one["payments"]


def test_an_agency_without_payments_gets_a_statement_of_zeros(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        (account,) = accounts(connection, 1)
        agency(connection, "Z9")
        place(connection, account, "Z9", date(2026, 3, 20), date(2026, 6, 17))

    (made,) = make(engine, tmp_path)

    assert (made.prepared.agency_code, made.prepared.tally.payments, made.prepared.tally.commission_fen) == (
        "Z9", 0, 0)  # fmt: skip
    assert lines(tmp_path, made.prepared.csv_path) == []


def test_made_again_it_is_a_new_version_back_to_draft(
    engine: Engine, book: dict[str, int], tmp_path: Path
) -> None:
    (first,) = make(engine, tmp_path, code="A1")
    review(engine, first.statement_id, REVIEWER, tmp_path)
    with engine.begin() as connection:
        pay(connection, book["one"], date(2026, 3, 25), 10_000, "P-late")

    (again,) = make(engine, tmp_path, code="A1")

    row = stored(engine)["A1"]
    assert again.statement_id == first.statement_id and row["version"] == 2 and row["status"] == "draft"
    assert (
        row["reviewed_by_id"] is None and row["payments"] == 7 and row["csv_path"] != first.prepared.csv_path
    )
    assert "B2" not in stored(engine)  # one agency asked: one statement


def review(engine: Engine, statement_id: int, by: StaffUser, data_dir: Path) -> dict[str, object]:
    with audit_transaction(engine) as connection:
        return commission.review(connection, statement_id=statement_id, by=by, now=NOW, data_dir=data_dir)


def approve(engine: Engine, statement_id: int, by: StaffUser, data_dir: Path) -> dict[str, object]:
    with audit_transaction(engine) as connection:
        return commission.approve(connection, statement_id=statement_id, by=by, now=NOW, data_dir=data_dir)


def test_reviewed_and_approved_by_two_people_audited(
    engine: Engine, book: dict[str, int], tmp_path: Path
) -> None:
    (made,) = make(engine, tmp_path, code="A1")
    review(engine, made.statement_id, REVIEWER, tmp_path)

    with pytest.raises(StatementRefused, match="cannot approve"):
        approve(engine, made.statement_id, REVIEWER, tmp_path)
    approve(engine, made.statement_id, APPROVER, tmp_path)

    row = stored(engine)["A1"]
    assert (row["status"], row["reviewed_by_id"], row["approved_by_id"]) == ("approved", 1, 2)
    e = table_of(AuditEvent)
    with engine.connect() as connection:
        actions = [
            (r.action, r.actor) for r in connection.execute(select(e.c.action, e.c.actor).order_by(e.c.id))
        ]
        assert verify(AuditLog(connection).entries()) == []
    assert [one for one in actions if one[0].startswith("commission.")] == [
        ("commission.rates_set", "manager9"), ("commission.rates_set", "manager9"),
        ("commission.statement_made", "arrears"), ("commission.reviewed", "manager1"),
        ("commission.approved", "manager2")]  # fmt: skip
    with pytest.raises(StatementRefused, match="approved: it is not made again"):
        make(engine, tmp_path, code="A1")
    assert [one.prepared.agency_code for one in make(engine, tmp_path)] == ["B2"]  # --all leaves it


def test_refusals(engine: Engine, book: dict[str, int], tmp_path: Path) -> None:
    (made,) = make(engine, tmp_path, code="A1")
    with pytest.raises(StatementRefused, match="only a reviewed"):
        approve(engine, made.statement_id, APPROVER, tmp_path)
    with pytest.raises(NotPermitted):
        review(engine, made.statement_id, StaffUser(3, "c1", "c1", "collector", None), tmp_path)
    with pytest.raises(NotFound):
        review(engine, made.statement_id + 100, REVIEWER, tmp_path)
    (tmp_path / made.prepared.csv_path).write_text("changed", "utf-8")  # the file no longer the one made
    with pytest.raises(FileChanged, match="changed since it was made"):
        review(engine, made.statement_id, REVIEWER, tmp_path)
    with pytest.raises(NotFound):
        make(engine, tmp_path, code="NOPE")
    assert stored(engine)["A1"]["status"] == "draft"


def test_a_month_not_over_is_provisional_and_cannot_be_reviewed(
    engine: Engine, book: dict[str, int], tmp_path: Path
) -> None:
    (made,) = make(engine, tmp_path, as_of=date(2026, 3, 30), code="A1")

    assert stored(engine)["A1"]["provisional"] in (True, 1)
    with pytest.raises(StatementRefused, match="provisional"):
        review(engine, made.statement_id, REVIEWER, tmp_path)


def test_unposted_gateway_payments_are_said(engine: Engine, book: dict[str, int], tmp_path: Path) -> None:
    n = table_of(GatewayNotification)
    with engine.begin() as connection:
        for at, outcome, status in (
            (datetime(2026, 3, 9, 3, tzinfo=UTC), "amount_mismatch", "open"),
            (datetime(2026, 3, 31, 17, tzinfo=UTC), "second_trade", "open"),  # 04-01 local
            (datetime(2026, 3, 9, 3, tzinfo=UTC), "amount_mismatch", "resolved"),
        ):
            connection.execute(insert(n).values(gateway="simulated", received_at=at, outcome=outcome,
                                                review_status=status))  # fmt: skip

    make(engine, tmp_path, code="A1")

    row = stored(engine)["A1"]
    assert row["unposted"] == 1 and json.loads(str(row["unposted_detail"]))["notifications"] == 1


def test_a_schedule_is_checked_and_replaced_for_its_day(
    engine: Engine, book: dict[str, int], tmp_path: Path
) -> None:
    with pytest.raises(ScheduleRefused, match="overlap"):
        schedule(engine, "A1", date(2026, 1, 1), "M1-M3:*:1000", "M2:*:500")
    with pytest.raises(NotFound):
        schedule(engine, "NOPE", date(2026, 1, 1), "M1-M3:*:1000")
    with audit_transaction(engine) as connection, pytest.raises(NotPermitted):
        lead = StaffUser(3, "t", "t", "team_lead", None)
        commission.set_schedule(connection, agency_code="A1", effective_from=MARCH,
                                bands=[parse_band("1+:*:1")], by=lead, now=NOW)  # fmt: skip
    schedule(engine, "A1", date(2026, 1, 1), "1+:*:5000")  # replaces the schedule of that day

    make(engine, tmp_path, code="A1")

    assert stored(engine)["A1"]["commission_fen"] == 50_003 + 617 + 25_000 - 25_000 - 10_000 + 0  # unrated
