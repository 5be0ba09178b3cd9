"""The sign-in's challenge and its one-time code (see :mod:`arrears.portal.signin` for the two steps).

A challenge is a random token in a cookie and its SHA-256 in ``portal_challenge``; its code is kept as an
HMAC-SHA256 (the field cipher's lookup key) of the challenge's id and the code, and sent as the service
SMS ``otp`` through the outbox. When a challenge ends (used, void, expired), the code in the outbox
message's body is replaced by ``******``; a message still queued then is cancelled. SQL only; the caller
owns the transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, insert, select, update

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import mask_name
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.templates.facts import MessageFacts
from arrears.messaging.templates.service import fill
from arrears.models import CardAccount, Customer, OutboxEvent, OutboxMessage, table_of
from arrears.models.portal import PortalChallenge

CODE = re.compile(r"^\d{6}$")
HIDDEN_CODE = "******"
_SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")
_A, _C = table_of(CardAccount), table_of(Customer)
_CHALLENGE, _MESSAGE, _EVENT = table_of(PortalChallenge), table_of(OutboxMessage), table_of(OutboxEvent)


def challenge_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def code_hash(cipher: FieldCipher, challenge_id: str, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 (the cipher's lookup key) salted by the challenge."""
    return cipher.lookup_hash(f"portal-code:{challenge_id}:{code}")


def insert_challenge(
    connection: Connection,
    *,
    client: str,
    now: datetime,
    minutes: int,
    customer_id: int | None = None,
    contact_point_id: int | None = None,
    code: str | None = None,
    cipher: FieldCipher | None = None,
) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    key = challenge_key(token)
    connection.execute(
        insert(_CHALLENGE).values(
            id=key,
            customer_id=customer_id,
            contact_point_id=contact_point_id,
            code_hash=code_hash(cipher, key, code) if code is not None and cipher is not None else None,
            client_hash=client,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            tries=0,
            status="open",
        )
    )
    return token, key


def send_code(
    connection: Connection,
    *,
    settings: Settings,
    customer_id: int,
    account_id: int | None,
    contact_point_id: int,
    key: str,
    code: str,
    locale: str,
    now: datetime,
) -> int:
    """Queues the ``otp`` service SMS; the outbox message's id."""
    name, account_no = connection.execute(
        select(_C.c.name, _A.c.account_no).join(_A, _A.c.customer_id == _C.c.id).where(_A.c.id == account_id)
    ).one()
    short = "en" if locale.startswith("en") else "zh"
    facts = MessageFacts(
        name=mask_name(name),
        account_tail=account_no[-4:],
        hotline=settings.sms_hotline,
        code=code,
        valid_minutes=settings.portal_code_minutes,
    )
    filled = fill(connection, name="otp", channel="sms", facts=facts, locale=short)
    idempotency_key = f"otp:{key[:32]}"
    enqueue(
        connection,
        now=now,
        messages=[
            NewMessage(
                key=idempotency_key,
                channel="sms",
                source="portal",
                kind="service",
                customer_id=customer_id,
                contact_point_id=contact_point_id,
                template="otp",
                template_version=filled.version,
                locale=short,
                body=filled.text,
                not_before=now,
                deadline_at=now + timedelta(minutes=settings.portal_code_minutes),
            )
        ],
    )
    return int(
        connection.execute(
            select(_MESSAGE.c.id).where(_MESSAGE.c.idempotency_key == idempotency_key)
        ).scalar_one()
    )


def end_challenge(
    connection: Connection, *, key: str, status: str, message_id: int | None, now: datetime
) -> None:
    """Ends a challenge (used, locked, expired) and takes its code out of the outbox message: the body's
    code becomes ``******``; a message not sent yet is cancelled."""
    connection.execute(
        update(_CHALLENGE).where(_CHALLENGE.c.id == key, _CHALLENGE.c.status == "open").values(status=status)
    )
    if message_id is None:
        return
    row = connection.execute(
        select(_MESSAGE.c.body, _MESSAGE.c.status).where(_MESSAGE.c.id == message_id)
    ).first()
    if row is None:
        return
    wiped = _SIX_DIGITS.sub(HIDDEN_CODE, row.body or "")
    connection.execute(update(_MESSAGE).where(_MESSAGE.c.id == message_id).values(body=wiped))
    cancelled = connection.execute(
        update(_MESSAGE)
        .where(_MESSAGE.c.id == message_id, _MESSAGE.c.status == "queued")
        .values(status="cancelled", finished_at=now, last_error="the sign-in code is no longer valid")
    ).rowcount
    if cancelled:
        connection.execute(
            insert(_EVENT).values(
                message_id=message_id,
                at=now,
                status="cancelled",
                detail="the sign-in code is no longer valid",
            )
        )


def expire_stale(connection: Connection, *, now: datetime, limit: int = 200) -> int:
    """Ends open challenges past their time (their codes leave the outbox); how many."""
    rows = connection.execute(
        select(_CHALLENGE.c.id, _CHALLENGE.c.outbox_message_id)
        .where(and_(_CHALLENGE.c.status == "open", _CHALLENGE.c.expires_at <= now))
        .limit(limit)
    ).all()
    for row in rows:
        end_challenge(connection, key=row.id, status="expired", message_id=row.outbox_message_id, now=now)
    return len(rows)


def challenge_open(connection: Connection, *, token: str | None, now: datetime) -> bool:
    """Whether the cookie's challenge can still take a code (for showing the code page)."""
    if not token:
        return False
    row = connection.execute(
        select(_CHALLENGE.c.status, _CHALLENGE.c.expires_at).where(_CHALLENGE.c.id == challenge_key(token))
    ).first()
    return row is not None and row.status == "open" and row.expires_at > now
