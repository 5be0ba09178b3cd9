"""The answer, composed from the predicted intent, the intent's article and (inside a verified portal
session only) the account's facts. Pure: no database, no clock, no model.

- Handover (``handover_for``): below the confidence threshold, a callback (reason ``unsure``); else
  always for ``complaint``, ``fraud``, ``hardship`` (a service case of kind complaint, dispute, hardship)
  and ``legal`` (a callback), and for ``human`` (a callback, reason ``asked``); else none.
- An article's account part is shown only with facts, its placeholders filled (amounts as ``¥1,234.56``
  by ``kit.money``, dates as YYYY-MM-DD, the plan and the offers as the portal shows them); without facts
  it is left out and the answer says how to sign in to ``/my``. Offers are only described as
  ``portal.offers`` gives them: the engine never promises a waiver, a plan or a discount.
- Each answer ends with the line citing its article (``来源：`` / ``Source:`` and the title). An answer
  the assistant is unsure of says a person will call back and cites the ``other`` article (what the
  assistant can help with).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from arrears.assistant.knowledge import Article, KnowledgeBase, fill
from arrears.assistant.model import Prediction
from arrears.assistant.text import Lang
from arrears.kit.money import format_fen

HandoverTo = Literal["service_case", "callback"]
HandoverReason = Literal["intent", "asked", "unsure"]
CaseKind = Literal["complaint", "dispute", "hardship"]
OfferState = Literal["offered", "none", "has_plan", "blocked"]
FALLBACK_INTENT = "other"  # the article an unsure answer cites


@dataclass(frozen=True, slots=True)
class Handover:
    to: HandoverTo
    reason: HandoverReason
    kind: CaseKind | None  # the service case's kind (a fraud is a dispute of category fraud)


ALWAYS: dict[str, Handover] = {
    "complaint": Handover("service_case", "intent", "complaint"),
    "fraud": Handover("service_case", "intent", "dispute"),
    "hardship": Handover("service_case", "intent", "hardship"),
    "legal": Handover("callback", "intent", None),
    "human": Handover("callback", "asked", None),
}


def handover_for(intent: str, confidence: float, *, threshold: float) -> Handover | None:
    if confidence < threshold:
        return Handover("callback", "unsure", None)
    return ALWAYS.get(intent)


@dataclass(frozen=True, slots=True)
class PlanFacts:
    kind: str  # instalment, deferral
    status: str  # proposed, active, completed, broken, rejected
    total_fen: int
    next_due_date: date | None  # the first instalment not paid in full
    next_left_fen: int


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What the portal's offers page shows the account (``portal.offers.plan_state``)."""

    state: OfferState
    max_instalments: int = 0
    waiver_bp: int = 0
    min_down_payment_bp: int = 0
    deferral_days: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """One account's figures as the portal shows them to its verified cardholder."""

    overdue_fen: int
    minimum_fen: int
    balance_fen: int
    due_date: date | None
    last_payment: tuple[date, int] | None  # paid date, amount
    plan: PlanFacts | None
    offers: OfferFacts


@dataclass(frozen=True, slots=True)
class Answer:
    intent: str
    confidence: float
    text: str
    article: str
    handover: Handover | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer: exactly intent, confidence, answer, article, handover."""
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "answer": self.text,
            "article": self.article,
            "handover": None if self.handover is None else asdict(self.handover),
        }


SIGN_IN = {
    "zh": "如需查看您本人的欠款、还款日、还款计划和可办理的方案，请登录持卡人服务页面 /my："
    "输入卡号末几位和身份证号后六位，再输入发送到您预留手机的验证码。",
    "en": "To see your own amounts, due dates, plan and the options open to you, sign in at /my: enter the "
    "last digits of your card number and the last six characters of your national ID, then the code we "
    "send to the mobile number on file.",
}
HANDED = {
    "service_case": {
        "zh": "您的问题将转交客服专员处理，专员会在规定时限内与您联系。",
        "en": "Your question is passed to our customer service staff, who will contact you within the set "
        "time.",
    },
    "callback": {
        "zh": "我们会安排工作人员在允许的联系时间内给您回电。",
        "en": "A member of our staff will call you back within the permitted contact hours.",
    },
}
UNSURE = {
    "zh": "抱歉，我不能确定是否理解了您的问题。我们会安排工作人员在允许的联系时间内给您回电。",
    "en": "Sorry, I am not sure I understood your question. A member of our staff will call you back "
    "within the permitted contact hours.",
}
CITE = {"zh": "来源：", "en": "Source: "}


def compose(
    *, prediction: Prediction, kb: KnowledgeBase, lang: Lang, facts: Facts | None, threshold: float
) -> Answer:
    """The answer to a question whose intent the model predicted (see the module's docstring)."""
    handover = handover_for(prediction.intent, prediction.confidence, threshold=threshold)
    if handover is not None and handover.reason == "unsure":
        article = kb.article(FALLBACK_INTENT, lang)
        parts = [UNSURE[lang], article.general]
    else:
        article = kb.article(prediction.intent, lang)
        parts = [article.general, *_account_part(article, facts, lang)]
        if handover is not None:
            parts.append(HANDED[handover.to][lang])
    text = "\n\n".join(part for part in parts if part) + f"\n\n{CITE[lang]}{article.title}"
    return Answer(prediction.intent, prediction.confidence, text, article.id, handover)


def _account_part(article: Article, facts: Facts | None, lang: Lang) -> list[str]:
    if article.account is None:
        return []
    if facts is None:
        return [SIGN_IN[lang]]
    return [fill(article.account, values(facts, lang))]


# --- the placeholders' values ------------------------------------------------------------------------


def money(fen: int) -> str:
    return f"¥{format_fen(fen)}"


def _day(value: date | None, lang: Lang) -> str:
    return value.isoformat() if value else ("暂无" if lang == "zh" else "none")


def values(facts: Facts, lang: Lang) -> dict[str, str]:
    """Each placeholder's text in ``lang``."""
    return {
        "overdue": money(facts.overdue_fen),
        "minimum": money(facts.minimum_fen),
        "balance": money(facts.balance_fen),
        "due_date": _day(facts.due_date, lang),
        "last_payment": _last_payment(facts.last_payment, lang),
        "plan": plan_text(facts.plan, lang),
        "offers": offers_text(facts.offers, lang),
    }


def _last_payment(found: tuple[date, int] | None, lang: Lang) -> str:
    if found is None:
        return "暂无还款记录" if lang == "zh" else "no payment yet"
    day, fen = found
    return f"{day.isoformat()} 还款 {money(fen)}" if lang == "zh" else f"{money(fen)} on {day.isoformat()}"


PLAN_KINDS = {"instalment": ("分期还款", "instalment plan"), "deferral": ("延期还款", "deferral")}
PLAN_STATUSES = {
    "proposed": ("待审批", "waiting for approval"),
    "active": ("生效中", "in force"),
    "completed": ("已还清", "paid off"),
    "broken": ("已终止：有一期未按时还款", "ended: an instalment was missed"),
    "rejected": ("未获批准", "not approved"),
}


def plan_text(plan: PlanFacts | None, lang: Lang) -> str:
    if plan is None:
        return "暂无还款计划" if lang == "zh" else "no repayment plan"
    k = 0 if lang == "zh" else 1
    kind = PLAN_KINDS.get(plan.kind, (plan.kind, plan.kind))[k]
    status = PLAN_STATUSES.get(plan.status, (plan.status, plan.status))[k]
    total, left, due = money(plan.total_fen), money(plan.next_left_fen), plan.next_due_date
    if lang == "zh":
        text = f"{kind}（{status}），共 {total}"
        upcoming = f"；下一期 {due.isoformat()} 应还 {left}" if due else ""
    else:
        text = f"{kind} ({status}), total {total}"
        upcoming = f"; next instalment {left} due {due.isoformat()}" if due else ""
    return text + (upcoming if plan.status == "active" else "")


def _share(bp: int) -> str:
    return f"{bp / 100:g}%"


OFFER_STATES = {
    "blocked": (
        "该账户目前无法在线办理还款方案，请致电客服热线。",
        "A repayment plan cannot be agreed online for this account at the moment. Please call the hotline.",
    ),
    "has_plan": ("该账户已有还款计划。", "This account has a repayment plan already."),
    "none": (
        "该账户目前暂无可在线办理的还款方案，您可以在 /my 页面申请由催收员联系您。",
        "No repayment plan can be agreed online for this account at the moment; you can ask a collector "
        "to contact you on /my.",
    ),
}


def offers_text(offer: OfferFacts, lang: Lang) -> str:
    """The offers as the portal's offers page states them; nothing beyond them."""
    zh = lang == "zh"
    if offer.state in OFFER_STATES:
        return OFFER_STATES[offer.state][0 if zh else 1]
    items = []
    if offer.max_instalments:
        n = offer.max_instalments
        items.append(f"最多分 {n} 期" if zh else f"up to {n} monthly instalments")
        if offer.min_down_payment_bp:
            share = _share(offer.min_down_payment_bp)
            items.append(f"首付 {share}，次日到期" if zh else f"a down payment of {share}, due the next day")
    if offer.deferral_days:
        days = offer.deferral_days
        items.append(f"最长 {days} 天内一次性还清" if zh else f"all in one payment within {days} days")
    if offer.waiver_bp:
        share = _share(offer.waiver_bp)
        items.append(f"减免利息和费用的 {share}" if zh else f"{share} of interest and fees waived")
    if zh:
        return "；".join(items) + "（在线办理，具体金额以 /my 页面确认前显示的计划为准）"
    return "; ".join(items) + " (online; the amounts are those /my shows before you accept)"
