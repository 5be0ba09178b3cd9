"""The audit trail in words: each action, subject and detail that the trail's page shows, with its
label (``N_`` marks them for the catalog; the page translates them with ``_``).

A test checks that every action the code appends to the chain has a label here; an action without
one is shown as its area's label and its last part in words.
"""

from __future__ import annotations

from arrears.web.labels import N_

ACTION_LABELS: dict[str, str] = {
    # compliance and personal data
    "compliance.decision": N_("rulebook decision recorded"),
    "compliance.override": N_("rulebook decision overridden"),
    "pii.reveal": N_("personal data revealed"),
    # holds, calls, contact points
    "hold.placed": N_("hold placed"),
    "hold.lifted": N_("hold lifted"),
    "call.backdated": N_("call logged with an earlier time"),
    "contact.inbound": N_("inbound call logged"),
    "fact.learned": N_("fact about the cardholder recorded"),
    "contact_point.invalidated": N_("contact point marked invalid"),
    "contact_point.opted_out": N_("contact point opted out"),
    # plans
    "plan.proposed": N_("plan proposed"),
    "plan.approved": N_("plan approved"),
    "plan.rejected": N_("plan rejected"),
    # debt sale
    "debt_sale.pool_created": N_("debt sale pool drawn"),
    "debt_sale.proposed": N_("debt sale proposed"),
    "debt_sale.approved": N_("debt sale approved: the accounts sold"),
    "debt_sale.rejected": N_("debt sale rejected"),
    "debt_sale.file_downloaded": N_("buyer's file of a debt sale downloaded"),
    "debt_sale.file_mismatch": N_("buyer's file of a debt sale refused: it no longer matches its checksum"),
    "debt_sale.payment_flagged": N_("payment on a sold account flagged to forward to the buyer"),
    # legal
    "legal.proceeded": N_("legal review: proceed with legal action"),
    "legal.returned": N_("legal review: returned to collection"),
    "legal.overdraft_referred": N_("malicious overdraft: referred"),
    "legal.overdraft_not_referred": N_("malicious overdraft: not referred"),
    "legal.overdraft_pack": N_("malicious overdraft: referral pack downloaded"),
    "legal_case.opened": N_("legal case opened"),
    "legal_case.step": N_("legal case: step recorded"),
    "legal_case.assigned": N_("legal case: law firm assigned"),
    "legal_case.cost": N_("legal case: cost recorded"),
    "legal_case.evidence_pack": N_("legal case: evidence pack made (personal data in clear)"),
    "legal_case.letter": N_("legal case: lawyer's letter issued"),
    # payments
    "payment.posted": N_("payment posted"),
    "payment.reversed": N_("payment reversed"),
    "payment.effects": N_("payment applied to promises and plans"),
    "payment.notification": N_("payment notification received"),
    "payment.order_created": N_("payment order created"),
    "payment.review_resolved": N_("payment notification review resolved"),
    "reconcile.run": N_("settlement file reconciled"),
    # messages and templates
    "outbox.retried": N_("message retried"),
    "outbox.cancelled": N_("message cancelled"),
    "template.saved": N_("template version saved"),
    "template.approved": N_("template version approved"),
    "template.rejected": N_("template version rejected"),
    # the service desk
    "service_case.opened": N_("service case opened"),
    "service_case.acknowledged": N_("service case acknowledged"),
    "service_case.assigned": N_("service case assigned"),
    "service_case.note": N_("service case note added"),
    "service_case.resolved": N_("service case resolved"),
    "service_case.closed": N_("service case closed"),
    "service_case.escalated": N_("service case escalated"),
    "service_case.letter": N_("service response letter queued"),
    # the portal and the assistant
    "portal.sign_in": N_("cardholder signed in"),
    "portal.sign_in_failed": N_("cardholder sign-in failed"),
    "portal.code_sent": N_("sign-in code sent"),
    "portal.locked": N_("cardholder sign-in locked"),
    "portal.plan_accepted": N_("plan accepted by the cardholder"),
    "portal.promise": N_("promise made by the cardholder"),
    "portal.preferences": N_("contact preferences changed"),
    "portal.request": N_("cardholder request received"),
    "portal.request_taken": N_("cardholder request taken"),
    "portal.request_closed": N_("cardholder request closed"),
    "portal.attachment_downloaded": N_("attachment downloaded"),
    "assistant.handover": N_("assistant handed over"),
    # field visits
    "visit.checked_in": N_("visit: checked in"),
    "visit.checked_out": N_("visit: checked out"),
    "visit.outcome": N_("visit outcome recorded"),
    "visit.photo_added": N_("visit photo added"),
    "visit.protocol": N_("visit protocol recorded"),
    "visit.refused": N_("visit refused"),
    "safety.raised": N_("safety alert raised"),
    "safety.acknowledged": N_("safety alert acknowledged"),
    # users, teams, the floor
    "user.created": N_("user created"),
    "user.role_changed": N_("user's role or team changed"),
    "user.activated": N_("user activated"),
    "user.deactivated": N_("user deactivated"),
    "user.password_reset": N_("user's password reset"),
    "team.created": N_("team created"),
    "team.lead_set": N_("team lead set"),
    "queue.reassigned": N_("case reassigned"),
    "queue.shared": N_("share of the queue assigned"),
    "targets.set": N_("day's targets set"),
    "quality.sampled": N_("calls sampled for quality review"),
    "quality.scored": N_("call quality review scored"),
    # agencies: the register and recall
    "agency.created": N_("agency put on the register"),
    "agency.updated": N_("agency's register entry changed"),
    "agency.suspended": N_("agency suspended"),
    "agency.reinstated": N_("agency reinstated"),
    "agency_placement.recalled": N_("account recalled from the agency"),
    # agencies: placement batches and their hand-over files
    "agency.batch_placed": N_("placement batch made"),
    "agency.handover_rewritten": N_("hand-over file written again (it failed its checksum)"),
    "agency.handover_downloaded": N_("hand-over file downloaded"),
    # agencies: commissions
    "commission.rates_set": N_("agency's commission schedule set"),
    "commission.statement_made": N_("commission statement made"),
    "commission.reviewed": N_("commission statement reviewed"),
    "commission.approved": N_("commission statement approved"),
    "commission.downloaded": N_("commission statement file downloaded"),
}

AREA_LABELS: dict[str, str] = {
    "compliance": N_("compliance"), "pii": N_("personal data"), "hold": N_("hold"), "call": N_("call"),
    "debt_sale": N_("debt sale"),
    "contact": N_("contact"), "fact": N_("cardholder's profile"),
    "contact_point": N_("contact point"), "plan": N_("plan"), "legal": N_("legal review"),
    "payment": N_("payment"), "reconcile": N_("reconciliation"), "outbox": N_("message"),
    "template": N_("template"), "service_case": N_("service case"), "portal": N_("portal"),
    "assistant": N_("assistant"), "visit": N_("visit"), "safety": N_("safety alert"), "user": N_("user"),
    "team": N_("team"), "queue": N_("queue"), "targets": N_("targets"),
    "quality": N_("call quality review"), "agency": N_("agency"), "commission": N_("agency commission"),
}  # fmt: skip

SUBJECT_LABELS: dict[str, str] = {
    "card_account": N_("account"), "customer": N_("cardholder"), "hold": N_("hold"), "plan": N_("plan"),
    "debt_sale": N_("debt sale"), "debt_sale_pool": N_("debt sale pool"),
    "action": N_("daily run's action"), "collection_action": N_("daily run's action"),
    "contact_event": N_("contact"), "contact_point": N_("contact point"), "payment": N_("payment"),
    "payment_order": N_("payment order"), "gateway_notification": N_("gateway notification"),
    "reconciliation": N_("reconciliation"), "outbox_message": N_("message"),
    "message_template": N_("template"), "service_case": N_("service case"),
    "portal_request": N_("cardholder request"), "attachment": N_("attachment"),
    "promise_to_pay": N_("promise to pay"), "assistant_conversation": N_("assistant conversation"),
    "visit_stop": N_("visit"), "safety_alert": N_("safety alert"), "app_user": N_("user"), "team": N_("team"),
    "agency": N_("agency"), "agency_placement": N_("agency placement"),
    "quality_review": N_("call quality review"), "placement_batch": N_("placement batch"),
    "commission_statement": N_("commission statement"),
}  # fmt: skip

DETAIL_LABELS: dict[str, str] = {  # the details the trail shows, in this order (others stay in the chain)
    "outcome": N_("Outcome"), "decision": N_("Decided instead"), "kind": N_("Kind"), "status": N_("Status"),
    "category": N_("Category"), "channel": N_("Channel"), "template": N_("Template"),
    "amount_fen": N_("Amount"), "fields": N_("Fields"), "role": N_("Role"), "level": N_("Level"),
    "reason": N_("Reason"), "why": N_("Reason"),
}  # fmt: skip
FREE_TEXT = ("reason", "why")  # details a person wrote: masked for a reader without pii:reveal
DECISIONS = (N_("allow"), N_("block"))  # an override's decision


def action_label(action: str) -> tuple[str, str | None]:
    """The label of ``action`` (a message to translate), and for an action without one the rest of
    the code in words (shown after its area's label)."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action], None
    area, _, rest = action.partition(".")
    return AREA_LABELS.get(area, N_("other")), (rest or area).replace("_", " ")
