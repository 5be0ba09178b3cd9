"""Pure decisions of the visitor's day: who a safety alert reaches, and when a stop's full address
may be shown. Plain values in, plain values out: no session, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

RecipientKind = Literal["team_lead", "field_supervisor", "managers", "nobody"]
ADDRESS_STATUSES = ("planned", "checked_in")  # a stop still to visit, or being visited


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who a pair's safety alert reaches: ``kind`` and their display names."""

    kind: RecipientKind
    names: tuple[str, ...]


def alert_recipients(
    *, team_leads: Sequence[str], field_supervisors: Sequence[str], managers: Sequence[str]
) -> Recipients:
    """A safety alert always reaches someone on duty (the active users given): the pair's team lead(s),
    else the field supervisor(s), else every manager. ``nobody`` only when there is none of them."""
    for kind, names in (
        ("team_lead", team_leads),
        ("field_supervisor", field_supervisors),
        ("managers", managers),
    ):
        if names:
            return Recipients(kind, tuple(sorted(names)))  # type: ignore[arg-type]
    return Recipients("nobody", ())


def address_refusal(
    *, plan_date: date, status: str, route_status: str, today: date
) -> tuple[str, str] | None:
    """Why the pair may not see the stop's full address now (en, zh), or None: only on the day of the
    visit, for a stop still to visit or being visited, on a route that was not cancelled."""
    if plan_date != today:
        return (
            f"the full address is shown on the day of the visit only ({plan_date})",
            f"完整地址仅在外访当天（{plan_date}）显示",
        )
    if route_status == "cancelled" or status not in ADDRESS_STATUSES:
        return ("the visit is not open any more", "该外访已结束")
    return None
