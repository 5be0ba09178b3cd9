"""A book for the outbox's tests and benchmarks: cardholders with a mobile each, an account each, and
queued messages (through the real ``enqueue``), seeded in bulk. Mobiles are 139 + the customer's
number; consent to be contacted outside the hours can be given so that a test or a benchmark does not
depend on the time of day it runs at (the rulebook's re-check still runs)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from arrears.kit.crypto import FieldCipher
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.models import CardAccount, ContactPoint, Customer, OutboxMessage, table_of

SEEDED = datetime(2026, 11, 20, 1, tzinfo=UTC)
CHUNK = 5_000


def mobile(number: int) -> str:
    return f"139{number:08d}"


def seed_cardholders(
    engine: Engine, cipher: FieldCipher, *, count: int, consent_outside_hours: bool = False, first: int = 1
) -> list[tuple[int, int, int]]:
    """``count`` cardholders: (customer id, account id, mobile point id) each."""
    c, a, p = table_of(Customer), table_of(CardAccount), table_of(ContactPoint)
    numbers = list(range(first, first + count))
    found: list[tuple[int, int, int]] = []
    with engine.begin() as connection:
        for start in range(0, count, CHUNK):
            part = numbers[start : start + CHUNK]
            customers = [{"customer_no": f"S{n}", "name": "王五", "national_id_enc": b"\x01",
                          "national_id_hash": f"h{n}", "national_id_masked": "1101**********1234",
                          "created_at": SEEDED, "updated_at": SEEDED} for n in part]  # fmt: skip
            customer_ids = [
                int(one)
                for one in connection.execute(
                    insert(c).returning(c.c.id, sort_by_parameter_order=True), customers
                ).scalars()
            ]
            accounts = [{"account_no": f"6222{n:010d}", "customer_id": cid, "product": "standard",
                         "currency": "CNY", "credit_limit_fen": 1_000_000, "principal_fen": 500_000,
                         "interest_fen": 0, "fee_fen": 0, "open_date": date(2020, 1, 1), "cycle_day": 1,
                         "due_day": 20, "status": "open", "dpd": 40, "bucket": "M2", "overdue_fen": 120_000,
                         "arrears_fen": 120_000, "arrears_due_date": date(2026, 10, 20),
                         "created_at": SEEDED, "updated_at": SEEDED}
                        for n, cid in zip(part, customer_ids, strict=True)]  # fmt: skip
            account_ids = [
                int(one)
                for one in connection.execute(
                    insert(a).returning(a.c.id, sort_by_parameter_order=True), accounts
                ).scalars()
            ]
            values = [mobile(n) for n in part]
            points = [{"customer_id": cid, "kind": "mobile", "value_enc": enc, "value_hash": digest,
                       "value_masked": value[:3] + "****" + value[-4:], "is_primary": True,
                       "consent_outside_hours": consent_outside_hours, "created_at": SEEDED}
                      for cid, value, enc, digest in zip(
                          customer_ids, values, cipher.encrypt_many(values), cipher.lookup_hashes(values),
                          strict=True)]  # fmt: skip
            point_ids = [
                int(one)
                for one in connection.execute(
                    insert(p).returning(p.c.id, sort_by_parameter_order=True), points
                ).scalars()
            ]
            found += list(zip(customer_ids, account_ids, point_ids, strict=True))
    return found


def queue_sms(
    engine: Engine,
    cardholders: list[tuple[int, int, int]],
    *,
    count: int,
    now: datetime,
    deadline: timedelta = timedelta(days=3),
    kind: str = "collection",
    prefix: str = "t",
    **values: Any,
) -> list[str]:
    """``count`` SMS spread over the cardholders, due now; their keys."""
    keys = []
    with engine.begin() as connection:
        for start in range(0, count, CHUNK):
            messages = []
            for index in range(start, min(count, start + CHUNK)):
                customer_id, account_id, point_id = cardholders[index % len(cardholders)]
                key = f"{prefix}:{index}"
                keys.append(key)
                messages.append(NewMessage(
                    key=key, channel="sms", source="system", not_before=now, deadline_at=now + deadline,
                    kind=kind, account_id=account_id, customer_id=customer_id, contact_point_id=point_id,
                    template="overdue", body=f"message {index}", **values,
                ))  # fmt: skip
            enqueue(connection, messages=messages, now=now)
    return keys


def statuses(engine: Engine) -> Counter[str]:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        rows = connection.execute(select(m.c.status, func.count()).group_by(m.c.status)).all()
    return Counter({row[0]: int(row[1]) for row in rows})


def written(directory: Path, channel: str = "sms") -> Counter[str]:
    """How many lines the file transport wrote for each key."""
    counts: Counter[str] = Counter()
    for path in sorted(directory.glob(f"{channel}-*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            counts.update(json.loads(line)["key"] for line in handle if line.endswith("\n"))
    return counts
