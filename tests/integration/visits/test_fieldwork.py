"""The visitor's day against the store (SQLite and PostgreSQL): check-in, the protocol under the
rulebook, the outcome's promise and follow-up, photos, check-out, and the pair's scope."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fieldwork_book import HOME, ZONE, build_fieldwork_book, user
from sqlalchemy import Engine, select

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.compliance import load_policy
from arrears.kit.crypto import FieldCipher
from arrears.models import ContactEvent, FollowUpTask, PromiseToPay, VisitPhoto, VisitStop, table_of
from arrears.visits import fieldwork, photos
from arrears.visits.fieldwork import Outcome, Protocol, StopNotFound, VisitRefused

DAY = date(2026, 11, 23)
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
AGREED = Protocol(
    staff_count=2,
    staff_id_shown=True,
    identity_confirmed=True,
    recording_on=True,
    consent_to_enter=True,
    situation_heard=True,
    reason="income_loss",
    solution_offered="promise",
    agreement="reached",
)
CN = load_policy("cn")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


@pytest.fixture
def stops(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> dict[str, list[int]]:
    return build_fieldwork_book(engine, tmp_path, cipher, DAY)


def _stop(engine: Engine, stop_id: int) -> dict[str, object]:
    s = table_of(VisitStop)
    with engine.connect() as connection:
        return dict(connection.execute(select(s).where(s.c.id == stop_id)).mappings().one())


def _check_in(
    engine: Engine,
    stop_id: int,
    lat: float | None = HOME[0],
    lon: float | None = HOME[1],
    who: str = "visitor1",
    at: datetime = MORNING,
) -> dict[str, object]:
    with audit_transaction(engine) as connection:
        return fieldwork.check_in(
            connection,
            stop_id=stop_id,
            user=user(connection, who),
            lat=lat,
            lon=lon,
            policy=CN,
            zone="Asia/Shanghai",
            now=at,
        )


def _protocol(engine: Engine, stop_id: int, protocol: Protocol = AGREED, at: datetime = MORNING) -> None:
    with audit_transaction(engine) as connection:
        fieldwork.submit_protocol(
            connection,
            stop_id=stop_id,
            user=user(connection, "visitor2"),
            protocol=protocol,
            policy=CN,
            zone="Asia/Shanghai",
            now=at,
        )


def test_the_route_of_the_day_lists_the_pairs_stops_masked(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    with engine.connect() as connection:
        route = fieldwork.todays_route(connection, user=user(connection, "visitor2"), today=DAY)
        other_day = fieldwork.todays_route(
            connection, user=user(connection, "visitor2"), today=DAY + timedelta(1)
        )
    assert route is not None and [stop["id"] for stop in route["stops"]] == stops["a"]
    assert all("*" in stop["customer_name"] for stop in route["stops"])
    assert other_day is None


def test_check_in_records_the_distance_and_flags_far_or_unknown(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    near = _check_in(engine, stops["a"][0], lat=HOME[0] + 0.0016)  # about 178 m north
    assert 170 < near["check_in_distance_m"] < 185 and near["check_in_far"] is False  # type: ignore[operator]
    stored = _stop(engine, stops["a"][0])
    assert stored["status"] == "checked_in" and stored["expected_checkout_at"] == MORNING + timedelta(
        minutes=30
    )
    with pytest.raises(VisitRefused):
        _check_in(engine, stops["a"][0])  # once only
    with audit_transaction(engine) as connection:
        fieldwork.check_out(connection, stop_id=stops["a"][0], user=user(connection, "visitor1"),
                            outcome="no_contact", now=MORNING + timedelta(minutes=20))  # fmt: skip
    far = _check_in(engine, stops["a"][1], lat=HOME[0] - 0.01)  # the second stop is 0.01 deg north: ~2.2 km
    assert far["check_in_far"] is True and far["check_in_distance_m"] > 2_000  # type: ignore[operator]


def test_a_check_in_without_a_position_is_flagged(engine: Engine, stops: dict[str, list[int]]) -> None:
    unknown = _check_in(engine, stops["a"][0], lat=None, lon=None)
    assert unknown["check_in_distance_m"] is None and unknown["check_in_far"] is True


@pytest.mark.parametrize(
    ("change", "at", "rule"),
    [
        ({"staff_count": 1}, MORNING, "CN-VISIT"),
        ({"recording_on": False}, MORNING, "CN-VISIT"),
        ({}, datetime(2026, 11, 23, 22, 30, tzinfo=ZONE), "CN-HOURS"),
        ({}, datetime(2026, 11, 23, 7, 45, tzinfo=ZONE), "CN-HOURS"),
    ],
)
def test_the_rulebook_refuses_the_visit(
    engine: Engine, stops: dict[str, list[int]], change: dict[str, object], at: datetime, rule: str
) -> None:
    _check_in(engine, stops["a"][0])  # inside the hours: only the protocol comes at `at`
    with pytest.raises(VisitRefused) as refused:
        _protocol(engine, stops["a"][0], AGREED.model_copy(update=change), at=at)
    assert rule in refused.value.rules
    assert _stop(engine, stops["a"][0])["protocol"] is None


def test_the_staff_must_show_their_ids(engine: Engine, stops: dict[str, list[int]]) -> None:
    _check_in(engine, stops["a"][0])
    with pytest.raises(VisitRefused):
        _protocol(engine, stops["a"][0], AGREED.model_copy(update={"staff_id_shown": False}))


def test_the_protocol_needs_a_check_in_and_consent_before_entering(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    with pytest.raises(VisitRefused):
        _protocol(engine, stops["a"][0])
    with pytest.raises(ValueError, match="consent"):
        Protocol.model_validate(AGREED.model_dump() | {"entered_home": True, "consent_to_enter": False})


def test_an_outcome_with_a_promise_creates_the_promise_and_a_follow_up(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    _protocol(engine, stop_id)
    promised = DAY + timedelta(days=7)
    with audit_transaction(engine) as connection:
        result = fieldwork.record_outcome(
            connection,
            stop_id=stop_id,
            user=user(connection, "visitor1"),
            zone="Asia/Shanghai",
            now=MORNING,
            outcome=Outcome(kind="promise", amount_fen=120_000, promised_date=promised),
        )
    with engine.connect() as connection:
        promise = connection.execute(select(table_of(PromiseToPay))).mappings().one()
        task = connection.execute(select(table_of(FollowUpTask))).mappings().one()
        event = connection.execute(select(table_of(ContactEvent))).mappings().one()
    stop = _stop(engine, stop_id)
    assert promise["id"] == result["promise_id"] and promise["amount_fen"] == 120_000
    assert promise["status"] == "open" and promise["promised_date"] == promised and promise["taken_on"] == DAY
    assert promise["account_id"] == stop["account_id"]
    assert (
        task["kind"] == "promise_check"
        and task["due_date"] == promised
        and task["promise_id"] == promise["id"]
    )
    assert task["source_stop_id"] == stop_id and task["status"] == "open"
    assert event["channel"] == "visit" and event["outcome"] == "promise" and event["reason"] == "income_loss"
    assert stop["outcome"] == "promise" and json.loads(str(stop["protocol"]))["outcome"]["kind"] == "promise"


@pytest.mark.parametrize("days", [31, 365])
def test_a_visit_promise_falls_due_within_the_promise_window(
    engine: Engine, stops: dict[str, list[int]], days: int
) -> None:
    """As on a call: a promise further out than the promise window is a plan, not a promise."""
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    _protocol(engine, stop_id)
    with audit_transaction(engine) as connection, pytest.raises(VisitRefused, match="30"):
        fieldwork.record_outcome(
            connection,
            stop_id=stop_id,
            user=user(connection, "visitor1"),
            zone="Asia/Shanghai",
            now=MORNING,
            outcome=Outcome(kind="promise", amount_fen=100, promised_date=DAY + timedelta(days=days)),
        )
    with engine.connect() as connection:
        assert connection.execute(select(table_of(PromiseToPay))).first() is None


def test_an_agreed_plan_leaves_a_task_to_propose_it(engine: Engine, stops: dict[str, list[int]]) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    _protocol(engine, stop_id, AGREED.model_copy(update={"solution_offered": "plan"}))
    with audit_transaction(engine) as connection:
        fieldwork.record_outcome(
            connection,
            stop_id=stop_id,
            user=user(connection, "visitor1"),
            zone="Asia/Shanghai",
            now=MORNING,
            outcome=Outcome(kind="plan", plan_months=6, plan_first_due_date=DAY + timedelta(days=20)),
        )
    with engine.connect() as connection:
        task = connection.execute(select(table_of(FollowUpTask))).mappings().one()
    assert task["kind"] == "plan_proposal" and task["due_date"] == DAY
    assert json.loads(str(_stop(engine, stop_id)["protocol"]))["outcome"]["plan"]["months"] == 6


def test_a_refusal_takes_no_promise(engine: Engine, stops: dict[str, list[int]]) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    _protocol(
        engine, stop_id, AGREED.model_copy(update={"solution_offered": "promise", "agreement": "refused"})
    )
    with audit_transaction(engine) as connection, pytest.raises(VisitRefused):
        fieldwork.record_outcome(
            connection,
            stop_id=stop_id,
            user=user(connection, "visitor1"),
            zone="Asia/Shanghai",
            now=MORNING,
            outcome=Outcome(kind="promise", amount_fen=100, promised_date=DAY),
        )


def test_a_photo_is_stored_encrypted(
    engine: Engine, stops: dict[str, list[int]], cipher: FieldCipher
) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    with audit_transaction(engine) as connection:
        visitor = user(connection, "visitor1")
        photo_id = photos.add_photo(
            connection,
            stop_id=stop_id,
            user=visitor,
            content_type="image/png",
            data=PNG,
            cipher=cipher,
            now=MORNING,
        )
        with pytest.raises(VisitRefused):
            photos.add_photo(
                connection,
                stop_id=stop_id,
                user=visitor,
                content_type="text/html",
                data=b"<script>",
                cipher=cipher,
                now=MORNING,
            )
        with pytest.raises(VisitRefused):  # the content does not match the type
            photos.add_photo(
                connection,
                stop_id=stop_id,
                user=visitor,
                content_type="image/jpeg",
                data=PNG,
                cipher=cipher,
                now=MORNING,
            )
        with pytest.raises(VisitRefused):
            photos.add_photo(
                connection,
                stop_id=stop_id,
                user=visitor,
                content_type="image/png",
                data=PNG + bytes(photos.MAX_PHOTO_BYTES),
                cipher=cipher,
                now=MORNING,
            )
    with engine.connect() as connection:
        stored = connection.execute(select(table_of(VisitPhoto).c.data_enc)).scalar_one()
        kind, data = photos.photo_bytes(
            connection, stop_id=stop_id, photo_id=photo_id, user=user(connection, "visitor2"), cipher=cipher
        )
    assert PNG not in bytes(stored) and bytes(stored) != PNG
    assert (kind, data) == ("image/png", PNG)


def test_check_out_closes_the_visit(engine: Engine, stops: dict[str, list[int]]) -> None:
    stop_id = stops["a"][0]
    _check_in(engine, stop_id)
    later = MORNING + timedelta(minutes=25)
    with audit_transaction(engine) as connection:
        fieldwork.check_out(
            connection, stop_id=stop_id, user=user(connection, "visitor2"), outcome="no_contact", now=later
        )
    stop = _stop(engine, stop_id)
    assert stop["status"] == "done" and stop["checked_out_at"] == later and stop["outcome"] == "no_contact"
    with audit_transaction(engine) as connection, pytest.raises(VisitRefused):
        fieldwork.check_out(
            connection, stop_id=stop_id, user=user(connection, "visitor2"), outcome="no_contact", now=later
        )
    with engine.connect() as connection:
        entries = AuditLog(connection).entries()
    assert [entry.action for entry in entries] == ["visit.checked_in", "visit.checked_out"] and verify(
        entries
    ) == []


def test_another_pairs_stop_is_not_found(engine: Engine, stops: dict[str, list[int]]) -> None:
    theirs = stops["b"][0]
    with pytest.raises(StopNotFound):
        _check_in(engine, theirs, who="visitor1")
    with engine.connect() as connection, pytest.raises(StopNotFound):
        fieldwork.stop_dossier(connection, stop_id=theirs, user=user(connection, "visitor2"))
    with engine.connect() as connection, pytest.raises(StopNotFound):
        fieldwork.stop_dossier(connection, stop_id=999_999, user=user(connection, "visitor2"))
    assert _stop(engine, theirs)["status"] == "planned"


def test_the_dossier_is_masked(engine: Engine, stops: dict[str, list[int]]) -> None:
    with engine.connect() as connection:
        dossier = fieldwork.stop_dossier(connection, stop_id=stops["a"][0], user=user(connection, "visitor1"))
    assert dossier["case"] is not None and "*" in dossier["case"]["customer"]["name"]
    assert dossier["protocol"] is None and dossier["photos"] == [] and dossier["tasks"] == []


def test_haversine() -> None:
    assert fieldwork.haversine_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-3)
    assert fieldwork.haversine_m(*HOME, *HOME) == 0
