"""All SQL of the letters: the day's letter messages with their account and cardholder, the mailing
addresses, the due dates, the letters' numbers, and the tracking the post sends back. Recording what
became of a message (sent, failed, cancelled) goes through the outbox's own repository
(:class:`arrears.messaging.repository.OutboxRepository`), as for every channel.

The caller owns the transaction. Nothing here logs: names and addresses are personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from arrears.messaging.letters.rules import ADDRESS_KINDS, LETTER_ID_PREFIX, AddressPoint
from arrears.messaging.letters.tracking_rules import TrackedLetter
from arrears.messaging.repository import Claimed
from arrears.models import (
    AppUser,
    CardAccount,
    ContactPoint,
    Customer,
    DebtSale,
    DebtSalePoolAccount,
    DelinquencySnapshot,
    LegalCase,
    OutboxEvent,
    OutboxMessage,
    ServiceCase,
    SoldAccount,
    Statement,
    Team,
    table_of,
)

_MESSAGE, _EVENT, _ACCOUNT = table_of(OutboxMessage), table_of(OutboxEvent), table_of(CardAccount)
_CUSTOMER, _POINT = table_of(Customer), table_of(ContactPoint)
_STATEMENT, _SNAPSHOT = table_of(Statement), table_of(DelinquencySnapshot)
_CASE = table_of(ServiceCase)
_SOLD, _SALE, _MEMBER = table_of(SoldAccount), table_of(DebtSale), table_of(DebtSalePoolAccount)
_LEGAL, _TEAM, _USER = table_of(LegalCase), table_of(Team), table_of(AppUser)
CHUNK = 2_000
RENDERED = ("sent", "delivered")


@dataclass(frozen=True, slots=True)
class LetterRow:
    """A letter message with what its letter says about the account (never the address: see
    :meth:`LetterRepository.addresses`)."""

    message: Claimed
    provider_id: str | None
    account_no: str | None
    name: str | None
    principal_fen: int
    interest_fen: int
    fee_fen: int
    overdue_fen: int
    dpd: int
    legal_case_id: int | None = None  # a legal case's document (a lawyer's letter)
    case_hold_id: int | None = None  # that case's litigation hold, which does not stop it


@dataclass(frozen=True, slots=True)
class MailingAddress:
    point: AddressPoint
    customer_id: int
    opted_out: bool
    value_enc: bytes


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _letter(row: Any) -> LetterRow:
    message = Claimed(
        id=int(row.id), key=row.idempotency_key, channel=row.channel, kind=row.kind, source=row.source,
        account_id=row.account_id, customer_id=row.customer_id or row.account_customer_id,
        contact_point_id=row.contact_point_id, user_id=row.user_id, template=row.template,
        locale=row.locale, subject=row.subject, body=row.body, target=row.target,
        attempts=int(row.attempts), retries=0, deadline_at=row.deadline_at, run_date=row.run_date,
        in_doubt=False,
    )  # fmt: skip
    return LetterRow(
        message=message, provider_id=row.provider_id, account_no=row.account_no, name=row.name,
        principal_fen=int(row.principal_fen or 0), interest_fen=int(row.interest_fen or 0),
        fee_fen=int(row.fee_fen or 0), overdue_fen=int(row.overdue_fen or 0), dpd=int(row.dpd or 0),
        legal_case_id=row.legal_case_id, case_hold_id=row.case_hold_id,
    )  # fmt: skip


class LetterRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def letters(self, *, run_date: date, reprint: bool) -> list[LetterRow]:
        """The day's letter messages still queued (or, to reprint, those already rendered), in the
        order they are numbered; locked for the transaction on PostgreSQL, so that two renderings of
        one day never print a letter twice."""
        m, a, c, lc = _MESSAGE, _ACCOUNT, _CUSTOMER, _LEGAL
        status = m.c.status.in_(RENDERED) if reprint else m.c.status == "queued"
        query = (
            select(
                m,
                a.c.account_no,
                a.c.principal_fen,
                a.c.interest_fen,
                a.c.fee_fen,
                a.c.overdue_fen,
                a.c.dpd,
                a.c.customer_id.label("account_customer_id"),
                c.c.name,
                lc.c.hold_id.label("case_hold_id"),
            )
            .outerjoin(a, a.c.id == m.c.account_id)
            .outerjoin(c, c.c.id == func.coalesce(m.c.customer_id, a.c.customer_id))
            .outerjoin(lc, lc.c.id == m.c.legal_case_id)
            .where(m.c.channel == "letter", m.c.run_date == run_date, status)
            .order_by(m.c.provider_id if reprint else m.c.id, m.c.id)
            .with_for_update(of=m)
        )
        if reprint:
            query = query.where(m.c.provider_id.like(f"{LETTER_ID_PREFIX}{run_date.isoformat()}#%"))
        return [_letter(row) for row in self._connection.execute(query)]

    def addresses(self, customer_ids: Sequence[int]) -> dict[int, list[MailingAddress]]:
        """The mailing addresses (home and work) of the customers, by customer."""
        p = _POINT
        found: dict[int, list[MailingAddress]] = {}
        columns = (p.c.id, p.c.customer_id, p.c.kind, p.c.is_primary, p.c.invalid_at, p.c.opted_out,
                   p.c.value_enc)  # fmt: skip
        for chunk in _chunks(sorted(set(customer_ids))):
            query = select(*columns).where(p.c.customer_id.in_(chunk), p.c.kind.in_(ADDRESS_KINDS))
            for row in self._connection.execute(query.order_by(p.c.id)):
                point = AddressPoint(int(row.id), row.kind, bool(row.is_primary), row.invalid_at is not None)
                address = MailingAddress(
                    point, int(row.customer_id), bool(row.opted_out), bytes(row.value_enc)
                )
                found.setdefault(int(row.customer_id), []).append(address)
        return found

    def service_cases(self, message_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The service cases whose response letter the messages are, by message id."""
        c = _CASE
        columns = (c.c.id, c.c.letter_message_id, c.c.kind, c.c.category, c.c.received_at, c.c.outcome,
                   c.c.remedies, c.c.refund_fen, c.c.resolution_enc)  # fmt: skip
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(message_ids))):
            for row in self._connection.execute(select(*columns).where(c.c.letter_message_id.in_(chunk))):
                found[int(row.letter_message_id)] = dict(row._mapping)
        return found

    def debt_sales(self, message_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The debt sales whose notice letter the messages are, by message id: the buyer, how to reach
        and pay it, the sale date and the account's balance at the pool's cut-off."""
        s, d, m = _SOLD, _SALE, _MEMBER
        columns = (s.c.notice_message_id, d.c.buyer_name, d.c.buyer_licence, d.c.buyer_contact,
                   d.c.buyer_pay_to, d.c.sold_on, m.c.balance_fen)  # fmt: skip
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(message_ids))):
            query = (
                select(*columns)
                .join(d, d.c.id == s.c.sale_id)
                .join(m, and_(m.c.pool_id == d.c.pool_id, m.c.account_id == s.c.account_id))
                .where(s.c.notice_message_id.in_(chunk))
            )
            for row in self._connection.execute(query):
                found[int(row.notice_message_id)] = dict(row._mapping)
        return found

    def legal_letters(self, message_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The legal cases whose letters the messages are, by message id: the case's id, its law firm's
        name (None: in-house) and the lawyer who issued the letter (the message's user)."""
        m, lc, t, u = _MESSAGE, _LEGAL, _TEAM, _USER
        columns = (m.c.id.label("message_id"), lc.c.id.label("case_id"), t.c.name.label("firm"),
                   u.c.display_name.label("lawyer"))  # fmt: skip
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(message_ids))):
            query = (
                select(*columns)
                .join(lc, lc.c.id == m.c.legal_case_id)
                .outerjoin(t, t.c.id == lc.c.firm_team_id)
                .outerjoin(u, u.c.id == m.c.user_id)
                .where(m.c.id.in_(chunk))
            )
            found |= {int(row.message_id): dict(row._mapping) for row in self._connection.execute(query)}
        return found

    def due_dates(self, account_ids: Sequence[int], *, as_of: date) -> dict[int, date]:
        """The due date each account first missed: its delinquency snapshot's oldest unpaid one on
        ``as_of``, else its latest statement's due date on or before ``as_of``."""
        s, st = _SNAPSHOT, _STATEMENT
        found: dict[int, date] = {}
        for chunk in _chunks(sorted(set(account_ids))):
            latest = (
                select(st.c.account_id, func.max(st.c.due_date).label("due"))
                .where(st.c.account_id.in_(chunk), st.c.due_date <= as_of)
                .group_by(st.c.account_id)
            )
            found |= {int(row.account_id): row.due for row in self._connection.execute(latest)}
            oldest = select(s.c.account_id, s.c.oldest_unpaid_due_date).where(
                s.c.account_id.in_(chunk), s.c.as_of_date == as_of, s.c.oldest_unpaid_due_date.is_not(None)
            )
            found |= {
                int(row.account_id): row.oldest_unpaid_due_date for row in self._connection.execute(oldest)
            }
        return found

    def last_sequence(self, run_date: date) -> int:
        """The highest letter number given on ``run_date`` (0: none yet)."""
        m = _MESSAGE
        prefix = f"{LETTER_ID_PREFIX}{run_date.isoformat()}#"
        found = self._connection.execute(
            select(func.max(m.c.provider_id)).where(
                m.c.channel == "letter", m.c.provider_id.like(f"{prefix}%")
            )
        ).scalar()
        return int(str(found).removeprefix(prefix)) if found else 0

    def set_addresses(self, sent: Sequence[tuple[int, int]]) -> None:
        """Records the address each letter went to, (message id, contact point id): a returned letter
        counts against that address."""
        if sent:
            m = _MESSAGE
            self._connection.execute(
                update(m).where(m.c.id == bindparam("_id")).values(contact_point_id=bindparam("_point")),
                [{"_id": message_id, "_point": point_id} for message_id, point_id in sent],
            )

    def add_events(self, *, message_ids: Sequence[int], status: str, at: datetime, detail: str) -> None:
        rows = [{"message_id": one, "at": at, "status": status, "provider_id": None, "detail": detail}
                for one in message_ids]  # fmt: skip
        for start in range(0, len(rows), CHUNK):
            self._connection.execute(_EVENT.insert(), rows[start : start + CHUNK])


class TrackingRepository:
    """The SQL of the post's tracking: finding the letters a file names, what it said before, and
    recording what it says now."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _select(self) -> Any:
        m, a = _MESSAGE, _ACCOUNT
        columns = (m.c.id, m.c.provider_id, a.c.account_no, m.c.status, m.c.run_date, m.c.sent_at,
                   m.c.contact_point_id)  # fmt: skip
        rendered = m.c.provider_id.like(f"{LETTER_ID_PREFIX}%")
        return (
            select(*columns).outerjoin(a, a.c.id == m.c.account_id).where(m.c.channel == "letter", rendered)
        )

    @staticmethod
    def _tracked(row: Any) -> TrackedLetter:
        return TrackedLetter(
            int(row.id), row.provider_id, row.account_no, row.status, row.run_date, row.sent_at,
            row.contact_point_id,
        )  # fmt: skip

    def by_letter_id(self, letter_ids: Sequence[str]) -> dict[str, TrackedLetter]:
        found: dict[str, TrackedLetter] = {}
        for start in range(0, len(letter_ids), CHUNK):
            query = self._select().where(_MESSAGE.c.provider_id.in_(letter_ids[start : start + CHUNK]))
            found |= {row.provider_id: self._tracked(row) for row in self._connection.execute(query)}
        return found

    def by_account(self, account_nos: Sequence[str]) -> dict[str, list[TrackedLetter]]:
        """The rendered letters of each account, latest first."""
        found: dict[str, list[TrackedLetter]] = {}
        for start in range(0, len(account_nos), CHUNK):
            query = self._select().where(_ACCOUNT.c.account_no.in_(account_nos[start : start + CHUNK]))
            for row in self._connection.execute(
                query.order_by(_MESSAGE.c.run_date.desc(), _MESSAGE.c.id.desc())
            ):
                found.setdefault(row.account_no, []).append(self._tracked(row))
        return found

    def said(self, message_ids: Sequence[int]) -> set[tuple[int, str, str | None]]:
        """(message, status, detail) of the events already recorded for the letters."""
        e, found = _EVENT, set()
        for start in range(0, len(message_ids), CHUNK):
            query = select(e.c.message_id, e.c.status, e.c.detail).where(
                e.c.message_id.in_(message_ids[start : start + CHUNK])
            )
            found |= {
                (int(row.message_id), row.status, row.detail) for row in self._connection.execute(query)
            }
        return found

    def record(self, *, events: Sequence[dict[str, Any]], updates: Sequence[dict[str, Any]]) -> None:
        """Adds the tracking events and sets each letter's tracking number and status (``_status``,
        ``_delivered``, ``_finished``, ``_error``: None keeps what is there)."""
        m = _MESSAGE
        if updates:
            self._connection.execute(
                update(m).where(m.c.id == bindparam("_id")).values(
                    tracking_no=bindparam("_tracking"),
                    status=func.coalesce(bindparam("_status"), m.c.status),
                    delivered_at=func.coalesce(bindparam("_delivered"), m.c.delivered_at),
                    finished_at=func.coalesce(bindparam("_finished"), m.c.finished_at),
                    last_error=func.coalesce(bindparam("_error"), m.c.last_error),
                ),
                list(updates),
            )  # fmt: skip
        for start in range(0, len(events), CHUNK):
            self._connection.execute(_EVENT.insert(), list(events[start : start + CHUNK]))
