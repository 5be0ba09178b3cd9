"""What a template may say about an account (:class:`MessageFacts`) and the variable values they give.

Pure. SMS, e-mail and push say only masked data (``name`` is already masked, e.g. 张*); a letter, which
goes in an envelope to the cardholder, says the name in full (``full_name``) and may give the mailing
address. A value is missing when its fact is None: the template that needs it cannot be filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from arrears.kit.money import format_fen

HOTLINE: Final = "400-000-0000"
"""The collections hotline (a placeholder number: pass the bank's own, ARREARS_SMS_HOTLINE)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFacts:
    """The facts a message may state; amounts in fen. ``name`` is masked; ``full_name`` and ``address``
    (in clear) are read by letters only."""

    name: str
    account_tail: str
    hotline: str = HOTLINE
    issuer: str | None = None  # the bank's name; None: the shipped wording ("本行" / "the bank")
    card_masked: str | None = None
    overdue_fen: int | None = None
    due_date: date | None = None
    minimum_fen: int | None = None  # the minimum that brings the account up to date
    dpd: int | None = None
    pay_link: str | None = None
    promise_fen: int | None = None
    promised_date: date | None = None
    instalments: int | None = None
    next_instalment_fen: int | None = None
    next_due_date: date | None = None
    balance_fen: int | None = None
    principal_fen: int | None = None
    interest_fen: int | None = None
    fees_fen: int | None = None
    payoff_fen: int | None = None
    deadline: date | None = None
    full_name: str | None = None
    address: str | None = None
    letter_date: date | None = None
    code: str | None = None
    valid_minutes: int | None = None
    paid_fen: int | None = None
    paid_date: date | None = None
    case_no: str | None = None  # a service case's response letter: the case
    case_received: date | None = None
    case_subject: str | None = None
    case_outcome: str | None = None
    case_decision: str | None = None
    case_remedies: str | None = None
    buyer_name: str | None = None  # a debt sale's notice: the buyer, how to reach and pay it
    buyer_licence: str | None = None
    buyer_contact: str | None = None
    buyer_pay_to: str | None = None
    sale_date: date | None = None
    transferred_fen: int | None = None
    legal_case_no: str | None = None  # a lawyer's letter: its legal case, law firm and lawyer
    firm_name: str | None = None
    lawyer_name: str | None = None


def day_text(value: date, locale: str) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if locale == "zh" else value.isoformat()


_AMOUNTS: Final = {
    "overdue_yuan": "overdue_fen",
    "minimum_yuan": "minimum_fen",
    "promise_yuan": "promise_fen",
    "next_instalment_yuan": "next_instalment_fen",
    "balance": "balance_fen",
    "principal_yuan": "principal_fen",
    "interest_yuan": "interest_fen",
    "fees_yuan": "fees_fen",
    "payoff_yuan": "payoff_fen",
    "paid_yuan": "paid_fen",
    "transferred_yuan": "transferred_fen",
}
_DATES: Final = (
    "due_date",
    "promised_date",
    "next_due_date",
    "deadline",
    "letter_date",
    "paid_date",
    "case_received",
    "sale_date",
)
_PLAIN: Final = ("account_tail", "hotline", "card_masked", "pay_link", "address", "code", "case_no",
                 "case_subject", "case_outcome", "case_decision", "case_remedies", "buyer_name",
                 "buyer_licence", "buyer_contact", "buyer_pay_to", "legal_case_no", "firm_name",
                 "lawyer_name")  # fmt: skip
_NUMBERS: Final = ("dpd", "instalments", "valid_minutes")


def fact_values(facts: MessageFacts, *, channel: str, locale: str) -> dict[str, str]:
    """The variables the facts give (sections aside); a variable whose fact is None has none."""
    found: dict[str, str] = {}
    name = facts.full_name if channel == "letter" else facts.name
    if name:
        found["name"] = name
    for variable, attribute in _AMOUNTS.items():
        fen = getattr(facts, attribute)
        if fen is not None:
            found[variable] = format_fen(fen)
    for attribute in _DATES:
        value = getattr(facts, attribute)
        if value is not None:
            found[attribute] = day_text(value, locale)
    for attribute in _PLAIN:
        text = getattr(facts, attribute)
        if text:
            found[attribute] = text
    for attribute in _NUMBERS:
        number = getattr(facts, attribute)
        if number is not None:
            found[attribute] = str(number)
    if facts.issuer:
        found["issuer"] = facts.issuer
    return found


def sample_facts(*, today: date, locale: str = "zh") -> MessageFacts:
    """Made-up facts for previews on the template pages (no real person; a Latin name in English)."""
    name, full_name = ("张*", "张三") if locale == "zh" else ("W***", "Wang Fang")
    return MessageFacts(
        name=name, full_name=full_name, account_tail="0001", card_masked="6222 **** **** 0001",
        overdue_fen=123_450, due_date=today, minimum_fen=50_000, dpd=35, pay_link="https://pay.example/a1",
        promise_fen=50_000, promised_date=today, instalments=6, next_instalment_fen=100_000,
        next_due_date=today, balance_fen=1_234_500, principal_fen=1_100_000, interest_fen=98_000,
        fees_fen=36_500, payoff_fen=1_234_500, deadline=today, address="上海市浦东新区示例路1号",
        letter_date=today, code="246810", valid_minutes=5, paid_fen=50_000, paid_date=today,
        case_no="KF-000042", case_received=today,
        case_subject="投诉：催收人员态度恶劣" if locale == "zh" else "Complaint: rude collector",
        case_outcome="成立" if locale == "zh" else "Upheld",
        case_decision="经核查，催收人员在通话中用语不当，我行已对其进行处理。" if locale == "zh"
        else "We listened to the call: the collector's words were improper, and we have acted on it.",
        case_remedies="致歉" if locale == "zh" else "Apology",
        buyer_name="示例资产管理有限公司" if locale == "zh" else "Example Asset Management Co., Ltd.",
        buyer_licence="91310000000000000X", buyer_contact="400-000-0001",
        buyer_pay_to="示例银行 6222 0000 0000 0001",
        sale_date=today, transferred_fen=1_234_500,
        legal_case_no="FW-000007", firm_name="示例律师事务所" if locale == "zh" else "Example Law Firm",
        lawyer_name="李律师" if locale == "zh" else "Li Ming",
    )  # fmt: skip
