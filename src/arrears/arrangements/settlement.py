"""Settling plans and promises to pay against the payments received: pure decisions.

No session, no clock: the run date (``as_of``) comes in from the daily run. Money is integer fen, and
every fen of a payment is credited at most once. ``docs/arrangements.md`` ("Settlement") states the
rules; in short:

* A **plan** is settled by running totals. Every payment from the day the plan was agreed counts,
  paying ahead included. Instalment *k* is judged on its due date: *kept* when the payments up to
  that day cover the instalments 1 to *k*, *broken* when they do not even cover 1 to *k-1* (nothing
  went to it), otherwise *partly kept*: a shortfall carries forward, so the next instalment is kept
  only when it is made up. The payments are credited to the instalments oldest first (``paid_fen``),
  so the credits always sum to the smaller of the total paid and the total due. One broken instalment
  breaks the plan; so does a shortfall left when the last instalment falls due. A plan whose total is
  paid is completed, at once when it is paid ahead.
* A **promise** counts only the payments made from the day it was taken to the promised date, each
  fen once across all the account's promises (:func:`allocate_promises`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from typing import Literal

InstalmentStatus = Literal["due", "kept", "partly_kept", "broken"]
PlanStatus = Literal["active", "completed", "broken"]
PromiseStatus = Literal["kept", "partly_kept", "broken"]


@dataclass(frozen=True, slots=True)
class Paid:
    """A payment received on the account."""

    paid_date: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Due:
    """A plan instalment as settlement sees it."""

    number: int
    due_date: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class SettledInstalment:
    number: int
    status: InstalmentStatus  # due: not fallen due yet and not paid in full ahead
    paid_fen: int  # the payments credited to it so far (oldest instalment first)


@dataclass(frozen=True, slots=True)
class PlanSettlement:
    status: PlanStatus
    instalments: tuple[SettledInstalment, ...]  # in the order of their due dates

    @property
    def credited_fen(self) -> int:
        return sum(one.paid_fen for one in self.instalments)


def _running_paid(payments: list[Paid]) -> tuple[list[date], list[int]]:
    """The payments' dates in order and the running total paid up to each."""
    ordered = sorted(payments, key=lambda one: one.paid_date)
    return [one.paid_date for one in ordered], list(accumulate(one.amount_fen for one in ordered))


def _paid_by(running: tuple[list[date], list[int]], day: date) -> int:
    """The total paid up to ``day`` (included)."""
    days, totals = running
    count = bisect_right(days, day)
    return totals[count - 1] if count else 0


def _judged(paid: int, due_before: int, due_through: int) -> InstalmentStatus:
    """An instalment on its due date, from the running totals paid and due."""
    if paid >= due_through:
        return "kept"
    return "partly_kept" if paid > due_before else "broken"


def settle_plan(
    *, instalments: Sequence[Due], payments: Iterable[Paid], agreed_on: date, as_of: date
) -> PlanSettlement:
    """The plan's instalments and status on ``as_of`` (the run date: instalments due before it are
    judged) from the account's payments (only those from ``agreed_on`` to ``as_of`` count)."""
    ordered = sorted(instalments, key=lambda one: (one.due_date, one.number))
    counted = [one for one in payments if agreed_on <= one.paid_date <= as_of and one.amount_fen > 0]
    running = _running_paid(counted)
    total_paid = running[1][-1] if counted else 0
    due_through = list(accumulate(one.amount_fen for one in ordered))
    settled = []
    for instalment, through in zip(ordered, due_through, strict=True):
        before = through - instalment.amount_fen
        credited = min(max(total_paid - before, 0), instalment.amount_fen)
        if instalment.due_date < as_of:
            status = _judged(_paid_by(running, instalment.due_date), before, through)
        else:
            status = "kept" if credited == instalment.amount_fen else "due"
        settled.append(SettledInstalment(instalment.number, status, credited))
    return PlanSettlement(_plan_status(settled, total_paid, due_through, ordered, as_of), tuple(settled))


def _plan_status(
    settled: list[SettledInstalment], paid: int, due_through: list[int], ordered: list[Due], as_of: date
) -> PlanStatus:
    if any(one.status == "broken" for one in settled):
        return "broken"
    total = due_through[-1] if due_through else 0
    if paid >= total:
        return "completed"
    return "broken" if ordered[-1].due_date < as_of else "active"


# --- promises ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Promised:
    """A promise to pay as settlement sees it; ``created_at`` and ``id`` order promises made the same
    day."""

    id: int
    taken_on: date
    promised_date: date
    amount_fen: int
    created_at: datetime


def allocate_promises(promises: Sequence[Promised], payments: Iterable[Paid]) -> dict[int, int]:
    """The fen credited to each promise (by id) from one account's payments.

    A payment counts for a promise when it was made from the day the promise was taken
    (``taken_on``) to the promised date, both included. Each payment's fen is credited once: the
    payments are taken oldest first, and each goes to the promises whose window holds it that are
    not yet paid in full, the one promised soonest first, then the one made first (``created_at``,
    ``id``). Among overlapping promises this credits as many fen as any allocation could: a payment
    never goes to a promise that could wait for a later payment while another that cannot wait needs it.
    """
    left = {one.id: one.amount_fen for one in promises}
    queue = sorted(promises, key=lambda one: (one.promised_date, one.created_at, one.id))
    for payment in sorted(payments, key=lambda one: one.paid_date):
        money = max(payment.amount_fen, 0)
        for promise in queue:
            if money == 0:
                break
            if promise.taken_on <= payment.paid_date <= promise.promised_date and left[promise.id]:
                taken = min(money, left[promise.id])
                left[promise.id] -= taken
                money -= taken
    return {one.id: one.amount_fen - left[one.id] for one in promises}


def promise_status(*, amount_fen: int, paid_fen: int) -> PromiseStatus:
    """A promise once its date has passed: kept when paid in full, partly kept when paid in part."""
    if paid_fen >= amount_fen:
        return "kept"
    return "partly_kept" if paid_fen > 0 else "broken"
