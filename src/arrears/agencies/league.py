"""The agencies' league table of a month (``/agencies/league``, ``arrears agencies league``): per agency the
accounts it held, the amount it recovered and its recovery rate, its promise kept rate, complaints and
compliance blocks per 1,000 accounts (``league_rules``). :func:`league_table` is what the periodic
report includes; read only."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection

from arrears.agencies import league_rules as rules
from arrears.agencies.commission import month_lines
from arrears.agencies.commission_repository import CommissionRepository
from arrears.agencies.commission_rules import month_end
from arrears.agencies.league_repository import LeagueRepository
from arrears.agencies.league_rules import AgencyMonth, LeagueRow


def league_table(connection: Connection, *, month: date, zone: ZoneInfo) -> list[LeagueRow]:
    """The ranked table of the calendar month of ``month``: every agency that held an account in it."""
    first, last = month.replace(day=1), month_end(month)
    commissions, league = CommissionRepository(connection), LeagueRepository(connection)
    lines, _, held = month_lines(commissions, first, last)
    sums = lines.group_by("agency_code").agg(pl.len(), pl.col("amount_fen").sum())
    collected = {str(code): (int(count), int(fen)) for code, count, fen in sums.iter_rows()}
    in_month = pl.col("placed_on").is_between(first, last)
    accounts = {
        row["agency_code"]: row
        for row in held.group_by("agency_code").agg(
            accounts=pl.col("account_id").n_unique(), new_placements=in_month.sum(),
            overdue=pl.col("overdue_fen").sum(), unknown=pl.col("overdue_fen").is_null().sum(),
        ).iter_rows(named=True)
    }  # fmt: skip
    promises = league.promises(first, last)
    spans = list(held.select("account_id", "agency_code", "placed_on", "last_day").iter_rows())
    complaints = rules.placed_during(league.complaints(first, last, zone), spans)
    blocks = league.blocks(first, last, zone, league.agency_users())
    names = commissions.agency_names()
    months = []
    for code in sorted(set(accounts) | set(collected)):
        mine = accounts.get(code, {"accounts": 0, "new_placements": 0, "overdue": 0, "unknown": 0})
        taken = promises.get(code, {})
        payments, recovered = collected.get(code, (0, 0))
        months.append(
            AgencyMonth(
                agency_code=code,
                agency_name=names.get(code, code),
                accounts=int(mine["accounts"]),
                new_placements=int(mine["new_placements"]),
                overdue_at_placement_fen=int(mine["overdue"] or 0),
                unknown_overdue=int(mine["unknown"]),
                recovered_fen=recovered,
                payments=payments,
                promises_settled=sum(taken.get(status, 0) for status in rules.PROMISE_SETTLED),
                promises_kept=taken.get("kept", 0),
                complaints=complaints.get(code, 0),
                blocks=blocks.get(code, 0),
            )
        )
    return rules.league(months)
