"""Placement batches on SQLite and PostgreSQL: the run's hand-overs shared among the eligible agencies
within capacity and territory, an agency refused by the register named with its reasons, accounts still
placed or recalled until the day left out, the batch audited; one masked hand-over file per agency with
its SHA-256, written again when it fails on reading back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from arrears.agencies import handover, placement
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.kit.inputs import InvalidField
from arrears.models import AuditEvent, HandoverFile, PlacementBatch, table_of
from placement_book import NOW, RUN, agency, day, hand_over, owing, paid, placed, placements, region, sold
from web_book import build_book, personal_data


def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> list[int]:
    build_book(engine, tmp_path, cipher)
    from arrears.models import CardAccount

    a = table_of(CardAccount)
    with engine.connect() as connection:
        return [int(one) for one in connection.execute(select(a.c.id).order_by(a.c.id)).scalars()]


def place(engine: Engine, data_dir: Path, *, run_date: date = RUN, placed_on: date = RUN,
          days: int = 90) -> placement.BatchReport:  # fmt: skip
    with audit_transaction(engine) as connection:
        return placement.place(connection, run_date=run_date, placed_on=placed_on, days=days,
                               actor="manager1", actor_id=None, now=NOW, data_dir=data_dir)  # fmt: skip


def test_a_batch_shares_the_hand_overs_and_names_the_agency_refused(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    accounts = book(engine, tmp_path, cipher)[:10]
    for rank, account in enumerate(accounts):
        owing(engine, account, 1_000_00 * (rank + 1))
    hand_over(engine, accounts)
    agency(engine, "A", capacity=4)
    agency(engine, "B", capacity=6)
    agency(engine, "C", capacity=100, inspected=date(2004, 9, 1))  # 395 days before the run: lapsed
    data = tmp_path / "data"

    report = place(engine, data)

    rows = placements(engine)
    by_agency = {code: sum(1 for row in rows if row["agency_code"] == code) for code in "ABC"}
    # both new, credited alike: each is owed its share of the spare capacity, 10 x 4/10 and 10 x 6/10
    assert by_agency == {"A": 4, "B": 6, "C": 0}
    assert {row["batch_id"] for row in rows} == {report.batch_id}
    assert {(row["placed_on"], row["ends_on"]) for row in rows} == {(RUN, date(2005, 12, 29))}  # 90 days
    summary = report.summary
    assert summary["placed"] == 10 and summary["left"] == {} and summary["handed_over"] == 10
    (refused,) = summary["refused"]
    assert refused["code"] == "C" and refused["codes"] == ["inspection_lapsed"]
    assert "inspected" in refused["reasons_en"][0] and refused["reasons_zh"]
    assert [one["code"] for one in summary["agencies"]] == ["A", "B"]
    with engine.connect() as connection:
        stored = connection.execute(select(table_of(PlacementBatch))).mappings().one()
        assert json.loads(stored["summary"])["refused"][0]["code"] == "C"
        assert (stored["status"], stored["placed_on"], stored["ends_on"]) == (
            "placed",
            RUN,
            date(2005, 12, 29),
        )
        (entry,) = [one for one in AuditLog(connection).entries() if one.action == "agency.batch_placed"]
        details = json.loads(entry.details)
        assert details["by_agency"] == {"A": 4, "B": 6} and details["refused"] == {"C": ["inspection_lapsed"]}
        assert verify(AuditLog(connection).entries()) == []


def test_the_files_are_masked_and_checksummed(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    accounts = book(engine, tmp_path, cipher)[:6]
    hand_over(engine, accounts)
    agency(engine, "A", capacity=3)
    agency(engine, "B", capacity=3)
    data = tmp_path / "data"

    report = place(engine, data)

    assert [one["agency_code"] for one in report.files] == ["A", "B"]
    with engine.connect() as connection:
        files = connection.execute(select(table_of(HandoverFile)).order_by("agency_code")).mappings().all()
    for record in files:
        content = (data / record["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == record["sha256"] and record["rows"] == 3
        assert record["path"] == f"handover/batch-{report.batch_id:06d}/{record['agency_code']}.csv"
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert tuple(table[0]) == handover.COLUMNS and len(table) == 4
        assert all(row[0].startswith("P") and row[1].startswith("****") for row in table[1:])
    text = "".join((data / record["path"]).read_text(encoding="utf-8-sig") for record in files)
    for account in accounts:
        name, national_id, phones = personal_data(engine, cipher, account)
        assert national_id not in text and name not in text
        assert not any(phone in text for phone in phones)


def test_capacity_counts_what_the_agency_already_holds_and_territory_what_it_works(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    accounts = book(engine, tmp_path, cipher)[:8]
    for account in accounts[:4]:
        region(engine, account, "东区街道")
    for account in accounts[4:7]:
        region(engine, account, "石岐街道")
    hand_over(engine, accounts[:7])
    agency(engine, "EAST", capacity=3, territories=("东区街道",))
    agency(engine, "ANY", capacity=3)
    placed(engine, accounts[7], "ANY", placed_on=day(-10), ends_on=day(80))  # holds one already

    report = place(engine, tmp_path / "data")

    rows = {row["account_id"]: row["agency_code"] for row in placements(engine) if row["batch_id"]}
    assert sum(code == "EAST" for code in rows.values()) == 3
    assert sum(code == "ANY" for code in rows.values()) == 2
    assert not any(rows.get(account) == "EAST" for account in accounts[4:7])
    assert report.summary["left"] == {"no_capacity": 2}
    figures = {one["code"]: one for one in report.summary["agencies"]}
    assert (figures["ANY"]["held"], figures["ANY"]["spare"]) == (1, 2)


def test_accounts_still_placed_recalled_until_the_day_or_sold_are_left_out(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    one, two, three, four, five = book(engine, tmp_path, cipher)[:5]
    hand_over(engine, [one, two, three, four, five])
    sold(engine, five)
    agency(engine, "A")
    placed(engine, one, "OLD", placed_on=day(-30), ends_on=day(60))  # still placed
    placed(engine, two, "OLD", placed_on=day(-30), ends_on=day(60), recalled_on=RUN)  # held until today
    placed(engine, three, "OLD", placed_on=day(-30), ends_on=day(60), recalled_on=day(-1))  # free since today
    placed(engine, four, "OLD", placed_on=day(-100), ends_on=day(-1))  # ended yesterday

    report = place(engine, tmp_path / "data")

    assert report.summary["skipped"] == {"placed": 1, "recalled": 1, "sold": 1}
    assert sorted(row["account_id"] for row in placements(engine) if row["batch_id"]) == [three, four]
    # the next day the account recalled today may be placed: its new placement starts after the old one
    later = place(engine, tmp_path / "data", placed_on=day(1))
    assert [row["account_id"] for row in placements(engine) if row["batch_id"] == later.batch_id] == [two]
    with pytest.raises(placement.NothingToPlace):
        place(engine, tmp_path / "data", placed_on=day(1))


def test_past_performance_is_what_finished_placements_recovered(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    accounts = book(engine, tmp_path, cipher)[:4]
    hand_over(engine, accounts[:2])
    agency(engine, "A")
    agency(engine, "NEW")
    # a year before the book's payment history starts
    placed(
        engine, accounts[2], "A", placed_on=date(2004, 1, 1), ends_on=date(2004, 3, 30), snapshot_fen=1_000_00
    )
    placed(
        engine, accounts[3], "A", placed_on=date(2004, 1, 1), ends_on=date(2004, 3, 30), snapshot_fen=3_000_00
    )
    paid(engine, accounts[2], date(2004, 3, 30), 600_00, ref="in-1")  # its last day: the agency's
    paid(engine, accounts[3], date(2004, 3, 31), 999_00, ref="after")  # the day after: not the agency's

    report = place(engine, tmp_path / "data")

    figures = {one["code"]: one for one in report.summary["agencies"]}
    assert figures["A"]["rate"] == pytest.approx(0.15) and not figures["A"]["new"]
    assert figures["NEW"]["rate"] == pytest.approx(0.15) and figures["NEW"]["new"]  # the median of A's
    assert figures["NEW"]["owed"] == 1 and figures["NEW"]["placed"] >= 1


def test_nothing_to_place_and_bad_periods_write_nothing(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    accounts = book(engine, tmp_path, cipher)[:2]
    agency(engine, "A")
    with pytest.raises(placement.NothingToPlace, match="no account"):
        place(engine, tmp_path / "data")
    hand_over(engine, accounts)
    with pytest.raises(InvalidField) as days:
        place(engine, tmp_path / "data", days=0)
    assert days.value.field == "days"
    with pytest.raises(InvalidField) as before:
        place(engine, tmp_path / "data", placed_on=day(-1))
    assert before.value.field == "as_of"
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table_of(PlacementBatch))).scalar() == 0
        assert connection.execute(select(func.count()).select_from(table_of(AuditEvent))).scalar() == 0


def test_no_eligible_agency_makes_an_empty_batch_that_says_why(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    accounts = book(engine, tmp_path, cipher)[:3]
    hand_over(engine, accounts)
    agency(engine, "S", status="suspended")

    report = place(engine, tmp_path / "data")

    assert report.summary["placed"] == 0 and report.summary["left"] == {"no_agency": 3}
    assert report.summary["refused"][0]["codes"] == ["suspended"] and report.files == []
    with engine.connect() as connection:
        assert connection.execute(select(table_of(PlacementBatch).c.status)).scalar() == "empty"


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
def test_a_file_that_fails_its_checksum_is_written_again(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, damage: str
) -> None:
    accounts = book(engine, tmp_path, cipher)[:3]
    hand_over(engine, accounts)
    agency(engine, "A")
    data = tmp_path / "data"
    report = place(engine, data)
    (record,) = report.files
    path = data / record["path"]
    original = path.read_bytes()
    if damage == "corrupt":
        path.write_bytes(original.replace(b"P", b"Q", 1))
    else:
        path.unlink()

    with audit_transaction(engine) as connection:
        assert handover.state(data, record) == ("checksum_failed" if damage == "corrupt" else "missing")
        back = handover.read_back(connection, batch_id=report.batch_id, file_id=record["id"], data_dir=data,
                                  actor="manager1", now=NOW)  # fmt: skip

    assert back.state == ("checksum_failed" if damage == "corrupt" else "missing")
    assert back.content == original
    assert path.read_bytes() == original and handover.state(data, record) == "ok"
    with audit_transaction(engine) as connection:
        again = handover.read_back(connection, batch_id=report.batch_id, file_id=record["id"], data_dir=data,
                                   actor="manager1", now=NOW)  # fmt: skip
        assert again.state == "ok"
        rewritten = [
            one for one in AuditLog(connection).entries() if one.action == "agency.handover_rewritten"
        ]
        assert len(rewritten) == 1 and json.loads(rewritten[0].details)["same"] is True
