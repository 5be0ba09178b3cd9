"""All SQL of the malicious-overdraft check: the effective collections, payments and amounts of the
accounts with something overdue, the candidates of a check day, and legal's decisions on them. The
caller owns the connection and its transaction. Nothing here logs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Integer,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)

from arrears.compliance.entry_points import MIN_DAYS_BETWEEN_COLLECTIONS
from arrears.kit.errors import NotFound
from arrears.legal.overdraft_rules import CALL, LETTER, PENDING, Collection
from arrears.legal.repository import DEMAND_LETTERS
from arrears.models import (
    AppUser,
    CardAccount,
    ContactEvent,
    Customer,
    OutboxMessage,
    OverdraftCandidate,
    Payment,
    table_of,
)
from arrears.models.contact_event import RIGHT_PARTY_CALL
from arrears.models.outbox import DELIVERED_LETTER

_ACCOUNT, _EVENT, _OUTBOX = table_of(CardAccount), table_of(ContactEvent), table_of(OutboxMessage)
_PAYMENT, _CANDIDATE, _USER = table_of(Payment), table_of(OverdraftCandidate), table_of(AppUser)
_CHUNK = 5_000
_EPOCH = date(1970, 1, 1)
_FIRST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)  # the calendar's first day (kit.inputs)
_JULIAN_EPOCH = 210_866_760_000  # 1970-01-01 as SQLite's Julian day, in seconds
_SHIFT = 1_000_000  # days added before an integer division, so that it floors for instants before 1970


@lru_cache(maxsize=4096)
def from_epoch_day(days: int) -> date:
    return _EPOCH + timedelta(days=days)


@lru_cache(maxsize=16)
def zone_offsets(zone: ZoneInfo, until: datetime) -> tuple[tuple[datetime, int], ...]:
    """The zone's UTC offsets (seconds) from 1900 to ``until``, newest first, each with the instant it
    starts from (the oldest from 1900), as ``zoneinfo`` gives them: a local day in SQL is that of Python."""

    def offset(second: int) -> int:
        shift = datetime.fromtimestamp(second, zone).utcoffset()
        assert shift is not None
        return int(shift.total_seconds())

    start = int(_FIRST_INSTANT.timestamp())
    found = [(start, offset(start))]
    for second in range(start + 86_400, int(until.timestamp()) + 86_400, 86_400):
        if offset(second) != found[-1][1]:
            low, high = second - 86_400, second  # the change is in (low, high]: bisect it to the second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == found[-1][1] else (low, middle)
            found.append((high, offset(high)))
    return tuple((datetime.fromtimestamp(second, UTC), shift) for second, shift in reversed(found))


@lru_cache(maxsize=64)
def local_day_sql(dialect: str, column: str, zone: ZoneInfo, until: datetime) -> str:
    """SQL of the local day in ``zone`` of the instant ``column`` (stored in UTC) before ``until``, as
    days since 1970-01-01: whole seconds plus the zone's offset at the instant (``zone_offsets``: one
    term for a zone that kept its offset since, a CASE on the instant else), divided by a day's
    seconds. Written out once per check, short and with no parameters: a statement's cache key is
    cheap, and psycopg parses a statement of up to 4 KiB once."""
    if dialect == "sqlite":  # whole seconds: SQLite rounds a fraction to the ms (23:59:59.9996 is 00:00)
        seconds = f"CAST(round(julianday(substr({column}, 1, 19)) * 86400) AS INTEGER) - {_JULIAN_EPOCH}"
    else:
        seconds = f"CAST(floor(EXTRACT(EPOCH FROM {column})) AS BIGINT)"

    def instant(moment: datetime) -> str:
        utc = moment.astimezone(UTC)
        if dialect == "sqlite":
            return f"'{utc.replace(tzinfo=None).isoformat(sep=' ', timespec='microseconds')}'"
        return f"TIMESTAMPTZ '{utc.isoformat(sep=' ')}'"

    offsets = zone_offsets(zone, until)
    offset = str(offsets[-1][1])
    if len(offsets) > 1:
        branches = " ".join(
            f"WHEN {column} >= {instant(start)} THEN {shift}" for start, shift in offsets[:-1]
        )
        offset = f"(CASE {branches} ELSE {offset} END)"
    return f"(({seconds} + {offset} + {_SHIFT * 86_400}) / 86400 - {_SHIFT})"


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class OverdraftRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- the evidence -------------------------------------------------------------------------------

    def overdue_accounts(self, account_ids: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
        """The accounts with something overdue (all, or those of ``account_ids``) and their amounts."""
        a = _ACCOUNT
        query = select(
            a.c.id, a.c.account_no, a.c.customer_id, a.c.dpd, a.c.overdue_fen, a.c.principal_fen,
            (a.c.principal_fen + a.c.interest_fen + a.c.fee_fen).label("balance_fen"),
        ).where(a.c.overdue_fen > 0)  # fmt: skip
        if account_ids is None:
            return {int(row["id"]): dict(row) for row in self._connection.execute(query).mappings()}
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(list(account_ids)):  # a statement's parameters are limited (SQLite 32,766)
            rows = self._connection.execute(query.where(a.c.id.in_(chunk))).mappings()
            found |= {int(row["id"]): dict(row) for row in rows}
        return found

    def collections(self, before: datetime, account_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """The effective collections before ``before`` on accounts with something overdue: the
        right-party calls (the debtor reached) and the demand letters delivered, each with its
        account, kind, instant and reference."""
        e, o, a = _EVENT, _OUTBOX, _ACCOUNT
        calls = (
            select(e.c.account_id, e.c.id, e.c.at)
            .join(a, a.c.id == e.c.account_id)
            .where(e.c.channel == CALL, e.c.party == "debtor", e.c.conversation, e.c.at < before,
                   a.c.overdue_fen > 0)
        )  # fmt: skip
        letters = (
            select(o.c.account_id, o.c.id, o.c.delivered_at, o.c.tracking_no)
            .join(a, a.c.id == o.c.account_id)
            .where(o.c.channel == LETTER, o.c.template.in_(DEMAND_LETTERS), o.c.delivered_at.is_not(None),
                   o.c.delivered_at < before, a.c.overdue_fen > 0)
        )  # fmt: skip
        if account_ids is not None:
            calls = calls.where(e.c.account_id.in_(account_ids))
            letters = letters.where(o.c.account_id.in_(account_ids))
        found = [{"account_id": int(row.account_id), "kind": CALL, "at": row.at, "ref": f"#{row.id}"}
                 for row in self._connection.execute(calls)]  # fmt: skip
        found += [
            {"account_id": int(row.account_id), "kind": LETTER, "at": row.delivered_at,
             "ref": row.tracking_no or f"#{row.id}"}
            for row in self._connection.execute(letters)
        ]  # fmt: skip
        return found

    def payments(
        self, account_ids: Sequence[int], *, as_of: date, reversed_ids: Sequence[int] | None = None
    ) -> dict[int, list[tuple[date, int]]]:
        """Each account's payments received up to ``as_of`` (day, fen), leaving out reversals and the
        payments a reversal took back (read here, or ``reversed_ids`` when the caller read them)."""
        p = _PAYMENT
        taken_back: Any = select(p.c.reverses_id).where(p.c.reverses_id.is_not(None))
        if reversed_ids is not None:
            taken_back = list(reversed_ids)
        found: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for chunk in _chunks(list(account_ids)):
            terms = [self._among(p.c.account_id, chunk), p.c.paid_date <= as_of, p.c.amount_fen > 0,
                     p.c.source != "reversal"]  # fmt: skip
            if reversed_ids is None or taken_back:
                terms.append(p.c.id.not_in(taken_back))
            query = select(p.c.account_id, p.c.paid_date, p.c.amount_fen).where(*terms)
            for row in self._connection.execute(query).all():
                found[int(row.account_id)].append((row.paid_date, int(row.amount_fen)))
        return found

    # --- the check over the book, a range of account ids at a time ----------------------------------

    def _among(self, column: ColumnElement[Any], values: Sequence[int]) -> ColumnElement[bool]:
        """``column IN values``; on PostgreSQL ``= ANY`` of one array (5,000 parameters made psycopg
        parse the statement anew each time)."""
        if self._connection.dialect.name == "postgresql":
            return column == any_(bindparam(None, list(values), type_=ARRAY(Integer)))
        return column.in_(values)

    def without_jit(self) -> None:
        """PostgreSQL: no JIT compilation for the rest of the transaction. The check runs many small
        statements whose aggregation PostgreSQL estimates at millions of rows (it cannot tell how many
        accounts a range's collections hold), and compiled each for seconds to run it in a fraction of
        one (measured: 6.8 s against 0.4 s a range of 20,000 accounts)."""
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(text("SET LOCAL jit = off"))

    def id_span(self) -> tuple[int, int] | None:
        """The smallest and largest account id (None: no account)."""
        a = _ACCOUNT
        low, high = self._connection.execute(select(func.min(a.c.id), func.max(a.c.id))).one()
        return None if low is None else (int(low), int(high))

    def reversed_payments(self) -> list[tuple[int, int]]:
        """The payments a reversal took back, as (account id, payment id), in that order: one read of the
        reversals for the whole check instead of one per range."""
        p = _PAYMENT
        reversed_ids = select(p.c.reverses_id).where(p.c.reverses_id.is_not(None))
        query = select(p.c.account_id, p.c.id).where(p.c.id.in_(reversed_ids))
        return sorted((int(row.account_id), int(row.id)) for row in self._connection.execute(query))

    def _local_day(self, column: Any, zone: ZoneInfo, until: datetime) -> ColumnElement[int]:
        """The local day in ``zone`` of an instant column (UTC) before ``until``, as days since
        1970-01-01."""
        sql = local_day_sql(self._connection.dialect.name, f"{column.table.name}.{column.name}", zone, until)
        return literal_column(sql, Integer)

    def _epoch_day(self, column: Any) -> ColumnElement[int]:
        """A date column as days since 1970-01-01."""
        if self._connection.dialect.name == "sqlite":
            return cast(func.julianday(column) - 2_440_587.5, Integer)
        return type_coerce(column - literal_column("DATE '1970-01-01'"), Integer)

    def pairs(
        self,
        low: int,
        high: int,
        *,
        before: datetime,
        as_of: date,
        zone: ZoneInfo,
        reversed_ids: Sequence[int],
    ) -> list[dict[str, Any]]:
        """Each account of ids ``low`` <= id < ``high`` with something overdue and a pair of effective
        collections, aggregated in SQL from the collections that count (local days after the last
        payment received up to ``as_of``, before ``before``): the first (the earliest), the second (the
        earliest at least ``MIN_DAYS_BETWEEN_COLLECTIONS`` days after it), the last payment's day (days
        since 1970-01-01) and the account's amounts. ``reversed_ids``: the payments of the range a
        reversal took back (:meth:`reversed_payments`). The collections are read through the partial
        indexes of migration 0030, whose terms the queries repeat as written (SQLite uses a partial
        index only for a WHERE that repeats its terms)."""
        e, o, p, a = _EVENT, _OUTBOX, _PAYMENT, _ACCOUNT
        calls = select(e.c.account_id.label("account_id"), self._local_day(e.c.at, zone, before).label("day"))
        calls = calls.where(e.c.account_id >= low, e.c.account_id < high, text(RIGHT_PARTY_CALL),
                            e.c.at < before)  # fmt: skip
        letters = select(o.c.account_id, self._local_day(o.c.delivered_at, zone, before)).where(
            o.c.account_id >= low, o.c.account_id < high, text(DELIVERED_LETTER),
            o.c.template.in_(DEMAND_LETTERS), o.c.delivered_at < before,
        )  # fmt: skip
        found = union_all(calls, letters).subquery("found")
        paid_terms = [p.c.account_id >= low, p.c.account_id < high, p.c.paid_date <= as_of,
                      p.c.amount_fen > 0, p.c.source != "reversal"]  # fmt: skip
        if reversed_ids:
            paid_terms.append(p.c.id.not_in(reversed_ids))
        paid = (
            select(p.c.account_id, func.max(self._epoch_day(p.c.paid_date)).label("last_day"))
            .where(*paid_terms)
            .group_by(p.c.account_id)
            .subquery("paid")
        )
        # subqueries, each read once: PostgreSQL knows a grouped one has an account once (a CTE it
        # estimates as a join of millions, and compiles the statement for seconds)
        counted = (
            select(found.c.account_id, found.c.day, paid.c.last_day,
                   func.min(found.c.day).over(partition_by=found.c.account_id).label("first_day"))
            .select_from(found.outerjoin(paid, paid.c.account_id == found.c.account_id))
            .where(or_(paid.c.last_day.is_(None), found.c.day > paid.c.last_day))
            .subquery("counted")
        )  # fmt: skip
        pair = (
            select(counted.c.account_id, counted.c.first_day, counted.c.last_day,
                   func.min(counted.c.day).label("second_day"))
            .where(counted.c.day >= counted.c.first_day + MIN_DAYS_BETWEEN_COLLECTIONS)
            .group_by(counted.c.account_id, counted.c.first_day, counted.c.last_day)
            .subquery("pair")
        )  # fmt: skip
        query = (
            select(a.c.id, a.c.customer_id, a.c.dpd, a.c.overdue_fen, a.c.principal_fen,
                   (a.c.principal_fen + a.c.interest_fen + a.c.fee_fen).label("balance_fen"),
                   pair.c.first_day, pair.c.second_day, pair.c.last_day)
            .select_from(a.join(pair, pair.c.account_id == a.c.id))
            .where(a.c.id >= low, a.c.id < high, a.c.overdue_fen > 0)
            .order_by(a.c.id)
        )  # fmt: skip
        return [row._asdict() for row in self._connection.execute(query).all()]

    def evidence(
        self, account_ids: Sequence[int], *, before: datetime, zone: ZoneInfo
    ) -> dict[int, list[Collection]]:
        """The effective collections before ``before`` of the accounts (as :meth:`collections` finds
        them), each dated by its local day in ``zone``, computed in SQL."""
        e, o = _EVENT, _OUTBOX
        found: dict[int, list[Collection]] = defaultdict(list)
        for chunk in _chunks(list(account_ids)):
            calls = select(e.c.account_id, e.c.id, self._local_day(e.c.at, zone, before).label("day")).where(
                self._among(e.c.account_id, chunk), text(RIGHT_PARTY_CALL), e.c.at < before
            )
            for account_id, call_id, on in self._connection.execute(calls).all():
                found[account_id].append(Collection(from_epoch_day(on), CALL, f"#{call_id}"))
            day = self._local_day(o.c.delivered_at, zone, before).label("day")
            letters = select(o.c.account_id, o.c.id, o.c.tracking_no, day).where(
                self._among(o.c.account_id, chunk), text(DELIVERED_LETTER),
                o.c.template.in_(DEMAND_LETTERS), o.c.delivered_at < before,
            )  # fmt: skip
            for account_id, letter_id, tracking_no, on in self._connection.execute(letters).all():
                found[account_id].append(
                    Collection(from_epoch_day(on), LETTER, tracking_no or f"#{letter_id}")
                )
        return found

    # --- the candidates -------------------------------------------------------------------------------

    def decided(self, account_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The decided candidates of the accounts: their status and the second collection's day."""
        c = _CANDIDATE
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for chunk in _chunks(list(account_ids)):
            query = select(c.c.account_id, c.c.status, c.c.second_collection_on).where(
                self._among(c.c.account_id, chunk), c.c.status != PENDING
            )
            for row in self._connection.execute(query).mappings():
                found[int(row["account_id"])].append(dict(row))
        return found

    def of_day(
        self, check_date: date, low: int | None = None, high: int | None = None
    ) -> dict[int, dict[str, Any]]:
        """The candidates of a check day by account (those of ids ``low`` <= id < ``high`` when given):
        their id and status."""
        c = _CANDIDATE
        query = select(c.c.id, c.c.account_id, c.c.status).where(c.c.check_date == check_date)
        if low is not None and high is not None:
            query = query.where(c.c.account_id >= low, c.c.account_id < high)
        return {int(row["account_id"]): dict(row) for row in self._connection.execute(query).mappings()}

    def count_of_day(self, check_date: date) -> int:
        c = _CANDIDATE
        query = select(func.count()).select_from(c).where(c.c.check_date == check_date)
        return int(self._connection.execute(query).scalar_one())

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._connection.execute(insert(_CANDIDATE), list(rows))

    def refresh_all(self, rows: Sequence[dict[str, Any]]) -> None:
        """Pending candidates' evidence as a re-run of their day found it, in one statement: each row's
        ``candidate_id`` and values."""
        c = _CANDIDATE
        if rows:
            query = update(c).where(c.c.id == bindparam("candidate_id"), c.c.status == PENDING)
            self._connection.execute(query, list(rows))

    def remove_pending(self, ids: Sequence[int]) -> int:
        c = _CANDIDATE
        if not ids:
            return 0
        return int(self._connection.execute(delete(c).where(c.c.id.in_(ids), c.c.status == PENDING)).rowcount)

    def latest_check(self, on_or_before: date) -> date | None:
        c = _CANDIDATE
        found = self._connection.execute(
            select(func.max(c.c.check_date)).where(c.c.check_date <= on_or_before)
        ).scalar_one_or_none()
        return found if isinstance(found, date) else None

    def _listed(self) -> Any:
        c, a, u = _CANDIDATE, _ACCOUNT, _USER
        return (
            select(c, a.c.account_no, a.c.bucket, u.c.display_name.label("decided_by"))
            .join(a, a.c.id == c.c.account_id)
            .outerjoin(u, u.c.id == c.c.decided_by_id)
        )

    def listed(self, check_date: date, *, status: str) -> list[dict[str, Any]]:
        """A check day's candidates of a status, the longest unpaid first."""
        c = _CANDIDATE
        query = (
            self._listed()
            .where(c.c.check_date == check_date, c.c.status == status)
            .order_by(c.c.second_collection_on, c.c.id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def recently_decided(self, since: datetime, *, limit: int) -> list[dict[str, Any]]:
        c = _CANDIDATE
        query = (
            self._listed()
            .where(c.c.status != PENDING, c.c.decided_at >= since)
            .order_by(c.c.decided_at.desc(), c.c.id.desc())
            .limit(limit)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def get(self, candidate_id: int, *, lock: bool = False) -> dict[str, Any]:
        """The candidate (locked for the transaction when ``lock``); NotFound when there is none."""
        c = _CANDIDATE
        query = self._listed().where(c.c.id == candidate_id)
        row = self._connection.execute(query.with_for_update(of=c) if lock else query).mappings().first()
        if row is None:
            raise NotFound(f"no overdraft candidate {candidate_id}", f"没有恶意透支候选 {candidate_id}")
        return dict(row)

    def decide(self, candidate_id: int, *, status: str, reason: str, by: int, at: datetime) -> bool:
        """Decides the candidate if it is still pending; whether it was."""
        c = _CANDIDATE
        query = (
            update(c)
            .where(c.c.id == candidate_id, c.c.status == PENDING)
            .values(status=status, reason=reason, decided_by_id=by, decided_at=at)
        )
        return int(self._connection.execute(query).rowcount) == 1

    def holder(self, account_id: int) -> tuple[str, bytes]:
        """The account's cardholder: name and encrypted national ID."""
        a, c = _ACCOUNT, table_of(Customer)
        query = select(c.c.name, c.c.national_id_enc).join(a, a.c.customer_id == c.c.id)
        query = query.where(a.c.id == account_id)
        row = self._connection.execute(query).one()
        return str(row.name), bytes(row.national_id_enc)
