"""The service desk's kinds, categories, channels, outcomes and remedies, and their names in both
languages (what forms offer and pages show)."""

from __future__ import annotations

import re

KINDS = ("complaint", "dispute", "hardship")
CATEGORIES: dict[str, tuple[str, ...]] = {
    "dispute": ("amount", "interest_fees", "charge", "already_paid", "fraud"),
    "complaint": ("attitude_abuse", "frequency_hours", "third_party", "visit_conduct", "false_threats",
                  "privacy"),
    "hardship": ("income_loss", "illness", "other"),
}  # fmt: skip
CHANNELS = ("portal", "call", "letter", "email", "regulator", "assistant")
STAFF_CHANNELS = ("call", "letter", "email", "regulator")  # what a person logs by hand
OUTCOMES = ("upheld", "partly_upheld", "not_upheld")
REMEDIES = ("refund", "waiver", "apology", "staff_action", "correction")
HOLDING_COMPLAINTS = frozenset({"attitude_abuse", "false_threats", "third_party"})

NAMES: dict[str, tuple[str, str]] = {  # (English, Chinese)
    "dispute": ("Dispute", "异议"),
    "complaint": ("Complaint", "投诉"),
    "hardship": ("Hardship", "经济困难"),
    "plan": ("Plan request", "还款计划申请"),
    "callback": ("Callback request", "回电申请"),
    "amount": ("The amount is wrong", "金额有误"),
    "interest_fees": ("Interest or fees", "利息或费用"),
    "charge": ("A transaction I do not recognise", "不认可某笔交易"),
    "already_paid": ("I have already paid", "我已经还款"),
    "fraud": ("Fraud: I did not make these transactions", "盗刷：交易并非本人所为"),
    "attitude_abuse": ("Rude or abusive collector", "催收人员态度恶劣或辱骂"),
    "frequency_hours": ("Too many contacts or at night", "联系过于频繁或在夜间联系"),
    "third_party": ("My family, friends or employer were contacted", "联系了我的家人、朋友或单位"),
    "visit_conduct": ("Conduct during a visit", "上门外访时的行为"),
    "false_threats": ("False threats (police, court, arrest)", "虚假威胁（报警、起诉、拘留）"),
    "privacy": ("My personal data was disclosed", "个人信息被泄露"),
    "income_loss": ("Loss of income or job", "收入减少或失业"),
    "illness": ("Illness or accident", "疾病或意外"),
    "other": ("Other hardship", "其他困难"),
    "portal": ("Cardholder portal", "持卡人门户"),
    "call": ("Phone call", "电话"),
    "letter": ("Letter", "信函"),
    "email": ("E-mail", "电子邮件"),
    "regulator": ("Regulator referral", "监管转办"),
    "assistant": ("Assistant hand-over", "智能客服转人工"),
    "upheld": ("Upheld", "成立"),
    "partly_upheld": ("Partly upheld", "部分成立"),
    "not_upheld": ("Not upheld", "不成立"),
    "refund": ("Refund", "退款"),
    "waiver": ("Waiver (through the approval flow)", "减免（经审批）"),
    "apology": ("Apology", "致歉"),
    "staff_action": ("Action on the staff involved", "对相关人员处理"),
    "correction": ("Records corrected", "更正记录"),
    "open": ("Awaiting acknowledgement", "待受理"),
    "acknowledged": ("Acknowledged", "已受理"),
    "resolved": ("Decided, to close", "已处理，待结案"),
    "closed": ("Closed", "已结案"),
}


HARDSHIP_OUTCOMES: dict[str, tuple[str, str]] = {  # a hardship request is agreed or declined, not upheld
    "upheld": ("Agreed", "同意"),
    "partly_upheld": ("Partly agreed", "部分同意"),
    "not_upheld": ("Declined", "不同意"),
}


def outcome_name(kind: str, outcome: str | None, locale: str) -> str:
    """An outcome's name for a case of ``kind`` in the locale (a hardship request's are its own)."""
    found = HARDSHIP_OUTCOMES.get(outcome or "") if kind == "hardship" else None
    if found is None:
        return name(outcome, locale)
    return found[1] if locale.startswith("zh") else found[0]


def case_number(case_id: int) -> str:
    """The number a case is known by to the cardholder and the staff (letters, the portal, the desk)."""
    return f"KF-{case_id:06d}"


def parse_case_number(text: str) -> int | None:
    """The case id of ``KF-000042`` (or ``kf42``, ``42``); None when the text is not a case number."""
    found = re.fullmatch(r"(?:KF-?)?0*(\d{1,9})", text.strip(), flags=re.IGNORECASE)
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


def name(code: str | None, locale: str) -> str:
    """A code's name in the locale (the code itself when unknown)."""
    found = NAMES.get(code or "")
    return (found[1] if locale.startswith("zh") else found[0]) if found else (code or "")
