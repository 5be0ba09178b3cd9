"""The agency register (``agency:manage``): ``/agencies``, every agency with its licence, contract,
inspection, whether it may hold accounts on the business date (or why not), its capacity and the
accounts it holds, its regions and its users (the users of the teams naming its code), and the form
for a new agency; ``/agencies/{code}``, one agency with its contact people (phone and e-mail masked),
the edit form, suspending or reinstating it, and, for a role that opens accounts, the accounts it holds
with a recall each (``manual``) and its latest recalls. Each change runs in one audited transaction;
a refused one answers 422 (409 for a state changed meanwhile) with the reason in its form, naming
the field, and what was typed.

This router is included after the other ``/agencies/...`` pages (``/agencies/batches``...): its
``/agencies/{code}`` would otherwise answer for them (and the register keeps those words from codes).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.agencies import recall, register
from arrears.agencies import register_rules as rules
from arrears.agencies.register_rules import Entry
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, parse_day
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.i18n import gettext
from arrears.web.labels import N_
from arrears.web.pages.workspace import NotInScope, form_fields

router = APIRouter(include_in_schema=False)
Manager = Annotated[sessions.Session, Depends(signed_in("agency:manage"))]
# the accounts an agency holds name accounts: a role that opens accounts recalls them
Recaller = Annotated[sessions.Session, Depends(signed_in("agency:manage", "account:read"))]
FIELDS = {
    "code": N_("Code"), "name": N_("Agency name"), "licence_no": N_("Licence no."),
    "licence_valid_until": N_("Licence valid until"), "whitelisted": N_("On the whitelist"),
    "contract_starts_on": N_("Contract from"), "contract_ends_on": N_("Contract until (last valid day)"),
    "terms_signed": N_("Outsourcing terms signed (PIPL Art. 21)"),
    "last_inspection_on": N_("Last inspection"),
    "capacity": N_("Capacity (accounts at once)"), "territories": N_("Regions worked"),
    "contacts": N_("Contact people"), "reason": N_("Reason"), "note": N_("Note"),
}  # fmt: skip
CONTACT_FIELDS = {"name": N_("Name"), "role": N_("Job title"), "phone": N_("Phone"), "email": N_("E-mail")}
_CONTACT = re.compile(r"contacts\[(\d+)\]\.(\w+)")
LABELS = (N_("suspended"),)  # the register's statuses (``active`` is labelled already)


def _said(lang: str, problem: ArrearsError) -> str:
    """The refusal's message with its field said by the form's label (``capacity: ...`` -> ``Capacity
    (accounts at once): ...``; ``contacts[2].phone`` -> ``Contact 2, Phone``)."""
    text, field = problem.message(lang), getattr(problem, "field", None)
    if field is None:
        return text
    found = _CONTACT.fullmatch(field)
    if found is not None:
        label = gettext(lang, N_("Contact %(number)s, %(field)s"), number=found.group(1),
                        field=gettext(lang, CONTACT_FIELDS.get(found.group(2), found.group(2))))  # fmt: skip
    else:
        label = gettext(lang, FIELDS.get(field, field))
    for colon in (": ", "："):
        if text.startswith(field + colon):
            text = text[len(field) + len(colon) :]
            break
    return f"{label}{'：' if lang.startswith('zh') else ': '}{text}"


def _day(form: dict[str, str], field: str) -> date | None:
    text = form.get(field, "")
    return parse_day(text, field=field) if text.strip() else None


def _contact_rows(form: dict[str, str]) -> list[dict[str, str]]:
    keys = ("name", "role", "phone", "email", "remove")
    return [{key: form.get(f"contact_{key}_{number}", "") for key in keys}
            for number in range(rules.MAX_CONTACTS + 1)]  # fmt: skip


def _entry(form: dict[str, str], *, code: str, stored_contacts: str | None) -> Entry:
    """The entry a form sends (the stored contacts' phone and e-mail kept where left empty)."""
    return Entry(
        code=code, name=form.get("name", ""), licence_no=form.get("licence_no", ""),
        licence_valid_until=_day(form, "licence_valid_until"), whitelisted=bool(form.get("whitelisted")),
        contract_starts_on=_day(form, "contract_starts_on"), contract_ends_on=_day(form, "contract_ends_on"),
        terms_signed=bool(form.get("terms_signed")), last_inspection_on=_day(form, "last_inspection_on"),
        capacity=rules.parse_capacity(form.get("capacity", "")),
        territories=rules.parse_territories(form.get("territories", "")),
        contacts=register.contacts_from_form(stored_contacts, _contact_rows(form)),
    )  # fmt: skip


def _list_page(request: Request, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    day = work_day(request).date
    with request.app.state.engine.connect() as connection:
        rows = register.register_list(connection, day=day)
    return page(request, "agencies.html", status_code=status_code, agencies=rows, day=day,
                notice=request.query_params.get("done"), max_capacity=rules.MAX_CAPACITY, **more)  # fmt: skip


@router.get("/agencies", response_class=HTMLResponse)
def register_page(request: Request, session: Manager) -> HTMLResponse:
    return _list_page(request)


def _create(request: Request, session: sessions.Session, form: dict[str, str]) -> Response:
    today = work_day(request).today
    try:
        entry = _entry(form, code=form.get("code", ""), stored_contacts=None)
        with audit_transaction(request.app.state.engine) as connection:
            register.create_agency(connection, entry, actor=session.user.username, today=today, now=now())
    except ArrearsError as problem:
        return _list_page(request, status_code=422, failed="new", error=_said(locale(request), problem),
                          typed=form, field=getattr(problem, "field", None))  # fmt: skip
    return RedirectResponse(f"/agencies/{entry.code.strip()}?done=created", status_code=303)


@router.post("/agencies")
async def create(request: Request, session: Manager) -> Response:
    form = await form_fields(request)
    return await run_in_threadpool(_create, request, session, form)


def _agency_page(
    request: Request, session: sessions.Session, code: str, *, status_code: int = 200, **more: Any
) -> HTMLResponse:
    if rules.CODE.fullmatch(code) is None:
        raise NotInScope()
    day = work_day(request).date
    with request.app.state.engine.connect() as connection:
        view = register.agency_view(connection, code, day=day)
    return page(request, "agency_register.html", status_code=status_code, view=view, day=day,
                today=work_day(request).today, notice=request.query_params.get("done"),
                contact_slots=range(min(len(view["contact_list"]) + 1, rules.MAX_CONTACTS)),
                max_capacity=rules.MAX_CAPACITY, **more)  # fmt: skip


@router.get("/agencies/{code}", response_class=HTMLResponse)
def agency_page(request: Request, code: str, session: Manager) -> HTMLResponse:
    return _agency_page(request, session, code)


def _changed(request: Request, session: sessions.Session, code: str, form: dict[str, str], what: str,
             placement_id: int | None = None) -> Response:  # fmt: skip
    if rules.CODE.fullmatch(code) is None:
        raise NotInScope()
    business, actor, moment = work_day(request), session.user.username, now()
    try:
        with audit_transaction(request.app.state.engine) as connection:
            stored = register.agency(connection, code)
            if what == "update":
                entry = _entry(form, code=stored["code"], stored_contacts=stored["contacts"])
                register.update_agency(connection, stored["code"], entry, actor=actor, day=business.date,
                                       today=business.today, now=moment)  # fmt: skip
            elif what == "suspended":
                register.suspend_agency(connection, stored["code"], reason=form.get("reason", ""),
                                        actor=actor, day=business.date, now=moment)  # fmt: skip
            elif what == "reinstated":
                register.reinstate_agency(connection, stored["code"], actor=actor, now=moment)
            else:
                assert placement_id is not None
                recall.recall_placement(connection, placement_id, day=business.date, now=moment, actor=actor,
                                        note=form.get("note"), agency_code=stored["code"])  # fmt: skip
    except NotFound:
        raise
    except InvalidField as problem:
        return _agency_page(request, session, code, status_code=422, failed=what, typed=form,
                            error=_said(locale(request), problem), field=problem.field)  # fmt: skip
    except (register.AgencyStateRefused, recall.RecallRefused) as problem:
        return _agency_page(request, session, code, status_code=409, failed=what, typed=form,
                            error=_said(locale(request), problem))  # fmt: skip
    except ArrearsError as problem:
        return _agency_page(request, session, code, status_code=422, failed=what, typed=form,
                            error=_said(locale(request), problem))  # fmt: skip
    return RedirectResponse(f"/agencies/{code}?done={what}", status_code=303)


async def _post(request: Request, session: sessions.Session, code: str, what: str,
                placement_id: int | None = None) -> Response:  # fmt: skip
    form = await form_fields(request)
    return await run_in_threadpool(_changed, request, session, code, form, what, placement_id)


@router.post("/agencies/{code}")
async def update(request: Request, code: str, session: Manager) -> Response:
    return await _post(request, session, code, "update")


@router.post("/agencies/{code}/suspend")
async def suspend(request: Request, code: str, session: Manager) -> Response:
    return await _post(request, session, code, "suspended")


@router.post("/agencies/{code}/reinstate")
async def reinstate(request: Request, code: str, session: Manager) -> Response:
    return await _post(request, session, code, "reinstated")


@router.post("/agencies/{code}/placements/{placement_id:id}/recall")
async def recall_placement(request: Request, code: str, placement_id: int, session: Recaller) -> Response:
    return await _post(request, session, code, "recalled", placement_id)
