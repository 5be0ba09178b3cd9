"""Recall's SQL: the placements not recalled yet (of accounts, of an agency, of the whole book with what
the daily sweep needs), marking them recalled, and each account's placement periods. SQL only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, or_, select, update

from arrears.agencies.recall_rules import Recall, Running
from arrears.kit.sql_lists import one_of
from arrears.models import AgencyPlacement, CardAccount, DailyRun, Hold, Payment, table_of

_PLACEMENT, _ACCOUNT, _HOLD, _RUN, _PAYMENT = (
    table_of(AgencyPlacement), table_of(CardAccount), table_of(Hold), table_of(DailyRun), table_of(Payment),
)  # fmt: skip
_COLUMNS = (_PLACEMENT.c.id, _PLACEMENT.c.account_id, _PLACEMENT.c.agency_code, _PLACEMENT.c.placed_on,
            _PLACEMENT.c.ends_on)  # fmt: skip


def _running(rows: Iterable[Any]) -> list[Running]:
    return [Running(int(row.id), int(row.account_id), str(row.agency_code), row.placed_on, row.ends_on)
            for row in rows]  # fmt: skip


def running_of_accounts(connection: Connection, account_ids: Iterable[int]) -> list[Running]:
    """The accounts' placements not recalled yet, locked for the recall."""
    p = _PLACEMENT
    query = select(*_COLUMNS).where(
        one_of(connection, p.c.account_id, account_ids), p.c.recalled_on.is_(None)
    )
    return _running(connection.execute(query.order_by(p.c.id).with_for_update()))


def running_of_agency(connection: Connection, code: str) -> list[Running]:
    """The agency's placements not recalled yet, locked for the recall."""
    p = _PLACEMENT
    query = select(*_COLUMNS).where(p.c.agency_code == code, p.c.recalled_on.is_(None))
    return _running(connection.execute(query.order_by(p.c.id).with_for_update()))


def placement(connection: Connection, placement_id: int) -> dict[str, Any] | None:
    p = _PLACEMENT
    row = connection.execute(select(p).where(p.c.id == placement_id).with_for_update()).mappings().first()
    return dict(row) if row else None


def _held(now: datetime, *, complaint: bool | None = None) -> Any:
    """A hold in force at ``now`` on the placement's account (a complaint hold, any other, or any)."""
    h, a = _HOLD, _ACCOUNT
    kind = (
        [] if complaint is None else [(h.c.kind == "complaint") if complaint else (h.c.kind != "complaint")]
    )
    return exists().where(
        h.c.customer_id == a.c.customer_id,
        or_(h.c.account_id.is_(None), h.c.account_id == a.c.id),
        h.c.placed_at <= now,
        or_(h.c.lifted_at.is_(None), h.c.lifted_at > now),
        or_(h.c.expires_at.is_(None), h.c.expires_at > now),
        *kind,
    )


def running_with_state(
    connection: Connection, *, now: datetime, as_of: date, ineligible: Iterable[str] = ()
) -> list[Running]:
    """The placements not recalled yet that the day's sweep may recall, with their account's overdue
    amount and whether a hold (a complaint first) is in force on it at ``now``: those whose period
    ended before ``as_of``, with nothing overdue, with a hold, or of an ``ineligible`` agency (the
    others have nothing to judge: not read). Locked."""
    p, a = _PLACEMENT, _ACCOUNT
    codes = sorted(set(ineligible))
    judged = or_(
        p.c.ends_on < as_of,
        a.c.overdue_fen <= 0,
        _held(now),
        *([p.c.agency_code.in_(codes)] if codes else []),
    )
    query = (
        select(*_COLUMNS, a.c.overdue_fen, _held(now, complaint=True).label("complaint"),
               _held(now, complaint=False).label("held"))
        .join(a, a.c.id == p.c.account_id)
        .where(p.c.recalled_on.is_(None), judged)
        .order_by(p.c.id)
    )  # fmt: skip
    rows = connection.execute(query.with_for_update(of=p))
    return [
        Running(int(row.id), int(row.account_id), str(row.agency_code), row.placed_on, row.ends_on,
                int(row.overdue_fen or 0), "complaint" if row.complaint else ("hold" if row.held else None))
        for row in rows
    ]  # fmt: skip


def mark(connection: Connection, recalls: Sequence[Recall], *, at: datetime) -> None:
    """Marks the placements recalled (their rows locked by the caller's read)."""
    if not recalls:
        return
    p = _PLACEMENT
    statement = (
        update(p)
        .where(p.c.id == bindparam("placement"), p.c.recalled_on.is_(None))
        .values(recalled_on=bindparam("day"), recall_reason=bindparam("reason"), recalled_at=at)
    )
    rows = [{"placement": one.placement_id, "day": one.recalled_on, "reason": one.reason} for one in recalls]
    connection.execute(statement, rows)


def accounts_of_hold(connection: Connection, hold: dict[str, Any]) -> list[int]:
    """The accounts a hold covers: its account, or every account of its customer."""
    if hold.get("account_id") is not None:
        return [int(hold["account_id"])]
    a = _ACCOUNT
    query = select(a.c.id).where(a.c.customer_id == hold["customer_id"]).order_by(a.c.id)
    return [int(one) for one in connection.execute(query).scalars()]


def placed_accounts(connection: Connection, account_ids: Iterable[int]) -> list[int]:
    """Those of the accounts with a placement not recalled yet (a cheap look before locking)."""
    p = _PLACEMENT
    query = select(p.c.account_id).where(
        one_of(connection, p.c.account_id, account_ids), p.c.recalled_on.is_(None)
    )
    return sorted({int(one) for one in connection.execute(query.distinct()).scalars()})


def periods(
    connection: Connection, account_ids: Iterable[int]
) -> dict[int, list[tuple[date, date, date | None]]]:
    """Each account's placements (placed on, ends on, recalled on)."""
    p = _PLACEMENT
    query = select(p.c.account_id, p.c.placed_on, p.c.ends_on, p.c.recalled_on).where(
        one_of(connection, p.c.account_id, account_ids)
    )
    found: dict[int, list[tuple[date, date, date | None]]] = defaultdict(list)
    for row in connection.execute(query):
        found[int(row.account_id)].append((row.placed_on, row.ends_on, row.recalled_on))
    return dict(found)


def latest_run(connection: Connection) -> date | None:
    """The date of the latest completed daily run."""
    r = _RUN
    return connection.execute(select(func.max(r.c.run_date)).where(r.c.status == "completed")).scalar()


def paid_dates(connection: Connection, payment_ids: Iterable[int]) -> dict[int, date]:
    p = _PAYMENT
    query = select(p.c.id, p.c.paid_date).where(one_of(connection, p.c.id, payment_ids))
    return {int(row.id): row.paid_date for row in connection.execute(query)}
