"""All SQL of agency commissions: the schedules, the placements held in a month with the account's
delinquency at placement, the payments attributed to them (a reversal where the payment it takes back
was), what the month's gateway payments still lack (unposted), and the statements. The caller owns
the transaction. Nothing here logs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from arrears.agencies.commission_frames import DAYS, HELD, PAYMENTS
from arrears.agencies.commission_rules import RateBand, Schedule
from arrears.kit.sql_lists import one_of
from arrears.models import (
    Agency,
    AgencyCommissionRate,
    AgencyPlacement,
    AppUser,
    CardAccount,
    CommissionStatement,
    DelinquencySnapshot,
    GatewayNotification,
    Payment,
    PaymentOrder,
    PlacementBatch,
    Reconciliation,
    table_of,
)

_RATE, _STATEMENT, _PLACEMENT = (
    table_of(AgencyCommissionRate),
    table_of(CommissionStatement),
    table_of(AgencyPlacement),
)
_BATCH, _SNAPSHOT, _PAYMENT = table_of(PlacementBatch), table_of(DelinquencySnapshot), table_of(Payment)
_ACCOUNT, _AGENCY, _USER = table_of(CardAccount), table_of(Agency), table_of(AppUser)
_NOTE, _ORDER, _RECONCILIATION = (
    table_of(GatewayNotification),
    table_of(PaymentOrder),
    table_of(Reconciliation),
)
# gateway outcomes kept for review whose money the gateway took and nothing here posted
UNPOSTED_OUTCOMES = ("amount_mismatch", "second_trade")
LISTED_NOTIFICATIONS = 20


def last_day_held() -> Any:
    """``coalesce(recalled_on, ends_on)``: the last day the agency held the account."""
    return func.coalesce(_PLACEMENT.c.recalled_on, _PLACEMENT.c.ends_on)


def local_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of the start of ``first`` and the end of ``last`` in ``zone``."""
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


class CommissionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection.execute(query).mappings()]

    # --- schedules --------------------------------------------------------------------------------

    def schedules(self, agency_codes: Iterable[str] | None = None) -> dict[str, list[Schedule]]:
        """Every schedule of the agencies (all agencies: None), each with its bands in order."""
        r = _RATE
        query = select(r).order_by(r.c.agency_code, r.c.effective_from, r.c.id)
        if agency_codes is not None:
            query = query.where(one_of(self._connection, r.c.agency_code, agency_codes))
        grouped: dict[tuple[str, date], list[RateBand]] = {}
        for row in self._connection.execute(query).mappings():
            band = RateBand(
                row["age_band"],
                int(row["min_dpd"]),
                row["max_dpd"],
                int(row["rate_bp"]),
                int(row["min_overdue_fen"]),
                row["max_overdue_fen"],
            )
            grouped.setdefault((row["agency_code"], row["effective_from"]), []).append(band)
        found: dict[str, list[Schedule]] = {}
        for (code, starts), bands in grouped.items():
            found.setdefault(code, []).append(Schedule(code, starts, tuple(bands)))
        return found

    def replace_schedule(
        self, agency_code: str, effective_from: date, bands: Sequence[RateBand], *, by: str, now: datetime
    ) -> int:
        """The agency's schedule from ``effective_from`` becomes ``bands``; how many bands it replaced."""
        r = _RATE
        same = (r.c.agency_code == agency_code, r.c.effective_from == effective_from)
        replaced = self._connection.execute(delete(r).where(*same)).rowcount
        self._connection.execute(
            insert(r),
            [
                {
                    "agency_code": agency_code,
                    "effective_from": effective_from,
                    "age_band": band.age_band,
                    "min_dpd": band.min_dpd,
                    "max_dpd": band.max_dpd,
                    "min_overdue_fen": band.min_overdue_fen,
                    "max_overdue_fen": band.max_overdue_fen,
                    "rate_bp": band.rate_bp,
                    "created_by": by,
                    "created_at": now,
                }
                for band in bands
            ],
        )
        return int(replaced or 0)

    # --- agencies ---------------------------------------------------------------------------------

    def agency_names(self) -> dict[str, str]:
        return {
            row.code: row.name for row in self._connection.execute(select(_AGENCY.c.code, _AGENCY.c.name))
        }

    def agency_known(self, code: str) -> bool:
        """On the register, or holding (or having held) a placement."""
        a, p = _AGENCY, _PLACEMENT
        if self._connection.execute(select(a.c.id).where(a.c.code == code)).first() is not None:
            return True
        return (
            self._connection.execute(select(p.c.id).where(p.c.agency_code == code).limit(1)).first()
            is not None
        )

    def agencies_held(self, first: date, last: date) -> list[str]:
        """The agencies that held an account some day of the month."""
        p = _PLACEMENT
        query = (
            select(p.c.agency_code)
            .distinct()
            .where(p.c.placed_on <= last, p.c.ends_on >= first, last_day_held() >= first)
        )
        return sorted(str(code) for code in self._connection.execute(query).scalars())

    # --- placements and attributed payments ------------------------------------------------------

    def _placements(self, *conditions: Any) -> pl.DataFrame:
        """Placements (``commission_frames.HELD``) with the account's delinquency at placement (the latest
        snapshot on or before the batch's run date, or the placement day when placed by hand) and the
        account's last four characters."""
        p, b, s, a = _PLACEMENT, _BATCH, _SNAPSHOT, _ACCOUNT
        s2 = aliased(_SNAPSHOT)
        day = func.coalesce(b.c.run_date, p.c.placed_on)
        latest = (
            select(func.max(s2.c.as_of_date))
            .where(s2.c.account_id == p.c.account_id, s2.c.as_of_date <= day)
            .scalar_subquery()
        )
        query = (
            select(p.c.id, p.c.account_id, p.c.agency_code, p.c.placed_on, last_day_held().label("last_day"),
                   s.c.dpd, s.c.overdue_fen, s.c.bucket, a.c.account_tail)
            .select_from(p)
            .outerjoin(b, b.c.id == p.c.batch_id)
            .outerjoin(s, and_(s.c.account_id == p.c.account_id, s.c.as_of_date == latest))
            .join(a, a.c.id == p.c.account_id)
            .where(*conditions)
        )  # fmt: skip
        return self._frame(query, HELD, ["placed_on", "last_day"])

    def held(self, first: date, last: date, agency_code: str | None = None) -> pl.DataFrame:
        """The placements that held their account some day of the month (of one agency, given)."""
        p = _PLACEMENT
        conditions = [p.c.placed_on <= last, p.c.ends_on >= first, last_day_held() >= first]
        if agency_code is not None:
            conditions.append(p.c.agency_code == agency_code)
        return self._placements(*conditions)

    def placements_of(self, account_ids: Iterable[int]) -> pl.DataFrame:
        """Every placement of these accounts (a reversal's payment may lie in an earlier placement)."""
        wanted = sorted(set(account_ids))
        if not wanted:
            return pl.DataFrame(schema=HELD)
        return self._placements(one_of(self._connection, _PLACEMENT.c.account_id, wanted))

    def _frame(self, query: Any, schema: dict[str, Any], dates: Sequence[str]) -> pl.DataFrame:
        """The query's rows as a frame, fetched by the driver's own cursor in the caller's transaction: at a
        million rows, SQLAlchemy's rows and its date processing row by row would be most of the read.
        SQLite's dates arrive as their ISO text and are parsed at once."""
        dialect = self._connection.dialect
        compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params()
        sqlite = dialect.name == "sqlite"
        if sqlite:
            params = {
                key: value.isoformat() if isinstance(value, date) else value for key, value in params.items()
            }
        arguments: Any = (
            tuple(params[key] for key in compiled.positiontup or ()) if compiled.positional else params
        )
        cursor = self._connection.connection.cursor()
        try:
            cursor.execute(str(compiled), arguments)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not sqlite:
            return pl.DataFrame(rows, schema=schema, orient="row")
        frame = pl.DataFrame(rows, schema=schema | dict.fromkeys(dates, pl.String), orient="row")
        return frame.with_columns(pl.col(name).str.to_date("%Y-%m-%d") for name in dates)

    def month_payments(self, first: date, last: date) -> pl.DataFrame:
        """Every payment dated in the month (``commission_frames.PAYMENTS``), by the index on its date."""
        pay = _PAYMENT
        columns = (pay.c.id, pay.c.payment_ref, pay.c.account_id, pay.c.paid_date, pay.c.amount_fen,
                   pay.c.source, pay.c.reverses_id)  # fmt: skip
        query = select(*columns).where(pay.c.paid_date >= first, pay.c.paid_date <= last)
        return self._frame(query, PAYMENTS, ["paid_date"])

    def paid_dates(self, payment_ids: Iterable[int]) -> pl.DataFrame:
        """The dates of these payments (``commission_frames.DAYS``; those that are not here left out)."""
        wanted, pay = sorted(set(payment_ids)), _PAYMENT
        if not wanted:
            return pl.DataFrame(schema=DAYS)
        query = select(pay.c.id, pay.c.paid_date).where(one_of(self._connection, pay.c.id, wanted))
        return self._frame(query, DAYS, ["paid_date"])

    # --- unposted ---------------------------------------------------------------------------------

    def unposted(self, first: date, last: date, *, as_of: date, zone: ZoneInfo) -> dict[str, Any]:
        """What the month's gateway payments still lack: notifications kept for review (the gateway took
        money, nothing posted) received in the month, and the days of the month (up to ``as_of``) with
        payment orders whose settlement file has not been reconciled."""
        n, o = _NOTE, _ORDER
        start, end = local_bounds(first, min(last, as_of), zone)
        notes = [
            int(one)
            for one in self._connection.execute(
                select(n.c.id)
                .where(
                    n.c.review_status == "open",
                    n.c.outcome.in_(UNPOSTED_OUTCOMES),
                    n.c.received_at >= start,
                    n.c.received_at < end,
                )
                .order_by(n.c.id)
            ).scalars()
        ]
        ordered = {
            at.astimezone(zone).date()
            for at in self._connection.execute(
                select(o.c.created_at).where(o.c.created_at >= start, o.c.created_at < end)
            ).scalars()
        }
        reconciled = set()
        for report in self._connection.execute(select(_RECONCILIATION.c.report)).scalars():
            try:
                reconciled.add(date.fromisoformat(json.loads(report)["day"]))
            except (ValueError, KeyError, TypeError):
                continue
        days = sorted(day for day in ordered - reconciled if first <= day <= min(last, as_of))
        return {
            "notifications": len(notes),
            "notification_ids": notes[:LISTED_NOTIFICATIONS],
            "unreconciled_days": [day.isoformat() for day in days],
        }

    # --- statements -------------------------------------------------------------------------------

    def statement(self, statement_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        s = _STATEMENT
        query = select(s).where(s.c.id == statement_id)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def statement_of(self, agency_code: str, month: date, *, lock: bool = False) -> dict[str, Any] | None:
        s = _STATEMENT
        query = select(s).where(s.c.agency_code == agency_code, s.c.month == month)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def add_statement(self, values: dict[str, Any]) -> int:
        s = _STATEMENT
        return int(self._connection.execute(insert(s).values(**values).returning(s.c.id)).scalar_one())

    def change_statement(self, statement_id: int, *, from_status: str, **values: Any) -> bool:
        """Updates the statement if it is still ``from_status`` (a colleague's change meanwhile: False)."""
        s = _STATEMENT
        done = self._connection.execute(
            update(s).where(s.c.id == statement_id, s.c.status == from_status).values(**values)
        )
        return done.rowcount == 1

    def statements(self, *, month: date | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Statements (of a month, given), the latest month first, by agency; with the reviewers' and
        approvers' names."""
        s, u = _STATEMENT, _USER
        reviewer, approver = aliased(u), aliased(u)
        query = (
            select(
                s, reviewer.c.display_name.label("reviewed_by"), approver.c.display_name.label("approved_by")
            )
            .outerjoin(reviewer, reviewer.c.id == s.c.reviewed_by_id)
            .outerjoin(approver, approver.c.id == s.c.approved_by_id)
            .order_by(s.c.month.desc(), s.c.agency_code)
            .limit(limit)
        )
        if month is not None:
            query = query.where(s.c.month == month)
        return self._rows(query)

    def months(self) -> list[date]:
        s = _STATEMENT
        return list(
            self._connection.execute(select(s.c.month).distinct().order_by(s.c.month.desc())).scalars()
        )

    def display_name(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return self._connection.execute(select(_USER.c.display_name).where(_USER.c.id == user_id)).scalar()

    def schedule_rows(self, agency_code: str) -> list[dict[str, Any]]:
        r = _RATE
        return self._rows(
            select(r).where(r.c.agency_code == agency_code).order_by(r.c.effective_from.desc(), r.c.id)
        )
