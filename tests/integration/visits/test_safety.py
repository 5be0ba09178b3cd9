"""Safety alerts (SQLite and PostgreSQL): a missed check-out, the panic button, the team lead's list
and the audited acknowledgement."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fieldwork_book import HOME, ZONE, build_fieldwork_book, user
from sqlalchemy import Engine, select

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.compliance import load_policy
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import SafetyAlert, VisitStop, table_of
from arrears.visits import fieldwork, safety

DAY = date(2026, 11, 23)
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
CN = load_policy("cn")


@pytest.fixture
def stops(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> dict[str, list[int]]:
    return build_fieldwork_book(engine, tmp_path, cipher, DAY)


def _check_in(engine: Engine, stop_id: int, who: str) -> None:
    with audit_transaction(engine) as connection:
        fieldwork.check_in(connection, stop_id=stop_id, user=user(connection, who), lat=HOME[0], lon=HOME[1],
                           policy=CN, zone="Asia/Shanghai", now=MORNING)  # fmt: skip


def _raise(engine: Engine, at: datetime) -> list[int]:
    with audit_transaction(engine) as connection:
        return safety.raise_missed_checkouts(connection, now=at)


def _route_of(engine: Engine, stop_id: int) -> int:
    s = table_of(VisitStop)
    with engine.connect() as connection:
        return int(connection.execute(select(s.c.route_id).where(s.c.id == stop_id)).scalar_one())


def test_a_missed_check_out_raises_exactly_one_alert(engine: Engine, stops: dict[str, list[int]]) -> None:
    _check_in(engine, stops["b"][0], "visitor3")  # checked out in time: no alert
    with audit_transaction(engine) as connection:
        fieldwork.check_out(
            connection,
            stop_id=stops["b"][0],
            user=user(connection, "visitor3"),
            outcome="no_contact",
            now=MORNING + timedelta(minutes=20),
        )
    _check_in(engine, stops["a"][0], "visitor1")  # expected out at 10:30, alerted after 10:45
    assert _raise(engine, MORNING + timedelta(minutes=44)) == []
    raised = _raise(engine, MORNING + timedelta(minutes=46))
    assert len(raised) == 1
    assert _raise(engine, MORNING + timedelta(hours=2)) == []  # once per stop
    with engine.connect() as connection:
        alert = connection.execute(select(table_of(SafetyAlert))).mappings().one()
        entries = AuditLog(connection).entries()
    assert alert["kind"] == "missed_checkout" and alert["stop_id"] == stops["a"][0]
    assert entries[-1].action == "safety.raised" and entries[-1].actor == safety.SYSTEM_ACTOR


def test_the_panic_button_alerts_at_once_with_the_position(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    route_id = _route_of(engine, stops["a"][0])
    with audit_transaction(engine) as connection:
        alert_id = safety.panic(
            connection,
            user=user(connection, "visitor2"),
            route_id=route_id,
            stop_id=stops["a"][0],
            lat=22.5,
            lon=113.4,
            now=MORNING,
        )
    with engine.connect() as connection:
        alerts = safety.open_alerts(connection, user=user(connection, "team_lead1"))
    assert [(a["id"], a["kind"], a["lat"], a["lon"]) for a in alerts] == [(alert_id, "panic", 22.5, 113.4)]
    with audit_transaction(engine) as connection, pytest.raises(NotFound):
        safety.panic(
            connection,
            user=user(connection, "visitor3"),
            route_id=route_id,
            stop_id=None,
            lat=None,
            lon=None,
            now=MORNING,
        )


def test_a_team_lead_sees_the_teams_pairs_and_a_manager_all(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    _check_in(engine, stops["a"][0], "visitor1")
    _check_in(engine, stops["b"][0], "visitor3")
    assert len(_raise(engine, MORNING + timedelta(hours=1))) == 2
    with engine.connect() as connection:
        lead = safety.open_alerts(connection, user=user(connection, "team_lead1"))
        manager = safety.open_alerts(connection, user=user(connection, "manager1"))
        visitor = safety.open_alerts(connection, user=user(connection, "visitor1"))
    assert [alert["stop_id"] for alert in lead] == [stops["a"][0]]
    assert sorted(alert["stop_id"] for alert in manager) == sorted([stops["a"][0], stops["b"][0]])
    assert visitor == []


def test_acknowledging_is_audited_and_the_chain_verifies(engine: Engine, stops: dict[str, list[int]]) -> None:
    _check_in(engine, stops["a"][0], "visitor1")
    _check_in(engine, stops["b"][0], "visitor3")
    mine, theirs = _raise(engine, MORNING + timedelta(hours=1))
    at = MORNING + timedelta(hours=1, minutes=2)
    with audit_transaction(engine) as connection:
        safety.acknowledge(
            connection, alert_id=mine, user=user(connection, "team_lead1"), note="called", now=at
        )
    with audit_transaction(engine) as connection, pytest.raises(ArrearsError):
        safety.acknowledge(connection, alert_id=mine, user=user(connection, "team_lead1"), note=None, now=at)
    with audit_transaction(engine) as connection, pytest.raises(safety.AlertNotFound):
        safety.acknowledge(
            connection, alert_id=theirs, user=user(connection, "team_lead1"), note=None, now=at
        )
    with engine.connect() as connection:
        alert = connection.execute(
            select(table_of(SafetyAlert)).where(table_of(SafetyAlert).c.id == mine)
        ).one()
        entries = AuditLog(connection).entries()
        still_open = safety.open_alerts(connection, user=user(connection, "team_lead1"))
    assert alert.acknowledged_at == at and alert.note == "called"
    assert alert.acknowledged_by_id is not None and still_open == []
    acknowledged = [entry for entry in entries if entry.action == "safety.acknowledged"]
    assert (
        len(acknowledged) == 1
        and acknowledged[0].actor == "team_lead1"
        and acknowledged[0].subject_id == str(mine)
    )
    assert verify(entries) == []


def _panic(engine: Engine, stop_id: int, who: str) -> int:
    with audit_transaction(engine) as connection:
        return safety.panic(connection, user=user(connection, who), route_id=_route_of(engine, stop_id),
                            stop_id=stop_id, lat=None, lon=None, now=MORNING)  # fmt: skip


def test_a_panic_of_a_team_without_a_lead_reaches_the_field_supervisor(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    """Pair B's team (phone-b) has no team lead: the field supervisor named in the settings is told."""
    alert_id = _panic(engine, stops["b"][0], "visitor3")
    supervisors = ("team_lead1",)  # leads another team, and is the field supervisor
    with engine.connect() as connection:
        told = safety.recipients(
            connection, route_id=_route_of(engine, stops["b"][0]), supervisors=supervisors
        )
        seen = safety.open_alerts(connection, user=user(connection, "team_lead1"), supervisors=supervisors)
    assert told.kind == "field_supervisor" and told.names == ("team_lead one",)
    assert [alert["id"] for alert in seen] == [alert_id]
    with audit_transaction(engine) as connection:
        safety.acknowledge(connection, alert_id=alert_id, user=user(connection, "team_lead1"), note=None,
                           now=MORNING, supervisors=supervisors)  # fmt: skip


def test_without_a_lead_or_a_supervisor_every_manager_is_told(
    engine: Engine, stops: dict[str, list[int]]
) -> None:
    alert_id = _panic(engine, stops["b"][0], "visitor3")
    with engine.connect() as connection:
        told = safety.recipients(connection, route_id=_route_of(engine, stops["b"][0]), supervisors=())
        lead = safety.open_alerts(connection, user=user(connection, "team_lead1"), supervisors=())
        manager = safety.open_alerts(connection, user=user(connection, "manager1"), supervisors=())
    assert told.kind == "managers" and told.names == ("manager one",)
    assert lead == [] and [alert["id"] for alert in manager] == [alert_id]


def test_a_team_with_a_lead_tells_its_lead(engine: Engine, stops: dict[str, list[int]]) -> None:
    with engine.connect() as connection:
        told = safety.recipients(
            connection, route_id=_route_of(engine, stops["a"][0]), supervisors=("manager1",)
        )
    assert told.kind == "team_lead" and told.names == ("team_lead one",)
