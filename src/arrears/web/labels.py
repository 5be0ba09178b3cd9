"""Words stored as codes (roles, outcomes, kinds, statuses, channels, products...) and their labels:
the one place a page finds what a code says.

Every code has a label in both languages. The Chinese one is the code's entry in the zh_CN catalog
(``N_`` marks the code for it, ``scripts/i18n``); the English one is ``ENGLISH[code]``, or the code's
words (``no_answer`` -> ``no answer``) where those read well, served as the ``en`` catalog (``i18n``),
so that ``_(code)`` and the ``code`` filter (``{{ hold.kind|code }}``) say the code in the page's
language. A strategy's treatments and segments are labelled in its file (``label: {zh, en}``): the
``code`` filter takes them from the built-in strategies (``strategy_label``).
tests/unit/web/test_code_labels.py checks that every code of ``CODES`` has both labels, and
tests/integration/web/test_no_raw_codes.py that no code reaches a staff page raw.
"""

from __future__ import annotations

from functools import cache

from arrears.accounts.rules import DEFAULT_CLASSES
from arrears.agencies.commission_rules import UNRATED
from arrears.agencies.placement_rules import BATCH_STATUSES, FILE_STATES, LEFT_REASONS, SKIPPED
from arrears.debtsale.rules import EXCLUSIONS as SALE_EXCLUSIONS
from arrears.legal.overdraft_rules import OUTCOMES as OVERDRAFT_OUTCOMES
from arrears.models import (
    ACCOUNT_STATUSES,
    ACTION_CHANNELS,
    AGENCY_STATUSES,
    ALERT_KINDS,
    APPROVAL_STATUSES,
    ATTEMPT_KINDS,
    CALL_OUTCOMES,
    CALLBACK_STATUSES,
    CHALLENGE_STATUSES,
    COLLECTION_KINDS,
    COMMISSION_STATUSES,
    CONTACT_KINDS,
    CONTACT_PARTIES,
    DELINQUENCY_REASONS,
    HANDOVER_REASONS,
    HANDOVER_TARGETS,
    HOLD_KINDS,
    INBOUND_KINDS,
    INSTALMENT_STATUSES,
    LEGAL_CLOSE_REASONS,
    LEGAL_COST_KINDS,
    LEGAL_DEADLINE_KINDS,
    LEGAL_STAGES,
    MESSAGE_CHANNELS,
    MESSAGE_KINDS,
    MESSAGE_STATUSES,
    NOTE_KINDS,
    NOTIFICATION_OUTCOMES,
    ORDER_PURPOSES,
    ORDER_STATUSES,
    OVERDRAFT_STATUSES,
    PAYMENT_SOURCES,
    PLAN_KINDS,
    PLAN_STATUSES,
    POOL_STATUSES,
    PORTAL_REQUEST_KINDS,
    PORTAL_REQUEST_STATUSES,
    PROMISE_STATUSES,
    RECALL_REASONS,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    ROLES,
    ROUTE_STATUSES,
    RUN_STATUSES,
    SALE_STATUSES,
    SERVICE_CHANNELS,
    SERVICE_OUTCOMES,
    SERVICE_REMEDIES,
    SERVICE_STATUSES,
    STOP_STATUSES,
    TASK_STATUSES,
    TEMPLATE_STATUSES,
)

# codes stored in columns without a code list of their own
PRODUCTS = ("standard", "gold", "platinum", "uci_classic")  # the card products of Arrears' own extracts
PAYMENT_CHANNELS = ("bank_transfer", "app", "wechat_pay", "alipay", "auto_debit", "counter")  # the extract's
ACTION_STATUSES = ("planned", "claimed", "done", "sent", "blocked", "cancelled", "withdrawn")
VISIT_OUTCOMES = ("promise", "refused", "no_agreement", "no_contact", "wrong_address", "broken_off")
TASK_KINDS = ("promise_check", "plan_proposal", "call", "visit")  # follow-ups of a visit
TEAM_KINDS = ("phone", "field", "legal", "agency", "law_firm")
ARMS = ("champion", "call_early")  # the built-in strategy's arms
SALE_DECISIONS = ("approve", "reject")  # a debt sale's decision
REGULATORY_CLASSES = tuple(band.code for band in DEFAULT_CLASSES.bands)


def N_(message: str) -> str:
    return message


LABELS = (
    # roles
    N_("collector"), N_("visitor"), N_("team_lead"), N_("legal"), N_("compliance"), N_("customer_service"),
    N_("manager"), N_("admin"), N_("agency_user"), N_("lawyer"),
    # call outcomes, parties and reasons for the delinquency
    N_("no_answer"), N_("busy"), N_("wrong_number"), N_("right_party"), N_("third_party"), N_("refused"),
    N_("promise"), N_("callback"), N_("debtor"),
    N_("forgot"), N_("income_loss"), N_("illness"), N_("business_failure"), N_("overspending"),
    N_("dispute"), N_("fraud_claim"), N_("other"),
    # contact points
    N_("mobile"), N_("home_phone"), N_("work_phone"), N_("email"), N_("home_address"), N_("work_address"),
    # holds
    N_("complaint"), N_("hardship"), N_("deceased"), N_("bankruptcy"), N_("litigation"), N_("cease_contact"),
    N_("breathing_space"),
    # channels and timeline entries
    N_("sms"), N_("call"), N_("letter"), N_("visit"), N_("legal_review"), N_("agency_placement"), N_("push"),
    N_("call logged"), N_("sms logged"), N_("visit logged"), N_("payment"), N_("instalment"), N_("plan"),
    N_("inbound_call"), N_("inbound_call logged"),  # a call the cardholder placed (contacts.inbound_rules)
    # statuses
    N_("planned"), N_("claimed"), N_("done"), N_("open"), N_("kept"), N_("partly_kept"), N_("broken"),
    N_("due"), N_("active"), N_("proposed"), N_("rejected"), N_("completed"), N_("pending"), N_("approved"),
    N_("sent"), N_("blocked"), N_("cancelled"), N_("accepted"), N_("declined"),
    N_("instalment plan"), N_("deferral"), N_("unassigned"),
    # payment sources (payment.source) and a call withdrawn by a payment
    N_("gateway"), N_("extract"), N_("reconcile"), N_("reversal"), N_("withdrawn"),
    # the bank extract's payment channels (payment.channel; the case timeline shows them)
    N_("bank_transfer"), N_("app"), N_("wechat_pay"), N_("alipay"), N_("auto_debit"), N_("counter"),
    # regulatory classes
    N_("normal"), N_("special_mention"), N_("substandard"), N_("doubtful"), N_("loss"),
    # the shipped message templates (messaging/templates/shipped.toml): names, then descriptions
    N_("reminder"), N_("overdue"), N_("promise_reminder"), N_("plan_confirmation"), N_("otp"),
    N_("payment_receipt"), N_("email_overdue"), N_("app_overdue"), N_("wechat_overdue"), N_("demand"),
    N_("final_demand"), N_("pay_link"), N_("service_response"), N_("debt_sale_notice"),
    N_("notice to a cardholder that their card account was sold (债权转让通知书): whom to pay now"),
    N_("the service desk's written reply to a complaint, dispute or hardship request (复函)"),
    N_("a link to pay online, sent by a collector from the case page (not offered with the other SMS)"),
    N_("payment reminder around the due date"), N_("the account is overdue"),
    N_("reminder of a promise to pay"), N_("confirmation of a repayment plan"),
    N_("one-time code for the cardholder's sign-in"), N_("receipt of a payment"),
    N_("e-mail: the account is overdue"), N_("app notice: the account is overdue"),
    N_("WeChat official-account notice: the account is overdue"),
    N_("demand letter (催收函) with the disclosures of CBRC 2011 Art. 69"),
    N_("final demand letter (最后催收通知函) before legal review, with the disclosures of CBRC 2011 Art. 69"),
    N_("a legal case's lawyer's letter (律师函) in its law firm's name, with the Art. 69 disclosures"),
    # the shipped talk tracks' descriptions (contacts/talk_tracks.toml)
    N_("First contact: the cardholder has not been reached yet"),
    N_("Broken promise: a promise to pay was not kept"),
    N_("Hardship: the cardholder lost income, is ill, or a hardship hold is in place"),
    N_("Third party answered: say nothing of the debt, leave a message to call back"),
    N_("Refusal: the cardholder refused to pay"),
    N_("Dispute: the cardholder disputes the debt; collection waits for the answer"),
    # the other code lists: products, action, message, order, service and visit statuses and outcomes,
    # portal attempts, hand-overs, team kinds, the built-in strategy's arms
    N_("acknowledged"), N_("agency"), N_("amount_mismatch"), N_("apology"), N_("asked"), N_("assistant"),
    N_("bad_signature"), N_("bounce"), N_("broken_off"), N_("call_early"), N_("champion"), N_("charged_off"),
    N_("checked_in"), N_("closed"), N_("closed_after_success"), N_("code_failed"), N_("code_sent"),
    N_("collection"), N_("contact"), N_("correction"), N_("created"), N_("custom"), N_("delivered"),
    N_("draft"), N_("expired"), N_("failed"), N_("field"), N_("finished"), N_("gold"), N_("intent"),
    N_("invalid"), N_("locked"), N_("minimum"), N_("missed_checkout"), N_("no_agreement"), N_("no_contact"),
    N_("not_upheld"), N_("note"), N_("paid"), N_("panic"), N_("partly_upheld"), N_("payoff"), N_("phone"),
    N_("plan_proposal"), N_("platinum"), N_("portal"), N_("posted"), N_("promise_check"), N_("queued"),
    N_("receipt"), N_("refund"), N_("refunded"), N_("regulator"), N_("repeat"), N_("reply"), N_("resolved"),
    N_("retired"), N_("running"), N_("second_trade"), N_("sending"), N_("service"), N_("service_case"),
    N_("sign_in_failed"), N_("skipped"), N_("staff_action"), N_("standard"), N_("started"), N_("system"),
    N_("taken"), N_("uci_classic"), N_("unknown_order"), N_("unsure"), N_("upheld"), N_("used"), N_("waiver"),
    N_("webhook"), N_("wrong_address"),
    # legal cases (legal/case_rules.py): stages, close reasons, costs, deadlines; the law firms' teams
    N_("review"), N_("lawyer_letter"), N_("filing"), N_("hearing"), N_("judgment"), N_("enforcement"),
    N_("settled"), N_("written_off"), N_("court_fee"), N_("lawyer_fee"), N_("enforcement_cost"),
    N_("other_cost"), N_("filing_decision"), N_("appeal_window"), N_("enforcement_application"),
    N_("law_firm"),
    # debt sale (debtsale/rules.py, models/debt_sale.py): why an account was left out of a pool, a decision
    N_("not_eligible"), N_("legal_case"), N_("approve"), N_("reject"),
    # the agency register and recall (agencies/register_rules.py, recall_rules.py): an agency's status, why a
    # placement was recalled
    N_("suspended"), N_("period_end"), N_("paid_in_full"), N_("hold"), N_("agency_suspended"),
    N_("inspection_lapsed"), N_("contract_expired"), N_("agency_ineligible"), N_("manual"), N_("sold"),
    # malicious-overdraft referrals (legal/overdraft_rules.py): legal's decisions and the candidates' statuses
    N_("refer"), N_("not_refer"), N_("referred"), N_("not_referred"),
    # placement batches (agencies/placement_rules.py): a batch's status, why an account was left out before
    # sharing or not placed, a hand-over file's state on reading back
    N_("placed"), N_("empty"), N_("recalled"), N_("sold"), N_("no_agency"), N_("no_territory"),
    N_("no_capacity"), N_("ok"), N_("missing"), N_("checksum_failed"),
    # agency commissions (agencies/commission_rules.py): a statement's status, why a payment earned nothing
    N_("reviewed"), N_("no_schedule"), N_("no_band"), N_("no_delinquency"),
)  # fmt: skip
CODES = frozenset(
    (
        *ROLES, *CALL_OUTCOMES, *CONTACT_PARTIES, *DELINQUENCY_REASONS, *CONTACT_KINDS, *HOLD_KINDS,
        *ACTION_CHANNELS, *ACTION_STATUSES, *ACCOUNT_STATUSES, *ALERT_KINDS, *APPROVAL_STATUSES,
        *ATTEMPT_KINDS, *CALLBACK_STATUSES, *CHALLENGE_STATUSES, *HANDOVER_REASONS, *HANDOVER_TARGETS,
        *INBOUND_KINDS, *INSTALMENT_STATUSES, *MESSAGE_CHANNELS, *MESSAGE_KINDS, *MESSAGE_STATUSES,
        *NOTE_KINDS, *NOTIFICATION_OUTCOMES, *ORDER_PURPOSES, *ORDER_STATUSES, *PAYMENT_SOURCES,
        *PLAN_KINDS, *PLAN_STATUSES, *PORTAL_REQUEST_KINDS, *PORTAL_REQUEST_STATUSES, *PROMISE_STATUSES,
        *REQUEST_KINDS, *REQUEST_STATUSES, *ROUTE_STATUSES, *RUN_STATUSES, *SERVICE_CHANNELS,
        *SERVICE_OUTCOMES, *SERVICE_REMEDIES, *SERVICE_STATUSES, *STOP_STATUSES, *TASK_STATUSES,
        *TEMPLATE_STATUSES, *PRODUCTS, *PAYMENT_CHANNELS, *VISIT_OUTCOMES, *TASK_KINDS, *TEAM_KINDS, *ARMS,
        *REGULATORY_CLASSES, *LEGAL_STAGES, *LEGAL_CLOSE_REASONS, *LEGAL_COST_KINDS, *LEGAL_DEADLINE_KINDS,
        *OVERDRAFT_STATUSES, *COLLECTION_KINDS, *OVERDRAFT_OUTCOMES,
        *AGENCY_STATUSES, *RECALL_REASONS,
        *POOL_STATUSES, *SALE_STATUSES, *SALE_EXCLUSIONS, *SALE_DECISIONS,
        *BATCH_STATUSES, *SKIPPED, *LEFT_REASONS, *FILE_STATES,
        *COMMISSION_STATUSES, *UNRATED,
    )
)  # fmt: skip
"""Every stored code a page may show."""

ENGLISH = {
    # where a code's words are not the English label
    "sms": "SMS", "email": "e-mail", "push": "app or WeChat notice",
    "review": "legal review", "lawyer_letter": "lawyer's letter", "filing": "lawsuit filed",
    "judgment": "judgment served", "written_off": "written off", "court_fee": "court fee",
    "lawyer_fee": "lawyer's fee", "enforcement_cost": "enforcement cost", "other_cost": "other cost",
    "filing_decision": "court's decision on the filing", "appeal_window": "appeal window ends",
    "enforcement_application": "last day to apply for enforcement", "law_firm": "law firm",
    "lawyer": "law firm's lawyer",
    "admin": "administrator", "legal": "legal officer", "agency_user": "agency user",
    "customer_service": "customer service", "team_lead": "team lead", "collector": "phone collector",
    "visitor": "field visitor", "right_party": "cardholder reached", "third_party": "third party",
    "debtor": "the debtor", "refused": "refused to pay", "promise": "promise to pay",
    "callback": "callback agreed", "fraud_claim": "claims fraud", "income_loss": "loss of income",
    "partly_kept": "partly kept", "extract": "bank file", "gateway": "online payment",
    "reconcile": "reconciliation", "app": "mobile banking app", "wechat_pay": "WeChat Pay",
    "alipay": "Alipay", "auto_debit": "automatic debit", "counter": "bank counter",
    "uci_classic": "UCI classic card", "standard": "standard card", "gold": "gold card",
    "platinum": "platinum card", "missed_checkout": "missed check-out", "panic": "panic alarm",
    "checked_in": "checked in", "charged_off": "charged off", "sign_in_failed": "sign-in failed",
    "code_sent": "sign-in code sent", "code_failed": "wrong sign-in code", "closed_after_success":
    "closed after it was paid", "bad_signature": "bad signature", "unknown_order": "unknown order",
    "amount_mismatch": "amount differs", "second_trade": "second payment of an order", "repeat": "repeated",
    "payoff": "pay off in full", "minimum": "minimum payment", "custom": "an amount of their choice",
    "service_case": "service case", "intent": "the question's topic",
    "asked": "asked for a person", "unsure": "not understood", "webhook": "platform call",
    "partly_upheld": "partly upheld", "not_upheld": "not upheld", "staff_action": "action on the staff",
    "correction": "records corrected", "portal": "cardholder portal", "regulator": "regulator referral",
    "assistant": "assistant", "no_agreement": "no agreement", "no_contact": "nobody met",
    "wrong_address": "wrong address", "broken_off": "broken off", "promise_check": "check the promise",
    "plan_proposal": "propose a plan", "phone": "phone team", "field": "field team", "agency": "agency",
    "champion": "champion", "call_early": "challenger: an early call", "special_mention": "special mention",
    "cease_contact": "cease contact", "breathing_space": "breathing space", "legal_review": "legal review",
    "agency_placement": "agency placement", "home_address": "home address", "work_address": "work address",
    "home_phone": "home phone", "work_phone": "work phone",
    "refer": "refer for malicious overdraft", "not_refer": "do not refer",
    "referred": "referred for malicious overdraft", "not_referred": "not referred",
    "period_end": "placement period ended", "paid_in_full": "paid in full",
    "agency_suspended": "agency suspended", "inspection_lapsed": "agency's inspection lapsed",
    "contract_expired": "agency's contract expired", "agency_ineligible": "agency no longer eligible",
    "manual": "recalled by a manager",
    "not_eligible": "not eligible for sale (DEBT-SALE)", "legal_case": "open legal case",
    "empty": "nothing placed", "no_agency": "no agency may hold accounts",
    "no_schedule": "no commission schedule in force", "no_band": "no rate band of the schedule fits",
    "no_delinquency": "delinquency at placement unknown", "reviewed": "reviewed, waiting for approval",
    "no_territory": "no agency works the region", "no_capacity": "the agencies of the region are full",
    "ok": "checksum matches", "missing": "file missing", "checksum_failed": "checksum does not match",
}  # fmt: skip


def english(code: str) -> str:
    """A code's English label: its entry in ``ENGLISH``, else its words."""
    return ENGLISH.get(code) or code.replace("_", " ")


@cache
def strategy_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """``{"treatment": {id: (zh, en)}, "segment": {id: (zh, en)}}`` from the built-in strategy files."""
    from arrears.strategy.load import BUILT_IN, load_strategy  # the strategy schema reads the templates

    found: dict[str, dict[str, tuple[str, str]]] = {"treatment": {}, "segment": {}}
    for name in BUILT_IN:
        strategy = load_strategy(name).strategy
        for key, treatment in strategy.treatments.items():
            found["treatment"].setdefault(key, (treatment.label.zh, treatment.label.en))
        for segment in strategy.segments:
            found["segment"].setdefault(segment.id, (segment.label.zh, segment.label.en))
    return found


def strategy_label(code: str, kind: str, *, zh: bool) -> str | None:
    """A treatment's or a segment's label (``kind``) in the strategy files, None for an unknown id."""
    found = strategy_labels()[kind].get(code)
    return None if found is None else found[0 if zh else 1]
