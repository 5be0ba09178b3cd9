"""The visitor's day: today's route, the stop's dossier, check-in, the visit protocol, the outcome,
photos and check-out.

Only the two members of the stop's pair may act on it (anyone else gets :class:`StopNotFound`, the
same answer as for a stop that does not exist). The protocol is decided by the one rulebook
(``arrears.compliance``, rules CN-VISIT, CN-HOURS and CN-HOLD with the ``cn`` policy). Services never
commit; every step appends to the audit chain, so the edge runs them in ``audit_transaction``.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.accounts.case_file import case_file
from arrears.arrangements.rules import FIRST_DUE_WITHIN_DAYS
from arrears.audit.repository import AuditLog
from arrears.compliance import Policy, check
from arrears.contacts.call_rules import CallLimits, CallRefused, check_promise_date
from arrears.contacts.repository import ContactRepository
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.localtime import local_text
from arrears.kit.masking import mask_name
from arrears.users.permissions import require
from arrears.users.service import StaffUser
from arrears.visits.fieldwork_repository import FieldworkRepository
from arrears.visits.schemas import CLOSING_REASONS, Outcome, Protocol

FAR_METRES = 300.0  # a check-in farther than this from the address is flagged
EARTH_RADIUS_M = 6_371_008.8


class StopNotFound(NotFound):
    """No such stop, or not one of the user's pair's stops (one answer for both)."""


class VisitRefused(ArrearsError):
    """The step is not allowed now (the rulebook or the order of the steps says no)."""

    def __init__(self, message_en: str, message_zh: str, rules: tuple[str, ...] = ()) -> None:
        super().__init__(message_en, message_zh)
        self.rules = rules


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def todays_route(connection: Connection, *, user: StaffUser, today: date) -> dict[str, Any] | None:
    """The route of ``today`` of the user's pair, its stops in order (names masked), or None."""
    repository = FieldworkRepository(connection)
    route = repository.route_of(user_id=user.id, plan_date=today)
    if route is None:
        return None
    stops = repository.stops_of(route["id"])
    for stop in stops:
        stop["customer_name"] = mask_name(stop["customer_name"])
    return route | {"stops": stops}


def pair_stop(connection: Connection, stop_id: int, user: StaffUser, *, lock: bool = False) -> dict[str, Any]:
    found = FieldworkRepository(connection).stop_for(stop_id=stop_id, user_id=user.id, lock=lock)
    if found is None:
        raise StopNotFound(f"no visit stop {stop_id}", f"没有外访任务 {stop_id}")
    return found


def stop_dossier(
    connection: Connection, *, stop_id: int, user: StaffUser, cipher: FieldCipher | None = None
) -> dict[str, Any]:
    """The stop, the account's case file (personal data masked; given the ``cipher``, also the
    cardholder's own phones, addresses and ID written in its notes), the protocol, photos and tasks."""
    stop = pair_stop(connection, stop_id, user)
    repository = FieldworkRepository(connection)
    return {
        "stop": stop,
        "protocol": json.loads(stop["protocol"]) if stop["protocol"] else None,
        "case": case_file(connection, stop["account_id"], cipher=cipher),
        "photos": repository.photos_of(stop_id),
        "tasks": repository.tasks_of_stop(stop_id),
    }


def audit_stop(
    connection: Connection, user: StaffUser, now: datetime, action: str, stop_id: int, details: dict[str, Any]
) -> None:
    AuditLog(connection).append(
        at=now,
        actor=user.username,
        action=action,
        subject_type="visit_stop",
        subject_id=str(stop_id),
        details=details,
    )


def _require(stop: dict[str, Any], *, status: str, en: str, zh: str) -> None:
    if stop["status"] != status:
        raise VisitRefused(en, zh)


def check_in(
    connection: Connection,
    *,
    stop_id: int,
    user: StaffUser,
    lat: float | None,
    lon: float | None,
    policy: Policy,
    zone: str,
    now: datetime,
) -> dict[str, Any]:
    """Records the arrival: the distance from the address (flagged beyond ``FAR_METRES``, and flagged
    when the position is unknown) and when the pair should be out again (now + service minutes).

    Refused (:class:`VisitRefused`) when the rulebook does not allow the visit now, by the same rules
    as the protocol but for the staff and recording (recorded with the protocol): outside the visiting
    hours, under a blocking hold; and while the pair is checked in at another stop. The pair's row is
    locked, so two check-ins of one pair cannot both pass."""
    stop = pair_stop(connection, stop_id, user, lock=True)
    _require(stop, status="planned", en="the visit is checked in already", zh="该外访已签到")
    _allowed(connection, stop, policy.model_copy(update={"visit": None}), None, zone=zone, now=now)
    repository = FieldworkRepository(connection)
    open_stop = repository.open_check_in(pair_id=stop["pair_id"], lock=True)
    if open_stop is not None:
        number = open_stop["sequence"]
        raise VisitRefused(
            f"the pair is checked in at visit {number}: check out there first",
            f"本组仍在第 {number} 个外访点签到中：请先在该处签退",
        )
    known = lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
    distance = haversine_m(stop["lat"], stop["lon"], lat, lon) if known else None  # type: ignore[arg-type]
    values = {
        "status": "checked_in",
        "checked_in_at": now,
        "check_in_lat": lat if known else None,
        "check_in_lon": lon if known else None,
        "check_in_distance_m": None if distance is None else round(distance, 1),
        "check_in_far": distance is None or distance > FAR_METRES,
        "expected_checkout_at": now + timedelta(minutes=stop["service_minutes"]),
    }
    repository.update_stop(stop_id, **values)
    details = {"distance_m": values["check_in_distance_m"], "far": values["check_in_far"]}
    audit_stop(connection, user, now, "visit.checked_in", stop_id, details)
    return values


def visit_situation(
    stop: dict[str, Any], protocol: Protocol | None, *, holds: list[str], zone: str, now: datetime
) -> dict[str, Any]:
    """The rulebook's input for this visit (the check contract of COMPLIANCE.md); before the protocol
    (``None``) the staff present and the recording are not known yet."""
    return {
        "id": f"stop-{stop['id']}",
        "now": now.isoformat(),
        "action": {
            "channel": "visit",
            "party": "debtor",
            "actor": "bank",
            "purpose": "collect",
            "discloses_debt": True,
            "staff_count": protocol.staff_count if protocol else None,
            "recording": protocol.recording_on if protocol else None,
        },
        "debtor": {"timezones": [zone], "holds": holds},
    }


def _allowed(
    connection: Connection,
    stop: dict[str, Any],
    policy: Policy,
    protocol: Protocol | None,
    *,
    zone: str,
    now: datetime,
) -> None:
    """Raises :class:`VisitRefused` with the rulebook's reason and rules unless it allows the visit now.
    The refusal is audited by the edge (``audit_refusal``): this transaction is rolled back."""
    holds = ContactRepository(connection).active_holds(
        customer_id=stop["customer_id"], account_id=stop["account_id"], at=now
    )
    decision = check(policy, visit_situation(stop, protocol, holds=holds, zone=zone, now=now))
    if decision.decision != "allow":
        later_en = later_zh = ""
        if decision.next_allowed_at is not None:  # in the visit's zone, labelled
            later = local_text(decision.next_allowed_at, ZoneInfo(zone))
            later_en, later_zh = f" (allowed from {later})", f"（{later} 起允许）"
        raise VisitRefused(decision.reason_en + later_en, decision.reason_zh + later_zh, decision.rules)


def audit_refusal(
    connection: Connection, *, stop_id: int, user: StaffUser, step: str, rules: tuple[str, ...], now: datetime
) -> None:
    """Appends ``visit.refused`` for a step the rulebook refused (in a transaction of its own, as the
    step's was rolled back); nothing when the stop is not the user's pair's."""
    if FieldworkRepository(connection).stop_for(stop_id=stop_id, user_id=user.id) is not None:
        audit_stop(connection, user, now, "visit.refused", stop_id, {"step": step, "rules": list(rules)})


def submit_protocol(
    connection: Connection,
    *,
    stop_id: int,
    user: StaffUser,
    protocol: Protocol,
    policy: Policy,
    zone: str,
    now: datetime,
) -> None:
    """Stores the protocol once the rulebook allows the visit (two staff, recording, inside the hours,
    no blocking hold) and the staff showed their IDs; :class:`VisitRefused` otherwise."""
    stop = pair_stop(connection, stop_id, user, lock=True)
    _require(stop, status="checked_in", en="check in before starting the visit", zh="请先签到再开始外访")
    _allowed(connection, stop, policy, protocol, zone=zone, now=now)
    if not protocol.staff_id_shown:
        raise VisitRefused("the staff must show their IDs first", "外访人员须先出示工作证件")
    FieldworkRepository(connection).update_stop(stop_id, protocol=protocol.model_dump_json())
    details = {"agreement": protocol.agreement, "offered": protocol.solution_offered}
    audit_stop(connection, user, now, "visit.protocol", stop_id, details)


def check_out(
    connection: Connection, *, stop_id: int, user: StaffUser, outcome: str | None, now: datetime
) -> str:
    """Closes the visit with its outcome, and returns it. After the protocol, the outcome is the one
    recorded (``record_outcome``) and check-out waits for it; without a protocol the pair says why the
    visit ends (one of ``CLOSING_REASONS``: nobody met, a wrong address, broken off)."""
    stop = pair_stop(connection, stop_id, user, lock=True)
    _require(stop, status="checked_in", en="the visit is not checked in", zh="该外访尚未签到")
    closing = stop["outcome"]
    if closing is None and stop["protocol"] is not None:
        raise VisitRefused("record the visit's outcome before checking out", "请先记录外访结果再签退")
    if closing is None and outcome not in CLOSING_REASONS:
        raise VisitRefused("choose the visit's outcome before checking out", "签退前请选择外访结果")
    closing = closing or outcome
    FieldworkRepository(connection).update_stop(stop_id, status="done", checked_out_at=now, outcome=closing)
    audit_stop(connection, user, now, "visit.checked_out", stop_id, {"outcome": closing})
    return str(closing)


def _outcome_code(protocol: dict[str, Any], outcome: Outcome) -> str:
    if outcome.kind != "none":
        return outcome.kind
    if not protocol["identity_confirmed"]:
        return "third_party"
    return "refused" if protocol["agreement"] == "refused" else "no_agreement"


def _follow_up(
    connection: Connection,
    stop: dict[str, Any],
    outcome: Outcome,
    *,
    user: StaffUser,
    today: date,
    now: datetime,
    promise_days: int,
) -> dict[str, Any]:
    """The promise (an ordinary promise to pay: the daily run settles it and escalates it when broken)
    and a task to check it on the promised date; or a task to propose the agreed plan."""
    repository = FieldworkRepository(connection)
    if outcome.kind == "promise":
        assert outcome.amount_fen is not None and outcome.promised_date is not None
        try:  # the same window as a promise taken on a call
            check_promise_date(promised=outcome.promised_date, today=today, max_days=promise_days)
        except CallRefused as refused:
            raise VisitRefused(refused.message_en, refused.message_zh) from None
        promise_id = repository.add_promise(
            account_id=stop["account_id"],
            amount_fen=outcome.amount_fen,
            taken_on=today,
            promised_date=outcome.promised_date,
            now=now,
        )
        task_id = repository.add_task(
            account_id=stop["account_id"],
            kind="promise_check",
            due_date=outcome.promised_date,
            stop_id=stop["id"],
            promise_id=promise_id,
            assigned_to_id=user.id,
            now=now,
        )
        return {"promise_id": promise_id, "task_id": task_id}
    if outcome.kind == "plan":
        assert outcome.plan_first_due_date is not None
        if outcome.plan_first_due_date < today:
            raise VisitRefused("the plan's first due date is in the past", "还款计划首期日期已过")
        if outcome.plan_first_due_date > today + timedelta(days=FIRST_DUE_WITHIN_DAYS):
            raise VisitRefused(
                f"a plan's first payment falls due within {FIRST_DUE_WITHIN_DAYS} days",
                f"还款计划首期须在 {FIRST_DUE_WITHIN_DAYS} 天内到期",
            )
        # the visitor agrees the terms; a collector or team lead proposes the plan (propose_plan)
        task_id = repository.add_task(
            account_id=stop["account_id"],
            kind="plan_proposal",
            due_date=today,
            stop_id=stop["id"],
            promise_id=None,
            assigned_to_id=None,
            now=now,
        )
        return {
            "task_id": task_id,
            "plan": {
                "months": outcome.plan_months,
                "first_due_date": outcome.plan_first_due_date.isoformat(),
            },
        }
    return {}


def record_outcome(
    connection: Connection,
    *,
    stop_id: int,
    user: StaffUser,
    outcome: Outcome,
    zone: str,
    now: datetime,
    promise_days: int = CallLimits().promise_days,
) -> dict[str, Any]:
    """Records the result of the visit after its protocol, with the promise or plan agreed, and logs
    the visit in the account's contact history. A promise needs ``promise:take``."""
    if outcome.kind == "promise":
        require(user.role, "promise:take")
    stop = pair_stop(connection, stop_id, user, lock=True)
    _require(stop, status="checked_in", en="the visit is not checked in", zh="该外访尚未签到")
    if stop["protocol"] is None:
        raise VisitRefused("record the visit protocol first", "请先填写外访记录")
    if stop["outcome"] is not None:
        raise VisitRefused("the outcome is recorded already", "外访结果已记录")
    protocol = json.loads(stop["protocol"])
    if outcome.kind != "none" and protocol["agreement"] != "reached":
        raise VisitRefused("no agreement was reached on the visit", "外访未达成协议")
    follow = _follow_up(
        connection, stop, outcome, user=user, today=local_date(now, zone), now=now, promise_days=promise_days
    )
    code = _outcome_code(protocol, outcome)
    protocol["outcome"] = {"kind": outcome.kind} | follow
    repository = FieldworkRepository(connection)
    repository.update_stop(stop_id, outcome=code, protocol=json.dumps(protocol, sort_keys=True))
    repository.add_contact(
        {
            "account_id": stop["account_id"],
            "customer_id": stop["customer_id"],
            "user_id": user.id,
            "at": now,
            "channel": "visit",
            "contact_point_id": stop["contact_point_id"],
            "party": "debtor" if protocol["identity_confirmed"] else "third_party",
            "connected": True,
            "conversation": bool(protocol["situation_heard"]),
            "outcome": code,
            "reason": protocol.get("reason"),
            "notes": protocol.get("notes"),
        }
    )
    audit_stop(connection, user, now, "visit.outcome", stop_id, {"outcome": code} | follow)
    return {"outcome": code} | follow
