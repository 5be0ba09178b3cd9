"""All SQL of debt sales: the candidates of a pool on a day with the facts its rules read, the pools and
their accounts, the sales (locked while decided), the accounts sold, what a sale stops (the actions of
the runs, visits, callbacks), the buyer's file rows, and the payments to forward. The caller owns the
transaction. Nothing here logs: the buyer's file rows hold personal data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, insert, literal, or_, select, update

from arrears.contacts.hold_scope import unscoped
from arrears.debtsale.exclusion import sold
from arrears.kit.sql_lists import one_of
from arrears.models import (
    AccountScore,
    AppUser,
    Callback,
    CardAccount,
    CollectionAction,
    ContactPoint,
    Customer,
    DebtSale,
    DebtSalePool,
    DebtSalePoolAccount,
    DelinquencySnapshot,
    Hold,
    LegalCase,
    Payment,
    SoldAccount,
    SoldPaymentForward,
    VisitRoute,
    VisitStop,
    table_of,
)

_POOL, _MEMBER, _SALE = table_of(DebtSalePool), table_of(DebtSalePoolAccount), table_of(DebtSale)
_SOLD, _FORWARD = table_of(SoldAccount), table_of(SoldPaymentForward)
_ACCOUNT, _SNAPSHOT, _SCORE = table_of(CardAccount), table_of(DelinquencySnapshot), table_of(AccountScore)
_CUSTOMER, _POINT, _PAYMENT = table_of(Customer), table_of(ContactPoint), table_of(Payment)
_HOLD, _CASE, _USER = table_of(Hold), table_of(LegalCase), table_of(AppUser)
_ACTION, _CALLBACK = table_of(CollectionAction), table_of(Callback)
_ROUTE, _STOP = table_of(VisitRoute), table_of(VisitStop)
CHUNK = 5_000
STOPPABLE = ("planned", "claimed")  # the actions of a run a sale cancels


def _chunks(values: Sequence[int]) -> Iterable[list[int]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class SaleRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection.execute(query).mappings()]

    # --- drawing a pool ---------------------------------------------------------------------------

    def has_snapshot(self, as_of: date) -> bool:
        s = _SNAPSHOT
        return (
            self._connection.execute(select(s.c.id).where(s.c.as_of_date == as_of).limit(1)).first()
            is not None
        )

    def candidates(self, *, as_of: date, min_dpd: int) -> list[dict[str, Any]]:
        """The accounts at least ``min_dpd`` days past due on ``as_of`` (its snapshot), with their
        customer, the latest probability of default (None: never scored), whether they were sold and
        whether a legal case of theirs is open."""
        s, a, k, c = _SNAPSHOT, _ACCOUNT, _SCORE, _CASE
        legal = exists(select(c.c.id).where(c.c.account_id == s.c.account_id, c.c.stage != "closed"))
        query = (
            select(s.c.account_id, a.c.customer_id, a.c.account_no, s.c.dpd, s.c.bucket, s.c.regulatory_class,
                   s.c.balance_fen, s.c.overdue_fen, s.c.oldest_unpaid_due_date, k.c.p_default,
                   sold(s.c.account_id).label("sold"), legal.label("open_legal_case"))
            .join(a, a.c.id == s.c.account_id)
            .outerjoin(k, k.c.account_id == s.c.account_id)
            .where(s.c.as_of_date == as_of, s.c.dpd >= min_dpd)
            .order_by(s.c.account_id)
        )  # fmt: skip
        return self._rows(query)

    def hold_kinds(self, accounts: Sequence[tuple[int, int]], *, now: datetime) -> dict[int, tuple[str, ...]]:
        """The kinds of the holds active at ``now`` on each (account, customer): on the account or on all
        the customer's accounts (holds naming one person or agency left out)."""
        h = _HOLD
        customers = [customer for _, customer in accounts]
        found: dict[tuple[str, int], set[str]] = defaultdict(set)
        for chunk in _chunks(customers):
            query = select(h.c.customer_id, h.c.account_id, h.c.kind).where(
                one_of(self._connection, h.c.customer_id, chunk), unscoped(h), h.c.placed_at <= now,
                or_(h.c.lifted_at.is_(None), h.c.lifted_at > now),
                or_(h.c.expires_at.is_(None), h.c.expires_at > now),
            )  # fmt: skip
            for row in self._connection.execute(query):
                key = ("customer", row.customer_id) if row.account_id is None else ("account", row.account_id)
                found[key].add(row.kind)
        return {
            account: tuple(
                sorted(found.get(("account", account), set()) | found.get(("customer", customer), set()))
            )
            for account, customer in accounts
        }

    def payments_before(
        self, account_ids: Sequence[int], *, since: date, until: date
    ) -> dict[int, list[Any]]:
        """Each account's payments (day, amount; reversals negative) from ``since`` to ``until``."""
        p, found = _PAYMENT, defaultdict(list)
        for chunk in _chunks(account_ids):
            query = select(p.c.account_id, p.c.paid_date, p.c.amount_fen).where(
                one_of(self._connection, p.c.account_id, chunk),
                p.c.paid_date >= since,
                p.c.paid_date <= until,
            )
            for row in self._connection.execute(query):
                found[int(row.account_id)].append((row.paid_date, int(row.amount_fen)))
        return found

    def add_pool(self, values: dict[str, Any], members: Sequence[dict[str, Any]]) -> int:
        p = _POOL
        pool_id = int(self._connection.execute(insert(p).values(**values).returning(p.c.id)).scalar_one())
        rows = [member | {"pool_id": pool_id} for member in members]
        for start in range(0, len(rows), CHUNK):
            self._connection.execute(insert(_MEMBER), rows[start : start + CHUNK])
        return pool_id

    # --- pools ------------------------------------------------------------------------------------

    def pool(self, pool_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        query = select(_POOL).where(_POOL.c.id == pool_id)
        row = self._connection.execute(query.with_for_update() if lock else query).mappings().first()
        return dict(row) if row else None

    def pools(self, *, limit: int = 200) -> list[dict[str, Any]]:
        p = _POOL
        return self._rows(select(p).order_by(p.c.as_of_date.desc(), p.c.id.desc()).limit(limit))

    def set_pool_status(self, pool_id: int, status: str) -> None:
        self._connection.execute(update(_POOL).where(_POOL.c.id == pool_id).values(status=status))

    def members(self, pool_id: int, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The pool's accounts with their numbers, the largest expected recovery first."""
        m, a = _MEMBER, _ACCOUNT
        query = (
            select(m, a.c.account_no).join(a, a.c.id == m.c.account_id).where(m.c.pool_id == pool_id)
            .order_by(m.c.expected_fen.desc(), m.c.account_id)
        )  # fmt: skip
        return self._rows(query if limit is None else query.limit(limit))

    def members_now(self, pool_id: int) -> list[dict[str, Any]]:
        """The pool's accounts as they stand now: number, customer, DPD and class, sold, an open case."""
        m, a, c = _MEMBER, _ACCOUNT, _CASE
        legal = exists(select(c.c.id).where(c.c.account_id == m.c.account_id, c.c.stage != "closed"))
        query = (
            select(m.c.account_id, a.c.customer_id, a.c.account_no, a.c.dpd, a.c.regulatory_class,
                   sold(m.c.account_id).label("sold"), legal.label("open_legal_case"))
            .join(a, a.c.id == m.c.account_id)
            .where(m.c.pool_id == pool_id)
            .order_by(m.c.account_id)
        )  # fmt: skip
        return self._rows(query)

    # --- sales ------------------------------------------------------------------------------------

    def add_sale(self, values: dict[str, Any]) -> int:
        s = _SALE
        return int(self._connection.execute(insert(s).values(**values).returning(s.c.id)).scalar_one())

    def sale(self, sale_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        s, p = _SALE, _POOL
        query = (
            select(s, p.c.name.label("pool_name"), p.c.as_of_date)
            .join(p, p.c.id == s.c.pool_id).where(s.c.id == sale_id)
        )  # fmt: skip
        row = self._connection.execute(query.with_for_update(of=s) if lock else query).mappings().first()
        return dict(row) if row else None

    def sales(self, *, pool_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        s, p = _SALE, _POOL
        query = select(s, p.c.name.label("pool_name"), p.c.as_of_date).join(p, p.c.id == s.c.pool_id)
        if pool_id is not None:
            query = query.where(s.c.pool_id == pool_id)
        return self._rows(query.order_by(s.c.proposed_at.desc(), s.c.id.desc()).limit(limit))

    def decide(self, sale_id: int, values: dict[str, Any]) -> bool:
        """Sets the sale's decision if it is still proposed (False: decided meanwhile)."""
        s = _SALE
        done = self._connection.execute(
            update(s).where(s.c.id == sale_id, s.c.status == "proposed").values(**values)
        )
        return done.rowcount == 1

    # --- the accounts sold ------------------------------------------------------------------------

    def add_sold(self, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            self._connection.execute(insert(_SOLD), list(rows[start : start + CHUNK]))

    def set_notices(self, sale_id: int, message_ids: dict[int, int]) -> None:
        """Each sold account's notice letter (account id -> outbox message id)."""
        if message_ids:
            s = _SOLD
            rows = [{"_account": account, "_message": message} for account, message in message_ids.items()]
            self._connection.execute(
                update(s).where(s.c.sale_id == sale_id, s.c.account_id == bindparam("_account"))
                .values(notice_message_id=bindparam("_message")),
                rows,
            )  # fmt: skip

    def sold_accounts(self, sale_id: int, *, limit: int | None = None) -> list[dict[str, Any]]:
        s, a = _SOLD, _ACCOUNT
        query = (
            select(s, a.c.account_no).join(a, a.c.id == s.c.account_id).where(s.c.sale_id == sale_id)
            .order_by(s.c.account_id)
        )  # fmt: skip
        return self._rows(query if limit is None else query.limit(limit))

    def sold_to(self, account_id: int) -> dict[str, Any] | None:
        """The sale of a sold account: its buyer, what cardholders are told, the date (None: not sold)."""
        s, d = _SOLD, _SALE
        query = (
            select(s.c.sale_id, s.c.sold_on, s.c.cutoff_on, d.c.buyer_name, d.c.buyer_licence,
                   d.c.buyer_contact, d.c.buyer_pay_to)
            .join(d, d.c.id == s.c.sale_id).where(s.c.account_id == account_id)
        )  # fmt: skip
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    # --- what a sale stops ------------------------------------------------------------------------

    def cancel_actions(self, account_ids: Sequence[int]) -> int:
        """Every planned or claimed action of any run on the accounts cancelled (calls, visits, ...)."""
        x, count = _ACTION, 0
        for chunk in _chunks(account_ids):
            done = self._connection.execute(
                update(x).where(one_of(self._connection, x.c.account_id, chunk), x.c.status.in_(STOPPABLE))
                .values(status="cancelled")
            )  # fmt: skip
            count += int(done.rowcount or 0)
        return count

    def cancel_callbacks(self, account_ids: Sequence[int]) -> int:
        b, count = _CALLBACK, 0
        for chunk in _chunks(account_ids):
            done = self._connection.execute(
                update(b).where(one_of(self._connection, b.c.account_id, chunk), b.c.status == "open")
                .values(status="cancelled")
            )  # fmt: skip
            count += int(done.rowcount or 0)
        return count

    def skip_stops(self, account_ids: Sequence[int], *, from_day: date) -> int:
        """The accounts' visits still planned on routes from ``from_day`` on, skipped (outcome ``sold``)."""
        r, s, count = _ROUTE, _STOP, 0
        routes = select(r.c.id).where(r.c.plan_date >= from_day, r.c.status != "cancelled")
        for chunk in _chunks(account_ids):
            done = self._connection.execute(
                update(s).where(one_of(self._connection, s.c.account_id, chunk), s.c.route_id.in_(routes),
                                s.c.status == "planned")
                .values(status="skipped", outcome="sold")
            )  # fmt: skip
            count += int(done.rowcount or 0)
        return count

    # --- the buyer's file -------------------------------------------------------------------------

    def file_rows(self, sale_id: int) -> list[dict[str, Any]]:
        """Each sold account of the sale with its cardholder (national ID and employer still encrypted),
        the amounts at the cut-off (the pool's) and now, and the payments made since the cut-off."""
        s, m, a, c, p, d = _SOLD, _MEMBER, _ACCOUNT, _CUSTOMER, _PAYMENT, _SALE
        since = (
            select(p.c.account_id, func.sum(p.c.amount_fen).label("paid"),
                   func.max(p.c.paid_date).label("last"))
            .join(s, and_(s.c.account_id == p.c.account_id, p.c.paid_date > s.c.cutoff_on))
            .where(s.c.sale_id == sale_id)
            .group_by(p.c.account_id)
            .subquery()
        )  # fmt: skip
        query = (
            select(
                s.c.account_id, a.c.account_no, a.c.product, a.c.currency, a.c.open_date,
                a.c.credit_limit_fen, a.c.customer_id, c.c.customer_no, c.c.name, c.c.national_id_enc,
                c.c.birth_date, c.c.employer_enc, s.c.cutoff_on.label("cutoff_date"),
                m.c.dpd.label("dpd_at_cutoff"), m.c.oldest_unpaid_due_date,
                m.c.balance_fen.label("balance_at_cutoff_fen"),
                m.c.overdue_fen.label("overdue_at_cutoff_fen"),
                a.c.principal_fen, a.c.interest_fen, a.c.fee_fen,
                func.coalesce(since.c.paid, literal(0)).label("paid_since_cutoff_fen"),
                since.c.last.label("last_payment_date"),
            )
            .join(d, d.c.id == s.c.sale_id)
            .join(m, and_(m.c.pool_id == d.c.pool_id, m.c.account_id == s.c.account_id))
            .join(a, a.c.id == s.c.account_id)
            .join(c, c.c.id == a.c.customer_id)
            .outerjoin(since, since.c.account_id == s.c.account_id)
            .where(s.c.sale_id == sale_id)
            .order_by(a.c.account_no)
        )  # fmt: skip
        return self._rows(query)

    def points(self, customer_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The customers' contact points not found invalid (values encrypted), primary ones first."""
        q, found = _POINT, defaultdict(list)
        for chunk in _chunks(customer_ids):
            query = (
                select(q.c.customer_id, q.c.kind, q.c.value_enc)
                .where(one_of(self._connection, q.c.customer_id, chunk), q.c.invalid_at.is_(None))
                .order_by(q.c.customer_id, q.c.is_primary.desc(), q.c.id)
            )
            for row in self._connection.execute(query).mappings():
                found[int(row["customer_id"])].append(dict(row))
        return found

    def set_file(self, sale_id: int, *, path: str, sha256: str, rows: int) -> None:
        self._connection.execute(
            update(_SALE)
            .where(_SALE.c.id == sale_id)
            .values(file_path=path, file_sha256=sha256, file_rows=rows)
        )

    # --- payments to forward ----------------------------------------------------------------------

    def unflagged(self, account_ids: Sequence[int] | None) -> list[dict[str, Any]]:
        """The payments made after their sold account's cut-off not flagged yet (of ``account_ids``
        only, None: of every sold account); a reversal only of a payment made after the cut-off."""
        p, s, f, o = _PAYMENT, _SOLD, _FORWARD, _PAYMENT.alias("reversed")
        flagged = exists(select(f.c.id).where(f.c.payment_id == p.c.id))
        # a reversal counts when the payment it takes back was made after the cut-off too
        taken_back = select(o.c.id).where(o.c.id == p.c.reverses_id, o.c.paid_date > s.c.cutoff_on)
        theirs = or_(p.c.reverses_id.is_(None), exists(taken_back))
        query = (
            select(p.c.id.label("payment_id"), s.c.sale_id, p.c.account_id, p.c.paid_date, p.c.amount_fen,
                   p.c.source)
            .join(s, s.c.account_id == p.c.account_id)
            .where(p.c.paid_date > s.c.cutoff_on, ~flagged, theirs)
            .order_by(p.c.id)
        )  # fmt: skip
        if account_ids is None:
            return self._rows(query)
        found: list[dict[str, Any]] = []
        for chunk in _chunks(account_ids):
            found += self._rows(query.where(one_of(self._connection, s.c.account_id, chunk)))
        return found

    def add_forwards(self, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            self._connection.execute(insert(_FORWARD), list(rows[start : start + CHUNK]))

    def forwards(self, sale_id: int) -> list[dict[str, Any]]:
        f, a = _FORWARD, _ACCOUNT
        query = (
            select(f, a.c.account_no).join(a, a.c.id == f.c.account_id).where(f.c.sale_id == sale_id)
            .order_by(f.c.paid_date, f.c.id)
        )  # fmt: skip
        return self._rows(query)

    # --- names ------------------------------------------------------------------------------------

    def usernames(self, user_ids: Iterable[int | None]) -> dict[int, str]:
        wanted = sorted({one for one in user_ids if one is not None})
        if not wanted:
            return {}
        u = _USER
        query = select(u.c.id, u.c.display_name).where(u.c.id.in_(wanted))
        return {int(row.id): str(row.display_name) for row in self._connection.execute(query)}
