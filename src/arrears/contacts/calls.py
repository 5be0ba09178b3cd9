"""Logging a call: what happened, why the cardholder is late, and a promise to pay if one was made.

The server's clock is the call's time; a client may give an earlier time only within a short window,
and such a call is audited. A promise falls due from today to a set number of days later and is taken
on today's business date (``call_rules``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, insert, select, update

from arrears.audit.repository import AuditLog
from arrears.contacts.call_rules import CallLimits, call_time, check_promise_date
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, RecordId
from arrears.kit.money import PositiveFen
from arrears.models import (
    AppUser,
    CardAccount,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    PromiseToPay,
    table_of,
)
from arrears.models.contact_event import CallOutcome, DelinquencyReason, Party


def add_promise(
    connection: Connection,
    *,
    account_id: int,
    promise: Promise,
    taken_on: date,
    taken_by_id: int | None,
    now: datetime,
) -> int:
    """A promise to pay taken on a call (outbound, or inbound at the service desk) by ``taken_by_id``."""
    p = table_of(PromiseToPay)
    values = {"account_id": account_id, "amount_fen": promise.amount_fen, "taken_on": taken_on,
              "promised_date": promise.promised_date, "created_at": now,
              "taken_by_id": taken_by_id}  # fmt: skip
    return int(connection.execute(insert(p).values(**values).returning(p.c.id)).scalar_one())


_ANSWERED = {"right_party", "third_party", "refused", "promise", "callback"}


class Promise(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_fen: PositiveFen
    promised_date: date


class CallLog(BaseModel):
    """One call as the collector records it."""

    model_config = ConfigDict(extra="forbid")
    at: datetime | None = Field(
        default=None,
        description=(
            "when the call happened, with a time zone: at most ARREARS_CALL_BACKDATE_MINUTES (15) before "
            "now and never later (audited); default and normally now, the server's time"
        ),
    )
    contact_point_id: RecordId | None = None
    party: Party = "debtor"
    outcome: CallOutcome
    conversation: bool = False  # a conversation with the debtor took place
    reason: DelinquencyReason | None = None  # the reason for the delinquency the cardholder gave
    notes: str | None = Field(default=None, max_length=2000)
    promise: Promise | None = None
    recording_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="the call's recording: a URL or the bank recorder's file key",
    )
    duration_seconds: int | None = Field(default=None, ge=0, le=86_400, description="the call's length")

    @model_validator(mode="after")
    def _consistent(self) -> CallLog:
        """The fields agree with each other; each refusal names the field to change."""
        if self.at is not None and self.at.tzinfo is None:
            raise InvalidField("at", "needs a time zone offset", "须带时区")
        answered = self.outcome in _ANSWERED
        if self.conversation and not answered:
            raise InvalidField("conversation", f"no conversation can follow the outcome {self.outcome}",
                               "通话未接通，不能记录与持卡人的交谈")  # fmt: skip
        if self.promise is not None and not answered:
            raise InvalidField("outcome", f"a promise to pay needs an answered call, not {self.outcome}",
                               "通话未接通，不能记录还款承诺")  # fmt: skip
        if self.outcome == "promise" and self.promise is None:
            raise InvalidField("promise", "the outcome promise needs the promise (amount and date)",
                               "通话结果为承诺还款时，须填写承诺金额和日期")  # fmt: skip
        return self


def log_call(
    connection: Connection,
    *,
    account_id: int,
    user_id: int | None,
    call: CallLog,
    now: datetime,
    limits: CallLimits | None = None,
) -> dict[str, int | None]:
    """Records the call (and the promise) at the server's time ``now`` (or the call's own time, within
    ``limits.backdate`` before it, audited); the caller's claimed queue item for the account is done.
    Raises :class:`call_rules.CallRefused` for a time or promise date outside the limits."""
    limits = limits or CallLimits()
    at = call_time(claimed=call.at, now=now, backdate=limits.backdate)
    today = now.astimezone(ZoneInfo(limits.zone)).date()
    if call.promise is not None:
        check_promise_date(promised=call.promise.promised_date, today=today, max_days=limits.promise_days)
    a, p = table_of(CardAccount), table_of(ContactPoint)
    customer_id = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar()
    if customer_id is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    if call.contact_point_id is not None:
        owner = connection.execute(select(p.c.customer_id).where(p.c.id == call.contact_point_id)).scalar()
        if owner != customer_id:
            raise ArrearsError("the contact point is not the cardholder's", "该联系方式不属于该持卡人")
    event = {
        "account_id": account_id,
        "customer_id": customer_id,
        "user_id": user_id,
        "at": at,
        "channel": "call",
        "contact_point_id": call.contact_point_id,
        "party": call.party,
        "connected": call.outcome in _ANSWERED,
        "conversation": call.conversation,
        "outcome": call.outcome,
        "reason": call.reason,
        "notes": call.notes,
        "recording_ref": call.recording_ref,
        "duration_seconds": call.duration_seconds,
    }
    event_table = table_of(ContactEvent)
    event_id = connection.execute(
        insert(event_table).values(**event).returning(event_table.c.id)
    ).scalar_one()
    promise_id = None
    if call.promise is not None:
        promise_id = add_promise(
            connection,
            account_id=account_id,
            promise=call.promise,
            taken_on=today,
            taken_by_id=user_id,
            now=now,
        )
    if at != now:
        _audit_backdated(
            connection, user_id=user_id, event_id=int(event_id), account_id=account_id, at=at, now=now
        )
    x = table_of(CollectionAction)
    mine = (x.c.account_id == account_id) & (x.c.claimed_by_id == user_id) & (x.c.status == "claimed")
    connection.execute(update(x).where(mine).values(status="done"))
    return {"id": int(event_id), "promise_id": None if promise_id is None else int(promise_id)}


def _audit_backdated(
    connection: Connection,
    *,
    user_id: int | None,
    event_id: int,
    account_id: int,
    at: datetime,
    now: datetime,
) -> None:
    """A call logged at a time its client gave, earlier than the server's: who, which call, how much."""
    u = table_of(AppUser)
    actor = connection.execute(select(u.c.username).where(u.c.id == user_id)).scalar() if user_id else None
    AuditLog(connection).append(
        at=now,
        actor=actor or "system",
        action="call.backdated",
        subject_type="contact_event",
        subject_id=str(event_id),
        details={
            "account_id": account_id,
            "at": at.isoformat(),
            "minutes_before": int((now - at).total_seconds() // 60),
        },
    )
