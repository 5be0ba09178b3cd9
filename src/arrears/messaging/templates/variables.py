"""The variables a template may use, by channel and kind, and the check made when a version is saved.

Pure. A variable is a placeholder in braces (``{overdue_yuan}``); ``{{`` and ``}}`` are literal braces.
Only a bare name is a placeholder: a format spec, a conversion or an attribute (``{name:>9}``,
``{name!r}``, ``{name.upper}``) is refused, so filling is plain substitution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from string import Formatter
from types import MappingProxyType
from typing import Final

from arrears.messaging.templates.errors import TemplateError, TemplateRefused

CHANNELS: Final = ("sms", "email", "push", "letter", "talk")  # talk: a collector's call script (话术)
KINDS: Final = ("collection", "service")
_ALL, _LONG, _LETTER = frozenset(CHANNELS[:4]), frozenset({"email", "letter"}), frozenset({"letter"})
_TALK = frozenset({"talk"})
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    zh: str  # what it says, in Chinese
    en: str
    channels: frozenset[str]
    kind: str  # collection or service; "both" for what either may say


def _v(name: str, zh: str, en: str, channels: frozenset[str] = _ALL, kind: str = "collection") -> Variable:
    return Variable(name, zh, en, channels, kind)


_CATALOG = (
    _v("name", "持卡人姓名（短信、邮件、推送为脱敏姓名；信函为全名）",
       "the cardholder's name (masked in SMS, e-mail and push; in full in letters)", kind="both"),
    _v("account_tail", "卡账户尾号", "the last four characters of the card account", kind="both"),
    _v("hotline", "客服及催收热线", "the bank's hotline", kind="both"),
    _v("issuer", "发卡银行名称", "the issuing bank's name", kind="both"),
    _v("card_masked", "脱敏卡号", "the masked card number"),
    _v("overdue_yuan", "逾期金额（元）", "the overdue amount (yuan)"),
    _v("due_date", "最近还款日（账单）", "the latest payment due date (a statement)"),
    _v("minimum_yuan", "恢复正常的最低还款额（元）", "the minimum to bring it up to date (yuan)"),
    _v("dpd", "逾期天数", "days past due"),
    _v("pay_link", "在线还款链接", "the link to pay online"),
    _v("promise_yuan", "未到期的还款承诺金额（元）", "the amount of an open promise to pay (yuan)"),
    _v("promised_date", "未到期的还款承诺日期", "the date of an open promise to pay"),
    _v("instalments", "执行中的还款计划期数", "the number of instalments of an active plan"),
    _v("next_instalment_yuan", "执行中的还款计划下一期金额", "the next instalment of an active plan (yuan)"),
    _v("next_due_date", "执行中的还款计划下一期还款日", "the next due date of an active plan"),
    _v("balance", "欠款余额（元）", "the balance owed (yuan)", _LONG),
    _v("principal_yuan", "本金（元）", "the principal (yuan)", _LONG),
    _v("interest_yuan", "利息（元）", "the interest (yuan)", _LONG),
    _v("fees_yuan", "费用（元）", "the fees (yuan)", _LONG),
    _v("payoff_yuan", "全部结清金额（元）", "the amount that settles the account (yuan)", _LONG),
    _v("deadline", "还款截止日", "the deadline to pay", _LONG),
    _v("reason", "催收原因（标准段落）", "the reason for collection (standard section)", _LONG),
    _v("legal_basis", "法律依据（标准段落）", "the legal basis (standard section)", _LONG),
    _v("rights", "持卡人的权利（标准段落）", "the cardholder's rights (standard section)", _LONG),
    _v("how_to_check", "欠款查询方式（标准段落）", "how to check the debt (standard section)", _LONG),
    _v("how_to_repay", "还款方式（标准段落）", "how to repay (standard section)", _LONG),
    _v("how_to_object", "异议方式（标准段落）", "how to object (standard section)", _LONG),
    _v("issuer_contact", "发卡银行联系方式（标准段落）", "the issuer's contacts (standard section)", _LONG),
    _v("address", "邮寄地址", "the mailing address", _LETTER),
    _v("letter_date", "信函日期", "the letter's date", _LETTER),
    _v("code", "验证码", "the one-time code", kind="service"),
    _v("valid_minutes", "验证码有效分钟数", "how many minutes the code is valid", kind="service"),
    _v("paid_yuan", "收到的款项（元）", "the amount received (yuan)", kind="service"),
    _v("paid_date", "收款日期", "the date the payment was received", kind="service"),
    _v("case_no", "客服工单编号", "the service case's number", _LETTER, kind="service"),
    _v("case_received", "受理日期", "the date the case was received", _LETTER, kind="service"),
    _v("case_subject", "反映事项（类型及类别）", "what the cardholder raised (kind and category)", _LETTER,
       kind="service"),
    _v("case_outcome", "处理结论（成立、部分成立、不成立）",
       "the outcome (upheld, partly upheld, not upheld)", _LETTER, kind="service"),
    _v("case_decision", "处理决定及理由", "the decision and its reasons", _LETTER, kind="service"),
    _v("case_remedies", "补救措施", "the remedies", _LETTER, kind="service"),
    _v("buyer_name", "债权受让方名称", "the buyer of the account (the new creditor)", _LETTER,
       kind="service"),
    _v("buyer_licence", "受让方证照编号", "the buyer's licence or registration number", _LETTER,
       kind="service"),
    _v("buyer_contact", "受让方联系方式", "how to reach the buyer", _LETTER, kind="service"),
    _v("buyer_pay_to", "向受让方还款的方式", "how to pay the buyer", _LETTER, kind="service"),
    _v("sale_date", "债权转让日期", "the date the account was transferred", _LETTER, kind="service"),
    _v("transferred_yuan", "转让的债权金额（元）", "the amount transferred (yuan)", _LETTER, kind="service"),
    _v("legal_case_no", "法律案件编号（律师函）", "the legal case's number (a lawyer's letter)", _LETTER),
    _v("firm_name", "律师事务所名称（律师函）", "the law firm's name (a lawyer's letter)", _LETTER),
    _v("lawyer_name", "承办律师（律师函）", "the lawyer who issues it (a lawyer's letter)", _LETTER),
    _v("last_payment_yuan", "最近一笔还款金额（元）", "the last payment's amount (yuan)", _TALK),
    _v("last_payment_date", "最近一笔还款日期", "the last payment's date", _TALK),
    _v("broken_promise_yuan", "最近违约的还款承诺金额（元）", "the amount of the last broken promise (yuan)",
       _TALK),
    _v("broken_promised_date", "最近违约的还款承诺日期", "the date of the last broken promise", _TALK),
)  # fmt: skip
# what a talk track (a call script shown to the collector, never sent) may say of the account
TALK_VARIABLES: Final = frozenset(
    {"name", "account_tail", "hotline", "overdue_yuan", "dpd", "due_date", "promise_yuan", "promised_date",
     "last_payment_yuan", "last_payment_date", "broken_promise_yuan", "broken_promised_date"}
)  # fmt: skip
VARIABLES: Final = MappingProxyType({variable.name: variable for variable in _CATALOG})
COLLECTION_VARIABLES: Final = frozenset(v.name for v in _CATALOG if v.kind == "collection")


def allowed_variables(channel: str, kind: str) -> frozenset[str]:
    """What a template of ``channel`` and ``kind`` may use."""
    if channel == "talk":
        return TALK_VARIABLES if kind == "collection" else frozenset()
    return frozenset(v.name for v in _CATALOG if channel in v.channels and v.kind in (kind, "both"))


def placeholders(text: str) -> tuple[str, ...]:
    """The placeholders of ``text`` in order (repeats kept); TemplateError naming a malformed one."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        raise TemplateError(
            "the text has an unbalanced brace: write {{ and }} for a literal brace",
            "文本中有不成对的花括号：字面花括号请写作 {{ 和 }}",
        ) from None
    found = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _NAME.match(field) or spec or conversion:
            shown = (
                "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
            raise TemplateError(
                f"the placeholder {shown} is not a plain variable name such as {{name}}",
                f"占位符 {shown} 不是变量名（例如 {{name}}）",
            )
        found.append(field)
    return tuple(found)


def check_variables(texts: Iterable[str], *, channel: str, kind: str) -> frozenset[str]:
    """The variables the texts use; TemplateRefused naming every variable the channel and kind do not
    allow (a collection variable in a service template is collection content)."""
    if channel not in CHANNELS or kind not in KINDS:
        raise TemplateError(f"unknown channel {channel} or kind {kind}", f"未知渠道 {channel} 或类型 {kind}")
    used = frozenset(name for text in texts for name in placeholders(text))
    allowed = allowed_variables(channel, kind)
    en, zh = [], []
    for name in sorted(used - allowed):
        if kind == "service" and name in COLLECTION_VARIABLES:
            en.append(f"{{{name}}} is collection content, which a service template may not carry")
            zh.append(f"{{{name}}} 属于催收内容，服务类模板不得包含")
        elif name in VARIABLES:
            en.append(f"the variable {{{name}}} is not available in a {kind} {channel} template")
            zh.append(f"变量 {{{name}}} 不能用于{_CHANNEL_ZH[channel]}{_KIND_ZH[kind]}模板")
        else:
            en.append(f"unknown variable {{{name}}}")
            zh.append(f"未知变量 {{{name}}}")
    if en:
        raise TemplateRefused(en, zh, ("TEMPLATE-VARIABLES",))
    return used


_CHANNEL_ZH: Final[Mapping[str, str]] = MappingProxyType(
    {"sms": "短信", "email": "电子邮件", "push": "推送", "letter": "信函", "talk": "话术"}
)
_KIND_ZH: Final[Mapping[str, str]] = MappingProxyType({"collection": "催收类", "service": "服务类"})
