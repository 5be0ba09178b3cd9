"""The fixed words of a printed letter around the governed template's text: labels, the table of what
is owed, how to pay, in Chinese and English. What the letter *says* (the demand, the disclosures of
CBRC 2011 Art. 69, the financial-education block) is the template's (arrears.messaging.templates);
these are the form's captions only, and never threaten."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

LABELS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "zh": MappingProxyType(
            {
                "hotline": "客服及催收热线",
                "recipient_suffix": "　收",
                "date": "日期",
                "card": "卡号",
                "letter_no": "函件编号",
                "pay_ref": "还款参考号",
                "item": "项目",
                "amount": "金额（元）",
                "principal": "本金",
                "interest": "利息",
                "fees": "费用",
                "balance": "欠款余额",
                "overdue": "逾期应还金额",
                "minimum": "恢复正常至少需还",
                "payoff": "全部结清需还",
                "deadline": "请于以下日期前还款",
                "how_to_pay": "还款方式",
                "scan_to_pay": "扫码在线还款",
                "education": "金融知识提示",
                "title": "信用卡欠款还款通知函",
            }
        ),
        "en": MappingProxyType(
            {
                "hotline": "Hotline",
                "recipient_suffix": "",
                "date": "Date",
                "card": "Card",
                "letter_no": "Letter no.",
                "pay_ref": "Payment reference",
                "item": "Item",
                "amount": "Amount (yuan)",
                "principal": "Principal",
                "interest": "Interest",
                "fees": "Fees",
                "balance": "Balance owed",
                "overdue": "Overdue",
                "minimum": "Least to bring the account up to date",
                "payoff": "Amount that settles the account",
                "deadline": "Please pay by",
                "how_to_pay": "How to pay",
                "scan_to_pay": "Scan to pay online",
                "education": "Financial education",
                "title": "Notice of the amount owed on your credit card",
            }
        ),
    }
)


def locale_of(locale: str) -> str:
    """``zh``, ``zh_CN``, ``zh-CN`` -> ``zh``; anything else -> ``en``."""
    return "zh" if locale.lower().startswith("zh") else "en"


def day(value: date, locale: str) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if locale == "zh" else f"{value.day} {value:%B %Y}"


def pay_lines(*, locale: str, account_tail: str, hotline: str) -> list[str]:
    """The ways to pay, beside the QR code."""
    if locale == "zh":
        return [
            f"手机银行：信用卡 → 还款，选择尾号 {account_tail} 的卡片",
            "网点柜台：本行任一营业网点",
            "在线还款：扫描右侧二维码或访问下方网址",
            f"还款后如需确认到账，请致电 {hotline}",
        ]
    return [
        f"Mobile banking: Cards → Pay, the card ending {account_tail}",
        "At the counter of any of our branches",
        "Online: scan the QR code or open the address below",
        f"To confirm a payment has arrived, call {hotline}",
    ]
