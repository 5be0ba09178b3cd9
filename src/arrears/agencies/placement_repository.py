"""All SQL of placement batches: the run's hand-overs with what the allocation and the hand-over files need,
the accounts that may not be placed again yet, the agencies with what they hold and how they did, and
the batches, placements and hand-over files written. The caller owns the connection and its
transaction. Nothing here logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    bindparam,
    case,
    func,
    insert,
    select,
    text,
    update,
)

from arrears.kit.errors import NotFound
from arrears.models import (
    Agency,
    AgencyPlacement,
    CardAccount,
    CollectionAction,
    ContactPoint,
    Customer,
    DelinquencySnapshot,
    HandoverFile,
    Payment,
    PlacementBatch,
    SoldAccount,
    table_of,
)
from arrears.models.types import UTCDateTime

HANDED_OVER = "agency_placement"  # the channel of the run's hand-over actions
_ACTION, _ACCOUNT, _CUSTOMER = table_of(CollectionAction), table_of(CardAccount), table_of(Customer)
_POINT, _SNAPSHOT, _PAYMENT = table_of(ContactPoint), table_of(DelinquencySnapshot), table_of(Payment)
_AGENCY, _PLACEMENT = table_of(Agency), table_of(AgencyPlacement)
_BATCH, _FILE, _SOLD = table_of(PlacementBatch), table_of(HandoverFile), table_of(SoldAccount)
_REGION_KINDS = ("home_address", "work_address")  # where the holder's region is read from, in this order
_CHUNK = 5_000
_MOBILE = ("mobile",)


def _best_point(customer: Any, kinds: tuple[str, ...], column: str) -> Any:
    """``column`` of the customer's best contact point of ``kinds`` (a correlated subquery, one index
    look-up per row): in the order of ``kinds``, the primary point first, then the oldest. Addresses
    (``_REGION_KINDS``) count when they name a district; a mobile when neither opted out nor invalid."""
    p = _POINT
    order = case(*((p.c.kind == kind, number) for number, kind in enumerate(kinds)), else_=len(kinds))
    usable = (
        (p.c.district.is_not(None), p.c.district != "")
        if kinds == _REGION_KINDS
        else (p.c.opted_out.is_(False), p.c.invalid_at.is_(None))
    )
    return (
        select(p.c[column])
        .where(p.c.customer_id == customer, p.c.kind.in_(kinds), *usable)
        .order_by(order, case((p.c.is_primary, 0), else_=1), p.c.id)
        .limit(1)
        .scalar_subquery()
    )


class PlacementRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- the run's hand-overs ------------------------------------------------------------------------

    def _run_accounts(self, run_date: date) -> Any:
        x = _ACTION
        return (
            select(x.c.account_id)
            .where(x.c.run_date == run_date, x.c.channel == HANDED_OVER)
            .distinct()
            .subquery("handed")
        )

    def handed_over(self, run_date: date) -> list[Any]:
        """The accounts of the run's ``agency_placement`` actions, each once, in id order, with their
        delinquency on the run date (its snapshot; the account's current figures when there is none) and
        the holder's region (``region``, None when no address names one)."""
        a, s, run = _ACCOUNT, _SNAPSHOT, self._run_accounts(run_date)
        query = (
            select(
                a.c.id.label("account_id"), a.c.customer_id,
                func.coalesce(s.c.overdue_fen, a.c.overdue_fen).label("overdue_fen"),
                func.coalesce(s.c.bucket, a.c.bucket).label("bucket"),
                _best_point(a.c.customer_id, _REGION_KINDS, "district").label("region"),
            )
            .join(run, run.c.account_id == a.c.id)
            .outerjoin(s, (s.c.account_id == a.c.id) & (s.c.as_of_date == run_date))
            .order_by(a.c.id)
        )  # fmt: skip
        return list(self._connection.execute(query).all())

    def not_placeable(self, run_date: date, *, day: date) -> dict[int, str]:
        """The run's accounts that may not be placed on ``day``: ``placed`` (a placement that has not
        ended by then) or ``recalled`` (recalled, but its last day is ``day`` or later: a new placement
        starts the day after)."""
        p, run = _PLACEMENT, self._run_accounts(run_date)
        query = (
            select(p.c.account_id, p.c.recalled_on)
            .join(run, run.c.account_id == p.c.account_id)
            .where(func.coalesce(p.c.recalled_on, p.c.ends_on) >= day)
        )
        found: dict[int, str] = {}
        for row in self._connection.execute(query):
            reason = "placed" if row.recalled_on is None else "recalled"
            if found.get(int(row.account_id)) != "placed":
                found[int(row.account_id)] = reason
        return found

    def sold(self, run_date: date) -> set[int]:
        """The run's accounts that were sold: never placed again."""
        sold, run = _SOLD, self._run_accounts(run_date)
        query = select(sold.c.account_id).join(run, run.c.account_id == sold.c.account_id)
        return {int(one) for one in self._connection.execute(query).scalars()}

    # --- the agencies --------------------------------------------------------------------------------

    def agencies(self, *, lock: bool) -> list[dict[str, Any]]:
        """Every agency on the register, in code order; ``lock``: their rows locked until the end of
        the transaction (on PostgreSQL), so that two batches place one after the other."""
        query = select(_AGENCY).order_by(_AGENCY.c.code)
        if lock:
            query = query.with_for_update()
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def held(self, day: date) -> dict[str, int]:
        """The accounts each agency holds on ``day`` (placements running, not recalled)."""
        p = _PLACEMENT
        query = (
            select(p.c.agency_code, func.count())
            .where(p.c.placed_on <= day, p.c.ends_on >= day, p.c.recalled_on.is_(None))
            .group_by(p.c.agency_code)
        )
        return {str(code): int(count) for code, count in self._connection.execute(query)}

    def track_record(self, day: date) -> dict[str, tuple[int, int]]:
        """Each agency's finished placements (their last day before ``day``) with a snapshot on their
        first day: the overdue placed and the payments made while placed (fen)."""
        p, s, pay = _PLACEMENT, _SNAPSHOT, _PAYMENT
        last_day = func.coalesce(p.c.recalled_on, p.c.ends_on)
        paid = (
            select(func.coalesce(func.sum(pay.c.amount_fen), 0))
            .where(pay.c.account_id == p.c.account_id, pay.c.paid_date >= p.c.placed_on,
                   pay.c.paid_date <= last_day)
            .scalar_subquery()
        )  # fmt: skip
        each = (
            select(p.c.agency_code, s.c.overdue_fen.label("placed"), paid.label("paid"))
            .join(s, (s.c.account_id == p.c.account_id) & (s.c.as_of_date == p.c.placed_on))
            .where(last_day < day)
            .subquery()
        )
        query = select(each.c.agency_code, func.sum(each.c.placed), func.sum(each.c.paid)).group_by(
            each.c.agency_code
        )
        return {
            str(code): (int(paid or 0), int(placed or 0))
            for code, placed, paid in self._connection.execute(query)
        }

    # --- writing a batch -----------------------------------------------------------------------------

    def add_batch(self, values: dict[str, Any]) -> int:
        return int(
            self._connection.execute(insert(_BATCH).values(**values).returning(_BATCH.c.id)).scalar_one()
        )

    def set_summary(self, batch_id: int, summary: str) -> None:
        self._connection.execute(update(_BATCH).where(_BATCH.c.id == batch_id).values(summary=summary))

    def add_placements(
        self,
        pairs: Sequence[tuple[int, str]],
        *,
        batch_id: int,
        placed_on: date,
        ends_on: date,
        now: datetime,
    ) -> None:
        """The batch's placements, one per (account, agency code), all with the same period: one
        statement on PostgreSQL (the pairs as two arrays), a temporary table then one statement on
        SQLite (the pairs written by the driver: no per-row conversion)."""
        if not pairs:
            return
        target = "agency_placement (account_id, agency_code, placed_on, ends_on, created_at, batch_id)"
        constants = {"placed_on": placed_on, "ends_on": ends_on, "now": now, "batch": batch_id}
        typed = (bindparam("placed_on", type_=Date()), bindparam("ends_on", type_=Date()),
                 bindparam("now", type_=UTCDateTime()), bindparam("batch", type_=Integer()))  # fmt: skip
        if self._connection.dialect.name == "postgresql":
            statement = text(
                f"INSERT INTO {target} SELECT t.a, t.c, :placed_on, :ends_on, :now, :batch "
                "FROM unnest(CAST(:accounts AS integer[]), CAST(:codes AS varchar[])) AS t(a, c)"
            ).bindparams(*typed)
            accounts, codes = [one for one, _ in pairs], [code for _, code in pairs]
            self._connection.execute(statement, constants | {"accounts": accounts, "codes": codes})
            return
        self._connection.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS placement_pairs (account_id INTEGER, agency_code TEXT)"
        )
        self._connection.exec_driver_sql("DELETE FROM temp.placement_pairs")
        self._connection.exec_driver_sql("INSERT INTO temp.placement_pairs VALUES (?, ?)", list(pairs))
        statement = text(
            f"INSERT INTO {target} SELECT account_id, agency_code, :placed_on, :ends_on, :now, :batch "
            "FROM temp.placement_pairs ORDER BY rowid"
        ).bindparams(*typed)
        self._connection.execute(statement, constants)
        self._connection.exec_driver_sql("DELETE FROM temp.placement_pairs")

    def add_file(self, values: dict[str, Any]) -> int:
        return int(
            self._connection.execute(insert(_FILE).values(**values).returning(_FILE.c.id)).scalar_one()
        )

    def rewrite_file(self, file_id: int, *, sha256: str, rows: int) -> None:
        self._connection.execute(update(_FILE).where(_FILE.c.id == file_id).values(sha256=sha256, rows=rows))

    # --- reading batches -----------------------------------------------------------------------------

    def batch(self, batch_id: int) -> dict[str, Any]:
        row = self._connection.execute(select(_BATCH).where(_BATCH.c.id == batch_id)).mappings().first()
        if row is None:
            raise NotFound(f"no placement batch {batch_id}", f"没有委外批次 {batch_id}")
        return dict(row)

    def batches(self, *, limit: int) -> list[dict[str, Any]]:
        query = select(_BATCH).order_by(_BATCH.c.id.desc()).limit(limit)
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def files(self, batch_id: int) -> list[dict[str, Any]]:
        query = select(_FILE).where(_FILE.c.batch_id == batch_id).order_by(_FILE.c.agency_code)
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def file(self, batch_id: int, file_id: int) -> dict[str, Any]:
        query = select(_FILE).where(_FILE.c.id == file_id, _FILE.c.batch_id == batch_id)
        row = self._connection.execute(query).mappings().first()
        if row is None:
            raise NotFound(
                f"batch {batch_id} has no hand-over file {file_id}",
                f"委外批次 {batch_id} 没有移交文件 {file_id}",
            )
        return dict(row)

    def placed_counts(self, batch_id: int, *, day: date) -> dict[str, dict[str, int]]:
        """Per agency of the batch: its placements, and those it still holds on ``day`` (not recalled)."""
        p = _PLACEMENT
        held = func.sum(case((p.c.recalled_on.is_(None) & (p.c.ends_on >= day), 1), else_=0))
        query = (
            select(p.c.agency_code, func.count(), held)
            .where(p.c.batch_id == batch_id)
            .group_by(p.c.agency_code)
        )
        return {
            str(code): {"placed": int(n), "held": int(h or 0)}
            for code, n, h in self._connection.execute(query)
        }

    def handover_rows(self, batch_id: int, agency_code: str | None = None) -> list[Any]:
        """What the hand-over files hold, one row per placement of the batch (recalled since or not) of
        ``agency_code`` (None: every agency's, by agency), in placement order: the account's figures on
        the batch's run date (its snapshot, else the account's), the holder's name and masked national
        ID, region, and the mobile the agency dials through the bank's platform (masked, with its id)."""
        p, a, c, s, b = _PLACEMENT, _ACCOUNT, _CUSTOMER, _SNAPSHOT, _BATCH
        mine = (p.c.batch_id == batch_id,) + (
            () if agency_code is None else (p.c.agency_code == agency_code,)
        )
        balance = a.c.principal_fen + a.c.interest_fen + a.c.fee_fen
        query = (
            select(
                p.c.agency_code, p.c.id.label("placement_id"), p.c.placed_on, p.c.ends_on, a.c.account_tail,
                c.c.name, c.c.national_id_masked,
                _best_point(a.c.customer_id, _REGION_KINDS, "district").label("region"),
                _best_point(a.c.customer_id, _MOBILE, "value_masked").label("phone_masked"),
                _best_point(a.c.customer_id, _MOBILE, "id").label("phone_id"),
                func.coalesce(s.c.overdue_fen, a.c.overdue_fen).label("overdue_fen"),
                func.coalesce(s.c.balance_fen, balance).label("balance_fen"),
                func.coalesce(s.c.dpd, a.c.dpd).label("dpd"),
                func.coalesce(s.c.bucket, a.c.bucket).label("bucket"),
            )
            .join(b, b.c.id == p.c.batch_id)
            .join(a, a.c.id == p.c.account_id)
            .join(c, c.c.id == a.c.customer_id)
            .outerjoin(s, (s.c.account_id == a.c.id) & (s.c.as_of_date == b.c.run_date))
            .where(*mine)
            .order_by(p.c.agency_code, p.c.id)
        )  # fmt: skip
        return list(self._connection.execute(query).all())
