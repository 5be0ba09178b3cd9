"""All SQL of legal review: the accounts waiting for a decision (the daily run's referrals of a day,
the collectors' open requests), the evidence of each, and the decisions. The caller owns the
connection and its transaction.

Nothing here logs: reasons and notes may hold personal data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)

from arrears.contacts.hold_scope import unscoped
from arrears.kit.errors import NotFound
from arrears.legal.rules import ACTIONS
from arrears.models import (
    AppUser,
    AuditEvent,
    CardAccount,
    CaseRequest,
    CollectionAction,
    ContactEvent,
    Hold,
    OutboxMessage,
    Payment,
    PromiseToPay,
    table_of,
)

_ACCOUNT, _REQUEST, _ACTION = table_of(CardAccount), table_of(CaseRequest), table_of(CollectionAction)
_EVENT, _PROMISE, _PAYMENT = table_of(ContactEvent), table_of(PromiseToPay), table_of(Payment)
_HOLD, _OUTBOX, _USER, _AUDIT = (
    table_of(Hold),
    table_of(OutboxMessage),
    table_of(AppUser),
    table_of(AuditEvent),
)

KIND = "legal_review"  # the request kind and the daily run's channel
REFERRAL, REQUEST = "referral", "request"  # where a waiting item comes from
ATTEMPTS = ("call", "visit")  # the contacts a person attempts (messages are sent, not attempted)
DEMAND_LETTERS = ("demand", "final_demand")
LETTER_SENT = ("sent", "delivered")
SUBJECT = "card_account"  # the audit subject of a decision


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


class LegalRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- what waits for a decision --------------------------------------------------------------

    def _waiting(self, day: date) -> Any:
        """Every waiting item: the day's referrals still planned, and the open requests of any day."""
        x, r = _ACTION, _REQUEST
        referrals = select(
            x.c.account_id,
            literal(REFERRAL, String).label("source"),
            x.c.id.label("item_id"),
            x.c.scheduled_at.label("since"),
            cast(null(), Integer).label("requested_by_id"),
            cast(null(), String).label("reason"),
        ).where(x.c.channel == KIND, x.c.run_date == day, x.c.status == "planned")
        requests = select(
            r.c.account_id,
            literal(REQUEST, String).label("source"),
            r.c.id.label("item_id"),
            r.c.requested_at.label("since"),
            r.c.requested_by_id,
            r.c.reason,
        ).where(r.c.kind == KIND, r.c.status == "open")
        return union_all(referrals, requests).subquery("waiting")

    def waiting_accounts(self, day: date, *, offset: int, limit: int) -> list[int]:
        """The accounts with a waiting item, the longest waiting first."""
        w = self._waiting(day)
        query = (
            select(w.c.account_id)
            .group_by(w.c.account_id)
            .order_by(func.min(w.c.since), w.c.account_id)
            .offset(offset)
            .limit(limit)
        )
        return [int(one) for one in self._connection.execute(query).scalars()]

    def count_waiting(self, day: date) -> dict[str, int]:
        """The accounts waiting, and the referrals and requests among the items."""
        w = self._waiting(day)
        accounts = self._connection.execute(select(func.count(func.distinct(w.c.account_id)))).scalar_one()
        grouped = self._connection.execute(select(w.c.source, func.count()).group_by(w.c.source))
        counts: dict[str, int] = {str(source): int(count) for source, count in grouped}
        return {"accounts": int(accounts), REFERRAL: int(counts.get(REFERRAL, 0)),
                REQUEST: int(counts.get(REQUEST, 0))}  # fmt: skip

    def waiting_items(self, day: date, account_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The waiting items of the accounts, oldest first, with the requester's name."""
        if not account_ids:
            return []
        w, u = self._waiting(day), _USER
        query = (
            select(w, u.c.display_name.label("requested_by"))
            .outerjoin(u, u.c.id == w.c.requested_by_id)
            .where(w.c.account_id.in_(account_ids))
            .order_by(w.c.since, w.c.item_id)
        )
        return _rows(self._connection, query)

    # --- the evidence -----------------------------------------------------------------------------

    def accounts(self, account_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        a = _ACCOUNT
        balance = (a.c.principal_fen + a.c.interest_fen + a.c.fee_fen).label("balance_fen")
        query = select(
            a.c.id, a.c.account_no, a.c.customer_id, a.c.product, a.c.bucket, a.c.dpd, a.c.regulatory_class,
            a.c.status, balance, a.c.overdue_fen, a.c.credit_limit_fen,
        ).where(a.c.id.in_(account_ids))  # fmt: skip
        return {int(row["id"]): row for row in _rows(self._connection, query)}

    def last_payments(self, account_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Each account's latest payment received (not a reversal): its day and amount."""
        p = _PAYMENT
        query = (
            select(p.c.account_id, p.c.paid_date, p.c.amount_fen)
            .where(p.c.account_id.in_(account_ids), p.c.amount_fen > 0, p.c.source != "reversal")
            .order_by(p.c.account_id, p.c.paid_date.desc(), p.c.id.desc())
        )
        found: dict[int, dict[str, Any]] = {}
        for row in _rows(self._connection, query):
            found.setdefault(int(row["account_id"]), row)
        return found

    def contacts(self, account_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Calls and visits attempted on each account, and those that reached the cardholder."""
        e = _EVENT
        reached = func.sum(case((and_(e.c.party == "debtor", e.c.conversation), 1), else_=0))
        query = (
            select(e.c.account_id, func.count().label("attempted"), reached.label("reached"))
            .where(e.c.account_id.in_(account_ids), e.c.channel.in_(ATTEMPTS))
            .group_by(e.c.account_id)
        )
        return {
            int(row.account_id): {"attempted": int(row.attempted), "reached": int(row.reached or 0)}
            for row in self._connection.execute(query)
        }

    def promises(self, account_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Each account's promises to pay, and how many were broken."""
        p = _PROMISE
        broken = func.sum(case((p.c.status == "broken", 1), else_=0))
        query = (
            select(p.c.account_id, func.count().label("taken"), broken.label("broken"))
            .where(p.c.account_id.in_(account_ids))
            .group_by(p.c.account_id)
        )
        return {
            int(row.account_id): {"taken": int(row.taken), "broken": int(row.broken or 0)}
            for row in self._connection.execute(query)
        }

    def demand_letters(self, account_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The demand letters sent on each account, the latest first."""
        o = _OUTBOX
        query = (
            select(o.c.account_id, o.c.template, o.c.status, o.c.sent_at, o.c.delivered_at, o.c.tracking_no)
            .where(
                o.c.account_id.in_(account_ids),
                o.c.channel == "letter",
                o.c.template.in_(DEMAND_LETTERS),
                o.c.status.in_(LETTER_SENT),
            )
            .order_by(o.c.account_id, o.c.sent_at.desc(), o.c.id.desc())
        )
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in _rows(self._connection, query):
            found[int(row.pop("account_id"))].append(row)
        return found

    def active_holds(self, accounts: Iterable[dict[str, Any]], at: datetime) -> dict[int, list[str]]:
        """The kinds of the holds active at ``at`` on each account (its own, and its cardholder's)."""
        by_customer: dict[int, list[int]] = defaultdict(list)
        for account in accounts:
            by_customer[int(account["customer_id"])].append(int(account["id"]))
        if not by_customer:
            return {}
        h = _HOLD
        query = select(h.c.customer_id, h.c.account_id, h.c.kind).where(
            h.c.customer_id.in_(by_customer),
            h.c.placed_at <= at,
            or_(h.c.lifted_at.is_(None), h.c.lifted_at > at),
            or_(h.c.expires_at.is_(None), h.c.expires_at > at),
        )
        found: dict[int, set[str]] = defaultdict(set)
        for row in self._connection.execute(query):
            covered = by_customer[int(row.customer_id)] if row.account_id is None else [int(row.account_id)]
            for account_id in covered:
                found[account_id].add(str(row.kind))
        return {account_id: sorted(kinds) for account_id, kinds in found.items()}

    def blocking_holds(self, account_id: int, customer_id: int, at: datetime) -> list[str]:
        """The kinds of the bank's own holds active on the account at ``at`` (those naming one staff
        member or agency stop only their contact)."""
        h = _HOLD
        query = select(h.c.kind).where(
            h.c.customer_id == customer_id,
            or_(h.c.account_id.is_(None), h.c.account_id == account_id),
            h.c.placed_at <= at,
            or_(h.c.lifted_at.is_(None), h.c.lifted_at > at),
            or_(h.c.expires_at.is_(None), h.c.expires_at > at),
            unscoped(h),
        )
        return sorted(set(self._connection.execute(query).scalars()))

    # --- deciding ---------------------------------------------------------------------------------

    def lock_account(self, account_id: int) -> dict[str, Any]:
        """The account, locked for the transaction (PostgreSQL; SQLite's write lock is the audit
        transaction's); NotFound when there is none."""
        a = _ACCOUNT
        query = select(a.c.id, a.c.customer_id, a.c.account_no).where(a.c.id == account_id)
        row = self._connection.execute(query.with_for_update()).mappings().first()
        if row is None:
            raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
        return dict(row)

    def decide_requests(self, ids: Sequence[int], *, status: str, by: int, at: datetime) -> int:
        """Decides the open requests among ``ids``; how many were still open."""
        r = _REQUEST
        query = (
            update(r)
            .where(r.c.id.in_(ids), r.c.status == "open")
            .values(status=status, decided_by_id=by, decided_at=at)
        )
        return int(self._connection.execute(query).rowcount)

    def decide_referrals(
        self, referrals: Sequence[dict[str, Any]], *, reason: str, status: str, by: int, at: datetime
    ) -> list[int]:
        """Decides the daily run's planned referrals among ``referrals`` (``item_id``, ``account_id``,
        ``customer_id``, ``since``): their actions take ``status`` and each gets a decided request row
        with no requester. The ids of the request rows."""
        x = _ACTION
        ids = [int(one["item_id"]) for one in referrals]
        if not ids:
            return []
        done = self._connection.execute(
            update(x).where(x.c.id.in_(ids), x.c.status == "planned").values(status=status)
        ).rowcount
        if done != len(ids):
            return []
        rows = [{"account_id": one["account_id"], "customer_id": one["customer_id"], "kind": KIND,
                 "reason": reason, "status": status, "requested_by_id": None, "requested_at": one["since"],
                 "decided_by_id": by, "decided_at": at} for one in referrals]  # fmt: skip
        new = self._connection.execute(insert(_REQUEST).returning(_REQUEST.c.id), rows)
        return [int(one) for one in new.scalars()]

    # --- decisions made -----------------------------------------------------------------------------

    def decisions(
        self, *, account_id: int | None = None, since: datetime | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Decided legal-review rows, the latest decision first, with the account's number and the
        names of the requester and of the legal officer who decided."""
        r, a, u = _REQUEST, _ACCOUNT, _USER
        by, asked = u.alias("decided_by"), u.alias("asked_by")
        query = (
            select(
                r.c.id, r.c.account_id, a.c.account_no, r.c.status, r.c.reason.label("request_reason"),
                r.c.requested_at, r.c.requested_by_id, asked.c.display_name.label("requested_by"),
                r.c.decided_at, by.c.display_name.label("decided_by"),
            )
            .join(a, a.c.id == r.c.account_id)
            .outerjoin(by, by.c.id == r.c.decided_by_id)
            .outerjoin(asked, asked.c.id == r.c.requested_by_id)
            .where(r.c.kind == KIND, r.c.decided_at.is_not(None))
            .order_by(r.c.decided_at.desc(), r.c.id.desc())
            .limit(limit)
        )  # fmt: skip
        if account_id is not None:
            query = query.where(r.c.account_id == account_id)
        if since is not None:
            query = query.where(r.c.decided_at >= since)
        return _rows(self._connection, query)

    def requests_of(self, account_id: int) -> list[dict[str, Any]]:
        """The collectors' legal-review requests on the account (any status), with the requester."""
        r, u = _REQUEST, _USER
        query = (
            select(r.c.id, r.c.reason, r.c.status, r.c.requested_at, u.c.display_name.label("requested_by"))
            .join(u, u.c.id == r.c.requested_by_id)
            .where(r.c.account_id == account_id, r.c.kind == KIND)
            .order_by(r.c.requested_at, r.c.id)
        )
        return _rows(self._connection, query)

    def decision_details(self, decided: Iterable[tuple[int, datetime]]) -> dict[tuple[int, datetime], Any]:
        """The audit entry's details of each (account, decided_at): its reason or note. Found through
        the entries' instant (indexed), which is the decided rows' ``decided_at``."""
        wanted = set(decided)
        if not wanted:
            return {}
        e = _AUDIT
        query = select(e.c.at, e.c.subject_id, e.c.details).where(
            e.c.at.in_(sorted({at for _, at in wanted})),
            e.c.action.in_(sorted(ACTIONS.values())),
            e.c.subject_type == SUBJECT,
            e.c.subject_id.in_(sorted({str(account_id) for account_id, _ in wanted})),
        )
        found = {}
        for row in self._connection.execute(query):
            key = (int(row.subject_id), row.at)
            if key in wanted:
                found[key] = json.loads(row.details)
        return found
