"""Sending an SMS template to the cardholder's primary mobile, after the rulebook allows it.

There is no SMS gateway in Arrears: a sent SMS is a ``contact_event`` row (channel ``sms``, outcome
``sent``, the template, the text as sent in ``notes``), and that table is the outbox a gateway
adapter reads (decrypting the number only there). The caps and cadences of the daily run count it.
A blocked SMS is refused with the rulebook's reasons and records nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.contacts.dialling import aware, check_contact
from arrears.contacts.repository import ContactRepository
from arrears.contacts.rules import ContactBlocked
from arrears.contacts.templates import HOTLINE, LOCALES, SmsFacts
from arrears.kit.masking import mask_name
from arrears.messaging.templates import TemplateError, fill


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


def _texts(
    connection: Connection, *, account_id: int, template: str, locales: tuple[str, ...], hotline: str
) -> dict[str, str]:
    """The approved version in use of a collection SMS template, filled for the account (masked data
    only) in each locale; TemplateError when it cannot be filled."""
    facts = facts_of(connection, account_id).message_facts(hotline=hotline)
    texts = {}
    for locale in locales:
        filled = fill(connection, name=template, channel="sms", facts=facts, locale=locale)
        if filled.kind != "collection":  # a one-time code or a receipt is never a collector's to send
            raise TemplateError(f"unknown SMS template {template}", f"未知短信模板 {template}")
        texts[locale] = filled.text
    return texts


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
) -> dict[str, Any]:
    """Checks an SMS to the primary mobile at ``now`` against the rulebook and, when allowed, records
    it (the outbox). Raises ContactBlocked (with the decision) when blocked, TemplateError when the
    template cannot be filled, NotFound for a missing account."""
    aware(now, "now")
    if locale not in LOCALES:
        raise TemplateError(f"unknown locale {locale} (zh or en)", f"未知语言 {locale}（zh 或 en）")
    text = _texts(connection, account_id=account_id, template=template, locales=(locale,), hotline=hotline)[
        locale
    ]
    check = check_contact(connection, account_id=account_id, channel="sms", policy=policy, zone=zone, at=now)
    if not check.allowed:
        raise ContactBlocked(check, "the SMS", "该短信")
    repository = ContactRepository(connection)
    event_id = repository.add_event(
        {
            "account_id": account_id,
            "customer_id": repository.account(account_id).customer_id,
            "user_id": user_id,
            "at": now,
            "channel": "sms",
            "contact_point_id": check.contact_point_id,
            "party": "debtor",
            "connected": False,
            "conversation": False,
            "outcome": "sent",
            "template": template,
            "notes": text,
        }
    )
    return {"id": event_id, "template": template, "locale": locale, "text": text, "check": check.to_dict()}
