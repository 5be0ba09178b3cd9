"""The demo's morning on its business date, made through the project's own services so that its
pages have a day on them: the two collectors work the call queue from 09:00 (each call claimed from the
queue, checked against the rulebook, then logged: no answer, busy, the cardholder reached with the
reason they give, promises to pay), the visitors' pair makes the first visit of its route (check-in
at the address, the protocol, a promise, check-out), and customer service logs two cardholders' calls
as service cases (a complaint, a hardship request). The clock is the business date's, in the
cardholders' time zone; outcomes follow fixed shares drawn with a fixed seed, so the demo is the same
every time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from arrears.compliance.policy import Policy
from arrears.contacts.call_rules import CallLimits
from arrears.contacts.callbacks import schedule_callback
from arrears.contacts.calls import CallLog, Promise, log_call
from arrears.contacts.dialling import call_check
from arrears.contacts.queue import QueueCapReached, claim_next
from arrears.contacts.rules import ContactBlocked
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, VisitRoute, VisitStop, table_of
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.rules import Intake
from arrears.servicedesk.setup import DeskSetup
from arrears.servicedesk.work import acknowledge
from arrears.users.service import StaffUser
from arrears.visits import fieldwork
from arrears.visits.schemas import Outcome, Protocol

CALLS_PER_COLLECTOR = 14
FIRST_CALL = time(9, 0)
CALL_EVERY = timedelta(minutes=9)  # dialling, talking and wrapping up
CALLBACK_AFTER = timedelta(hours=4)  # a callback agreed on a morning call: that afternoon
# (outcome, share): a morning's dialling as collection floors see it
OUTCOMES = (
    ("no_answer", 0.40),
    ("busy", 0.10),
    ("wrong_number", 0.04),
    ("right_party", 0.22),
    ("promise", 0.16),
    ("callback", 0.08),
)
REASONS = ("income_loss", "forgot", "illness", "business_failure", "overspending", "other")


@dataclass
class Morning:
    calls: int = 0
    blocked: int = 0  # the rulebook said no: the call was not made
    promises: int = 0
    promised_fen: int = 0
    visits: int = 0
    service_cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    reached: list[int] = field(default_factory=list)  # accounts whose cardholder the collectors spoke to


def morning(
    connection: Connection,
    *,
    day: date,
    collectors: list[StaffUser],
    visitor: StaffUser | None,
    policy: Policy,
    limits: CallLimits,
    max_held: int,
    desk: Desk | None = None,
    seed: int = 20051001,
) -> Morning:
    """The morning of ``day``: ``CALLS_PER_COLLECTOR`` calls for each collector, one visit, and two
    cardholders who call customer service back (a complaint about the calls' frequency, a hardship
    request) logged as service cases on the desk."""
    zone = ZoneInfo(limits.zone)
    chance = random.Random(seed)
    done = Morning()
    for turn in range(CALLS_PER_COLLECTOR):
        for rank, collector in enumerate(collectors):
            at = datetime.combine(day, FIRST_CALL, zone) + turn * CALL_EVERY + rank * timedelta(minutes=2)
            _one_call(connection, collector, at, chance, policy, limits, max_held, done)
    if visitor is not None:
        done.visits = _first_visit(connection, visitor, day, policy, limits, done)
    if desk is not None:
        done.service_cases = _calls_to_the_desk(connection, desk, day, done.reached, ZoneInfo(limits.zone))
    return done


@dataclass(frozen=True)
class Desk:
    """Who logs the cardholders' calls to customer service, with the desk's deadlines and the cipher."""

    user: StaffUser
    setup: DeskSetup
    cipher: FieldCipher


CALLS_IN = (  # (at, kind, category, summary): cardholders who call customer service that morning
    (time(10, 40), "complaint", "frequency_hours", "持卡人来电投诉：本周已多次接到催收电话，要求减少来电。"),
    (time(11, 15), "hardship", "income_loss", "持卡人来电称近期失业，暂时无力还款，申请困难援助。"),
)


def _calls_to_the_desk(
    connection: Connection, desk: Desk, day: date, reached: list[int], zone: ZoneInfo
) -> int:
    opened = 0
    for account_id, (at, kind, category, summary) in zip(reached, CALLS_IN, strict=False):
        intake = Intake(kind=kind, category=category, channel="call", summary=summary)
        received = datetime.combine(day, at, zone)
        case = open_case(connection, account_id=account_id, intake=intake, actor=desk.user.username,
                         user_id=desk.user.id, setup=desk.setup, cipher=desk.cipher,
                         now=received)  # fmt: skip
        if opened == 0:  # the complaint is acknowledged (and so taken) at once; the request waits
            acknowledge(connection, case_id=case.id, by=desk.user, now=received + timedelta(minutes=5))
        opened += 1
    return opened


def _one_call(
    connection: Connection,
    collector: StaffUser,
    at: datetime,
    chance: random.Random,
    policy: Policy,
    limits: CallLimits,
    max_held: int,
    done: Morning,
) -> None:
    try:
        claimed = claim_next(connection, user_id=collector.id, team_id=collector.team_id, now=at,
                             max_held=max_held)  # fmt: skip
    except QueueCapReached:  # calls the rulebook refused are still held: the collector's morning ends
        return
    if claimed is None:
        return
    account_id = int(claimed["account_id"])
    check = call_check(connection, account_id=account_id, policy=policy, zone=limits.zone, at=at,
                       user_id=collector.id)  # fmt: skip
    if not check.allowed:
        done.blocked += 1
        return
    outcome = chance.choices([name for name, _ in OUTCOMES], [share for _, share in OUTCOMES])[0]
    answered = outcome in ("right_party", "promise", "callback")
    promise = None
    if outcome == "promise":
        amount = _promised_fen(connection, account_id)
        promise = Promise(amount_fen=amount, promised_date=at.date() + timedelta(days=chance.randint(2, 6)))
        done.promises += 1
        done.promised_fen += amount
    call = CallLog(
        at=at,
        outcome=outcome,  # type: ignore[arg-type]
        conversation=answered,
        reason=chance.choice(REASONS) if answered else None,  # type: ignore[arg-type]
        promise=promise,
        # the bank's recorder's file key and the call's length (their own draw: the outcomes stay as seeded)
        recording_ref=f"{at:%Y%m%d}/{collector.username}-{at:%H%M%S}.wav",
        duration_seconds=random.Random(account_id).randint(90, 420) if answered else 25,
    )
    log_call(connection, account_id=account_id, user_id=collector.id, call=call, now=at, limits=limits)
    if outcome == "callback":  # the time the cardholder asked for, on the collector's agenda
        _callback(connection, account_id, collector, at, policy, limits)
    if answered:
        done.reached.append(account_id)
    done.calls += 1
    done.outcomes[outcome] = done.outcomes.get(outcome, 0) + 1


def _callback(connection: Connection, account_id: int, collector: StaffUser, at: datetime, policy: Policy,
              limits: CallLimits) -> None:  # fmt: skip
    """The callback the cardholder agreed to: that afternoon, else the next morning (the first the
    rulebook allows of the two); none when it allows neither."""
    for due_at in (
        at + CALLBACK_AFTER,
        datetime.combine(at.date() + timedelta(days=1), time(10, 0), at.tzinfo),
    ):
        try:
            schedule_callback(connection, account_id=account_id, user_id=collector.id, due_at=due_at,
                              policy=policy, zone=limits.zone, now=at)  # fmt: skip
        except ContactBlocked:
            continue
        return


def _promised_fen(connection: Connection, account_id: int) -> int:
    """What the cardholder promises: the overdue amount rounded down to ten yuan (at least 100 yuan)."""
    a = table_of(CardAccount)
    row: Any = connection.execute(select(a.c.overdue_fen).where(a.c.id == account_id)).first()
    overdue = int(row.overdue_fen or 0) if row is not None else 0
    return max(overdue // 1_000 * 1_000, 100_00)


def _first_visit(
    connection: Connection,
    visitor: StaffUser,
    day: date,
    policy: Policy,
    limits: CallLimits,
    done: Morning,
) -> int:
    """The pair's first stop of ``day``: at the door at the planned time, identified, heard, a promise
    agreed."""
    route, stop = table_of(VisitRoute), table_of(VisitStop)
    first: Any = connection.execute(
        select(stop.c.id, stop.c.lat, stop.c.lon, stop.c.account_id, stop.c.planned_arrival_at)
        .join(route, route.c.id == stop.c.route_id)
        .where(route.c.plan_date == day, stop.c.status == "planned")
        .order_by(stop.c.sequence)
        .limit(1)
    ).first()
    if first is None:
        return 0
    arrived = first.planned_arrival_at  # the pair keeps the planned time
    at_stop = {"stop_id": first.id, "user": visitor}
    fieldwork.check_in(connection, **at_stop, lat=first.lat, lon=first.lon, policy=policy, zone=limits.zone,
                       now=arrived)  # fmt: skip
    protocol = Protocol(staff_count=2, staff_id_shown=True, identity_confirmed=True, recording_on=True,
                        situation_heard=True, reason="income_loss", solution_offered="promise",
                        agreement="reached")  # fmt: skip
    talking = arrived + timedelta(minutes=5)
    fieldwork.submit_protocol(connection, **at_stop, protocol=protocol, policy=policy, zone=limits.zone,
                              now=talking)  # fmt: skip
    amount = _promised_fen(connection, int(first.account_id))
    outcome = Outcome(kind="promise", amount_fen=amount, promised_date=day + timedelta(days=5))
    agreed = talking + timedelta(minutes=20)
    fieldwork.record_outcome(connection, **at_stop, outcome=outcome, zone=limits.zone, now=agreed,
                             promise_days=limits.promise_days)  # fmt: skip
    fieldwork.check_out(connection, **at_stop, outcome=None, now=talking + timedelta(minutes=25))
    done.promises += 1
    done.promised_fen += amount
    return 1
