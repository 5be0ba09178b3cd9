"""Recalling accounts from agencies, pure: why a placement ends before (or at) its period's end, and the
last day the agency held the account. No database, no clock: the caller passes the day.

A recall sets ``recalled_on``, the LAST day the agency held the account (payments made up to and
including it are the agency's): the day of the recall, or the period's last day when that came first
(a placement whose period ended is closed as ``period_end`` whatever the trigger), or the day before
the placement started when it is recalled before it began (it then held nothing). From the moment of
the recall the agency no longer sees the account; the account may be placed again from the day after
``recalled_on``, so that two placements of an account never overlap.

Triggers (``RECALL_REASONS``): ``period_end`` (the period's last day passed), ``paid_in_full`` (nothing
overdue left), ``complaint`` (a complaint hold) or ``hold`` (any other hold on the account),
``agency_suspended``, ``inspection_lapsed`` and ``contract_expired`` (the agency may no longer hold
accounts; ``agency_ineligible`` for the register's other reasons: off the whitelist, terms withdrawn, a
licence expired), ``sold`` (the debt sold) and ``manual`` (a manager's decision). When several apply on
a daily sweep, the earliest last day wins, then the order of ``PRIORITY``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from arrears.agencies import register_rules as register
from arrears.models.agency import RECALL_REASONS

REASONS = RECALL_REASONS
PERIOD_END, PAID, COMPLAINT, HOLD, MANUAL, SOLD = (
    "period_end",
    "paid_in_full",
    "complaint",
    "hold",
    "manual",
    "sold",
)
SUSPENDED, INSPECTION, CONTRACT, INELIGIBLE = (
    "agency_suspended", "inspection_lapsed", "contract_expired", "agency_ineligible",
)  # fmt: skip
# on the same last day, the first of these names the recall
PRIORITY = (PERIOD_END, SOLD, COMPLAINT, HOLD, PAID, SUSPENDED, INSPECTION, CONTRACT, INELIGIBLE, MANUAL)
_BY_CODE = {register.SUSPENDED: SUSPENDED, register.INSPECTION_LAPSED: INSPECTION,
            register.CONTRACT_EXPIRED: CONTRACT}  # fmt: skip
assert set(PRIORITY) == set(REASONS)


@dataclass(frozen=True, slots=True)
class Running:
    """A placement not recalled yet, with what the sweep needs to know of its account."""

    placement_id: int
    account_id: int
    agency_code: str
    placed_on: date
    ends_on: date
    overdue_fen: int = 1
    hold_kind: str | None = None  # the kind of a hold on the account now (a complaint first), None: none


@dataclass(frozen=True, slots=True)
class Recall:
    placement_id: int
    account_id: int
    agency_code: str
    reason: str
    recalled_on: date


def hold_reason(kind: str) -> str:
    """A hold of ``kind`` recalls as a complaint (a complaint hold) or as a hold (any other)."""
    return COMPLAINT if kind == "complaint" else HOLD


def agency_reason(codes: Sequence[str]) -> str:
    """The recall reason of an agency no longer eligible (``register_rules.INELIGIBLE`` codes, checked
    order): suspended, inspection lapsed, contract expired, else ``agency_ineligible``."""
    for code in register.INELIGIBLE:
        if code in codes:
            return _BY_CODE.get(code, INELIGIBLE)
    raise ValueError("an eligible agency recalls nothing")


def last_day_held(*, placed_on: date, ends_on: date, day: date) -> date:
    """The last day the agency held an account recalled on ``day``: ``day`` within the period, its last
    day when it ended before, the day before it started when it had not started."""
    return max(placed_on - timedelta(days=1), min(day, ends_on))


def recall(one: Running, *, reason: str, day: date) -> Recall:
    """The recall of ``one`` for ``reason`` on ``day`` (a period that ended before ``day`` ends as
    ``period_end``, whatever asked for the recall)."""
    if reason not in REASONS:
        raise ValueError(f"unknown recall reason {reason!r}")
    if one.ends_on < day:
        reason = PERIOD_END
    return Recall(one.placement_id, one.account_id, one.agency_code, reason,
                  last_day_held(placed_on=one.placed_on, ends_on=one.ends_on, day=day))  # fmt: skip


@dataclass(frozen=True, slots=True)
class AgencyState:
    """What the sweep knows of an agency on the register on its day: the codes it is ineligible for
    (empty: eligible) and its last eligible day."""

    codes: tuple[str, ...]
    last_day: date


def agency_state(agency: Mapping[str, object], day: date) -> AgencyState:
    found = register.eligibility(agency, day)
    return AgencyState(
        found.codes, register.last_eligible_day(agency, found.codes, day) if found.codes else day
    )


def sweep(running: Iterable[Running], agencies: Mapping[str, AgencyState], *, as_of: date) -> list[Recall]:
    """The recalls of the day ``as_of``: each placement whose period ended before it, whose account has a
    hold on it or nothing overdue, or whose agency (on the register) may not hold accounts on it. An
    agency missing from ``agencies`` (not on the register) is not judged."""
    order = {reason: number for number, reason in enumerate(PRIORITY)}
    found = []
    for one in running:
        candidates: list[tuple[date, str]] = []
        if one.ends_on < as_of:
            candidates.append((one.ends_on, PERIOD_END))
        if one.hold_kind is not None:
            candidates.append((as_of, hold_reason(one.hold_kind)))
        if one.overdue_fen <= 0:
            candidates.append((as_of, PAID))
        state = agencies.get(one.agency_code)
        if state is not None and state.codes:
            candidates.append((state.last_day, agency_reason(state.codes)))
        if candidates:
            day, reason = min(candidates, key=lambda pair: (pair[0], order[pair[1]]))
            last = last_day_held(placed_on=one.placed_on, ends_on=one.ends_on, day=day)
            found.append(Recall(one.placement_id, one.account_id, one.agency_code, reason, last))
    return found


def placeable_from(periods: Iterable[tuple[date, date, date | None]]) -> date | None:
    """The first day an account may be placed again, given its placements (placed on, ends on, recalled
    on): the day after the last day any of them held it; None: it was never placed."""
    last = [recalled if recalled is not None else ends for _placed, ends, recalled in periods]
    return max(last) + timedelta(days=1) if last else None
