"""Logging a call: what happened, why the cardholder is late, and a promise to pay if one was made."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, insert, select, update

from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import CardAccount, CollectionAction, ContactEvent, ContactPoint, PromiseToPay, table_of
from arrears.models.contact_event import CallOutcome, DelinquencyReason, Party

_ANSWERED = {"right_party", "third_party", "refused", "promise", "callback"}


class Promise(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_fen: int = Field(gt=0)
    promised_date: date


class CallLog(BaseModel):
    """One call as the collector records it."""

    model_config = ConfigDict(extra="forbid")
    at: datetime | None = None  # when the call was made (default: now); with a time zone
    contact_point_id: int | None = None
    party: Party = "debtor"
    outcome: CallOutcome
    conversation: bool = False  # a conversation with the debtor took place
    reason: DelinquencyReason | None = None  # the reason for the delinquency the cardholder gave
    notes: str | None = Field(default=None, max_length=2000)
    promise: Promise | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CallLog:
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("at needs a time zone offset")
        if self.outcome == "promise" and self.promise is None:
            raise ValueError("the outcome promise needs the promise (amount_fen, promised_date)")
        if self.conversation and self.outcome not in _ANSWERED:
            raise ValueError(f"no conversation can follow the outcome {self.outcome}")
        return self


def log_call(
    connection: Connection, *, account_id: int, user_id: int | None, call: CallLog, now: datetime
) -> dict[str, int | None]:
    """Records the call (and the promise); the caller's claimed queue item for the account is done."""
    a, p = table_of(CardAccount), table_of(ContactPoint)
    customer_id = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar()
    if customer_id is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    if call.contact_point_id is not None:
        owner = connection.execute(select(p.c.customer_id).where(p.c.id == call.contact_point_id)).scalar()
        if owner != customer_id:
            raise ArrearsError("the contact point is not the cardholder's", "该联系方式不属于该持卡人")
    at = call.at or now
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
    }
    event_table = table_of(ContactEvent)
    event_id = connection.execute(
        insert(event_table).values(**event).returning(event_table.c.id)
    ).scalar_one()
    promise_id = None
    if call.promise is not None:
        promise = table_of(PromiseToPay)
        values = {
            "account_id": account_id,
            "amount_fen": call.promise.amount_fen,
            "taken_on": at.date(),
            "promised_date": call.promise.promised_date,
            "created_at": now,
        }
        promise_id = connection.execute(insert(promise).values(**values).returning(promise.c.id)).scalar_one()
    x = table_of(CollectionAction)
    mine = (x.c.account_id == account_id) & (x.c.claimed_by_id == user_id) & (x.c.status == "claimed")
    connection.execute(update(x).where(mine).values(status="done"))
    return {"id": int(event_id), "promise_id": None if promise_id is None else int(promise_id)}
