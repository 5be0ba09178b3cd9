"""Reading the audit trail for compliance: a search by account, actor, action and time (newest first,
a page at a time), the manual overrides of compliance decisions, and the chain read in id order a
batch at a time (for :mod:`arrears.audit.watch`). SQL only; the caller owns the connection.

An entry concerns an account when its subject is the account or one of its rows (a plan, a promise, a
payment, a service case, a portal request, a call, a daily run's action, a visit stop, a message),
its cardholder or one of the cardholder's contact points or holds covering it, or when its details
name the account (``"account_id": N``).

Nothing here logs: actors, subjects and details may be personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, Table, and_, cast, func, or_, select

from arrears.audit.chain import AuditEntry
from arrears.kit.inputs import MAX_ID
from arrears.models import (
    AppUser,
    AuditEvent,
    CardAccount,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    Hold,
    OutboxMessage,
    Payment,
    PaymentOrder,
    PortalRequest,
    PromiseToPay,
    RepaymentPlan,
    ServiceCase,
    VisitStop,
    table_of,
)

_EVENT, _ACCOUNT = table_of(AuditEvent), table_of(CardAccount)
OVERRIDE = "compliance.override"  # arrears.compliance.record.OVERRIDE
# subjects that are rows of one account: the audit's subject_type -> the table (its account_id)
ACCOUNT_ROWS: dict[str, Table] = {
    "plan": table_of(RepaymentPlan),
    "promise_to_pay": table_of(PromiseToPay),
    "payment": table_of(Payment),
    "payment_order": table_of(PaymentOrder),
    "service_case": table_of(ServiceCase),
    "portal_request": table_of(PortalRequest),
    "contact_event": table_of(ContactEvent),
    "action": table_of(CollectionAction),
    "collection_action": table_of(CollectionAction),
    "visit_stop": table_of(VisitStop),
    "outbox_message": table_of(OutboxMessage),
}
ACCOUNT_SUBJECT = "card_account"


@dataclass(frozen=True, slots=True)
class TrailFilter:
    """What the trail is searched for; every given field must match. ``since`` is inclusive,
    ``until`` exclusive; ``actor`` and ``action`` match exactly."""

    account_id: int | None = None
    customer_id: int | None = None  # the account's cardholder (with account_id)
    actor: str | None = None
    actor_id: int | None = None  # the actor's user id: their steps recorded as ``user:<id>`` match too
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _named(value: int) -> list[str]:
    """LIKE patterns of canonical JSON naming ``"account_id": value`` (keys sorted, no spaces)."""
    return [f'%"account_id":{value},%', f'%"account_id":{value}}}%']


def _rows_of(table: Table, account_id: int) -> Any:
    return select(cast(table.c.id, String)).where(table.c.account_id == account_id)


def concerning(account_id: int, customer_id: int) -> ColumnElement[bool]:
    """The entries that concern the account (see the module's docstring)."""
    e = _EVENT
    h, p = table_of(Hold), table_of(ContactPoint)
    holds = select(cast(h.c.id, String)).where(
        h.c.customer_id == customer_id, or_(h.c.account_id.is_(None), h.c.account_id == account_id)
    )
    points = select(cast(p.c.id, String)).where(p.c.customer_id == customer_id)
    by_subject = [
        and_(e.c.subject_type == kind, e.c.subject_id.in_(_rows_of(table, account_id)))
        for kind, table in ACCOUNT_ROWS.items()
    ]
    return or_(
        and_(e.c.subject_type == ACCOUNT_SUBJECT, e.c.subject_id == str(account_id)),
        and_(e.c.subject_type == "customer", e.c.subject_id == str(customer_id)),
        and_(e.c.subject_type == "hold", e.c.subject_id.in_(holds)),
        and_(e.c.subject_type == "contact_point", e.c.subject_id.in_(points)),
        *by_subject,
        *(e.c.details.like(pattern) for pattern in _named(account_id)),
    )


def _where(wanted: TrailFilter) -> list[ColumnElement[bool]]:
    e = _EVENT
    where: list[ColumnElement[bool]] = []
    if wanted.account_id is not None:
        where.append(concerning(wanted.account_id, wanted.customer_id or 0))
    if wanted.actor and wanted.actor_id is not None:
        where.append(e.c.actor.in_((wanted.actor, f"user:{wanted.actor_id}")))
    elif wanted.actor:
        where.append(e.c.actor == wanted.actor)
    if wanted.action:
        where.append(e.c.action == wanted.action)
    if wanted.since is not None:
        where.append(e.c.at >= wanted.since)
    if wanted.until is not None:
        where.append(e.c.at < wanted.until)
    return where


def _action_id(subject_id: str | None) -> int | None:
    """A subject id that may be a stored action's id (a whole number in the ids' range)."""
    text = subject_id or ""
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None


def _entry(row: Any) -> dict[str, Any]:
    entry = dict(row._mapping)
    entry["details"] = json.loads(entry["details"])
    return entry


class TrailRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def account(self, account_no: str) -> dict[str, Any] | None:
        """The account numbered ``account_no`` (as stored, or in another letter case): id, customer."""
        a = _ACCOUNT
        for wanted in dict.fromkeys((account_no, account_no.upper())):
            query = select(a.c.id, a.c.customer_id, a.c.account_no).where(a.c.account_no == wanted)
            row = self._connection.execute(query).mappings().first()
            if row is not None:
                return dict(row)
        return None

    def search(self, wanted: TrailFilter, *, offset: int, limit: int) -> list[dict[str, Any]]:
        """A page of the entries matching ``wanted``, newest (highest id) first; details decoded."""
        e = _EVENT
        query = (
            select(e.c.id, e.c.at, e.c.actor, e.c.action, e.c.subject_type, e.c.subject_id, e.c.details)
            .where(*_where(wanted))
            .order_by(e.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_entry(row) for row in self._connection.execute(query)]

    def count(self, wanted: TrailFilter) -> int:
        query = select(func.count()).select_from(_EVENT).where(*_where(wanted))
        return int(self._connection.execute(query).scalar_one())

    def actions(self) -> list[str]:
        """The actions the trail holds (for the search's choice)."""
        query = select(_EVENT.c.action).distinct().order_by(_EVENT.c.action)
        return [str(one) for one in self._connection.execute(query).scalars()]

    def overrides(self, *, offset: int, limit: int) -> list[dict[str, Any]]:
        """A page of the manual overrides of compliance decisions, newest first, each with the account
        of the overridden action when it is one of the daily run's actions still stored."""
        found = self.search(TrailFilter(action=OVERRIDE), offset=offset, limit=limit)
        ids = sorted({one for one in (_action_id(row["subject_id"]) for row in found) if one is not None})
        x, a = table_of(CollectionAction), _ACCOUNT
        accounts = {}
        if ids:
            query = select(x.c.id, x.c.account_id, a.c.account_no).join(a, a.c.id == x.c.account_id)
            accounts = {int(row.id): row for row in self._connection.execute(query.where(x.c.id.in_(ids)))}
        for row in found:
            action = accounts.get(_action_id(row["subject_id"]) or 0)
            row["account_id"] = action.account_id if action else None
            row["account_no"] = action.account_no if action else None
        return found

    def accounts_named(self, named: Iterable[object]) -> dict[int, tuple[str, int]]:
        """The number and the cardholder of each account id among ``named`` (other values ignored)."""
        wanted = sorted({one for one in named if type(one) is int and 0 < one <= MAX_ID})
        if not wanted:
            return {}
        a = _ACCOUNT
        query = select(a.c.id, a.c.account_no, a.c.customer_id).where(a.c.id.in_(wanted))
        return {
            int(row.id): (str(row.account_no), int(row.customer_id))
            for row in self._connection.execute(query)
        }

    def user_id(self, username: str) -> int | None:
        """The id of the user signing in as ``username`` (None: nobody does)."""
        u = table_of(AppUser)
        found: int | None = self._connection.execute(
            select(u.c.id).where(u.c.username == username)
        ).scalar_one_or_none()
        return found

    def usernames(self, ids: Iterable[int]) -> dict[int, str]:
        """The username of each user id among ``ids``."""
        wanted = sorted({one for one in ids if 0 < one <= MAX_ID})
        if not wanted:
            return {}
        u = table_of(AppUser)
        rows = self._connection.execute(select(u.c.id, u.c.username).where(u.c.id.in_(wanted)))
        return {int(row.id): str(row.username) for row in rows}

    # --- the chain in id order ----------------------------------------------------------------------

    def entries_after(self, entry_id: int, *, limit: int) -> list[AuditEntry]:
        """At most ``limit`` entries with an id above ``entry_id``, in id order."""
        e = _EVENT
        columns = [e.c[one.name] for one in fields(AuditEntry)]  # positional: no mapping per row
        query = select(*columns).where(e.c.id > entry_id).order_by(e.c.id).limit(limit)
        return [AuditEntry(*row) for row in self._connection.execute(query)]

    def id_of_hash(self, hash_: str) -> int | None:
        """The entry carrying ``hash_`` (hashes are unique), if any."""
        found = self._connection.execute(select(_EVENT.c.id).where(_EVENT.c.hash == hash_)).scalar()
        return None if found is None else int(found)

    def last_id(self) -> int:
        return int(self._connection.execute(select(func.coalesce(func.max(_EVENT.c.id), 0))).scalar_one())
