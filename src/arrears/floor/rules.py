"""The agenda's and the floor's decisions: what is due now, what is at risk, whose payment it is, what a
collector's target is, who a case may go to. Pure: values in, values out, the clock passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, shown
from arrears.kit.money import parse_amount_fen
from arrears.messaging.inbound_rules import REPLY_TAG

DUE_SOON = timedelta(minutes=15)  # a callback due within this is due now (and at risk on the floor)
LONG_CLAIM = timedelta(minutes=20)  # a case held this long without a call logged is flagged
ATTRIBUTION_DAYS = 30  # a payment is the collector's who last spoke with the debtor within these days
INSTALMENT_DAYS = 3  # the agenda lists plan instalments due from the business date to 3 days later
MAX_SHARE = 200  # cases of the queue a team lead hands a collector at once
QUEUE_ROLES = frozenset({"collector", "team_lead"})  # who works a team's queue (and may receive a case)

Slot = Literal["overdue", "due_now", "later_today", "later"]


@dataclass(frozen=True, slots=True)
class DayWindow:
    """The days a collector's figures count: the business date, through today when the run is behind;
    ``start``/``end`` are those days' bounds in UTC-aware instants (``end`` excluded)."""

    first: date
    last: date
    start: datetime
    end: datetime
    today_end: datetime  # the end of the calendar day of now: "later today" ends here


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants ``day`` starts and ends (the next day's start) in ``zone``."""
    return datetime.combine(day, time(), tzinfo=zone), datetime.combine(
        day + timedelta(days=1), time(), tzinfo=zone
    )


def day_window(*, business_date: date, now: datetime, zone: str) -> DayWindow:
    """The business date's local day, stretched through the calendar today when the business date is
    earlier (today's run has not completed: the work of today still counts for the day shown)."""
    local = ZoneInfo(zone)
    today = now.astimezone(local).date()
    last = max(business_date, today)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=local)

    end_of_today = midnight(today + timedelta(days=1))
    return DayWindow(business_date, last, midnight(business_date), midnight(last + timedelta(days=1)),
                     end_of_today)  # fmt: skip


def callback_slot(
    *, due_at: datetime, now: datetime, today_end: datetime, soon: timedelta = DUE_SOON
) -> Slot:
    """Where an open callback stands: overdue (its time has passed), due now (within ``soon``), later
    today (before ``today_end``), or later."""
    if due_at < now:
        return "overdue"
    if due_at <= now + soon:
        return "due_now"
    return "later_today" if due_at < today_end else "later"


def message_kind(*, note: str | None, request_kind: str | None) -> str | None:
    """What a callback answers when a cardholder wrote rather than a person scheduling a call: ``reply``
    (an SMS or e-mail reply, see messaging.inbound), the kind of the portal request that asked for it
    (``plan``...), or None: a call to make. A callback the cardholder booked on the portal is a call at
    their chosen time, not a message."""
    if note is not None and note.startswith(REPLY_TAG):
        return "reply"
    if request_kind is not None and request_kind != "callback":
        return request_kind
    return None


def at_risk(*, due_at: datetime, now: datetime, soon: timedelta = DUE_SOON) -> bool:
    """A callback the floor flags (an open one): overdue or due within ``soon``."""
    return due_at <= now + soon


def long_claim(*, claimed_at: datetime, now: datetime, threshold: timedelta = LONG_CLAIM) -> bool:
    """A case held longer than ``threshold`` (the collector may be stuck on it)."""
    return now - claimed_at >= threshold


# --- whose payment -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Touch:
    """A right-party contact: who spoke with the debtor of the account, when (and on which local day)."""

    account_id: int
    user_id: int
    at: datetime
    on: date


@dataclass(frozen=True, slots=True)
class Received:
    account_id: int
    amount_fen: int
    paid_date: date


def attribute(
    payments: Iterable[Received], touches: Iterable[Touch], *, days: int = ATTRIBUTION_DAYS
) -> dict[int, int]:
    """The fen each user collected: a payment goes to whoever last had a right-party contact with the
    account on or before its day, at most ``days`` days earlier (none: no one's). A reversal (a
    negative amount) takes back from the same user."""
    by_account: dict[int, list[Touch]] = {}
    for touch in touches:
        by_account.setdefault(touch.account_id, []).append(touch)
    collected: dict[int, int] = {}
    for payment in payments:
        earliest = payment.paid_date - timedelta(days=days)
        eligible = [
            one for one in by_account.get(payment.account_id, []) if earliest <= one.on <= payment.paid_date
        ]
        if not eligible:
            continue
        last = max(eligible, key=lambda one: (one.at, one.user_id))
        collected[last.user_id] = collected.get(last.user_id, 0) + payment.amount_fen
    return collected


# --- the day's figures and targets ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """A collector's day: calls, right-party contacts, promises taken (and their amount), collected."""

    calls: int = 0
    rpcs: int = 0
    promises: int = 0
    promised_fen: int = 0
    collected_fen: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, one.name) + getattr(other, one.name) for one in fields(self)))


@dataclass(frozen=True, slots=True)
class Target:
    """A day's target; a figure left None is not a target."""

    calls: int | None = None
    rpcs: int | None = None
    promises: int | None = None
    collected_fen: int | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, one.name) is None for one in fields(self))


TARGETED = ("calls", "rpcs", "promises", "collected_fen")


def resolved(*, team: Target | None, own: Target | None) -> Target:
    """A collector's target: each figure their own when the lead set it, else the team's."""
    base, mine = team or Target(), own or Target()
    return replace(
        base, **{name: getattr(mine, name) for name in TARGETED if getattr(mine, name) is not None}
    )


def summed(targets: Sequence[Target]) -> Target:
    """The team's total of its collectors' targets: a figure is a target when any collector has it."""
    totals: dict[str, int | None] = {}
    for name in TARGETED:
        values = [getattr(one, name) for one in targets if getattr(one, name) is not None]
        totals[name] = sum(values) if values else None
    return Target(**totals)


@dataclass(frozen=True, slots=True)
class Progress:
    name: str
    done: int
    target: int | None

    @property
    def ratio(self) -> float | None:
        """Done over target (None without a target; a target of 0 is met)."""
        if self.target is None:
            return None
        return 1.0 if self.target == 0 else self.done / self.target

    @property
    def met(self) -> bool:
        return self.target is not None and self.done >= self.target


MAX_COUNT = 10_000  # calls, contacts or promises a day's target may name


def parse_target(typed: Mapping[str, str]) -> Target:
    """A target as typed in the floor's form: whole numbers from 0 to ``MAX_COUNT`` (``calls``,
    ``rpcs``, ``promises``) and an amount in yuan (``collected``); an empty field is no target.
    InvalidField names the field at fault."""
    counts: dict[str, int | None] = {}
    for name in ("calls", "rpcs", "promises"):
        text = typed.get(name, "").strip()
        if not text:
            counts[name] = None
        elif not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > MAX_COUNT:
            raise InvalidField(name, f"{shown(text)} is not a whole number from 0 to {MAX_COUNT:,}",
                               f"{shown(text)} 不是 0 至 {MAX_COUNT:,} 之间的整数")  # fmt: skip
        else:
            counts[name] = int(text)
    amount = typed.get("collected", "").strip()
    collected = parse_amount_fen(amount, field="collected") if amount else None
    return Target(counts["calls"], counts["rpcs"], counts["promises"], collected)


def progress(figures: Figures, target: Target) -> list[Progress]:
    """Each targeted figure against its target, in the order the pages show them."""
    return [Progress(name, getattr(figures, name), getattr(target, name)) for name in TARGETED]


# --- who a case may go to --------------------------------------------------------------------------


class AssignmentRefused(ArrearsError):
    """A team lead's reassignment or share that cannot be made (422 on the pages)."""


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    role: str
    team_id: int | None
    active: bool = True


def check_assignee(
    *, actor: Person, assignee: Person, queue_team: int | None, holder: Person | None = None
) -> None:
    """Refuses a case (or a share) of ``queue_team``'s queue (None: any team's), held now by ``holder``
    (None: no one), for ``assignee``: they must be active and work a queue; a team lead hands work only
    to their own team and takes it only from their own team; a call of one team's queue goes to that
    team only."""
    if not assignee.active or assignee.role not in QUEUE_ROLES:
        raise AssignmentRefused("the person chosen does not work the call queue", "所选人员不处理电催队列")
    if actor.role == "team_lead":
        if actor.team_id is None or assignee.team_id != actor.team_id:
            raise AssignmentRefused("the collector is not in your team", "该催收员不在您的团队")
        if holder is not None and holder.team_id != actor.team_id:
            raise AssignmentRefused(
                "a collector of another team holds the case", "该案件由其他团队的催收员持有"
            )
    if queue_team is not None and assignee.team_id != queue_team:
        raise AssignmentRefused("the case is in another team's queue", "该案件属于其他团队的队列")


def check_share(count: int) -> None:
    if not 1 <= count <= MAX_SHARE:
        raise AssignmentRefused(
            f"a share is from 1 to {MAX_SHARE} cases, not {count}",
            f"每次分配 1 至 {MAX_SHARE} 个案件，而不是 {count}",
        )
