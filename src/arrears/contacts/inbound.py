"""Inbound calls: finding who is calling (an account number, a phone number, a national ID or its last
characters), checking their identity against the record, and logging the call (``contact_event`` with
channel ``inbound_call``: the outbound hours and caps neither refuse it nor count it; see
``inbound_rules``). Logging is audited (``contact.inbound``: the checks' results, never the values given);
the caller's transaction must be an audit transaction. Services never commit; nothing here logs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert

from arrears.accounts.repository import accounts_numbered
from arrears.audit.repository import AuditLog
from arrears.compliance.policy import Policy
from arrears.contacts.call_rules import CallLimits, check_promise_date
from arrears.contacts.calls import add_promise
from arrears.contacts.inbound_repository import InboundRepository
from arrears.contacts.inbound_rules import (
    ID_TAIL,
    INBOUND_CHANNEL,
    Claimed,
    Guidance,
    InboundCall,
    OnFile,
    Verification,
    guidance,
    refusal_to_log,
    verify,
)
from arrears.contacts.repository import ContactRepository
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.kit.masking import mask_name
from arrears.models import ContactEvent, table_of

MAX_QUERY = 64  # characters of a search: longer than any number it may be
FOUND = 20  # accounts shown for one search at most
_NATIONAL_ID = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")
_SEPARATORS = re.compile(r"[\s\-()]")


@dataclass(frozen=True, slots=True)
class Match:
    """An account of a cardholder the search names (masked), and how it was found."""

    account_id: int
    account_no: str
    name_masked: str
    national_id_masked: str
    dpd: int
    bucket: str
    overdue_fen: int
    status: str
    found_by: str  # account_no, phone, national_id, id_tail
    via: int | None  # the phone number (contact point) the search named


def phone_forms(text: str) -> list[str]:
    """The spellings a phone number may be stored under: as typed, its digits, a mainland mobile without
    +86 or 86; none when ``text`` cannot be a phone number (7 to 15 digits once spaces, hyphens,
    brackets and a leading + are dropped), so that an account number or an ID is not looked up among
    the phones (a scan: ``contact_point`` has no index on the number's hash alone)."""
    bare = _SEPARATORS.sub("", text).removeprefix("+")
    if not (bare.isascii() and bare.isdigit() and 7 <= len(bare) <= 15):
        return []
    forms = {text, bare, "+" + bare}
    if bare.startswith("86") and len(bare) == 13:
        forms.add(bare[2:])
    return sorted(forms)


def find_callers(
    connection: Connection, cipher: FieldCipher, typed: str, *, limit: int = FOUND
) -> list[Match]:
    """The accounts of the cardholders ``typed`` names, at most ``limit``: by account number, by phone
    number (any of the customer's phones), by national ID, or by the last 4 or 6 characters of it."""
    text = unicodedata.normalize("NFKC", typed).strip()  # full-width digits typed with an IME
    if not text:
        return []
    if len(text) > MAX_QUERY or not text.isprintable():
        raise InvalidField(
            "q",
            f"at most {MAX_QUERY} printable characters: an account, phone or ID number",
            f"最多 {MAX_QUERY} 个可打印字符：账号、电话号码或身份证号码",
        )
    repository = InboundRepository(connection)
    found: list[Match] = []
    for account_id in _numbered(connection, repository, text)[:limit]:
        record = repository.caller(account_id)
        if record is not None:
            found.append(_match(record, "account_no", None))
    customers: dict[int, tuple[str, int | None]] = {}
    phones = phone_forms(text)
    for customer_id, point_id in (
        repository.by_phone(cipher.lookup_hashes(phones), limit=limit) if phones else []
    ):
        customers.setdefault(customer_id, ("phone", point_id))
    upper = text.upper()
    if _NATIONAL_ID.fullmatch(upper):
        for customer_id in repository.by_national_id(cipher.lookup_hash(upper), limit=limit):
            customers.setdefault(customer_id, ("national_id", None))
    elif ID_TAIL.fullmatch(upper):
        for row in repository.by_id_ending(upper[-4:], limit=limit * 10):
            if len(upper) == 4 or cipher.decrypt(row.national_id_enc).upper().endswith(upper):
                customers.setdefault(int(row.id), ("id_tail", None))
    seen = {one.account_id for one in found}
    for row in repository.accounts_of(list(customers), limit=limit) if customers else []:
        if row["account_id"] not in seen:
            found_by, via = customers[int(row["customer_id"])]
            found.append(_match(row, found_by, via))
    return found[:limit]


def _numbered(connection: Connection, repository: InboundRepository, text: str) -> list[int]:
    """The accounts numbered ``text`` in any letter case; a number without letters has one spelling, so
    the index answers it alone (``accounts_numbered`` would scan the accounts when it misses)."""
    if text.lower() != text.upper():
        return accounts_numbered(connection, text)
    found = repository.account_numbered(text)
    return [] if found is None else [found]


def _match(row: dict[str, Any], found_by: str, via: int | None) -> Match:
    return Match(
        int(row["account_id"]),
        row["account_no"],
        mask_name(row["name"]),
        row["national_id_masked"],
        int(row["dpd"]),
        row["bucket"],
        int(row["overdue_fen"]),
        row["status"],
        found_by,
        via,
    )


def _record(connection: Connection, account_id: int) -> dict[str, Any]:
    record = InboundRepository(connection).caller(account_id)
    if record is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    return record


def caller(connection: Connection, *, account_id: int, via: int | None) -> dict[str, Any]:
    """Who the call is about, masked: the account, the cardholder's masked name and ID, and the phone
    the call came from (masked; None when ``via`` is not one of the cardholder's phones)."""
    record = _record(connection, account_id)
    phone = InboundRepository(connection).phone(via, customer_id=record["customer_id"]) if via else None
    return {
        "account_id": record["account_id"],
        "account_no": record["account_no"],
        "customer_id": record["customer_id"],
        "name_masked": mask_name(record["name"]),
        "national_id_masked": record["national_id_masked"],
        "dpd": record["dpd"],
        "bucket": record["bucket"],
        "status": record["status"],
        "phone": phone,
        "has_birth_date": record["birth_date"] is not None,
    }


def check_caller(
    connection: Connection, cipher: FieldCipher, *, account_id: int, claimed: Claimed
) -> Verification:
    """What the caller said against the cardholder's record (the ID decrypted for this comparison only)."""
    record = _record(connection, account_id)
    on_file = OnFile(record["name"], cipher.decrypt(record["national_id_enc"]), record["birth_date"])
    return verify(claimed, on_file)


def call_guidance(
    connection: Connection, policy: Policy, *, account_id: int, user_id: int, verified: bool, at: datetime
) -> tuple[Guidance, list[str]]:
    """What the rulebook asks of the call now, and the kinds of the holds active on the account."""
    record = _record(connection, account_id)
    holds = ContactRepository(connection).active_holds(
        customer_id=record["customer_id"], account_id=account_id, at=at, user_id=user_id
    )
    return guidance(policy, verified=verified, holds=holds), holds


def log_inbound(
    connection: Connection,
    *,
    account_id: int,
    user_id: int,
    actor: str,
    call: InboundCall,
    claimed: Claimed,
    cipher: FieldCipher,
    policy: Policy,
    now: datetime,
    limits: CallLimits | None = None,
) -> dict[str, int | None]:
    """Records the inbound call at ``now`` (any hour: the outbound hours and caps do not apply), with the
    identity checks' results in the audit entry; a promise to pay only from the verified cardholder and
    outside a hold that pauses collection. InvalidField names what to change otherwise."""
    limits = limits or CallLimits()
    verification = check_caller(connection, cipher, account_id=account_id, claimed=claimed)
    guide, _holds = call_guidance(
        connection, policy, account_id=account_id, user_id=user_id, verified=verification.passed, at=now
    )
    refused = refusal_to_log(call, verification=verification, guide=guide)
    if refused is not None:
        raise refused
    record = _record(connection, account_id)
    if (
        call.contact_point_id is not None
        and InboundRepository(connection).phone(call.contact_point_id, customer_id=record["customer_id"])
        is None
    ):
        raise InvalidField(
            "contact_point_id", "the number is not one of the cardholder's phones", "该号码不是持卡人的电话"
        )
    today = now.astimezone(ZoneInfo(limits.zone)).date()
    if call.promise is not None:
        check_promise_date(promised=call.promise.promised_date, today=today, max_days=limits.promise_days)
    event_id = _insert_event(connection, record, user_id=user_id, call=call, now=now)
    promise_id = None
    if call.promise is not None:  # the agent's promises taken, as on an outbound call
        promise_id = add_promise(
            connection,
            account_id=account_id,
            promise=call.promise,
            taken_on=today,
            taken_by_id=user_id,
            now=now,
        )
    details = {
        "account_id": account_id,
        "party": call.party,
        "outcome": call.outcome,
        "promise_id": promise_id,
        "checks": verification.details(),
    }
    AuditLog(connection).append(
        at=now,
        actor=actor,
        action="contact.inbound",
        subject_type="contact_event",
        subject_id=str(event_id),
        details=details,
    )
    return {"id": event_id, "promise_id": promise_id}


def _insert_event(
    connection: Connection, record: dict[str, Any], *, user_id: int, call: InboundCall, now: datetime
) -> int:
    events = table_of(ContactEvent)
    values = {
        "account_id": record["account_id"],
        "customer_id": record["customer_id"],
        "user_id": user_id,
        "at": now,
        "channel": INBOUND_CHANNEL,
        "contact_point_id": call.contact_point_id,
        "party": call.party,
        "connected": True,
        "conversation": call.party == "debtor",
        "outcome": call.outcome,
        "reason": call.reason if call.party == "debtor" else None,
        "notes": call.notes,
    }
    return int(connection.execute(insert(events).values(**values).returning(events.c.id)).scalar_one())
