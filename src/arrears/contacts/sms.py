"""Sending an SMS template to the cardholder's primary mobile, after the rulebook allows it.

The rulebook is asked at once (the collector gets an immediate answer); an allowed SMS is queued in the
outbox (:mod:`arrears.messaging.outbox`) with a key taken from the request, so a double click queues
it once. The dispatcher checks it again when it sends it and then records the ``contact_event``
(outcome ``sent``) that the caps and cadences count. A blocked SMS is refused with the rulebook's
reasons and records nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.contacts import rules
from arrears.contacts.dialling import aware, check_contact
from arrears.contacts.repository import ContactRepository
from arrears.contacts.rules import ContactBlocked
from arrears.contacts.templates import HOTLINE, LOCALES, SmsFacts
from arrears.kit.errors import ArrearsError
from arrears.kit.masking import mask_name
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.rules import window_end
from arrears.messaging.templates import Filled, TemplateError, fill

REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
LATEST = timedelta(hours=1)  # an SMS allowed now may still go this long after, or until the hours end


def facts_of(connection: Connection, account_id: int) -> SmsFacts:
    """What the templates may say about the account, masked (NotFound for a missing account)."""
    found = ContactRepository(connection).sms_facts(account_id)
    return SmsFacts(
        name=mask_name(found["name"]),
        account_tail=found["account_no"][-4:],
        overdue_fen=found["overdue_fen"],
        due_date=found["due_date"],
        promise_fen=found.get("promise_fen"),
        promised_date=found.get("promised_date"),
        instalments=found.get("instalments"),
        next_instalment_fen=found.get("next_instalment_fen"),
        next_due_date=found.get("next_due_date"),
    )


def _filled(
    connection: Connection, *, account_id: int, template: str, locales: tuple[str, ...], hotline: str
) -> dict[str, Filled]:
    """The approved version in use of a collection SMS template, filled for the account (masked data
    only) in each locale; TemplateError when it cannot be filled."""
    facts = facts_of(connection, account_id).message_facts(hotline=hotline)
    found = {}
    for locale in locales:
        filled = fill(connection, name=template, channel="sms", facts=facts, locale=locale)
        if filled.kind != "collection":  # a one-time code or a receipt is never a collector's to send
            raise TemplateError(f"unknown SMS template {template}", f"未知短信模板 {template}")
        found[locale] = filled
    return found


def _texts(
    connection: Connection, *, account_id: int, template: str, locales: tuple[str, ...], hotline: str
) -> dict[str, str]:
    found = _filled(connection, account_id=account_id, template=template, locales=locales, hotline=hotline)
    return {locale: filled.text for locale, filled in found.items()}


def send_key(
    *, account_id: int, user_id: int | None, template: str, now: datetime, request_key: str | None
) -> str:
    """The SMS's idempotency key: the request's own key (a form's or an ``Idempotency-Key``), else the
    account, user, template and minute (a double click within the minute is the same SMS)."""
    if request_key is None:
        return f"ws:{account_id}:{user_id or 0}:{template}:{now:%Y%m%dT%H%M}"
    if not REQUEST_KEY.fullmatch(request_key):
        raise ArrearsError(
            "a request key has 8 to 64 letters, digits, - or _", "请求键须为 8 至 64 个字母、数字、- 或 _"
        )
    return f"ws:{account_id}:{user_id or 0}:{request_key}"


def _replayed(queued: dict[str, Any], *, template: str, locale: str) -> dict[str, Any]:
    """The answer to a request already made: the message it queued; refused when the key is reused for
    another template or language (it would answer a message that is not the one asked for)."""
    if (queued["template"], queued["locale"]) != (template, locale):
        raise ArrearsError(
            "the request key was already used for another SMS; send this one with a new key",
            "该请求键已用于另一条短信；请使用新的请求键发送",
        )
    return {"id": queued["id"], "status": queued["status"], "template": template, "locale": locale,
            "text": queued["body"] or "", "check": None}  # fmt: skip


def preview(
    connection: Connection, *, account_id: int, template: str, hotline: str = HOTLINE
) -> dict[str, Any]:
    """The template filled for the account in zh and en (masked data only); nothing is recorded."""
    texts = _texts(connection, account_id=account_id, template=template, locales=LOCALES, hotline=hotline)
    return {"account_id": account_id, "template": template, "texts": texts}


def send(
    connection: Connection,
    *,
    account_id: int,
    template: str,
    user_id: int | None,
    policy: Policy,
    zone: str,
    now: datetime,
    locale: str = "zh",
    hotline: str = HOTLINE,
    request_key: str | None = None,
) -> dict[str, Any]:
    """Checks an SMS to the primary mobile at ``now`` against the rulebook and, when allowed, queues it
    in the outbox (once per :func:`send_key`). Answers the message's id and status (``queued``, or
    what became of it when the same request came before). Raises ContactBlocked (with the decision)
    when blocked, TemplateError when the template cannot be filled, NotFound for a missing account."""
    aware(now, "now")
    if locale not in LOCALES:
        raise TemplateError(f"unknown locale {locale} (zh or en)", f"未知语言 {locale}（zh 或 en）")
    key = send_key(
        account_id=account_id, user_id=user_id, template=template, now=now, request_key=request_key
    )
    before = OutboxRepository(connection).message_by_key(key)
    if before is not None:  # the same request again: its answer, whatever the rulebook says by now
        return _replayed(before, template=template, locale=locale)
    filled = _filled(connection, account_id=account_id, template=template, locales=(locale,), hotline=hotline)
    text = filled[locale].text
    check = check_contact(
        connection, account_id=account_id, channel="sms", policy=policy, zone=zone, at=now, user_id=user_id
    )
    if not check.allowed:
        raise ContactBlocked(check, "the SMS", "该短信")
    local_day = now.astimezone(rules.zone_of(zone)).date()
    deadline = max(window_end(day=local_day, channel="sms", zone=zone, policy=policy), now + LATEST)
    message = NewMessage(
        key=key, channel="sms", source="workspace", not_before=now, deadline_at=deadline,
        account_id=account_id, customer_id=ContactRepository(connection).account(account_id).customer_id,
        contact_point_id=check.contact_point_id, user_id=user_id, template=template,
        template_version=filled[locale].version, locale=locale, body=text,
    )  # fmt: skip
    enqueue(connection, messages=[message], now=now)
    queued = OutboxRepository(connection).message_by_key(key) or {}
    return {"id": queued.get("id"), "status": queued.get("status"), "template": template, "locale": locale,
            "text": queued.get("body") or text, "check": check.to_dict()}  # fmt: skip
