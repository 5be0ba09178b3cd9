"""Callbacks: a call the collector promises to make back at a set time, only at a time the rulebook
allows a call; listed per collector, soonest first, then done or cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.accounts.free_text import mask_rows
from arrears.compliance.policy import Policy
from arrears.contacts.call_rules import check_callback_due
from arrears.contacts.dialling import aware, call_check
from arrears.contacts.repository import ContactRepository
from arrears.contacts.rules import ContactBlocked
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import check_text

MAX_LISTED = 200


def schedule_callback(
    connection: Connection,
    *,
    account_id: int,
    user_id: int,
    due_at: datetime,
    policy: Policy,
    zone: str,
    now: datetime,
    note: str | None = None,
    contact_point_id: int | None = None,
) -> dict[str, Any]:
    """Schedules the user's callback on the account at ``due_at``. Refused when ``due_at`` is in the
    past or more than ``CALLBACK_DAYS`` ahead, or the rulebook would block a call to
    ``contact_point_id`` (default: the primary mobile) then
    (ContactBlocked says until when)."""
    check_text(note or "", field="note")
    check_callback_due(due_at=aware(due_at, "due_at"), now=aware(now, "now"))
    check = call_check(
        connection,
        account_id=account_id,
        policy=policy,
        zone=zone,
        at=due_at,
        contact_point_id=contact_point_id,
        user_id=user_id,
    )
    if not check.allowed:
        raise ContactBlocked(check, "a call at that time", "该时间的回拨电话")
    repository = ContactRepository(connection)
    values = {
        "account_id": account_id,
        "customer_id": repository.account(account_id).customer_id,
        "user_id": user_id,
        "due_at": due_at,
        "note": note.strip() if note and note.strip() else None,
        "status": "open",
        "created_at": now,
    }
    return repository.add_callback(values)


def open_callbacks(
    connection: Connection,
    *,
    user_id: int,
    limit: int = MAX_LISTED,
    clear_text: bool = False,
    cipher: FieldCipher | None = None,
) -> list[dict[str, Any]]:
    """The user's open callbacks, the soonest due first; their notes masked unless ``clear_text`` (a
    reader with ``pii:reveal``), with the cardholder's known values when given the ``cipher``."""
    found = ContactRepository(connection).open_callbacks(user_id=user_id, limit=limit)
    return found if clear_text else mask_rows(connection, found, ["note"], cipher=cipher)


def _close(connection: Connection, *, callback_id: int, user_id: int, status: str) -> dict[str, Any]:
    repository = ContactRepository(connection)
    if repository.close_callback(callback_id=callback_id, user_id=user_id, status=status):
        return repository.callback(callback_id) or {}
    found = repository.callback(callback_id)
    if found is None or found["user_id"] != user_id:
        raise NotFound(f"no callback {callback_id}", f"没有回拨 {callback_id}")
    raise ArrearsError(
        f"the callback is {found['status']} already, not open",
        f"该回拨已是 {found['status']} 状态，不能再更改",
    )


def complete_callback(connection: Connection, *, callback_id: int, user_id: int) -> dict[str, Any]:
    """Marks the user's open callback done (NotFound for another user's; refused unless open)."""
    return _close(connection, callback_id=callback_id, user_id=user_id, status="done")


def cancel_callback(connection: Connection, *, callback_id: int, user_id: int) -> dict[str, Any]:
    """Cancels the user's open callback (NotFound for another user's; refused unless open)."""
    return _close(connection, callback_id=callback_id, user_id=user_id, status="cancelled")
