"""The order and the limits of a visit's steps (SQLite and PostgreSQL): no check-in outside the visiting
hours, one open check-in per pair, no check-out without an outcome."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fieldwork_book import HOME, ZONE, build_fieldwork_book, user
from sqlalchemy import Engine, select

from arrears.audit.repository import AuditLog, audit_transaction
from arrears.compliance import load_policy
from arrears.models import VisitStop, table_of
from arrears.visits import fieldwork
from arrears.visits.fieldwork import Outcome, Protocol, VisitRefused

DAY = date(2026, 11, 23)
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
CN = load_policy("cn")
SEEN = Protocol(
    staff_count=2,
    staff_id_shown=True,
    identity_confirmed=True,
    recording_on=True,
    situation_heard=True,
    solution_offered="plan",
    agreement="reached",
)


@pytest.fixture
def stops(engine: Engine, tmp_path: Path, cipher: object) -> dict[str, list[int]]:
    return build_fieldwork_book(engine, tmp_path, cipher, DAY)  # type: ignore[arg-type]


def _stop(engine: Engine, stop_id: int) -> dict[str, object]:
    s = table_of(VisitStop)
    with engine.connect() as connection:
        return dict(connection.execute(select(s).where(s.c.id == stop_id)).mappings().one())


def _check_in(engine: Engine, stop_id: int, *, at: datetime = MORNING, who: str = "visitor1") -> None:
    with audit_transaction(engine) as connection:
        fieldwork.check_in(
            connection,
            stop_id=stop_id,
            user=user(connection, who),
            lat=HOME[0],
            lon=HOME[1],
            policy=CN,
            zone="Asia/Shanghai",
            now=at,
        )


def _check_out(engine: Engine, stop_id: int, outcome: str | None, *, at: datetime = MORNING) -> None:
    with audit_transaction(engine) as connection:
        fieldwork.check_out(
            connection, stop_id=stop_id, user=user(connection, "visitor2"), outcome=outcome, now=at
        )


@pytest.mark.parametrize(
    "at", [datetime(2026, 11, 23, 3, 14, tzinfo=ZONE), datetime(2026, 11, 23, 22, 0, tzinfo=ZONE)]
)
def test_a_check_in_outside_the_visiting_hours_is_refused_by_the_rulebook(
    engine: Engine, stops: dict[str, list[int]], at: datetime
) -> None:
    with pytest.raises(VisitRefused) as refused:
        _check_in(engine, stops["a"][0], at=at)
    assert "CN-HOURS" in refused.value.rules and "CN-VISIT" not in refused.value.rules
    assert _stop(engine, stops["a"][0])["status"] == "planned"
    with engine.connect() as connection:
        assert AuditLog(connection).entries() == []  # nothing written (the edge audits the refusal)


def test_a_pair_has_one_open_check_in_at_a_time(engine: Engine, stops: dict[str, list[int]]) -> None:
    first, second = stops["a"]
    _check_in(engine, first)
    with pytest.raises(VisitRefused, match="check out"):
        _check_in(engine, second, who="visitor2")  # the other member of the pair: still one pair
    assert _stop(engine, second)["status"] == "planned"
    _check_in(engine, stops["b"][0], who="visitor3")  # another pair is not held up
    _check_out(engine, first, "no_contact", at=MORNING + timedelta(minutes=20))
    _check_in(engine, second, at=MORNING + timedelta(minutes=40))
    assert _stop(engine, second)["status"] == "checked_in"


def test_check_out_asks_for_an_outcome(engine: Engine, stops: dict[str, list[int]]) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    with pytest.raises(VisitRefused, match="outcome"):
        _check_out(engine, stop_id, None)
    with pytest.raises(VisitRefused):
        _check_out(engine, stop_id, "promise")  # not a reason to close a visit without its protocol
    assert _stop(engine, stop_id)["status"] == "checked_in"
    _check_out(engine, stop_id, "wrong_address", at=MORNING + timedelta(minutes=10))
    stop = _stop(engine, stop_id)
    assert stop["status"] == "done" and stop["outcome"] == "wrong_address"


def test_after_the_protocol_check_out_needs_the_recorded_outcome(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    with audit_transaction(engine) as connection:
        visitor = user(connection, "visitor1")
        fieldwork.submit_protocol(connection, stop_id=stop_id, user=visitor, protocol=SEEN, policy=CN,
                                  zone="Asia/Shanghai", now=MORNING)  # fmt: skip
    with pytest.raises(VisitRefused, match="outcome"):
        _check_out(engine, stop_id, "no_contact")
    with audit_transaction(engine) as connection:
        fieldwork.record_outcome(connection, stop_id=stop_id, user=user(connection, "visitor1"),
                                 outcome=Outcome(kind="none"), zone="Asia/Shanghai", now=MORNING)  # fmt: skip
    _check_out(engine, stop_id, None, at=MORNING + timedelta(minutes=25))
    assert _stop(engine, stop_id)["outcome"] == "no_agreement"


def test_two_members_checking_in_at_once_at_two_stops_give_one_check_in(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    """The first check-in stays uncommitted while the second one runs: the second waits for the pair's
    lock and is refused, instead of reading "no open check-in" before the first commits."""
    first, second = stops["a"]
    started, outcome = threading.Event(), {}

    def other_member() -> None:
        started.wait(10)
        try:
            _check_in(engine, second, who="visitor2")
            outcome["second"] = "checked_in"
        except VisitRefused:
            outcome["second"] = "refused"

    thread = threading.Thread(target=other_member)
    thread.start()
    with audit_transaction(engine) as connection:
        fieldwork.check_in(connection, stop_id=first, user=user(connection, "visitor1"), lat=HOME[0],
                           lon=HOME[1], policy=CN, zone="Asia/Shanghai", now=MORNING)  # fmt: skip
        started.set()
        thread.join(1.5)  # the other member's check-in waits for this transaction
    thread.join(30)
    assert outcome == {"second": "refused"}
    assert [_stop(engine, stop)["status"] for stop in (first, second)] == ["checked_in", "planned"]
