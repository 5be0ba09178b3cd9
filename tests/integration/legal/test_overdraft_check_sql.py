"""The malicious-overdraft check aggregates each account's pair in SQL, a range of account ids at a time
(SQLite and PostgreSQL). On generated books it records exactly the candidates, with the same evidence,
that the rulebook's entry point finds on every collection read into Python (``overdraft.selections``):
collections a microsecond either side of local midnight, zones with summer time, payments, reversals,
letters not delivered or not demands, calls that reached nobody, accounts paid up; and the pairs it
aggregates are the pairs ``select`` chooses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, literal_column, select

from arrears.legal import overdraft
from arrears.legal.overdraft_repository import OverdraftRepository, from_epoch_day, local_day_sql
from arrears.models import (
    CardAccount,
    ContactEvent,
    Customer,
    OutboxMessage,
    OverdraftCandidate,
    Payment,
    table_of,
)

NOW = datetime(2026, 6, 2, 1, tzinfo=UTC)
AS_OF = date(2026, 5, 31)
COLUMNS = ("account_id", "customer_id", "check_date", "status", "first_collection_on",
           "first_collection_kind", "second_collection_on", "second_collection_kind", "eligible_from",
           "last_payment_on", "overdue_fen", "principal_fen", "balance_fen", "dpd", "evidence")  # fmt: skip
TIMES = [time(0), time(0, 0, 0, 1), time(12), time(23, 59, 59), time(23, 59, 59, 999_600),
         time(23, 59, 59, 999_999)]  # fmt: skip
KINDS = ["reached", "no_answer", "third_party", "demand", "final_demand", "notice", "undelivered"]

# days where the rule's edges are: 30 and 29 days apart, three months before the check day, the check day
DAYS = st.sampled_from([-200, -150, -121, -120, -119, -93, -92, -91, -90, -31, -1, 0, 1])
collection = st.tuples(st.sampled_from(KINDS), DAYS, st.sampled_from(TIMES))
payment = st.tuples(DAYS, st.sampled_from([-1, 0, 1, 500_00]), st.booleans())
account = st.tuples(
    st.sampled_from([0, 52_000_00]), st.lists(collection, max_size=7), st.lists(payment, max_size=3)
)
book = st.lists(account, min_size=1, max_size=8)
NOON = time(12)
# the edges, always tried: a collection on the last payment's day does not count; one just before local
# midnight counts on its day (SQLite would round 23:59:59.9996 up to the next); a reversed payment is none
EDGES = [
    (52_000_00, [("demand", -150, NOON), ("reached", -120, NOON)], [(-150, 500_00, False)]),
    (52_000_00, [("demand", -121, time(23, 59, 59, 999_600)), ("reached", -91, NOON)], []),
    (52_000_00, [("final_demand", -150, NOON), ("reached", -120, NOON)], [(-130, 500_00, True)]),
    (0, [("demand", -150, NOON), ("reached", -120, NOON)], []),
]


@pytest.fixture
def small_spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(overdraft, "SPAN", 3)  # several ranges, a book's accounts split among them
    yield


def fill(engine: Engine, accounts: list[tuple[int, list[Any], list[Any]]], zone: ZoneInfo) -> None:
    tables = [OverdraftCandidate, Payment, OutboxMessage, ContactEvent, CardAccount, Customer]
    events, letters, payments, reversals = [], [], [], []
    for number, (_, found, paid) in enumerate(accounts, start=1):
        for kind, offset, clock in found:
            at = datetime.combine(AS_OF + timedelta(days=offset), clock, zone).astimezone(UTC)
            if kind in ("reached", "no_answer", "third_party"):
                events.append({"account_id": number, "customer_id": number, "at": at, "channel": "call",
                               "party": "third_party" if kind == "third_party" else "debtor",
                               "connected": kind != "no_answer", "conversation": kind != "no_answer",
                               "outcome": kind})  # fmt: skip
            else:
                key = f"L{number}-{len(letters)}"
                letters.append({
                    "idempotency_key": key, "channel": "letter", "source": "run", "account_id": number,
                    "customer_id": number, "template": "demand" if kind == "undelivered" else kind,
                    "created_at": at - timedelta(days=3), "not_before": at, "deadline_at": at,
                    "next_attempt_at": at, "status": "sent" if kind == "undelivered" else "delivered",
                    "delivered_at": None if kind == "undelivered" else at,
                    "tracking_no": None if len(letters) % 3 == 0 else f"EMS{key}",
                })  # fmt: skip
        for offset, fen, taken_back in paid:
            on = AS_OF + timedelta(days=offset)
            ref = f"P{number}-{len(payments)}"
            payments.append({"payment_ref": ref, "account_id": number, "paid_date": on, "amount_fen": fen,
                             "channel": "app"})  # fmt: skip
            if taken_back:
                reversals.append((ref, number, on, fen))
    with engine.begin() as connection:
        for table in tables:
            connection.execute(delete(table_of(table)))
        connection.execute(insert(table_of(Customer)), [
            {"id": n, "customer_no": f"C{n}", "name": f"n{n}", "national_id_enc": b"x",
             "national_id_hash": f"h{n}", "national_id_masked": "1***", "created_at": NOW, "updated_at": NOW}
            for n in range(1, len(accounts) + 1)
        ])  # fmt: skip
        connection.execute(insert(table_of(CardAccount)), [
            {"id": n, "account_no": f"A{n:08d}", "customer_id": n, "product": "card", "currency": "CNY",
             "credit_limit_fen": 1, "principal_fen": 40_000_00 + n, "interest_fen": n, "fee_fen": 0,
             "open_date": date(2020, 1, 1), "cycle_day": 5, "due_day": 25, "status": "active", "dpd": 100 + n,
             "overdue_fen": overdue, "created_at": NOW, "updated_at": NOW}
            for n, (overdue, _, _) in enumerate(accounts, start=1)
        ])  # fmt: skip
        for table, rows in ((ContactEvent, events), (OutboxMessage, letters), (Payment, payments)):
            if rows:
                connection.execute(insert(table_of(table)), rows)
        p = table_of(Payment)
        for ref, number, on, fen in reversals:
            original = connection.execute(select(p.c.id).where(p.c.payment_ref == ref)).scalar_one()
            connection.execute(insert(p).values(payment_ref=f"R{ref}", account_id=number, paid_date=on,
                                                amount_fen=-fen, channel="app", source="reversal",
                                                reverses_id=original))  # fmt: skip


def expected(engine: Engine, zone: ZoneInfo, as_of: date) -> dict[int, dict[str, Any]]:
    """The candidates of every collection read into Python and the entry point on each account."""
    with engine.connect() as connection:
        found = overdraft.selections(connection, as_of=as_of, zone=zone)
    return {
        account_id: {
            key: value
            for key, value in (
                overdraft._row(account, chosen, now=NOW)
                | {"account_id": account_id, "check_date": as_of, "status": "pending"}
            ).items()
            if key in COLUMNS
        }
        for account_id, (account, chosen) in found.items()
        if chosen.eligible
    }


def recorded(engine: Engine) -> dict[int, dict[str, Any]]:
    c = table_of(OverdraftCandidate)
    with engine.connect() as connection:
        rows = connection.execute(select(*[c.c[name] for name in COLUMNS])).mappings()
        return {int(row["account_id"]): dict(row) for row in rows}


@pytest.mark.usefixtures("small_spans")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    book, st.sampled_from(["Asia/Shanghai", "America/New_York"]), st.sampled_from([AS_OF, date(2026, 6, 1)])
)
@example(EDGES, "Asia/Shanghai", AS_OF)
@example(EDGES, "America/New_York", AS_OF)
def test_the_check_records_what_the_entry_point_finds_on_every_collection(
    engine: Engine, accounts: list[tuple[int, list[Any], list[Any]]], name: str, as_of: date
) -> None:
    zone = ZoneInfo(name)
    fill(engine, accounts, zone)
    wanted = expected(engine, zone, as_of)

    with engine.begin() as connection:
        result = overdraft.check(connection, as_of=as_of, zone=zone, now=NOW)

    assert recorded(engine) == wanted
    assert (result.candidates, result.added) == (len(wanted), len(wanted))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book, st.sampled_from(["Asia/Shanghai", "America/New_York"]))
@example(EDGES, "Asia/Shanghai")
@example(EDGES, "America/New_York")
def test_the_pairs_aggregated_in_sql_are_those_select_chooses(
    engine: Engine, accounts: list[tuple[int, list[Any], list[Any]]], name: str
) -> None:
    zone = ZoneInfo(name)
    fill(engine, accounts, zone)
    before = datetime.combine(AS_OF + timedelta(days=1), time(0), zone)

    with engine.connect() as connection:
        repository = OverdraftRepository(connection)
        taken_back = [one for _, one in repository.reversed_payments()]
        rows = repository.pairs(1, len(accounts) + 1, before=before, as_of=AS_OF, zone=zone,
                                reversed_ids=taken_back)  # fmt: skip
        found = overdraft.selections(connection, as_of=AS_OF, zone=zone)

    aggregated = {
        int(row["id"]): (from_epoch_day(row["first_day"]), from_epoch_day(row["second_day"]),
                         None if row["last_day"] is None else from_epoch_day(row["last_day"]))
        for row in rows
    }  # fmt: skip
    chosen = {
        account_id: (one.first.on, one.second.on, None if one.last_payment is None else one.last_payment.on)
        for account_id, (account, one) in found.items()
        if one.first is not None and one.second is not None and account["overdue_fen"] > 0
    }
    assert aggregated == chosen


def test_a_rerun_in_ranges_refreshes_removes_and_keeps_decisions(engine: Engine, small_spans: None) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    pair = [("demand", -150, time(10)), ("reached", -120, time(10))]
    fill(engine, [(52_000_00, pair, [])] * 7, zone)
    with engine.begin() as connection:
        overdraft.check(connection, as_of=AS_OF, zone=zone, now=NOW)
    c, p = table_of(OverdraftCandidate), table_of(Payment)
    with engine.begin() as connection:
        connection.execute(c.update().where(c.c.account_id == 2).values(status="not_referred", reason="r"))
        connection.execute(insert(p).values(payment_ref="late", account_id=5, paid_date=AS_OF, amount_fen=1,
                                            channel="app"))  # fmt: skip

    with engine.begin() as connection:
        result = overdraft.check(connection, as_of=AS_OF, zone=zone, now=NOW + timedelta(hours=1))

    assert (result.candidates, result.added, result.refreshed, result.removed) == (6, 0, 5, 1)
    statuses = {account_id: row["status"] for account_id, row in recorded(engine).items()}
    assert statuses == {
        1: "pending",
        2: "not_referred",
        3: "pending",
        4: "pending",
        6: "pending",
        7: "pending",
    }


# instants a microsecond either side of local midnight in Shanghai, New York (winter, summer), before 1970
MIDNIGHTS = [
    datetime(2026, 1, 10, 15, 59, 59, 999_600, tzinfo=UTC),
    datetime(2026, 1, 10, 16, tzinfo=UTC),
    datetime(2026, 1, 10, 15, 59, 59, 999_999, tzinfo=UTC),
    datetime(1969, 12, 31, 15, 59, 59, 999_600, tzinfo=UTC),
    datetime(1969, 12, 31, 16, tzinfo=UTC),
    datetime(2026, 3, 8, 4, 59, 59, 999_600, tzinfo=UTC),
    datetime(2026, 3, 8, 5, tzinfo=UTC),
    datetime(2026, 3, 9, 3, 59, 59, 999_600, tzinfo=UTC),
    datetime(2026, 3, 9, 4, tzinfo=UTC),
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(1900, 1, 2), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"]),
)
@example(MIDNIGHTS, "Asia/Shanghai")
@example(MIDNIGHTS, "America/New_York")
def test_the_local_day_sql_gives_is_the_day_python_gives(
    engine: Engine, moments: list[datetime], name: str
) -> None:
    zone = ZoneInfo(name)
    fill(engine, [(0, [], [])], zone)
    e = table_of(ContactEvent)
    rows = [{"account_id": 1, "customer_id": 1, "at": moment, "channel": "call", "party": "debtor",
             "connected": True, "conversation": True, "outcome": "right_party"}
            for moment in moments]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(e), rows)
        day = literal_column(
            local_day_sql(connection.dialect.name, "contact_event.at", zone, datetime(2100, 1, 1, tzinfo=UTC))
        )
        found = connection.execute(select(e.c.at, day).order_by(e.c.id)).all()

    assert [from_epoch_day(on) for _, on in found] == [moment.astimezone(zone).date() for moment in moments]
    assert [at for at, _ in found] == moments
