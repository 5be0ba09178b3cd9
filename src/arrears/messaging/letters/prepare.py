"""From a day's letter messages to letters ready to typeset: the address each goes to, the rulebook's
re-check at the moment of rendering, and the governed template filled with the account's facts.

A letter that cannot be made (no address, a hold placed since the run, a template that does not fill
for the account) is set aside with the reason; the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import mask_name
from arrears.kit.money import format_fen
from arrears.legal.case_rules import case_number as legal_case_number
from arrears.messaging import rules as dispatch_rules
from arrears.messaging.letters import rules
from arrears.messaging.letters.layout import Bank, LetterInput
from arrears.messaging.letters.repository import LetterRepository, LetterRow, MailingAddress
from arrears.messaging.letters.rules import Owed, Skip
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.rules import PointFacts
from arrears.messaging.templates import MessageFacts, TemplateError, approved, fill_stored
from arrears.messaging.templates.repository import Stored
from arrears.servicedesk.categories import case_number, name, outcome_name

DEFAULT_TEMPLATE = "demand"
NO_ACCOUNT = Skip("no_account", "the message names no card account", "该消息未关联信用卡账户")
UNTYPESET = Skip("typesetting", "the letter could not be typeset", "信函排版失败")


@dataclass(frozen=True, slots=True)
class Chosen:
    """A letter message with the address it goes to (its value still encrypted)."""

    row: LetterRow
    address: MailingAddress


@dataclass(frozen=True, slots=True)
class Ready:
    """A letter to typeset, numbered."""

    row: LetterRow
    sequence: int
    letter_id: str
    address_point_id: int
    letter: LetterInput


def choose_addresses(
    rows: Sequence[LetterRow], addresses: Mapping[int, list[MailingAddress]], *, reprint: bool
) -> tuple[list[Chosen], list[tuple[LetterRow, Skip]]]:
    """Each letter with its address, or set aside (no account, no valid mailing address). A reprint
    goes to the address the letter first went to."""
    chosen: list[Chosen] = []
    skipped: list[tuple[LetterRow, Skip]] = []
    for row in rows:
        message = row.message
        if message.account_id is None or message.customer_id is None or row.account_no is None:
            skipped.append((row, NO_ACCOUNT))
            continue
        own = addresses.get(message.customer_id, [])
        if reprint:
            first = next((one for one in own if one.point.id == message.contact_point_id), None)
            point, skip = (first, None) if first else (None, rules.NO_ADDRESS)
        else:
            picked, skip = rules.choose_address([one.point for one in own], named_id=message.contact_point_id)
            point = next((one for one in own if picked and one.point.id == picked.id), None)
        if point is None:
            skipped.append((row, skip or rules.NO_ADDRESS))
        else:
            chosen.append(Chosen(row, point))
    return chosen, skipped


def recheck(
    connection: Connection, chosen: Sequence[Chosen], *, policy: Policy, zone: str, now: datetime
) -> tuple[list[Chosen], list[tuple[LetterRow, Skip]]]:
    """The rulebook's decision at the moment of rendering (holds, an opted-out address, the deadline),
    as the dispatcher's for the other channels; the blocked ones set aside with the rules named."""
    if not chosen:
        return [], []
    messages = [one.row.message for one in chosen]
    facts = OutboxRepository(connection).facts(messages, now=now)
    holds = facts.holds
    points = {
        one.address.point.id: PointFacts(
            id=one.address.point.id,
            customer_id=one.address.customer_id,
            kind=one.address.point.kind,
            opted_out=one.address.opted_out,
            invalid=one.address.point.invalid,
        )
        for one in chosen
    }
    pending = [
        dispatch_rules.Pending(
            m.id,
            m.channel,
            m.kind,
            m.customer_id,
            m.account_id,
            one.address.point.id,
            m.deadline_at,
            own_hold_id=one.row.case_hold_id,
        )
        for one, m in zip(chosen, messages, strict=True)
    ]
    verdicts = dispatch_rules.recheck(
        messages=pending, points=points, holds=holds, policy=policy, zone=zone, now=now, sold=facts.sold
    )
    allowed: list[Chosen] = []
    blocked: list[tuple[LetterRow, Skip]] = []
    for one, verdict in zip(chosen, verdicts, strict=True):
        if verdict.action == "send":
            allowed.append(one)
        else:
            blocked.append((one.row, _blocked(verdict)))
    return allowed, blocked


def _blocked(verdict: dispatch_rules.Verdict) -> Skip:
    named = ", ".join(verdict.rules)
    said = f"{verdict.reason or 'blocked by the rulebook'}" + (f" ({named})" if named else "")
    if verdict.action == "expire":
        return Skip("expired", said, f"已过期：{said}", status="expired")
    if verdict.action == "wait":
        return Skip("waiting", said, f"暂不允许发送：{said}", status="queued")
    return Skip("blocked", said, f"合规规则不允许：{said}", status="cancelled")


@dataclass(frozen=True, slots=True)
class Context:
    """What every letter of the batch shares."""

    run_date: date
    bank: Bank
    deadline: date
    pay_base: str
    cipher: FieldCipher
    due_dates: Mapping[int, date]
    zone: ZoneInfo
    cases: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # response letters' cases
    sales: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # debt sale notices' sales
    legal: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # lawyer's letters' legal cases

    @classmethod
    def of(
        cls, *, settings: Settings, run_date: date, cipher: FieldCipher, due_dates: Mapping[int, date],
        cases: Mapping[int, Mapping[str, Any]] | None = None,
        sales: Mapping[int, Mapping[str, Any]] | None = None,
        legal: Mapping[int, Mapping[str, Any]] | None = None,
    ) -> Context:  # fmt: skip
        bank = Bank(settings.bank_name, settings.bank_address, settings.sms_hotline)
        deadline = rules.deadline(letter_date=run_date, days=settings.letter_deadline_days)
        zone = ZoneInfo(settings.timezone)
        return cls(run_date, bank, deadline, settings.pay_url, cipher, due_dates, zone, cases or {},
                   sales or {}, legal or {})  # fmt: skip


def facts(row: LetterRow, *, name: str, address: str, pay_link: str, context: Context) -> MessageFacts:
    """What the template may say in this letter (the name and address in full: it goes in an envelope)."""
    account_no = row.account_no or ""
    owed = _owed(row)
    return MessageFacts(
        name=mask_name(name), full_name=name, address=address, account_tail=account_no[-4:],
        card_masked=rules.mask_card(account_no), hotline=context.bank.hotline, issuer=context.bank.name,
        overdue_fen=owed.overdue_fen, minimum_fen=owed.minimum_fen, dpd=row.dpd, balance_fen=owed.balance_fen,
        principal_fen=owed.principal_fen, interest_fen=owed.interest_fen, fees_fen=owed.fee_fen,
        payoff_fen=owed.payoff_fen, deadline=context.deadline, letter_date=context.run_date,
        pay_link=pay_link, due_date=context.due_dates.get(row.message.account_id or 0),
        **_case_facts(context.cases.get(row.message.id), context, row.message.locale),
        **_sale_facts(context.sales.get(row.message.id)),
        **_legal_facts(context.legal.get(row.message.id)),
    )  # fmt: skip


def _legal_facts(case: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a lawyer's letter says of its legal case: the case's number, the law firm and the lawyer
    (none for another letter; a case without a firm has no firm, and its letter does not fill)."""
    if case is None:
        return {}
    return {"legal_case_no": legal_case_number(int(case["case_id"])), "firm_name": case["firm"],
            "lawyer_name": case["lawyer"]}  # fmt: skip


def _case_facts(case: Mapping[str, Any] | None, context: Context, locale: str) -> dict[str, Any]:
    """What a response letter says about its service case (nothing for another letter)."""
    if case is None:
        return {}
    lang = "zh" if locale == "zh" else "en"
    decision = context.cipher.decrypt(case["resolution_enc"]) if case["resolution_enc"] is not None else ""
    remedies = [name(code, lang) for code in (case["remedies"] or "").split(",") if code]
    if case["refund_fen"]:  # the refund's amount, to the fen
        remedies = [f"{one} {format_fen(case['refund_fen'])} {'元' if lang == 'zh' else 'yuan'}"
                    if one == name("refund", lang) else one for one in remedies]  # fmt: skip
    joined = ("、" if lang == "zh" else ", ").join(remedies) or ("无" if lang == "zh" else "none")
    separator = "：" if lang == "zh" else ": "
    return {
        "case_no": case_number(case["id"]),
        "case_received": case["received_at"].astimezone(context.zone).date(),
        "case_subject": f"{name(case['kind'], lang)}{separator}{name(case['category'], lang)}",
        "case_outcome": outcome_name(case["kind"], case["outcome"], lang),
        "case_decision": decision,
        "case_remedies": joined,
    }


def _sale_facts(sale: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a debt sale's notice says of the sale (nothing for another letter)."""
    if sale is None:
        return {}
    return {"buyer_name": sale["buyer_name"], "buyer_licence": sale["buyer_licence"],
            "buyer_contact": sale["buyer_contact"], "buyer_pay_to": sale["buyer_pay_to"],
            "sale_date": sale["sold_on"], "transferred_fen": int(sale["balance_fen"])}  # fmt: skip


def _owed(row: LetterRow) -> Owed:
    return Owed(row.principal_fen, row.interest_fen, row.fee_fen, row.overdue_fen)


class Templates:
    """The approved version of each letter template, read once per batch."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._found: dict[str, Stored | TemplateError] = {}

    def get(self, name: str) -> Stored:
        if name not in self._found:
            try:
                self._found[name] = approved(self._connection, name=name, channel="letter")
            except TemplateError as error:
                self._found[name] = error
        found = self._found[name]
        if isinstance(found, TemplateError):
            raise found
        return found


def letter_input(one: Chosen, *, letter_id: str, templates: Templates, context: Context) -> LetterInput:
    """The letter as printed; TemplateError when its template does not fill for the account."""
    row, message = one.row, one.row.message
    name = row.name or ""
    address = context.cipher.decrypt(one.address.value_enc)
    ref = rules.pay_ref(message_id=message.id, tag=context.cipher.lookup_hash(f"letter-pay:{message.id}"))
    url = rules.pay_url(context.pay_base, ref=ref)
    stored = templates.get(message.template or DEFAULT_TEMPLATE)
    filled = fill_stored(stored, facts=facts(row, name=name, address=address, pay_link=url, context=context),
                         locale=message.locale)  # fmt: skip
    account_no = row.account_no or ""
    collection = filled.kind == "collection"
    return LetterInput(
        letter_id=letter_id, locale=message.locale, bank=context.bank, recipient=name, address=address,
        card_masked=rules.mask_card(account_no), account_tail=account_no[-4:], letter_date=context.run_date,
        deadline=context.deadline, owed=_owed(row), title=filled.subject, body=filled.text,
        educated=collection, pay_url=url, pay_ref=ref, collection=collection,
    )  # fmt: skip


def numbered(
    chosen: Sequence[Chosen], *, repository: LetterRepository, templates: Templates, context: Context,
    reprint: bool, skipped: list[tuple[LetterRow, Skip]],
) -> Iterator[Ready]:  # fmt: skip
    """The letters in order, numbered after the day's last number (a reprint keeps its own); one whose
    template does not fill is added to ``skipped`` and takes no number. Lazy: each letter is made when
    the typesetting asks for it."""
    sequence = 0 if reprint else repository.last_sequence(context.run_date)
    for one in chosen:
        if reprint:
            parsed = rules.parse_letter_id(one.row.provider_id or "")
            number = parsed[1] if parsed else sequence + 1
        else:
            number = sequence + 1
        letter_id = rules.letter_id(run_date=context.run_date, sequence=number)
        try:
            letter = letter_input(one, letter_id=letter_id, templates=templates, context=context)
        except TemplateError as error:
            skipped.append((one.row, Skip("template", error.message_en, error.message_zh)))
            continue
        sequence = number
        yield Ready(one.row, number, letter_id, one.address.point.id, letter)
