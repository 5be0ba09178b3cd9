"""All SQL about the audit log: appending under a lock, reading the chain back.

Appending reads the last entry's hash and inserts a row that links to it, so two writers must never
read the same last hash. On PostgreSQL :meth:`AuditLog.append` takes a transaction-scoped advisory
lock first (held until commit or rollback). On SQLite the transaction must hold the database's write
lock before the read: :func:`audit_transaction` starts it with ``BEGIN IMMEDIATE``, and ``append``
does the same when it finds no transaction open on the driver connection. Both work across processes.

Entry ids are given explicitly (last id + 1, under the lock), so ids stay dense even when a
transaction rolls back: a hole in the ids means a deleted entry, never a cancelled append.

Nothing here logs: actors, subjects and details may be personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, text

from arrears.audit.chain import GENESIS, AuditEntry, canonical_json, canonical_time, entry_hash
from arrears.kit.errors import ArrearsError
from arrears.models import AuditEvent, table_of

__all__ = ["ADVISORY_LOCK_KEY", "AuditEntry", "AuditError", "AuditLog", "Pending", "audit_transaction"]

_EVENT = table_of(AuditEvent)

ADVISORY_LOCK_KEY = int.from_bytes(b"auditlog", "big")
"""The PostgreSQL advisory lock (one bigint) that serialises appends across sessions and processes."""

_APPENDED = "arrears.audit.appended"  # connection.info: (the transaction, the entry it appended last)
_LIMITS = {"actor": 120, "action": 80, "subject_type": 40, "subject_id": 64}


def take_append_lock(connection: Connection) -> None:
    """Takes now the lock an append takes (PostgreSQL's advisory lock, SQLite's write lock), for a
    transaction that locks rows before it appends: taking the chain's lock first, as a transaction
    that appended already holds it, keeps the order of the locks the same everywhere (no deadlock)."""
    if _is_sqlite(connection):
        _hold_sqlite_write_lock(connection)
    else:
        _hold_postgres_lock(connection)


class AuditError(ArrearsError):
    """An audit entry cannot be written as asked."""


def _is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


def _hold_sqlite_write_lock(connection: Connection) -> None:
    """Makes the open transaction take SQLite's write lock now, waiting up to the busy timeout.

    When the driver already has a transaction open, it began with a write (which took the lock) or
    with ``BEGIN IMMEDIATE``. A transaction that only read so far cannot take the lock any more; it
    still cannot fork the chain: SQLite refuses its insert ("database is locked") if another writer
    committed since its read.
    """
    if not _driver(connection).in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _hold_postgres_lock(connection: Connection) -> None:
    if getattr(_driver(connection), "autocommit", False):
        raise AuditError(
            "audit entries need a transaction: the connection is in autocommit mode",
            "写入审计日志需要在事务中进行：当前连接处于自动提交模式",
        )
    _lock, isolation = connection.execute(
        text("SELECT pg_advisory_xact_lock(:key), current_setting('transaction_isolation')"),
        {"key": ADVISORY_LOCK_KEY},
    ).one()
    if isolation != "read committed":
        # A snapshot taken before the lock was granted would not see the last append.
        raise AuditError(
            f"audit entries need READ COMMITTED transactions, not {isolation.upper()}",
            f"写入审计日志需要 READ COMMITTED 隔离级别，当前为 {isolation.upper()}",
        )


def _check_fields(**fields: str | None) -> None:
    for name, value in fields.items():
        if value is None:
            continue
        if not value.strip():
            raise AuditError(f"audit {name} is empty", f"审计字段 {name} 不能为空")
        if len(value) > _LIMITS[name]:
            raise AuditError(
                f"audit {name} is longer than {_LIMITS[name]} characters",
                f"审计字段 {name} 超过 {_LIMITS[name]} 个字符",
            )


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(**row._mapping)  # the entry's fields are the table's columns


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry to append (:meth:`AuditLog.append_many`): what happened, by whom, to what."""

    at: datetime
    actor: str
    action: str
    subject_type: str | None = None
    subject_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def _checked_details(one: Pending) -> str:
    """The entry's details as canonical JSON, its fields checked (AuditError when refused)."""
    _check_fields(
        actor=one.actor, action=one.action, subject_type=one.subject_type, subject_id=one.subject_id
    )
    try:
        details_text = canonical_json(one.details)
        canonical_time(one.at)
    except (TypeError, ValueError) as error:
        raise AuditError(
            f"audit entry not written: {error}",
            f"审计记录未写入：时间须带时区，详情须为 JSON 对象（{error}）",
        ) from None
    return details_text


class AuditLog:
    """The audit chain on one connection; the caller owns the transaction (see :func:`audit_transaction`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: Mapping[str, Any],
    ) -> AuditEntry:
        """Adds one entry after the last one, under the append lock; visible to others at commit."""
        return self.append_many(
            [Pending(at=at, actor=actor, action=action, subject_type=subject_type, subject_id=subject_id,
                     details=details)]
        )[0]  # fmt: skip

    def append_many(self, pending: Sequence[Pending]) -> list[AuditEntry]:
        """Adds the entries in order after the last one, under the append lock, in one statement;
        visible to others at commit. Nothing is written when any of them is refused."""
        texts = [_checked_details(one) for one in pending]
        if not pending:
            return []
        last = self._mine()
        if last is None:
            if _is_sqlite(self._connection):
                _hold_sqlite_write_lock(self._connection)
            else:
                _hold_postgres_lock(self._connection)
            last = self.last()
        entries = []
        for one, details_text in zip(pending, texts, strict=True):
            prev_hash = last.hash if last else GENESIS
            last = AuditEntry(
                id=last.id + 1 if last else 1,
                at=one.at,
                actor=one.actor,
                action=one.action,
                subject_type=one.subject_type,
                subject_id=one.subject_id,
                details=details_text,
                prev_hash=prev_hash,
                hash=entry_hash(
                    prev_hash, one.at, one.actor, one.action, one.subject_type, one.subject_id, details_text
                ),
            )
            entries.append(last)
        names = [one.name for one in fields(AuditEntry)]  # shallow: asdict deep-copies
        self._connection.execute(
            insert(_EVENT), [{name: getattr(entry, name) for name in names} for entry in entries]
        )
        transaction = self._connection.get_transaction()
        if self._connection.in_nested_transaction():
            # a savepoint may be undone: the next append of the transaction reads the last entry again
            self._connection.info.pop(_APPENDED, None)
        elif transaction is not None:
            self._connection.info[_APPENDED] = (transaction, entries[-1])
        return entries

    def _mine(self) -> AuditEntry | None:
        """The entry this transaction appended last, when it appended one: it still holds the lock, so
        that entry is the chain's last, and the next append needs neither the lock nor a read again
        (a transaction that appends three entries costs three inserts, one lock and one read)."""
        found = self._connection.info.get(_APPENDED)
        transaction = self._connection.get_transaction()
        if found is None or transaction is None or found[0] is not transaction:
            return None
        if not transaction.is_active or self._connection.in_nested_transaction():
            return None
        entry: AuditEntry = found[1]
        return entry

    def last(self) -> AuditEntry | None:
        """The entry with the highest id, or None when the log is empty."""
        row = self._connection.execute(select(_EVENT).order_by(_EVENT.c.id.desc()).limit(1)).first()
        return _entry(row) if row else None

    def entries(self) -> list[AuditEntry]:
        """Every entry in id order, as :func:`arrears.audit.chain.verify` takes them."""
        return [_entry(row) for row in self._connection.execute(select(_EVENT).order_by(_EVENT.c.id))]


@contextmanager
def audit_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that may append audit entries; commits on success, else rolls back.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it holds the write lock from its first
    statement, so the last hash it reads is still the last when it inserts. Other writers (threads or
    processes) wait up to the busy timeout. On PostgreSQL it is an ordinary transaction; ``append``
    takes the advisory lock.
    """
    with engine.connect() as connection:
        connection.begin()
        try:
            if _is_sqlite(connection):
                _hold_sqlite_write_lock(connection)
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
