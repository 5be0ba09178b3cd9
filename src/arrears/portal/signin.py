"""The cardholder's sign-in: the account number's last digits and the national ID's last six
characters, then a one-time code sent by SMS through the outbox.

Step 1 (:func:`start_challenge`) always ends the same way for the browser: a new challenge (a random
token in a cookie, its SHA-256 in ``portal_challenge``) and the page "if these details match an
account, we sent a code to the mobile on file". Only when the details match one cardholder, whose
sign-in is not locked, who has a usable mobile that has not had its codes for the hour, does the
challenge get a customer and a code: six digits from ``secrets``, kept as an HMAC-SHA256 (keyed with the
field cipher's lookup key, derived from the master key) of the challenge's id and the code, and sent as
the service SMS ``otp``. Any other challenge has no code: its codes fail like wrong ones.

Step 2 (:func:`check_code`): the right code within ``settings.portal_code_minutes`` signs in (a new
session: ``portal.sessions``); ``settings.portal_code_tries`` wrong codes make the challenge void. When a
challenge ends (used, void, expired), the code in the outbox message's body is replaced by ``******``;
a message still queued then is cancelled.

Finding the account: ``card_account.account_tail`` (indexed) names the candidates by the input's last
four digits; the whole given suffix is then compared, then the national ID: first the masked copy's last
four characters (kept in clear), then the decrypted ID's last six, compared in constant time.

Every step is audited (``portal.code_sent``, ``portal.sign_in``, ``portal.sign_in_failed``,
``portal.locked``; the actor is ``customer:<id>`` when a cardholder is known, else ``portal``) with a
reason and never with personal data. The caller owns the transaction (``audit_transaction``).

The challenge itself (its token, its code's hash, the ``otp`` message and the code's removal from the
outbox) is :mod:`arrears.portal.signin_codes`; its public names are importable from here as well.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, ContactPoint, Customer, table_of
from arrears.models.portal import PortalChallenge
from arrears.portal import rates, sessions
from arrears.portal.signin_codes import (
    CODE,
    HIDDEN_CODE,
    challenge_key,
    challenge_open,
    code_hash,
    end_challenge,
    expire_stale,
    insert_challenge,
    send_code,
)

__all__ = [
    "ACCOUNT_DIGITS",
    "ACTOR",
    "CODE",
    "HIDDEN_CODE",
    "ID_TAIL",
    "Checked",
    "Started",
    "challenge_key",
    "challenge_open",
    "check_code",
    "code_hash",
    "end_challenge",
    "expire_stale",
    "find_cardholder",
    "normal_digits",
    "normal_id_tail",
    "start_challenge",
    "valid_details",
]

ACTOR = "portal"
ACCOUNT_DIGITS = re.compile(r"^\d{4,19}$")
ID_TAIL = re.compile(r"^\d{5}[\dX]$")
_A, _C, _P = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
_CHALLENGE = table_of(PortalChallenge)


@dataclass(frozen=True, slots=True)
class Started:
    """Step 1's outcome: ``token`` for the challenge cookie (None: the client is over its limit)."""

    token: str | None


@dataclass(frozen=True, slots=True)
class Checked:
    """Step 2's outcome: ``signed_in`` (``customer_id`` set, and ``session_token`` for the cookie),
    ``wrong`` (``tries_left``), ``void`` (start again) or ``limited`` (the client address is over its
    limit)."""

    outcome: str
    customer_id: int | None = None
    tries_left: int = 0
    session_token: str | None = None


def normal_digits(text: str) -> str:
    """The account or card number's digits as typed (spaces and dashes dropped)."""
    return re.sub(r"[\s-]", "", text or "")


def normal_id_tail(text: str) -> str:
    return (text or "").strip().upper()


def valid_details(account_digits: str, id_tail: str) -> bool:
    return bool(ACCOUNT_DIGITS.match(account_digits)) and bool(ID_TAIL.match(id_tail))


@dataclass(frozen=True, slots=True)
class _Found:
    customer_id: int | None  # the one cardholder whose details match
    account_id: int | None
    blamed: int | None  # no match, but the number names one cardholder: the failure counts for them


def find_cardholder(
    connection: Connection, cipher: FieldCipher, *, account_digits: str, id_tail: str
) -> _Found:
    """The cardholder whose account number ends with ``account_digits`` and whose national ID ends with
    ``id_tail`` (both normalized and valid)."""
    rows = connection.execute(
        select(_A.c.id, _A.c.account_no, _A.c.customer_id, _C.c.national_id_masked, _C.c.national_id_enc)
        .join(_C, _C.c.id == _A.c.customer_id)
        .where(_A.c.account_tail == account_digits[-4:])
        .order_by(_A.c.id)
    ).all()
    size = len(account_digits)
    owners: set[int] = set()
    matched: dict[int, int] = {}  # customer -> first matching account
    for row in rows:
        if not hmac.compare_digest(row.account_no[-size:].encode(), account_digits.encode()):
            continue
        owners.add(int(row.customer_id))
        if not hmac.compare_digest(row.national_id_masked[-4:].upper().encode(), id_tail[-4:].encode()):
            continue
        national_id = cipher.decrypt(row.national_id_enc)
        if hmac.compare_digest(national_id[-6:].upper().encode(), id_tail.encode()):
            matched.setdefault(int(row.customer_id), int(row.id))
    if len(matched) == 1:
        ((customer_id, account_id),) = matched.items()
        return _Found(customer_id, account_id, None)
    return _Found(None, None, next(iter(owners)) if len(owners) == 1 and not matched else None)


def _mobile(connection: Connection, customer_id: int) -> int | None:
    """The customer's mobile on file: a valid ``mobile`` contact point, the primary one first."""
    found = connection.execute(
        select(_P.c.id)
        .where(_P.c.customer_id == customer_id, _P.c.kind == "mobile", _P.c.invalid_at.is_(None))
        .order_by(_P.c.is_primary.desc(), _P.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def _audit(
    connection: Connection, *, now: datetime, action: str, customer_id: int | None, details: dict[str, Any]
) -> None:
    actor = f"customer:{customer_id}" if customer_id is not None else ACTOR
    AuditLog(connection).append(
        at=now,
        actor=actor,
        action=action,
        subject_type="customer" if customer_id is not None else None,
        subject_id=str(customer_id) if customer_id is not None else None,
        details=details,
    )


def _count_failure(
    connection: Connection,
    cipher: FieldCipher,
    settings: Settings,
    *,
    kind: str,
    client: str,
    customer_id: int | None,
    now: datetime,
) -> bool:
    """Records a failure (for the cardholder when known); locks the cardholder at the limit. Whether
    this failure locked them."""
    subject = rates.customer_hash(cipher, customer_id) if customer_id is not None else None
    rates.record(connection, kind=kind, client=client, subject=subject, at=now)
    if subject is None or rates.locked(connection, customer=subject, now=now):
        return False
    if rates.failures(connection, customer=subject, now=now) < settings.portal_failures_to_lock:
        return False
    rates.record(connection, kind="locked", client=client, subject=subject, at=now)
    _audit(
        connection,
        now=now,
        action="portal.locked",
        customer_id=customer_id,
        details={
            "failures": settings.portal_failures_to_lock,
            "hours": int(rates.LOCK.total_seconds() // 3600),
        },
    )
    return True


def start_challenge(
    connection: Connection,
    *,
    cipher: FieldCipher,
    settings: Settings,
    account_digits: str,
    id_tail: str,
    client_address: str,
    locale: str,
    now: datetime,
) -> Started:
    """Step 1 for valid (normalized) details: a challenge, with a code sent when they match."""
    client = rates.client_hash(cipher, client_address)
    rates.serialize(connection, client)
    expire_stale(connection, now=now)
    rates.housekeeping(connection, now=now)
    if rates.client_exhausted(connection, client=client, now=now, limit=settings.portal_attempts_per_client):
        _audit(
            connection,
            now=now,
            action="portal.sign_in_failed",
            customer_id=None,
            details={"step": "details", "reason": "client_limit"},
        )
        return Started(None)
    minutes = settings.portal_code_minutes
    found = find_cardholder(connection, cipher, account_digits=account_digits, id_tail=id_tail)
    customer_id = found.customer_id
    reason: str | None = None
    mobile: int | None = None
    if customer_id is None:
        reason = "no_match"
    else:
        mobile = _mobile(connection, customer_id)
        mobile_key = rates.mobile_hash(cipher, mobile) if mobile is not None else None
        # the cardholder's lock, then the mobile's: one round trip
        rates.serialize(connection, f"customer:{customer_id}", *([mobile_key] if mobile_key else []))
        if rates.locked(connection, customer=rates.customer_hash(cipher, customer_id), now=now):
            reason = "locked"
        elif mobile is None or mobile_key is None:
            reason = "no_mobile"
        elif rates.mobile_exhausted(
            connection, mobile=mobile_key, now=now, limit=settings.portal_codes_per_mobile
        ):
            reason = "mobile_limit"
    if reason is not None or customer_id is None or mobile is None:
        blamed = found.blamed if reason == "no_match" else None
        _audit(
            connection,
            now=now,
            action="portal.sign_in_failed",
            customer_id=customer_id or blamed,
            details={"step": "details", "reason": reason},
        )
        if reason in ("no_match", "locked"):
            _count_failure(
                connection,
                cipher,
                settings,
                kind="sign_in_failed",
                client=client,
                customer_id=blamed,
                now=now,
            )
        else:  # not the visitor's mistake: counted for the client only
            rates.record(connection, kind="sign_in_failed", client=client, subject=None, at=now)
        token, _ = insert_challenge(connection, client=client, now=now, minutes=minutes)
        return Started(token)
    code = f"{secrets.randbelow(10**6):06d}"
    token, key = insert_challenge(
        connection,
        client=client,
        now=now,
        minutes=minutes,
        customer_id=customer_id,
        contact_point_id=mobile,
        code=code,
        cipher=cipher,
    )
    message_id = send_code(
        connection,
        settings=settings,
        customer_id=customer_id,
        account_id=found.account_id,
        contact_point_id=mobile,
        key=key,
        code=code,
        locale=locale,
        now=now,
    )
    connection.execute(update(_CHALLENGE).where(_CHALLENGE.c.id == key).values(outbox_message_id=message_id))
    rates.record(
        connection, kind="code_sent", client=client, subject=rates.mobile_hash(cipher, mobile), at=now
    )
    _audit(
        connection,
        now=now,
        action="portal.code_sent",
        customer_id=customer_id,
        details={"challenge": key[:12], "message_id": message_id, "valid_minutes": minutes},
    )
    return Started(token)


def check_code(
    connection: Connection,
    *,
    cipher: FieldCipher,
    settings: Settings,
    token: str | None,
    code: str,
    client_address: str,
    now: datetime,
    replacing: str | None = None,
) -> Checked:
    """Step 2: the code typed for the challenge of the cookie's ``token``. The right one starts a
    session (ending ``replacing``, the session token the browser sent, if any)."""
    client = rates.client_hash(cipher, client_address)
    rates.serialize(connection, client)
    if rates.client_exhausted(connection, client=client, now=now, limit=settings.portal_attempts_per_client):
        _audit(
            connection,
            now=now,
            action="portal.sign_in_failed",
            customer_id=None,
            details={"step": "code", "reason": "client_limit"},
        )
        return Checked("limited")
    if not token:
        return Checked("void")
    key = challenge_key(token)
    query = select(_CHALLENGE).where(_CHALLENGE.c.id == key)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).mappings().first()
    if row is None or row["status"] != "open":
        return Checked("void")
    customer_id = row["customer_id"]
    if row["expires_at"] <= now:
        end_challenge(connection, key=key, status="expired", message_id=row["outbox_message_id"], now=now)
        _audit(
            connection,
            now=now,
            action="portal.sign_in_failed",
            customer_id=customer_id,
            details={"step": "code", "reason": "expired", "challenge": key[:12]},
        )
        return Checked("void")
    is_locked = customer_id is not None and rates.locked(
        connection, customer=rates.customer_hash(cipher, customer_id), now=now
    )
    given = code_hash(cipher, key, code) if CODE.match(code) else ""
    right = row["code_hash"] is not None and hmac.compare_digest(
        given.encode(), str(row["code_hash"]).encode()
    )
    if right and not is_locked:
        end_challenge(connection, key=key, status="used", message_id=row["outbox_message_id"], now=now)
        # the session before the audit entry: the audit log's lock is held from the append to the commit,
        # which every audited request waits for, so the append comes last
        session = sessions.start(connection, customer_id=int(customer_id), now=now, replacing=replacing)
        _audit(
            connection,
            now=now,
            action="portal.sign_in",
            customer_id=customer_id,
            details={"challenge": key[:12]},
        )
        return Checked("signed_in", customer_id=int(customer_id), session_token=session)
    if is_locked:
        end_challenge(connection, key=key, status="locked", message_id=row["outbox_message_id"], now=now)
        _audit(
            connection,
            now=now,
            action="portal.sign_in_failed",
            customer_id=customer_id,
            details={"step": "code", "reason": "locked", "challenge": key[:12]},
        )
        rates.record(connection, kind="code_failed", client=client, subject=None, at=now)
        return Checked("void")
    tries = int(row["tries"]) + 1
    void = tries >= settings.portal_code_tries
    connection.execute(update(_CHALLENGE).where(_CHALLENGE.c.id == key).values(tries=tries))
    _audit(
        connection,
        now=now,
        action="portal.sign_in_failed",
        customer_id=customer_id,
        details={"step": "code", "reason": "wrong_code", "tries": tries, "challenge": key[:12]},
    )
    locked_now = _count_failure(
        connection, cipher, settings, kind="code_failed", client=client, customer_id=customer_id, now=now
    )
    if void or locked_now:
        end_challenge(connection, key=key, status="locked", message_id=row["outbox_message_id"], now=now)
        return Checked("void")
    return Checked("wrong", tries_left=settings.portal_code_tries - tries)
