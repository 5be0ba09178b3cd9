"""Whether a contact may be made now (or at a given moment), from what the store holds.

The case page shows :func:`call_check` before the collector dials; sending an SMS and scheduling a
callback ask :func:`check_contact` too. The situation is built as the daily run builds it (the holds
active at the moment, the contacts of the last days as the run counts them, the cardholders' time
zone ``ARREARS_TIMEZONE``) and decided by the one rulebook, ``arrears.compliance``. A sold
account (debt sale) is blocked whatever the rulebook says (``DEBT-SOLD``): the buyer collects it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.contacts import rules
from arrears.contacts.repository import ContactRepository
from arrears.contacts.rules import ContactCheck, Point, Reason
from arrears.debtsale.exclusion import is_sold
from arrears.kit.errors import ArrearsError
from arrears.models.contact_event import Party

SOLD = Reason(
    "DEBT-SOLD",
    "该账户已转让（债权转让），由受让方催收，银行不再联系",
    "the account was sold (debt sale): the buyer collects it, the bank contacts no one about it",
)


def aware(moment: datetime, what: str = "the moment") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ArrearsError(f"{what} needs a time zone offset", f"{what} 需要带时区")
    return moment


def _dialled(
    repository: ContactRepository, customer_id: int, channel: str, contact_point_id: int | None
) -> Point | None:
    """The point contacted: the one named (the customer's own), else the primary mobile."""
    if contact_point_id is None:
        point = repository.primary_mobile(customer_id)
        if point is None and channel == "sms":
            raise ArrearsError("the cardholder has no primary mobile number", "持卡人没有主要手机号码")
        return point
    point = repository.point(contact_point_id, customer_id=customer_id)
    if point is None:
        raise ArrearsError("the contact point is not the cardholder's", "该联系方式不属于该持卡人")
    allowed = ("mobile",) if channel == "sms" else rules.PHONE_KINDS
    if point.kind not in allowed:
        raise ArrearsError(
            f"a {channel} cannot go to a contact point of kind {point.kind}",
            f"不能通过 {point.kind} 类型的联系方式进行{'短信' if channel == 'sms' else '电话'}联系",
        )
    return point


def check_contact(
    connection: Connection,
    *,
    account_id: int,
    channel: str,
    policy: Policy,
    zone: str,
    at: datetime,
    contact_point_id: int | None = None,
    party: Party = "debtor",
    purpose: str = "collect",
    user_id: int | None = None,
) -> ContactCheck:
    """The rulebook's decision on a call or SMS about the account at ``at`` to ``contact_point_id``
    (default: the primary mobile), made by ``user_id`` (a hold naming that user or their agency counts
    too). NotFound for a missing account; ArrearsError for a point that is not the cardholder's or
    cannot take the channel."""
    aware(at)
    repository = ContactRepository(connection)
    account = repository.account(account_id)
    point = _dialled(repository, account.customer_id, channel, contact_point_id)
    phone = repository.primary_mobile(account.customer_id)
    contacts = repository.recent_contacts(customer_id=account.customer_id, at=at)
    row = rules.portfolio_row(
        point=point,
        opted_out=repository.opted_out(account.customer_id),
        holds=repository.active_holds(
            customer_id=account.customer_id, account_id=account_id, at=at, user_id=user_id
        ),
        contacts=contacts,
        phone_id=phone.id if phone else None,
        zone=zone,
    )
    unreachable = rules.unreachable_since(contacts) if party != "debtor" else None
    data = rules.situation(row, channel=channel, at=at, party=party, purpose=purpose, unreachable=unreachable)
    check = rules.decide_contact(policy, data, point_id=point.id if point else None)
    if is_sold(connection, account_id):  # the buyer collects it now: the bank contacts no one about it
        return replace(check, allowed=False, reasons=(SOLD, *check.reasons), reason_zh=SOLD.zh,
                       reason_en=SOLD.en, next_allowed_at=None)  # fmt: skip
    if check.next_allowed_at is None:
        return check
    # said in the cardholder's zone, where the hours apply, whatever zone ``at`` came in
    return replace(check, next_allowed_at=check.next_allowed_at.astimezone(rules.zone_of(zone)))


def call_check(
    connection: Connection,
    *,
    account_id: int,
    policy: Policy,
    zone: str,
    at: datetime,
    contact_point_id: int | None = None,
    party: Party = "debtor",
    purpose: str = "collect",
    user_id: int | None = None,
) -> ContactCheck:
    """May the collector (``user_id``) call ``contact_point_id`` (default: the primary mobile) about the
    account at ``at``? Allowed or not, the rules that block with their zh/en reasons, and the next
    allowed time when waiting helps. A call to a third party (``party``) needs a purpose the policy
    allows (``locate``, ``relay_message``) and a debtor unreachable long enough."""
    return check_contact(
        connection,
        account_id=account_id,
        channel="call",
        policy=policy,
        zone=zone,
        at=at,
        contact_point_id=contact_point_id,
        party=party,
        purpose=purpose,
        user_id=user_id,
    )
