"""The portal's rate limits and lockouts, counted in ``portal_attempt`` so that every process serving
the portal shares them.

Each sign-in event is one row: its kind (``sign_in_failed``, ``code_sent``, ``code_failed``,
``locked``), the keyed hash of the client's address and the keyed hash of its subject (the mobile a
code went to, or the cardholder whose details or code failed). The limits, per rolling hour:

- a client address makes at most ``settings.portal_attempts_per_client`` attempts (every row but a
  lockout's counts);
- a mobile receives at most ``settings.portal_codes_per_mobile`` codes;
- ``settings.portal_failures_to_lock`` failures on one cardholder (a wrong national ID for an account
  number that names one account, or a wrong code) lock the cardholder's sign-in for ``LOCK``.

Hashes are HMAC-SHA256 with the field cipher's lookup key (derived from the master key), each with its
own prefix, so a table dump reveals neither addresses nor mobiles. SQL and pure checks; the caller owns
the transaction (and, on PostgreSQL, :func:`serialize` makes two processes count one after the other).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, text

from arrears.kit.crypto import FieldCipher
from arrears.models import table_of
from arrears.models.portal import PortalAttempt

WINDOW = timedelta(hours=1)
LOCK = timedelta(hours=1)
KEEP = timedelta(days=2)  # older rows are removed now and then
_ATTEMPT = table_of(PortalAttempt)


def client_hash(cipher: FieldCipher, address: str) -> str:
    return cipher.lookup_hash(f"portal-client:{address}")


def mobile_hash(cipher: FieldCipher, contact_point_id: int) -> str:
    return cipher.lookup_hash(f"portal-mobile:{contact_point_id}")


def customer_hash(cipher: FieldCipher, customer_id: int) -> str:
    return cipher.lookup_hash(f"portal-customer:{customer_id}")


def serialize(connection: Connection, *keys: str) -> None:
    """On PostgreSQL, holds a transaction lock on each of ``keys`` (all in one statement) so that
    counting and recording are one step for concurrent processes (SQLite's writers are serialized
    already)."""
    if connection.dialect.name == "postgresql" and keys:
        locks = ", ".join(f"pg_advisory_xact_lock(hashtext(:key{n}))" for n in range(len(keys)))
        values = {f"key{n}": "portal:" + key for n, key in enumerate(keys)}
        connection.execute(text(f"SELECT {locks}"), values)


def record(connection: Connection, *, kind: str, client: str, subject: str | None, at: datetime) -> None:
    connection.execute(insert(_ATTEMPT).values(at=at, kind=kind, client_hash=client, subject_hash=subject))


def _count(connection: Connection, *, since: datetime, kinds: tuple[str, ...] | None = None,
           client: str | None = None, subject: str | None = None) -> int:  # fmt: skip
    a = _ATTEMPT
    query = select(func.count()).select_from(a).where(a.c.at > since)
    if client is not None:
        query = query.where(a.c.client_hash == client)
    if subject is not None:
        query = query.where(a.c.subject_hash == subject)
    if kinds is not None:
        query = query.where(a.c.kind.in_(kinds))
    return int(connection.execute(query).scalar_one())


ATTEMPTS = ("sign_in_failed", "code_sent", "code_failed")  # what a client's limit counts: not ``locked``


def client_exhausted(connection: Connection, *, client: str, now: datetime, limit: int) -> bool:
    """The client address has made ``limit`` attempts in the last hour. A lockout's own row is not an
    attempt: counted, it would bring the limit one attempt sooner for an account that exists."""
    return _count(connection, since=now - WINDOW, kinds=ATTEMPTS, client=client) >= limit


def mobile_exhausted(connection: Connection, *, mobile: str, now: datetime, limit: int) -> bool:
    """The mobile has been sent ``limit`` codes in the last hour."""
    return _count(connection, since=now - WINDOW, kinds=("code_sent",), subject=mobile) >= limit


def locked(connection: Connection, *, customer: str, now: datetime) -> bool:
    """The cardholder's sign-in is locked (a lockout in the last ``LOCK``)."""
    return _count(connection, since=now - LOCK, kinds=("locked",), subject=customer) > 0


def failures(connection: Connection, *, customer: str, now: datetime) -> int:
    """The cardholder's failures in the last hour (since the latest lockout, if it ended within it)."""
    a = _ATTEMPT
    last_lock = connection.execute(
        select(func.max(a.c.at)).where(a.c.subject_hash == customer, a.c.kind == "locked")
    ).scalar_one()
    since = max(now - WINDOW, last_lock) if last_lock is not None else now - WINDOW
    return _count(connection, since=since, kinds=("sign_in_failed", "code_failed"), subject=customer)


def housekeeping(connection: Connection, *, now: datetime) -> None:
    connection.execute(delete(_ATTEMPT).where(_ATTEMPT.c.at < now - KEEP))
