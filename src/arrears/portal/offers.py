"""Plan offers, promises, callbacks and contact preferences in the cardholder portal: use cases.

The caller (the ``/my`` pages) owns the transaction; those that append to the audit run in
:func:`arrears.audit.repository.audit_transaction`. The records are the staff workspace's own: a plan
accepted here is a ``repayment_plan`` (active, proposed by no one, approved by the self-service
authority), a promise a ``promise_to_pay``, a callback a ``callback`` for the account's last collector
(none: the team's queue). What needs a person is a ``portal_request`` (kind ``plan`` or ``callback``).
The actor of every audit entry is ``customer:<id>``; details carry amounts, terms and ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from arrears.arrangements import rules
from arrears.arrangements.repository import PlanRepository
from arrears.arrangements.rules import Balances, Schedule
from arrears.arrangements.service import _plan_details as plan_details  # the staff plan's audit terms
from arrears.audit.repository import AuditLog
from arrears.compliance.policy import Policy
from arrears.contacts.call_rules import check_callback_due
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import check_text
from arrears.messaging import inbound_repository
from arrears.models import (
    CardAccount,
    CollectionAction,
    ContactPoint,
    ContactPreference,
    DailyRun,
    PortalRequest,
    PromiseToPay,
    StrategyVersion,
    table_of,
)
from arrears.models.hold import HOLD_KINDS
from arrears.portal.offer_rules import (
    BeyondOffer,
    Choice,
    Offer,
    callback_windows,
    check_preference,
    check_promise,
    offer_of,
    plan_for,
    window_label,
)
from arrears.portal.requests_repository import RequestRepository
from arrears.strategy.load import parse_strategy
from arrears.strategy.overlap import dpd_spans
from arrears.strategy.schema import Segment, Strategy

_ACCOUNT, _ACTION, _RUN = table_of(CardAccount), table_of(CollectionAction), table_of(DailyRun)
_VERSION, _PROMISE, _REQUEST = table_of(StrategyVersion), table_of(PromiseToPay), table_of(PortalRequest)
_POINT, _PREFERENCE = table_of(ContactPoint), table_of(ContactPreference)
OPT_OUT_KINDS = {"sms": "mobile", "email": "email"}  # a channel a cardholder may opt out of: its points


def actor(customer_id: int) -> str:
    return f"customer:{customer_id}"


# --- the account's offer -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _strategy(sha256: str, text: str) -> Strategy:
    return parse_strategy(text, f"strategy {sha256[:12]}").strategy


def latest_strategy(connection: Connection) -> tuple[date, Strategy] | None:
    """The run date and strategy of the latest completed daily run (None: no run yet)."""
    r, v = _RUN, _VERSION
    row = connection.execute(
        select(r.c.run_date, v.c.sha256, v.c.text)
        .join(v, v.c.id == r.c.strategy_version_id)
        .where(r.c.status == "completed")
        .order_by(r.c.run_date.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.run_date, _strategy(row.sha256, row.text))


def _matches(segment: Segment, account: Any, *, held: bool) -> bool:
    """Whether the account's current delinquency meets the segment's conditions; a condition on data
    the portal does not read (score, risk tier, an earlier delinquency) does not hold."""
    when = segment.when
    if when.score is not None or when.risk_tier is not None or when.was_late_before is not None:
        return False
    spans = dpd_spans(when)
    if not any(
        (low is None or low <= account.dpd) and (high is None or account.dpd <= high) for low, high in spans
    ):
        return False
    balance = account.principal_fen + account.interest_fen + account.fee_fen
    if when.balance is not None:
        if when.balance.min is not None and balance < when.balance.min * 100:
            return False
        if when.balance.max is not None and balance > when.balance.max * 100:
            return False
    if when.product is not None and account.product not in when.product:
        return False
    return when.hold is None or when.hold == held


def segment_of(connection: Connection, *, account_id: int, run_date: date, strategy: Strategy) -> str | None:
    """The account's segment in the run of ``run_date``: that of its actions that day, else the one its
    current delinquency falls in (a segment whose treatment sent nothing that day)."""
    x = _ACTION
    found = connection.execute(
        select(x.c.segment)
        .where(x.c.account_id == account_id, x.c.run_date == run_date)
        .order_by(x.c.id)
        .limit(1)
    ).scalar()
    if found is not None:
        return str(found)
    a = _ACCOUNT
    account = connection.execute(
        select(a.c.dpd, a.c.principal_fen, a.c.interest_fen, a.c.fee_fen, a.c.product, a.c.customer_id).where(
            a.c.id == account_id
        )
    ).first()
    if account is None:
        return None
    held = bool(PlanRepository(connection).holds_in_force(account_id, kinds=HOLD_KINDS, on=run_date))
    return next((one.id for one in strategy.segments if _matches(one, account, held=held)), None)


def account_offer(connection: Connection, *, account_id: int) -> Offer | None:
    """What the account's cardholder may agree alone: the strategy's ``self_service`` offers for the
    account's segment in the latest completed run, narrowed by the self-service authority (None: no
    offer, the cardholder may ask a collector)."""
    latest = latest_strategy(connection)
    if latest is None:
        return None
    run_date, strategy = latest
    segment = segment_of(connection, account_id=account_id, run_date=run_date, strategy=strategy)
    found = next((one for one in strategy.segments if one.id == segment), None)
    if found is None or found.self_service is None:
        return None
    return offer_of(found.id, found.self_service)


@dataclass(frozen=True, slots=True)
class PlanState:
    """Whether the account may take a plan from the portal now, and why not."""

    offer: Offer | None
    balances: Balances
    other_waived_fen: int
    open_plan: dict[str, Any] | None
    blocked: ArrearsError | None  # a hold that stops plans


def plan_state(connection: Connection, *, account_id: int, today: date, lock: bool = False) -> PlanState:
    repository = PlanRepository(connection)
    balances = repository.balances(account_id, lock=lock)
    if balances is None:
        raise ArrearsError(f"no account {account_id}", f"没有账户 {account_id}")
    kinds = repository.holds_in_force(account_id, kinds=rules.PLAN_BLOCKING_HOLDS, on=today)
    return PlanState(
        offer=account_offer(connection, account_id=account_id),
        balances=balances,
        other_waived_fen=repository.waived_by_other_plans(account_id, lock=lock),
        open_plan=repository.open_plan(account_id),
        blocked=rules.plan_blocked(kinds),
    )


def _plan(state: PlanState, choice: Choice, today: date) -> Schedule:
    if state.blocked is not None:
        raise state.blocked
    if state.open_plan is not None:
        raise BeyondOffer(
            "the account has a repayment plan already: one at a time",
            "该账户已有还款计划，同一时间只能有一个",
        )
    if state.offer is None or not state.offer.plans:
        raise BeyondOffer("no plan is offered online for this account", "该账户暂无在线还款方案")
    return plan_for(state.offer, state.balances, choice, today=today, other_waived_fen=state.other_waived_fen)


def preview(connection: Connection, *, account_id: int, choice: Choice, today: date) -> Schedule:
    """The schedule the choice makes, agreed ``today`` (nothing is stored): the same one ``accept``
    stores. :class:`BeyondOffer` (or a calculator's ``PlanError``) says why not."""
    return _plan(plan_state(connection, account_id=account_id, today=today), choice, today)


@dataclass(frozen=True, slots=True)
class Accepted:
    plan_id: int
    schedule: Schedule


def accept(
    connection: Connection, *, account_id: int, customer_id: int, choice: Choice, today: date, now: datetime
) -> Accepted:
    """Stores the plan the choice makes as ``active``, approved by the self-service authority (proposed
    by no one), and appends ``portal.plan_accepted``."""
    state = plan_state(connection, account_id=account_id, today=today, lock=True)
    plan = _plan(state, choice, today)
    plan_id = PlanRepository(connection).add_plan(
        account_id=account_id, plan=plan, status="active", proposed_by_id=None, now=now
    )
    details = plan_details(plan) | {
        "account_id": account_id,
        "status": "active",
        "authority": rules.SELF_SERVICE.role,
        "segment": state.offer.segment if state.offer else None,
    }
    AuditLog(connection).append(at=now, actor=actor(customer_id), action="portal.plan_accepted",
                                subject_type="plan", subject_id=str(plan_id), details=details)  # fmt: skip
    return Accepted(plan_id, plan)


# --- requests for a collector ---------------------------------------------------------------------------


def _clean(text: str | None, field: str) -> str | None:
    return check_text((text or "").strip(), field=field) or None


def next_allowed(now: datetime, *, policy: Policy, zone: str) -> datetime:
    """``now``, or the start of the rulebook's next allowed hours when ``now`` is outside them."""
    if policy.hours is None:
        return now
    local = now.astimezone(ZoneInfo(zone))
    start, end = policy.hours.start, policy.hours.end
    if start <= local.time() < end:
        return now
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, ZoneInfo(zone)).astimezone(now.tzinfo)


def _callback(
    connection: Connection, *, account_id: int, customer_id: int, due_at: datetime, note: str, now: datetime
) -> int:
    return inbound_repository.add_callback(
        connection,
        {
            "account_id": account_id,
            "customer_id": customer_id,
            "user_id": inbound_repository.last_worker(connection, account_id=account_id),
            "due_at": due_at,
            "note": note,
            "status": "open",
            "created_at": now,
        },
    )


def _request(
    connection: Connection, *, account_id: int, customer_id: int, kind: str, text: str | None,
    cipher: FieldCipher, callback_id: int | None, now: datetime, category: str | None = None,
) -> int:  # fmt: skip
    values = {
        "account_id": account_id, "customer_id": customer_id, "kind": kind, "category": category,
        "text_enc": cipher.encrypt(text) if text else None, "callback_id": callback_id, "status": "open",
        "created_at": now,
    }  # fmt: skip
    request_id = int(
        connection.execute(insert(_REQUEST).values(values).returning(_REQUEST.c.id)).scalar_one()
    )
    details = {"kind": kind, "account_id": account_id, "callback_id": callback_id, "category": category}
    AuditLog(connection).append(
        at=now, actor=actor(customer_id), action="portal.request", subject_type="portal_request",
        subject_id=str(request_id), details=details,
    )  # fmt: skip
    return request_id


@dataclass(frozen=True, slots=True)
class Requested:
    request_id: int
    callback_id: int
    due_at: datetime
    user_id: int | None  # the collector called on (None: the team's queue)


def request_plan(
    connection: Connection, *, account_id: int, customer_id: int, text: str | None, cipher: FieldCipher,
    policy: Policy, zone: str, now: datetime,
) -> Requested:  # fmt: skip
    """A plan beyond the offers: a ``plan`` request and a callback for the account's last collector (or
    the team's queue) at the next allowed hour. No hold: collection goes on meanwhile."""
    clean = _clean(text, "text")
    RequestRepository(connection).check_room(account_id, "plan")
    due = next_allowed(now, policy=policy, zone=zone)
    callback_id = _callback(connection, account_id=account_id, customer_id=customer_id, due_at=due,
                            note="客户在线申请还款方案 portal: plan request", now=now)  # fmt: skip
    request_id = _request(connection, account_id=account_id, customer_id=customer_id, kind="plan", text=clean,
                          cipher=cipher, callback_id=callback_id, now=now)  # fmt: skip
    user = inbound_repository.last_worker(connection, account_id=account_id)
    return Requested(request_id, callback_id, due, user)


# --- promises -----------------------------------------------------------------------------------------


def open_promise(connection: Connection, *, account_id: int) -> dict[str, Any] | None:
    p = _PROMISE
    row = (
        connection.execute(
            select(p.c.id, p.c.amount_fen, p.c.promised_date)
            .where(p.c.account_id == account_id, p.c.status == "open")
            .order_by(p.c.promised_date)
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def promise(
    connection: Connection, *, account_id: int, customer_id: int, amount_fen: int, promised: date,
    today: date, now: datetime, settings_days: int,
) -> int:  # fmt: skip
    """A promise to pay ``amount_fen`` by ``promised``, as the staff workspace records one (taken
    today, settled by the daily run); within the offer's ``promise_days`` (and the settings' limit).
    Appends ``portal.promise``."""
    offer = account_offer(connection, account_id=account_id)
    days = 0 if offer is None else min(offer.promise_days, settings_days)
    balances = PlanRepository(connection).balances(account_id, lock=True)  # one promise at a time
    owed = balances.owed_fen if balances else 0
    check_promise(promised=promised, amount_fen=amount_fen, owed_fen=owed, today=today, max_days=days)
    if (found := open_promise(connection, account_id=account_id)) is not None:
        raise BeyondOffer(
            f"you have promised to pay by {found['promised_date'].isoformat()} already",
            f"您已承诺在 {found['promised_date'].isoformat()} 前还款",
        )
    values = {"account_id": account_id, "amount_fen": amount_fen, "taken_on": today,
              "promised_date": promised, "created_at": now}  # fmt: skip
    promise_id = int(
        connection.execute(insert(_PROMISE).values(values).returning(_PROMISE.c.id)).scalar_one()
    )
    details = {"account_id": account_id, "amount_fen": amount_fen, "promised_date": promised.isoformat(),
               "taken_on": today.isoformat()}  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=actor(customer_id), action="portal.promise", subject_type="promise_to_pay",
        subject_id=str(promise_id), details=details,
    )  # fmt: skip
    return promise_id


# --- callbacks ----------------------------------------------------------------------------------------

CALLBACK_AHEAD_DAYS = 7  # a callback may be asked for today and the next days


def windows(policy: Policy) -> list[tuple[time, time]]:
    hours = policy.hours
    return callback_windows(hours.start, hours.end) if hours else callback_windows(time(8), time(22))


def callback_days(today: date) -> list[date]:
    return [today + timedelta(days=k) for k in range(CALLBACK_AHEAD_DAYS + 1)]


def request_callback(
    connection: Connection, *, account_id: int, customer_id: int, day: date, window: tuple[time, time],
    text: str | None, cipher: FieldCipher, policy: Policy, zone: str, now: datetime,
) -> Requested:  # fmt: skip
    """A callback in ``window`` on ``day`` (local, within the rulebook's hours): a ``callback`` for the
    account's last collector (none: the team's queue), due at the window's start (now, when the window
    has begun), and a ``callback`` request linking it."""
    if window not in windows(policy):
        raise BeyondOffer("choose one of the time windows offered", "请选择页面提供的时间段")
    tz = ZoneInfo(zone)
    start = datetime.combine(day, window[0], tz)
    end = datetime.combine(day, window[1], tz)
    if end <= now:
        raise BeyondOffer("that time window is over: choose a later one", "该时间段已过，请选择之后的时间")
    if day > now.astimezone(tz).date() + timedelta(days=CALLBACK_AHEAD_DAYS):
        raise BeyondOffer(
            f"a callback can be asked for up to {CALLBACK_AHEAD_DAYS} days ahead",
            f"回电最多可预约 {CALLBACK_AHEAD_DAYS} 天内",
        )
    due = max(start, now).astimezone(now.tzinfo)
    check_callback_due(due_at=due, now=now)
    clean = _clean(text, "text")
    RequestRepository(connection).check_room(account_id, "callback")
    note = f"客户预约回电 portal: callback {day.isoformat()} {window_label(window)}"
    callback_id = _callback(connection, account_id=account_id, customer_id=customer_id, due_at=due, note=note,
                            now=now)  # fmt: skip
    request_id = _request(connection, account_id=account_id, customer_id=customer_id, kind="callback",
                          text=clean, cipher=cipher, callback_id=callback_id, now=now,
                          category=window_label(window))  # fmt: skip
    user = inbound_repository.last_worker(connection, account_id=account_id)
    return Requested(request_id, callback_id, due, user)


# --- contact preferences ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preferences:
    hours_from: str | None
    hours_to: str | None
    channels: list[str]
    points: list[dict[str, Any]]  # id, kind, masked value, opted_out: the points one may opt out


def preferences(connection: Connection, *, customer_id: int) -> Preferences:
    f, p = _PREFERENCE, _POINT
    row = connection.execute(select(f).where(f.c.customer_id == customer_id)).mappings().first()
    points = connection.execute(
        select(p.c.id, p.c.kind, p.c.value_masked, p.c.opted_out)
        .where(p.c.customer_id == customer_id, p.c.kind.in_(list(OPT_OUT_KINDS.values())))
        .order_by(p.c.kind, p.c.id)
    ).mappings()
    channels = [one for one in (row["channels"] or "").split(",") if one] if row else []
    return Preferences(
        row["hours_from"] if row else None,
        row["hours_to"] if row else None,
        channels,
        [dict(one) for one in points],
    )


def save_preferences(
    connection: Connection, *, customer_id: int, hours_from: time | None, hours_to: time | None,
    channels: list[str], opt_out: list[int], policy: Policy, now: datetime,
) -> list[int]:  # fmt: skip
    """Stores the preferred hours and channels; opts the chosen points (the customer's mobiles and
    e-mail addresses) out as a ``退订`` reply does (``contact_point.opted_out``, via ``portal``). The ids
    of the points this opted out."""
    allowed = (policy.hours.start, policy.hours.end) if policy.hours else None
    check_preference(hours_from=hours_from, hours_to=hours_to, channels=channels, allowed=allowed)
    f = _PREFERENCE
    values = {
        "hours_from": f"{hours_from:%H:%M}" if hours_from else None,
        "hours_to": f"{hours_to:%H:%M}" if hours_to else None,
        "channels": ",".join(one for one in channels) or None,
        "updated_at": now,
    }
    changed = connection.execute(update(f).where(f.c.customer_id == customer_id).values(values))
    if changed.rowcount == 0:
        connection.execute(insert(f).values(customer_id=customer_id, **values))
    audit = AuditLog(connection)
    audit.append(at=now, actor=actor(customer_id), action="portal.preferences", subject_type="customer",
                 subject_id=str(customer_id), details=values | {"updated_at": now.isoformat()})  # fmt: skip
    p = _POINT
    mine = connection.execute(
        select(p.c.id, p.c.kind).where(
            p.c.customer_id == customer_id, p.c.id.in_(opt_out), p.c.kind.in_(list(OPT_OUT_KINDS.values()))
        )
    ).all()
    if len(mine) != len(set(opt_out)):
        raise BeyondOffer(
            "you can opt out only of your own mobile and e-mail", "只能退订您本人的手机号码和邮箱"
        )
    done = inbound_repository.opt_out(connection, point_ids=[one.id for one in mine], now=now)
    kinds = {one.id: one.kind for one in mine}
    for point_id in done:
        channel = "sms" if kinds[point_id] == "mobile" else "email"
        audit.append(at=now, actor=actor(customer_id), action="contact_point.opted_out",
                     subject_type="contact_point", subject_id=str(point_id),
                     details={"customer_id": customer_id, "channel": channel, "via": "portal"})  # fmt: skip
    return done
