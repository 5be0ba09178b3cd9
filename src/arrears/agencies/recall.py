"""Recalling accounts from agencies: at once where the trigger happens, in its transaction (a hold placed,
a payment that leaves nothing overdue, the agency suspended or made ineligible on the register, the
account sold, a manager's decision), and by the daily sweep (``arrears agencies recall``, run at the end
of ``arrears run-day``) for the periods that ended, the agencies whose inspection, contract or licence
lapsed, and whatever a trigger's hook missed (a hold or a payment that reached the book another way).

Each recall sets the placement's ``recalled_on`` (the last day held, ``recall_rules``), ``recalled_at``
and ``recall_reason`` and is audited (``agency_placement.recalled``, one entry per placement, with the
account, the agency, the reason and the last day). From then on the agency's users no longer see the
account (``users.scope``, ``accounts.placed_accounts``); the account may be placed again from the day
after (:func:`placeable_from`). Nothing commits: the caller's transaction must be able to append to the
audit chain (``audit_transaction``). Every recall takes the chain's lock before it locks placements, the
order of a transaction that appended before (a hold's), so that two recalls of one account at once
(a hold and a sale) wait for each other instead of deadlocking; the second finds nothing left.

The day of a recall made at once is the business date (the latest completed run's date, not after
today in the cardholders' zone) unless the caller names it: the day the placements' dates count in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.agencies import recall_repository as repo
from arrears.agencies import recall_rules as rules
from arrears.agencies.recall_rules import Recall
from arrears.agencies.register_repository import RegisterRepository
from arrears.audit.repository import AuditLog, Pending, take_append_lock
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import check_text

ACTOR = "system:agencies"
RECALLED = "agency_placement.recalled"
DEFAULT_ZONE = "Asia/Shanghai"  # the cardholders' zone by default (``Settings.timezone``)


class RecallRefused(ArrearsError):
    """A placement that cannot be recalled (recalled already, or its period over)."""


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a day's sweep recalled (by reason) and the agencies on the register not eligible that day."""

    as_of: date
    recalls: list[Recall] = field(default_factory=list)
    ineligible: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code -> reasons (codes)

    def by_reason(self) -> dict[str, int]:
        counts = Counter(one.reason for one in self.recalls)
        return {reason: counts[reason] for reason in rules.PRIORITY if counts[reason]}


def business_day(connection: Connection, *, now: datetime, zone: str = DEFAULT_ZONE) -> date:
    """The business date at ``now``: the latest completed run's, not after today in ``zone``."""
    from arrears.batch.business_day import decide  # the batch package reaches the holds: not at import

    return decide(repo.latest_run(connection), today=now.astimezone(ZoneInfo(zone)).date()).date


def _apply(
    connection: Connection, recalls: Sequence[Recall], *, now: datetime, actor: str,
    details: Mapping[str, Any] | None = None,
) -> list[Recall]:  # fmt: skip
    repo.mark(connection, recalls, at=now)
    AuditLog(connection).append_many([
        Pending(at=now, actor=actor, action=RECALLED, subject_type="agency_placement",
                subject_id=str(one.placement_id),
                details={"account_id": one.account_id, "agency_code": one.agency_code, "reason": one.reason,
                         "recalled_on": one.recalled_on.isoformat(), **(details or {})})
        for one in recalls
    ])  # fmt: skip
    return list(recalls)


def recall_accounts(
    connection: Connection,
    account_ids: Iterable[int],
    *,
    reason: str,
    day: date,
    now: datetime,
    actor: str = ACTOR,
    details: Mapping[str, Any] | None = None,
) -> list[Recall]:
    """Recalls every placement of the accounts not recalled yet, for ``reason`` on ``day`` (a period
    that ended before closes as ``period_end``); audited. The recalls (none: nothing was placed)."""
    if reason not in rules.REASONS:
        raise ValueError(f"unknown recall reason {reason!r}")
    accounts = list(account_ids)
    if not accounts or not repo.placed_accounts(connection, accounts):
        return []
    take_append_lock(connection)  # the chain's lock before the placements': the order every recall keeps
    found = [
        rules.recall(one, reason=reason, day=day) for one in repo.running_of_accounts(connection, accounts)
    ]
    return _apply(connection, found, now=now, actor=actor, details=details)


def recall_account(
    connection: Connection,
    account_id: int,
    reason: str = rules.SOLD,
    *,
    day: date,
    now: datetime,
    actor: str = ACTOR,
) -> int:
    """Recalls the account from its agency (by default because it was sold): how many placements."""
    return len(recall_accounts(connection, [account_id], reason=reason, day=day, now=now, actor=actor))


def recall_for_hold(
    connection: Connection, hold: Mapping[str, Any], *, now: datetime, actor: str, zone: str = DEFAULT_ZONE
) -> list[Recall]:
    """The placements of the accounts a hold covers, recalled as it is placed (a complaint hold as
    ``complaint``, any other as ``hold``) on the business date."""
    accounts = repo.accounts_of_hold(connection, dict(hold))
    if not repo.placed_accounts(connection, accounts):
        return []
    day = business_day(connection, now=now, zone=zone)
    reason = rules.hold_reason(str(hold["kind"]))
    details = {"hold_id": int(hold["id"]), "hold_kind": hold["kind"]}
    return recall_accounts(
        connection, accounts, reason=reason, day=day, now=now, actor=actor, details=details
    )


def recall_paid(
    connection: Connection, paid_by: Mapping[int, int], *, now: datetime, zone: str = DEFAULT_ZONE
) -> list[Recall]:
    """The accounts left with nothing overdue by a payment (``paid_by``: the payment, by account),
    recalled as ``paid_in_full`` on the business date, or on the payment's date when later (the payment
    that paid the account is the agency's)."""
    placed = repo.placed_accounts(connection, paid_by)
    if not placed:
        return []
    day = business_day(connection, now=now, zone=zone)
    paid_on = repo.paid_dates(connection, [paid_by[one] for one in placed])
    found = []
    for account_id in placed:
        on = max(day, paid_on.get(paid_by[account_id], day))
        found += recall_accounts(connection, [account_id], reason=rules.PAID, day=on, now=now,
                                 details={"payment_id": paid_by[account_id]})  # fmt: skip
    return found


def recall_agency(
    connection: Connection, code: str, *, reason: str, day: date, now: datetime, actor: str
) -> list[Recall]:
    """Every placement of the agency not recalled yet, recalled for ``reason`` on ``day``."""
    take_append_lock(connection)
    found = [rules.recall(one, reason=reason, day=day) for one in repo.running_of_agency(connection, code)]
    return _apply(connection, found, now=now, actor=actor)


def recall_placement(
    connection: Connection,
    placement_id: int,
    *,
    day: date,
    now: datetime,
    actor: str,
    note: str | None = None,
    agency_code: str | None = None,
) -> Recall:
    """A manager's recall of one placement on ``day`` (``manual``); NotFound for a missing placement (or
    one of another agency than ``agency_code``), RecallRefused for one recalled already or whose period
    is over."""
    take_append_lock(connection)
    found = repo.placement(connection, placement_id)
    if found is None or (agency_code is not None and found["agency_code"] != agency_code):
        raise NotFound(f"no placement {placement_id}", f"没有委外记录 {placement_id}")
    if found["recalled_on"] is not None:
        raise RecallRefused(f"the placement was recalled already (last day {found['recalled_on']})",
                            f"该委外已收回（最后一天 {found['recalled_on']}）")  # fmt: skip
    if found["ends_on"] < day:
        raise RecallRefused(
            f"the placement ended on {found['ends_on']}", f"该委外已于 {found['ends_on']} 到期"
        )
    text = check_text(note or "", field="note").strip()
    running = rules.Running(placement_id, int(found["account_id"]), str(found["agency_code"]),
                            found["placed_on"], found["ends_on"])  # fmt: skip
    recall = rules.recall(running, reason=rules.MANUAL, day=day)
    _apply(connection, [recall], now=now, actor=actor, details={"note": text} if text else None)
    return recall


def sweep(connection: Connection, *, as_of: date, now: datetime, actor: str = ACTOR) -> SweepResult:
    """The day's recalls (``recall_rules.sweep``): periods ended before ``as_of``, accounts held or with
    nothing overdue, agencies on the register not eligible on ``as_of``; audited. Running it again for
    the day recalls nothing more."""
    take_append_lock(connection)
    agencies = RegisterRepository(connection).agencies()
    states = {str(agency["code"]): rules.agency_state(agency, as_of) for agency in agencies}
    ineligible = {code: state.codes for code, state in states.items() if state.codes}
    running = repo.running_with_state(connection, now=now, as_of=as_of, ineligible=ineligible)
    found = rules.sweep(running, states, as_of=as_of)
    _apply(connection, found, now=now, actor=actor, details={"sweep": as_of.isoformat()})
    return SweepResult(as_of, found, ineligible)


def placeable_from(connection: Connection, account_ids: Iterable[int]) -> dict[int, date]:
    """The first day each account may be placed again: the day after the last day any placement of it
    held it (recalled or not). Accounts never placed are left out: they may be placed any day."""
    found = repo.periods(connection, account_ids)
    return {
        account_id: day for account_id, periods in found.items() if (day := rules.placeable_from(periods))
    }
