"""The post's tracking file attacked: a letter returned twice (the same file with a corrected date, or a
later file) is one failure of its address, not two."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from letter_book import DAY, NOW, seed, settings_for
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.messaging.inbound_rules import InboundRules
from arrears.messaging.letters import render_letters
from arrears.messaging.letters.tracking import TrackingSummary, load_tracking, read_tracking
from arrears.models import ContactPoint, table_of

LATER = NOW + timedelta(days=5)


def _load(engine: Engine, path: Path, text: str) -> TrackingSummary:
    path.write_text(text, encoding="utf-8")
    rules = InboundRules(opt_out_keywords=frozenset(), invalid_after=2)
    with engine.begin() as connection:
        return load_tracking(
            connection, rows=read_tracking(path), now=LATER, zone="Asia/Shanghai", rules=rules, file=path.name
        )


def test_a_letter_returned_twice_counts_once_against_its_address(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (holder,) = seed(engine, cipher, count=1)
    with engine.begin() as connection:
        render_letters(connection, run_date=DAY, out_dir=tmp_path / "print", now=NOW, cipher=cipher,
                       settings=settings_for(tmp_path), workers=1)  # fmt: skip
    header = "letter_id,tracking_no,status,date\n"

    first = _load(engine, tmp_path / "a.csv", f"{header}letters-{DAY}#000001,EA1,returned,2026-11-27\n")
    again = _load(
        engine,
        tmp_path / "b.csv",
        f"{header}letters-{DAY}#000001,EA1,returned,2026-11-28\nletters-{DAY}#000001,EA2,returned,2026-11-28\n",
    )

    p = table_of(ContactPoint)
    with engine.connect() as connection:
        point = connection.execute(select(p).where(p.c.id == holder.address_id)).mappings().one()
    assert point["failed_sends"] == 1 and point["invalid_at"] is None
    assert (first.returned, again.returned, again.invalidated) == (1, 0, 0)
