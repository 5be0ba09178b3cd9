"""Words stored as codes (roles, outcomes, kinds, statuses) that the pages show translated.

``N_`` only marks them for the catalog (``scripts/i18n``); templates translate them with ``_(code)``.
A test checks that every code here has a zh_CN translation.
"""

from __future__ import annotations

from arrears.models import (
    ACTION_CHANNELS,
    CALL_OUTCOMES,
    CONTACT_KINDS,
    CONTACT_PARTIES,
    DELINQUENCY_REASONS,
    HOLD_KINDS,
    ROLES,
)


def N_(message: str) -> str:
    return message


LABELS = (
    # roles
    N_("collector"), N_("visitor"), N_("team_lead"), N_("legal"), N_("compliance"), N_("customer_service"),
    N_("manager"), N_("admin"), N_("agency_user"),
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
    N_("final_demand"), N_("pay_link"), N_("service_response"),
    N_("the service desk's written reply to a complaint, dispute or hardship request (复函)"),
    N_("a link to pay online, sent by a collector from the case page (not offered with the other SMS)"),
    N_("payment reminder around the due date"), N_("the account is overdue"),
    N_("reminder of a promise to pay"), N_("confirmation of a repayment plan"),
    N_("one-time code for the cardholder's sign-in"), N_("receipt of a payment"),
    N_("e-mail: the account is overdue"), N_("app notice: the account is overdue"),
    N_("WeChat official-account notice: the account is overdue"),
    N_("demand letter (催收函) with the disclosures of CBRC 2011 Art. 69"),
    N_("final demand letter (最后催收通知函) before legal review, with the disclosures of CBRC 2011 Art. 69"),
)  # fmt: skip
CODES = frozenset(
    (
        *ROLES,
        *CALL_OUTCOMES,
        *CONTACT_PARTIES,
        *DELINQUENCY_REASONS,
        *CONTACT_KINDS,
        *HOLD_KINDS,
        *ACTION_CHANNELS,
    )
)
