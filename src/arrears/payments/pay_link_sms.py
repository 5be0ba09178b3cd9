"""A collector's pay link by SMS: an order for the amount (:func:`arrears.payments.orders.create_order`,
``via`` ``staff``) and the governed template ``pay_link`` filled with its URL, queued in the outbox to
the primary mobile, once the rulebook allows an SMS now (as :func:`arrears.contacts.sms.send`: the same
check, the same deadline, the dispatcher checks again when sending). A blocked SMS creates no order. The
form's request key makes a double click one order and one SMS."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.config import Settings
from arrears.contacts import rules
from arrears.contacts.dialling import check_contact
from arrears.contacts.repository import ContactRepository
from arrears.contacts.rules import ContactBlocked
from arrears.contacts.sms import LATEST, facts_of, send_key
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.rules import window_end
from arrears.messaging.templates import fill
from arrears.payments.orders import create_order

TEMPLATE = "pay_link"
LOCALE = "zh"  # the cardholders' language, as the run writes


def send_pay_link(
    connection: Connection,
    *,
    account_id: int,
    amount_fen: int,
    user_id: int,
    policy: Policy,
    now: datetime,
    settings: Settings,
    request_key: str | None = None,
) -> dict[str, Any]:
    """Creates the order and queues its SMS; answers the message's id and status, the order's
    ``out_trade_no`` and ``pay_url``. Raises ContactBlocked when the rulebook says no SMS now,
    OrderRefused for an amount the order refuses, TemplateError when the template cannot be filled."""
    key = send_key(
        account_id=account_id, user_id=user_id, template=TEMPLATE, now=now, request_key=request_key
    )
    outbox = OutboxRepository(connection)
    before = outbox.message_by_key(key)
    if before is not None:  # the same form again: what it did the first time
        return {"id": before["id"], "status": before["status"], "out_trade_no": None, "pay_url": None}
    zone = settings.timezone
    check = check_contact(
        connection, account_id=account_id, channel="sms", policy=policy, zone=zone, at=now, user_id=user_id
    )
    if not check.allowed:
        raise ContactBlocked(check, "the SMS", "该短信")
    order = create_order(connection, account_id=account_id, amount_fen=amount_fen, purpose="custom",
                         via="staff", user_id=user_id, now=now, settings=settings)  # fmt: skip
    facts = replace(facts_of(connection, account_id).message_facts(hotline=settings.sms_hotline),
                    pay_link=order.pay_url)  # fmt: skip
    filled = fill(connection, name=TEMPLATE, channel="sms", facts=facts, locale=LOCALE)
    local_day = now.astimezone(rules.zone_of(zone)).date()
    deadline = min(
        max(window_end(day=local_day, channel="sms", zone=zone, policy=policy), now + LATEST),
        order.expires_at,
    )
    message = NewMessage(
        key=key, channel="sms", source="workspace", not_before=now, deadline_at=deadline,
        account_id=account_id, customer_id=ContactRepository(connection).account(account_id).customer_id,
        contact_point_id=check.contact_point_id, user_id=user_id, template=TEMPLATE,
        template_version=filled.version, locale=LOCALE, body=filled.text,
    )  # fmt: skip
    enqueue(connection, messages=[message], now=now)
    queued = outbox.message_by_key(key) or {}
    return {"id": queued.get("id"), "status": queued.get("status"), "out_trade_no": order.out_trade_no,
            "pay_url": order.pay_url}  # fmt: skip
