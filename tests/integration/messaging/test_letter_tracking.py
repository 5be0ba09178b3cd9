"""The post's tracking read back: tracking numbers and timeline events, delivered and returned letters,
a returned letter counting against its address, and bad files refused whole with row and column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from letter_book import DAY, NOW, Holder, events, message, seed, settings_for
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.messaging.inbound_rules import InboundRules
from arrears.messaging.letters import TrackingRefused, render_letters
from arrears.messaging.letters.tracking import TrackingSummary, load_tracking, read_tracking
from arrears.models import ContactPoint, table_of

LATER = NOW + timedelta(days=3)


def _rendered(engine: Engine, cipher: FieldCipher, tmp_path: Path, count: int = 2) -> list[Holder]:
    holders = seed(engine, cipher, count=count)
    with engine.begin() as connection:
        render_letters(connection, run_date=DAY, out_dir=tmp_path / "print", now=NOW, cipher=cipher,
                       settings=settings_for(tmp_path), workers=1)  # fmt: skip
    return holders


def _load(engine: Engine, path: Path, text: str, *, invalid_after: int = 3) -> TrackingSummary:
    path.write_text(text, encoding="utf-8")
    rules = InboundRules(opt_out_keywords=frozenset(), invalid_after=invalid_after)
    with engine.begin() as connection:
        return load_tracking(
            connection, rows=read_tracking(path), now=LATER, zone="Asia/Shanghai", rules=rules, file=path.name
        )


def _point(engine: Engine, point_id: int | None) -> dict[str, object]:
    p = table_of(ContactPoint)
    with engine.connect() as connection:
        return dict(connection.execute(select(p).where(p.c.id == point_id)).mappings().one())


def test_tracking_numbers_and_events_by_letter_id_or_account(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    first, second = _rendered(engine, cipher, tmp_path)
    text = (
        "letter_id,account_no,tracking_no,status,date\n"
        f"letters-{DAY}#000001,,EA123456789CN,posted,2026-11-24\n"
        f",{second.account_no},SF1002003004,posted,2026-11-25\n"
        f"letters-{DAY}#000001,,EA123456789CN,delivered,2026-11-26\n"
    )

    summary = _load(engine, tmp_path / "tracking.csv", text)

    assert (summary.applied, summary.delivered, summary.returned) == (3, 1, 0)
    delivered = message(engine, first.message_id)
    assert (delivered["tracking_no"], delivered["status"]) == ("EA123456789CN", "delivered")
    assert delivered["delivered_at"] is not None
    assert [status for status, _ in events(engine, first.message_id)][-2:] == ["posted", "delivered"]
    posted = message(engine, second.message_id)
    assert (posted["tracking_no"], posted["status"]) == ("SF1002003004", "sent")
    assert events(engine, second.message_id)[-1] == ("posted", "tracking SF1002003004 on 2026-11-25")


def test_a_returned_letter_fails_and_counts_against_its_address(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (holder,) = _rendered(engine, cipher, tmp_path, count=1)
    text = f"letter_id,tracking_no,status,date\nletters-{DAY}#000001,EA1,returned,2026-11-27\n"

    summary = _load(engine, tmp_path / "returned.csv", text, invalid_after=1)

    assert (summary.returned, summary.invalidated) == (1, 1)
    returned = message(engine, holder.message_id)
    assert returned["status"] == "failed" and "returned by the post" in returned["last_error"]
    address = _point(engine, holder.address_id)
    assert address["failed_sends"] == 1 and address["invalid_at"] is not None


def test_loading_the_same_file_again_changes_nothing(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (holder,) = _rendered(engine, cipher, tmp_path, count=1)
    text = f"letter_id,tracking_no,status,date\nletters-{DAY}#000001,EA1,returned,2026-11-27\n"
    _load(engine, tmp_path / "once.csv", text)

    again = _load(engine, tmp_path / "once.csv", text)

    assert (again.applied, again.unchanged) == (0, 1)
    assert _point(engine, holder.address_id)["failed_sends"] == 1
    assert [status for status, _ in events(engine, holder.message_id)].count("returned") == 1


def test_a_bad_file_is_refused_naming_row_and_column_and_nothing_is_applied(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (holder,) = _rendered(engine, cipher, tmp_path, count=1)
    text = (
        "letter_id,tracking_no,status,date\n"
        f"letters-{DAY}#000001,EA1,posted,2026-11-24\n"
        f"letters-{DAY}#000001,EA1,lost,2026-11-25\n"
        f"letters-{DAY}#000001,EA1,posted,2026-13-01\n"
    )

    with pytest.raises(TrackingRefused) as refused:
        _load(engine, tmp_path / "bad.csv", text)

    assert refused.value.problems == (
        "bad.csv row 3, column status: 'lost' is not one of posted, delivered, returned",
        "bad.csv row 4, column date: '2026-13-01' is not a date from 1900-01-01 to 2999-12-31 (YYYY-MM-DD)",
    )
    assert message(engine, holder.message_id)["tracking_no"] is None


def test_a_letter_that_was_never_rendered_is_refused(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (holder,) = _rendered(engine, cipher, tmp_path, count=1)
    text = (
        "letter_id,account_no,tracking_no,status,date\n"
        f"letters-{DAY}#000001,,EA1,posted,2026-11-24\n"
        f"letters-{DAY}#000009,,EA2,posted,2026-11-24\n"
        f",6222000000000000,EA3,posted,2026-11-24\n"
        f"letters-{DAY}#000001,,EA1,delivered,2026-11-23\n"
    )

    with pytest.raises(TrackingRefused) as refused:
        _load(engine, tmp_path / "unknown.csv", text)

    assert [line.split(":")[0] for line in refused.value.problems] == [
        "unknown.csv row 3, column letter_id",
        "unknown.csv row 4, column account_no",
        "unknown.csv row 5, column date",
    ]
    assert events(engine, holder.message_id)[-1][0] == "sent"
