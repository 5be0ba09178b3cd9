"""A legal case's evidence pack (证据材料): one PDF for the court or the law firm with the agreement's key
terms, the statements of the period, the payment history, the contact history with dates and outcomes,
the demand letters sent with their tracking numbers, and the amounts outstanding with their
computation. Typeset by Typst with the letters' embedded CJK font (``messaging.letters.typeset``);
every text arrives as data, never as markup.

:func:`gather` reads the case (the cardholder's name and national ID in clear: the caller audits the
reveal); :func:`document` turns it into the layout's data (pure); :func:`render` typesets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import typst
from sqlalchemy import Connection, select

from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.money import format_fen
from arrears.legal.case_repository import CaseRepository
from arrears.legal.repository import DEMAND_LETTERS, LETTER_SENT
from arrears.messaging.letters.typeset import cjk_family
from arrears.models import CardAccount, ContactEvent, Customer, OutboxMessage, Payment, Statement, table_of

TEMPLATE = Path(__file__).with_name("evidence_pack.typ")
STATEMENTS = 12  # the latest statements listed
LISTED = 500  # payments and contacts listed at most (the latest)
_A, _C, _E = table_of(CardAccount), table_of(Customer), table_of(ContactEvent)
_P, _S, _O = table_of(Payment), table_of(Statement), table_of(OutboxMessage)


@dataclass(frozen=True, slots=True)
class Evidence:
    case: dict[str, Any]
    account: dict[str, Any]
    holder: dict[str, Any]  # name and national ID in clear
    statements: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    letters: list[dict[str, Any]]
    steps: list[dict[str, Any]]


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


def gather(connection: Connection, case_id: int, *, cipher: FieldCipher) -> Evidence:
    """What the pack shows of the case (NotFound for no such case)."""
    case = CaseRepository(connection).case(case_id)
    if case is None:
        raise NotFound(f"no legal case {case_id}", f"没有法律案件 {case_id}")
    account_id = int(case["account_id"])
    account = _rows(connection, select(_A).where(_A.c.id == account_id))[0]
    holder = _rows(
        connection, select(_C.c.name, _C.c.national_id_enc).where(_C.c.id == account["customer_id"])
    )[0]
    statements = _rows(
        connection,
        select(_S.c.statement_date, _S.c.due_date, _S.c.balance_fen, _S.c.minimum_due_fen)
        .where(_S.c.account_id == account_id)
        .order_by(_S.c.statement_date.desc())
        .limit(STATEMENTS),
    )
    payments = _rows(
        connection,
        select(_P.c.paid_date, _P.c.amount_fen, _P.c.channel, _P.c.payment_ref)
        .where(_P.c.account_id == account_id)
        .order_by(_P.c.paid_date.desc(), _P.c.id.desc())
        .limit(LISTED),
    )
    contacts = _rows(
        connection,
        select(_E.c.at, _E.c.channel, _E.c.party, _E.c.outcome, _E.c.reason)
        .where(_E.c.account_id == account_id)
        .order_by(_E.c.at.desc(), _E.c.id.desc())
        .limit(LISTED),
    )
    letters = _rows(
        connection,
        select(_O.c.template, _O.c.sent_at, _O.c.delivered_at, _O.c.tracking_no)
        .where(
            _O.c.account_id == account_id,
            _O.c.channel == "letter",
            _O.c.template.in_(DEMAND_LETTERS),
            _O.c.status.in_(LETTER_SENT),
        )
        .order_by(_O.c.sent_at, _O.c.id),
    )
    clear = {"name": holder["name"], "national_id": cipher.decrypt(holder["national_id_enc"])}
    return Evidence(
        case,
        account,
        clear,
        list(reversed(statements)),
        list(reversed(payments)),
        list(reversed(contacts)),
        letters,
        CaseRepository(connection).steps(case_id),
    )


WORDS = {
    "zh": {
        "title": "诉讼证据材料",
        "case": "案件",
        "stage": "阶段",
        "opened": "立案审查日",
        "generated": "生成时间",
        "terms": "一、合同主要条款",
        "account_no": "卡号",
        "product": "产品",
        "currency": "币种",
        "credit_limit": "信用额度",
        "open_date": "开户日",
        "cycle_day": "账单日",
        "due_day": "还款日",
        "holder": "持卡人",
        "national_id": "身份证号",
        "outstanding": "二、欠款金额及计算",
        "principal": "本金",
        "interest": "利息",
        "fee": "费用",
        "balance": "欠款合计（本金 + 利息 + 费用）",
        "overdue": "逾期金额",
        "dpd": "逾期天数",
        "claim": "立案时诉请金额",
        "statements": "三、账单（最近 12 期）",
        "statement_date": "账单日期",
        "due_date": "到期还款日",
        "statement_balance": "账单金额",
        "minimum": "最低还款额",
        "payments": "四、还款记录",
        "paid_date": "还款日期",
        "amount": "金额",
        "channel": "渠道",
        "reference": "流水号",
        "contacts": "五、催收记录",
        "when": "时间",
        "party": "对象",
        "outcome": "结果",
        "reason": "逾期原因",
        "letters": "六、催收函寄送记录",
        "template": "函件",
        "sent": "寄出",
        "delivered": "妥投",
        "tracking": "邮件号",
        "steps": "七、法律程序",
        "date": "日期",
        "none": "无",
        "page": "页",
    },
    "en": {
        "title": "Evidence pack",
        "case": "Case",
        "stage": "Stage",
        "opened": "Opened",
        "generated": "Generated",
        "terms": "1. Key terms of the agreement",
        "account_no": "Card account",
        "product": "Product",
        "currency": "Currency",
        "credit_limit": "Credit limit",
        "open_date": "Opened on",
        "cycle_day": "Statement day",
        "due_day": "Due day",
        "holder": "Cardholder",
        "national_id": "National ID",
        "outstanding": "2. Amounts outstanding and their computation",
        "principal": "Principal",
        "interest": "Interest",
        "fee": "Fees",
        "balance": "Total owed (principal + interest + fees)",
        "overdue": "Overdue",
        "dpd": "Days past due",
        "claim": "Claim when the case opened",
        "statements": "3. Statements (latest 12)",
        "statement_date": "Statement date",
        "due_date": "Due date",
        "statement_balance": "Balance",
        "minimum": "Minimum due",
        "payments": "4. Payment history",
        "paid_date": "Paid on",
        "amount": "Amount",
        "channel": "Channel",
        "reference": "Reference",
        "contacts": "5. Contact history",
        "when": "When",
        "party": "Party",
        "outcome": "Outcome",
        "reason": "Reason",
        "letters": "6. Demand letters sent",
        "template": "Letter",
        "sent": "Sent",
        "delivered": "Delivered",
        "tracking": "Tracking no.",
        "steps": "7. Legal steps",
        "date": "Date",
        "none": "none",
        "page": "page",
    },
}


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def document(
    evidence: Evidence, *, lang: str, font: str, generated: datetime, label: Any = lambda code: code
) -> dict[str, Any]:
    """The layout's data: every value a string, amounts in yuan to the fen, codes said by ``label``."""
    words, a, case = WORDS[lang], evidence.account, evidence.case
    total = int(a["principal_fen"]) + int(a["interest_fen"]) + int(a["fee_fen"])
    return {
        "font": font,
        "lang": "zh" if lang == "zh" else "en",
        "words": words,
        "head": [
            [words["case"], str(case["id"])],
            [words["stage"], label(case["stage"])],
            [words["opened"], _day(case["opened_on"])],
            [words["generated"], generated.isoformat(timespec="minutes")],
        ],
        "terms": [
            [words["account_no"], a["account_no"]],
            [words["holder"], evidence.holder["name"]],
            [words["national_id"], evidence.holder["national_id"]],
            [words["product"], label(a["product"])],
            [words["currency"], a["currency"]],
            [words["credit_limit"], format_fen(int(a["credit_limit_fen"]))],
            [words["open_date"], _day(a["open_date"])],
            [words["cycle_day"], str(a["cycle_day"])],
            [words["due_day"], str(a["due_day"])],
        ],
        "outstanding": [
            [words["principal"], format_fen(int(a["principal_fen"]))],
            [words["interest"], format_fen(int(a["interest_fen"]))],
            [words["fee"], format_fen(int(a["fee_fen"]))],
            [words["balance"], format_fen(total)],
            [words["overdue"], format_fen(int(a["overdue_fen"] or 0))],
            [words["dpd"], f"{int(a['dpd'] or 0):,}"],
            [words["claim"], format_fen(int(case["claim_fen"]))],
        ],
        "statements": [
            [
                _day(s["statement_date"]),
                _day(s["due_date"]),
                format_fen(int(s["balance_fen"])),
                format_fen(int(s["minimum_due_fen"])),
            ]
            for s in evidence.statements
        ],
        "payments": [
            [_day(p["paid_date"]), format_fen(int(p["amount_fen"])), label(p["channel"]), p["payment_ref"]]
            for p in evidence.payments
        ],
        "contacts": [
            [
                c["at"].isoformat(timespec="minutes"),
                label(c["channel"]),
                label(c["party"]),
                label(c["outcome"]),
                label(c["reason"]) if c["reason"] else "-",
            ]
            for c in evidence.contacts
        ],
        "letters": [
            [
                label(one["template"]),
                _day(one["sent_at"]),
                _day(one["delivered_at"]),
                one["tracking_no"] or "-",
            ]
            for one in evidence.letters
        ],
        "steps": [[_day(s["step_on"]), label(s["to_stage"]), s["document"] or "-"] for s in evidence.steps],
    }


def render(doc: dict[str, Any], *, font_dir: Path, day: date) -> bytes:
    """The pack as PDF; the same data gives the same bytes."""
    compiler = typst.Compiler(
        input=str(TEMPLATE), root=str(TEMPLATE.parent), font_paths=[str(font_dir)], ignore_system_fonts=True
    )
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    out = compiler.compile(
        sys_inputs={"data": data}, pdf_tags=False, timestamp=datetime.combine(day, time(0), UTC)
    )
    assert isinstance(out, bytes)
    return out


def font_of(font_dir: Path) -> str:
    """The CJK family the pack is set in (FontMissing naming the folder when there is none)."""
    return cjk_family(font_dir)
