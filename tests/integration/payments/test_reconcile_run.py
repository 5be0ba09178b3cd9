"""Reconciliation of a settlement file against the payments here, on SQLite and PostgreSQL: each
kind of finding, what is posted (once, audited), what is left for review, idempotence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reconcile_book import (
    DAY,
    NOW,
    SETTINGS,
    SHANGHAI,
    account,
    account_ids,
    add_order,
    audit_actions,
    count,
    gmt,
    import_book,
    order,
    paid_at,
    payments,
    post_gateway,
    write_settlement,
)
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.models import Payment, Reconciliation
from arrears.payments.reconcile import (
    ReconcileRepository,
    ReconciliationReport,
    read_settlement_file,
    run_reconciliation,
    settlement_day,
)


def reconcile(engine: Engine, path: Path) -> ReconciliationReport:
    settlement = read_settlement_file(path, zone=SHANGHAI)
    day = settlement_day(settlement, given=None)
    with audit_transaction(engine) as connection:
        return run_reconciliation(connection, settlement, day=day, actor="ops", now=NOW, settings=SETTINGS)


def kinds(report: ReconciliationReport) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in report.differences:
        found.setdefault(item["kind"], []).append(item["trade_no"])
    return found


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> dict[str, Any]:
    """Three accounts and their orders on 2026-11-24: O1 and O3 and O4 paid through notifications
    (T1, T3, T4), O2 never notified, O6 closed."""
    import_book(engine, tmp_path / "extract", cipher)
    a1, a2, a3 = account_ids(engine)
    ids = {
        "O1": add_order(engine, a1, "O1", 300_00),
        "O2": add_order(engine, a2, "O2", 200_00),
        "O3": add_order(engine, a3, "O3", 100_00),
        "O4": add_order(engine, a1, "O4", 50_00),
        "O6": add_order(engine, a2, "O6", 70_00),
    }
    post_gateway(engine, a1, "T1", 300_00, order_id=ids["O1"], at=paid_at(10))
    post_gateway(engine, a3, "T3", 100_00, order_id=ids["O3"], at=paid_at(11))
    post_gateway(engine, a1, "T4", 50_00, order_id=ids["O4"], at=paid_at(12))
    return {"accounts": (a1, a2, a3), "orders": ids}


def test_each_kind_of_finding_and_what_is_posted(
    engine: Engine, tmp_path: Path, book: dict[str, Any]
) -> None:
    a2 = book["accounts"][1]
    overdue_before = account(engine, a2)["overdue_fen"]
    path = write_settlement(
        tmp_path / "settlement-2026-11-24.csv",
        [
            ("T1", "O1", "300.00", "TRADE_SUCCESS", gmt(paid_at(10))),  # matched
            ("T2", "O2", "200.00", "TRADE_SUCCESS", gmt(paid_at(10, 30))),  # missing here: posted
            ("T4", "O4", "60.00", "TRADE_SUCCESS", gmt(paid_at(12))),  # amount difference
            ("T5", "NOT-OURS", "10.00", "TRADE_SUCCESS", gmt(paid_at(13))),  # unknown order
            ("T6", "O6", "70.00", "TRADE_CLOSED", ""),  # closed, nothing here: agrees
            ("T7", "O1", "300.00", "TRADE_SUCCESS", gmt(paid_at(14))),  # a second trade of O1
        ],  # T3 (O3, posted here) is missing at the gateway
    )

    report = reconcile(engine, path)

    assert report.day == DAY
    assert {kind: n for kind, n in report.counts.items() if n} == {
        "matched": 1, "closed": 1, "missing_here": 1, "missing_at_gateway": 1, "amount_difference": 1,
        "unknown_order": 1, "second_trade": 1,
    }  # fmt: skip
    assert kinds(report) == {
        "missing_here": ["T2"], "amount_difference": ["T4"], "unknown_order": ["T5"], "second_trade": ["T7"],
        "missing_at_gateway": ["T3"],
    }  # fmt: skip
    assert not report.all_matched
    posted = [p for p in payments(engine) if p["payment_ref"] == "T2"]
    assert [(p["source"], p["amount_fen"], p["account_id"], p["trade_no"]) for p in posted] == [
        ("reconcile", 200_00, a2, "T2")
    ]
    assert posted[0]["paid_date"] == DAY and posted[0]["posted_at"] is not None
    assert (
        order(engine, book["orders"]["O2"])["status"],
        order(engine, book["orders"]["O2"])["payment_id"],
    ) == ("paid", posted[0]["id"])
    assert account(engine, a2)["overdue_fen"] == overdue_before - 200_00
    difference = next(item for item in report.differences if item["kind"] == "missing_here")
    assert difference["action"] == "posted" and difference["payment_id"] == posted[0]["id"]
    assert {item["action"] for item in report.differences if item["kind"] != "missing_here"} == {"review"}
    # nothing else was posted: not the second trade, not the amount difference, not the unknown order
    assert sorted(p["payment_ref"] for p in payments(engine) if p["source"] != "extract") == [
        "T1",
        "T2",
        "T3",
        "T4",
    ]
    assert next(p for p in payments(engine) if p["payment_ref"] == "T4")["amount_fen"] == 50_00
    actions = audit_actions(engine)
    assert actions[-2:] == ["payment.posted", "reconcile.run"]
    with engine.connect() as connection:
        stored = ReconcileRepository(connection).latest()
    assert stored is not None and stored.id == report.id
    assert (stored.matched, stored.missing_here, stored.missing_at_gateway, stored.amount_differences) == (
        1, 1, 1, 1
    )  # fmt: skip
    assert stored.report["differences"] == report.differences
    assert stored.file_name == "settlement-2026-11-24.csv" and stored.ran_by == "ops"


def test_the_same_file_again_posts_nothing_more(engine: Engine, tmp_path: Path, book: dict[str, Any]) -> None:
    path = write_settlement(
        tmp_path / "settlement.csv",
        [
            ("T1", "O1", "300.00", "TRADE_SUCCESS", gmt(paid_at(10))),
            ("T2", "O2", "200.00", "TRADE_SUCCESS", gmt(paid_at(10, 30))),
            ("T3", "O3", "100.00", "TRADE_SUCCESS", gmt(paid_at(11))),
            ("T4", "O4", "50.00", "TRADE_SUCCESS", gmt(paid_at(12))),
        ],
    )
    first = reconcile(engine, path)
    paid = count(engine, Payment)
    overdue = [account(engine, a)["overdue_fen"] for a in book["accounts"]]

    again = reconcile(engine, path)

    assert first.counts["missing_here"] == 1 and first.counts["matched"] == 3
    assert again.counts["missing_here"] == 0 and again.counts["matched"] == 4
    assert again.all_matched and again.differences == []
    assert count(engine, Payment) == paid
    assert [account(engine, a)["overdue_fen"] for a in book["accounts"]] == overdue
    assert count(engine, Reconciliation) == 2
    assert audit_actions(engine).count("payment.posted") == 3 + 1  # three notifications, one from the file


def test_a_trade_closed_at_the_gateway_but_posted_here_is_for_review(
    engine: Engine, tmp_path: Path, book: dict[str, Any]
) -> None:
    path = write_settlement(
        tmp_path / "settlement.csv",
        [
            ("T1", "O1", "300.00", "TRADE_CLOSED", ""),
            ("T3", "O3", "100.00", "TRADE_SUCCESS", gmt(paid_at(11))),
            ("T4", "O4", "50.00", "TRADE_SUCCESS", gmt(paid_at(12))),
        ],
    )
    paid = count(engine, Payment)

    report = reconcile(engine, path)

    assert kinds(report) == {"closed_after_posting": ["T1"]}
    assert count(engine, Payment) == paid  # nothing taken back by the reconciliation


def test_an_order_whose_amount_differs_is_not_posted(
    engine: Engine, tmp_path: Path, book: dict[str, Any]
) -> None:
    path = write_settlement(tmp_path / "s.csv", [("T2", "O2", "250.00", "TRADE_SUCCESS", gmt(paid_at(9)))])
    paid = count(engine, Payment)

    report = settlement_and_run(engine, path)

    assert [
        (d["kind"], d["gateway_fen"], d["here_fen"]) for d in report.differences if d["trade_no"] == "T2"
    ] == [("amount_difference", 250_00, 200_00)]
    assert count(engine, Payment) == paid
    assert order(engine, book["orders"]["O2"])["status"] == "created"


def test_two_trades_of_one_order_in_the_file_post_once(
    engine: Engine, tmp_path: Path, book: dict[str, Any]
) -> None:
    path = write_settlement(
        tmp_path / "s.csv",
        [
            ("T2", "O2", "200.00", "TRADE_SUCCESS", gmt(paid_at(9))),
            ("T2B", "O2", "200.00", "TRADE_SUCCESS", gmt(paid_at(9, 5))),
        ],
    )

    report = settlement_and_run(engine, path)

    assert {d["trade_no"]: d["kind"] for d in report.differences if d["trade_no"].startswith("T2")} == {
        "T2": "missing_here", "T2B": "second_trade"
    }  # fmt: skip
    assert [p["payment_ref"] for p in payments(engine) if p["payment_ref"].startswith("T2")] == ["T2"]


def test_a_payment_the_extract_already_brought_is_matched_not_posted(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    """The notification never came and the bank's extract (payment_id = trade_no) was imported before
    the settlement file: the reconciliation finds the extract's row and posts nothing."""
    import_book(engine, tmp_path / "e1", cipher)
    a1 = account_ids(engine)[0]
    add_order(engine, a1, "O9", 120_00)
    row = {"payment_id": "T9", "account_id": account(engine, a1)["account_no"], "paid_date": DAY.isoformat(),
           "amount": "120.00", "channel": "app"}  # fmt: skip
    import_book(engine, tmp_path / "e2", cipher, as_of=DAY, payments=[row])
    paid = count(engine, Payment)
    path = write_settlement(tmp_path / "s.csv", [("T9", "O9", "120.00", "TRADE_SUCCESS", gmt(paid_at(9)))])

    report = settlement_and_run(engine, path)

    assert report.counts["matched"] == 1 and report.all_matched
    assert count(engine, Payment) == paid


def test_an_empty_file_of_a_named_day_finds_what_is_missing_at_the_gateway(
    engine: Engine, tmp_path: Path, book: dict[str, Any]
) -> None:
    path = write_settlement(tmp_path / "settle_20261124.csv", [])

    report = settlement_and_run(engine, path)

    assert report.rows == 0 and report.day == DAY
    assert sorted(kinds(report)["missing_at_gateway"]) == ["T1", "T3", "T4"]
    assert {d["account_tail"] for d in report.differences} <= {
        account(engine, a)["account_no"][-4:] for a in book["accounts"]
    }


def settlement_and_run(engine: Engine, path: Path) -> ReconciliationReport:
    settlement = read_settlement_file(path, zone=SHANGHAI)
    with audit_transaction(engine) as connection:
        day = settlement_day(settlement, given=DAY if not settlement.rows else None)
        return run_reconciliation(connection, settlement, day=day, actor="ops", now=NOW, settings=SETTINGS)


def test_a_trade_dated_far_from_the_files_day_is_not_posted(
    engine: Engine, tmp_path: Path, book: dict[str, Any]
) -> None:
    """A file of one day whose row says the money was paid in 2999 posts nothing: kept for review."""
    path = write_settlement(
        tmp_path / "s.csv", [("T2", "O2", "200.00", "TRADE_SUCCESS", "2999-12-31 23:59:59")]
    )
    paid = count(engine, Payment)
    settlement = read_settlement_file(path, zone=SHANGHAI)
    with audit_transaction(engine) as connection:
        report = run_reconciliation(connection, settlement, day=DAY, actor="ops", now=NOW, settings=SETTINGS)

    assert [(d["kind"], d["trade_no"]) for d in report.differences if d["trade_no"] == "T2"] == [
        ("time_difference", "T2")
    ]
    assert count(engine, Payment) == paid and order(engine, book["orders"]["O2"])["status"] == "created"
