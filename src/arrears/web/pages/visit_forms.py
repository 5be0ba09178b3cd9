"""The visitor's forms: the protocol and the outcome read from the posted fields, and their problems
said in the user's language with the field named (the pages keep what was typed); a position's
coordinates; the one answer for a stop that is not the pair's."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import FIRST_DAY, LAST_DAY, InvalidField
from arrears.kit.money import parse_amount_fen
from arrears.visits.schemas import FormProblem, Outcome, Protocol
from arrears.web.deps import locale, page
from arrears.web.i18n import gettext
from arrears.web.labels import N_

CHECKBOXES = (  # the protocol's ticks, in the form's order
    ("partner_present", N_("Both members of the pair are present")),
    ("staff_id_shown", N_("Staff IDs shown")),
    ("recording_on", N_("Recording on")),
    ("identity_confirmed", N_("Cardholder's identity confirmed")),
    ("consent_to_enter", N_("Consent to enter the home given")),
    ("entered_home", N_("We entered the home")),
)
FORM_NAMES = {"staff_count": "partner_present", "amount_fen": "amount"}  # model field -> form field
LABELS = dict(CHECKBOXES) | {
    "situation_heard": N_("The cardholder's situation heard"),
    "reason": N_("Reason for the delinquency"),
    "solution_offered": N_("Solution offered"),
    "agreement": N_("Agreement"),
    "notes": N_("Notes"),
    "kind": N_("Result"),
    "amount": N_("Amount (yuan)"),
    "promised_date": N_("Date"),
    "plan_months": N_("Months"),
    "plan_first_due_date": N_("First due date"),
    "outcome": N_("Outcome"),
}
DATES = ("promised_date", "plan_first_due_date")


def not_found(request: Request) -> HTMLResponse:
    lang = locale(request)
    return page(
        request,
        "error.html",
        status_code=404,
        title=gettext(lang, "Not found"),
        message=gettext(lang, "No such visit, or it is not your pair's."),
    )


def coordinate(text: str | None) -> float | None:
    """A coordinate from a form field; None when absent or not a finite number."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def form_name(field: str) -> str:
    """The form's name of a model's field."""
    return FORM_NAMES.get(field, field)


def protocol_of(form: dict[str, str]) -> Protocol:
    def ticked(name: str) -> bool:
        return form.get(name) == "on"

    return Protocol.model_validate(
        {
            "staff_count": 2 if ticked("partner_present") else 1,
            "staff_id_shown": ticked("staff_id_shown"),
            "identity_confirmed": ticked("identity_confirmed"),
            "recording_on": ticked("recording_on"),
            "consent_to_enter": ticked("consent_to_enter"),
            "entered_home": ticked("entered_home"),
            "situation_heard": ticked("situation_heard"),
            "reason": form.get("reason") or None,
            "solution_offered": form.get("solution_offered", "none"),
            "agreement": form.get("agreement", "refused"),
            "notes": form.get("notes") or None,
        }
    )


def outcome_of(form: dict[str, str], lang: str) -> Outcome:
    """The outcome; an amount that is not one raises ``FormProblem`` (its message names the label)."""
    kind = form.get("kind", "none")
    amount = form.get("amount", "").strip()
    try:
        fen = (
            parse_amount_fen(amount, field=gettext(lang, LABELS["amount"]))
            if kind == "promise" and amount
            else None
        )
    except InvalidField as problem:  # its message names the label; the form marks the field
        raise FormProblem("amount", problem.message_en, problem.message_zh) from None
    return Outcome.model_validate(
        {
            "kind": kind,
            "amount_fen": fen,
            "promised_date": form.get("promised_date") or None if kind == "promise" else None,
            "plan_months": form.get("plan_months") or None if kind == "plan" else None,
            "plan_first_due_date": form.get("plan_first_due_date") or None if kind == "plan" else None,
        }
    )


def _problem(lang: str, field: str, error: Any) -> str:
    """What is wrong with one field, in ``lang``."""
    cause, context = error.get("ctx", {}).get("error"), error.get("ctx", {})
    if isinstance(cause, ArrearsError):
        return cause.message(lang)
    if field in DATES:
        return gettext(lang, "not a date from %(first)s to %(last)s", first=FIRST_DAY, last=LAST_DAY)
    kind = error["type"]
    if kind in ("less_than_equal", "greater_than_equal"):
        word = "at most %(limit)s" if kind == "less_than_equal" else "at least %(limit)s"
        return gettext(lang, word, limit=context.get("le", context.get("ge")))
    if kind.startswith("int_"):
        return gettext(lang, "not a whole number")
    if kind == "string_too_long":
        return gettext(lang, "at most %(limit)s characters", limit=context.get("max_length"))
    if kind in ("literal_error", "enum"):
        return gettext(lang, "not one of the choices")
    return gettext(lang, "not valid")


def explain(lang: str, invalid: ValidationError) -> tuple[str, tuple[str, ...]]:
    """The message naming every field at fault (their labels, with what is wrong) and the form's names
    of those fields (to mark them)."""
    problems: dict[str, str] = {}
    for error in invalid.errors():
        cause = error.get("ctx", {}).get("error")
        field = getattr(cause, "field", None) or (str(error["loc"][0]) if error["loc"] else "")
        name = form_name(field)
        problems.setdefault(name, _problem(lang, name, error))
    lines = [
        gettext(lang, "%(field)s: %(problem)s", field=gettext(lang, LABELS.get(name, name)), problem=text)
        for name, text in problems.items()
    ]
    return gettext(lang, "Please check: %(problems)s", problems="; ".join(lines)), tuple(problems)
