"""A refused form on the case page: the message names the field by its label, in the user's language;
the page shows it inside the form that was sent, marks the field, and fills the form in again with
what was typed (nothing typed is lost)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from arrears.kit.errors import ArrearsError
from arrears.web.i18n import gettext
from arrears.web.labels import N_

FORMS: dict[str, dict[str, str]] = {  # each form's fields and their labels on the page
    "call": {
        "contact_point_id": N_("Number called"), "party": N_("Who answered"), "outcome": N_("Outcome"),
        "conversation": N_("Spoke with the cardholder"), "reason": N_("Reason for the delinquency"),
        "promise_amount": N_("Amount (yuan)"), "promise_date": N_("Promise date"), "notes": N_("Notes"),
    },
    "plan": {
        "kind": N_("Kind"), "months": N_("Months"), "first_due_date": N_("First payment due"),
        "waived_interest": N_("Interest waived (yuan)"), "waived_fee": N_("Fees waived (yuan)"),
        "down_payment": N_("Down payment (yuan)"), "down_payment_date": N_("Down payment due"),
    },
    "sms": {"template": N_("Template")},
    "fact": {"kind": N_("Topic"), "value": N_("What you learned"), "source": N_("Source"),
             "learned_date": N_("Learned on"), "visit_stop_id": N_("Visit")},
    "callback": {"due_at": N_("When (cardholder's local time)"), "note": N_("Note")},
    "hold": {"kind": N_("Kind"), "reason": N_("Reason"),
             "expires_at": N_("Until (cardholder's local time, optional)")},
    "note": {"text": N_("Text"), "kind": N_("Kind")},
    "resolve": {"outcome": N_("Outcome"), "remedies": N_("Remedies"), "refund": N_("Refund (yuan)"),
                "text": N_("Decision and reasons (goes into the response letter)")},
    "assign": {"assignee": N_("Assign to")},
    "portal_request": {"category": N_("What is it about?"), "text": N_("What happened"),
                       "amount": N_("Amount in dispute (yuan, optional)"),
                       "attachment": N_("Attachments (optional)")},
    "service": {"kind_category": N_("What the cardholder raises"), "channel": N_("How it came in"),
                "summary": N_("What the cardholder says"), "amount": N_("Amount disputed (yuan)"),
                "regulator_ref": N_("Referral number"), "involved_user": N_("Staff member involved"),
                "involved_agency": N_("Agency involved")},
    # the floor view (/team): moving work between collectors, the day's targets
    "reassign": {"to": N_("Give to"), "account_no": N_("Account no."), "action_id": N_("Case in the queue"),
                 "held_by": N_("Held by")},
    "share": {"to": N_("Give to"), "count": N_("How many cases"), "bucket": N_("Bucket"),
              "segment": N_("Segment")},
    "targets": {"user": N_("Whose target"), "date": N_("Date"), "calls": N_("Calls"),
                "rpcs": N_("Right-party contacts"), "promises": N_("Promises taken"),
                "collected": N_("Collected (yuan)")},
    # the legal queue's decision, a call quality review's checklist, an administrator's user forms
    "legal": {"reason": N_("Reason")},
    "overdraft": {"reason": N_("Reason"), "outcome": N_("Decision")},
    "commission": {"month": N_("Month"), "agency": N_("Agency")},
    "debt_sale": {"as_of": N_("As of"), "min_dpd": N_("Days past due at least"), "name": N_("Name"),
                  "buyer_name": N_("Buyer"), "buyer_licence": N_("Licence or registration number"),
                  "buyer_contact": N_("Where cardholders reach the buyer"),
                  "buyer_pay_to": N_("How cardholders pay the buyer"), "price": N_("Price (yuan)"),
                  "sold_on": N_("Sale date"), "note": N_("Note"), "reason": N_("Note"),
                  "outcome": N_("Decision"),
                  "buyer_collects_itself": N_("The buyer collects the accounts itself")},
    "legal_case": {"to": N_("Next stage"), "on": N_("Date"), "document": N_("Document"), "note": N_("Note"),
                   "close_reason": N_("Why it closes"), "hearing_on": N_("Hearing date"),
                   "perform_by": N_("Last day of performance"), "kind": N_("Kind of cost"),
                   "amount": N_("Amount"), "incurred_on": N_("Date"), "firm": N_("Law firm")},
    "review": {"identification": N_("Identified themselves and the cardholder"),
               "disclosure": N_("Gave the required disclosure"), "no_threats": N_("No threats or abuse"),
               "no_third_party_disclosure": N_("No disclosure to a third party"),
               "solution_offered": N_("Offered a solution"),
               "agreement_confirmed": N_("Confirmed the agreement"), "note": N_("Note")},
    "user": {"username": N_("Username"), "display_name": N_("Name"), "role": N_("Role"), "team": N_("Team")},
}  # fmt: skip
# where a model's field is typed in a form (``CallLog.promise.amount_fen`` is the promise's amount)
FORM_FIELDS = {"promise": "promise_amount", "promise.amount_fen": "promise_amount",
               "amount_fen": "promise_amount", "promise.promised_date": "promise_date",
               "promised_date": "promise_date"}  # fmt: skip
_PLACES = {"body", "query", "path", "form"}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A form the case page shows again: ``form`` (call, plan, sms, callback, hold), the ``message``,
    the ``field`` at fault (None when the form as a whole was refused) and what was ``typed``."""

    form: str
    message: str
    field: str | None
    typed: dict[str, str]


def refusal(lang: str, form: str, typed: dict[str, str], problem: Exception) -> Refusal:
    """The refusal of ``form`` for ``problem``: an ArrearsError (its ``field`` if it names one), a
    pydantic ValidationError, or a ValueError whose message is the field's name."""
    found, text = _explained(lang, problem)
    name = FORM_FIELDS.get(found, found) if found else None
    if text is None:  # a value the code refused without saying why: empty, or not valid
        left_empty = name is not None and not typed.get(name, "").strip()
        text = gettext(lang, N_("This is required.") if left_empty else N_("This value is not valid."))
    label = FORMS[form].get(name) if name else None
    if name is None or label is None:
        return Refusal(form, text, None, typed)
    return Refusal(form, _named(lang, text, found or name, gettext(lang, label)), name, typed)


def said(lang: str, form: str, problem: Exception) -> str:
    """What a page says of ``problem`` refusing ``form``: its message with the field it names said by
    its label (``FORMS``), not by its code (``reason: ...`` -> ``Reason: ...``)."""
    return refusal(lang, form, {}, problem).message


def _dotted(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc if part not in _PLACES)


def _explained(lang: str, problem: Exception) -> tuple[str | None, str | None]:
    """The field the problem names (as the code calls it) and what is wrong in ``lang``, if it says."""
    if isinstance(problem, ValidationError):
        error = problem.errors()[0]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, ArrearsError):
            return getattr(cause, "field", None) or _dotted(error["loc"]) or None, cause.message(lang)
        return _dotted(error["loc"]) or None, None
    if isinstance(problem, ArrearsError):
        return getattr(problem, "field", None), problem.message(lang)
    return str(problem) or None, None


def _named(lang: str, text: str, code_name: str, label: str) -> str:
    """``text`` saying the field by its ``label``: a leading ``field: `` (as InvalidField says it)
    becomes the label, else the label is put in front."""
    for colon in (": ", "："):
        if text.startswith(code_name + colon):
            text = text[len(code_name) + len(colon) :]
            break
    return f"{label}{'：' if lang.startswith('zh') else ': '}{text}"


def form_state(refused: Refusal | None) -> dict[str, Any]:
    """What the case page's forms need to show a refusal: ``failed`` (the form's name), ``was(form,
    name, default)`` (what was typed there) and ``invalid(form, name)`` (the field's ARIA marks)."""

    def was(form: str, name: str, default: str = "") -> str:
        if refused is None or refused.form != form:
            return default
        return refused.typed.get(name, "")

    def invalid(form: str, name: str) -> Markup:
        if refused is None or refused.form != form or refused.field != name:
            return Markup("")
        return Markup(' aria-invalid="true" aria-describedby="{}-error"').format(form)

    failed: str | None = refused.form if refused else None
    helpers: dict[str, Callable[..., Any]] = {"was": was, "invalid": invalid}
    return {"failed": failed, **helpers}
