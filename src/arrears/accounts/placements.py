"""Agency placements (委外): the accounts an agency works, and for how long. SQL only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, insert, select

from arrears.models import AgencyPlacement, CollectionAction, table_of

PLACEMENT_DAYS = 90  # a usual placement period


def place_run_hand_overs(
    connection: Connection, *, run_date: date, agency_code: str, now: datetime, days: int = PLACEMENT_DAYS
) -> int:
    """Places the accounts the run handed over (``agency_placement`` actions) with ``agency_code`` from
    the run date for ``days``; accounts already placed for that date are left. Returns how many."""
    x, p = table_of(CollectionAction), table_of(AgencyPlacement)
    held_until = func.coalesce(p.c.recalled_on, p.c.ends_on)  # a recalled account: placeable the day after
    placed = select(p.c.account_id).where(p.c.placed_on <= run_date, held_until >= run_date)
    handed = (
        select(func.distinct(x.c.account_id))
        .where(x.c.run_date == run_date, x.c.channel == "agency_placement", x.c.account_id.not_in(placed))
    )  # fmt: skip
    accounts = connection.execute(handed).scalars().all()
    if accounts:
        ends_on = run_date + timedelta(days=days)
        rows = [{"account_id": account, "agency_code": agency_code, "placed_on": run_date, "ends_on": ends_on,
                 "created_at": now} for account in accounts]  # fmt: skip
        connection.execute(insert(p), rows)
    return len(accounts)
