"""Recording what a collector or visitor learned about a cardholder, from the case page or from a
visit's page (the case page shows it in its dossier: ``web.dossier_view``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.accounts.dossier_rules import FactInput
from arrears.accounts.learned_facts import record_fact
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, optional_id, parse_day
from arrears.users.permissions import allowed
from arrears.users.scope import may_open
from arrears.users.service import StaffUser
from arrears.visits import fieldwork
from arrears.web import sessions
from arrears.web.deps import locale, signed_in
from arrears.web.form_errors import refusal
from arrears.web.pages import visits as visit_pages
from arrears.web.pages.workspace import NotInScope, case_with_error, form_fields

router = APIRouter(include_in_schema=False)
Recorder = Annotated[sessions.Session, Depends(signed_in("contact:log"))]


def _fact_of(form: dict[str, str]) -> tuple[FactInput, int | None]:
    learned = form.get("learned_date", "").strip()
    if not learned:
        raise InvalidField("learned_date", "give the date you learned it", "请填写了解到的日期")
    stop = form.get("visit_stop_id", "").strip()
    stop_id = optional_id(stop)
    if stop and stop_id is None:  # not an id a row can have (other digits, past 2^31-1)
        raise InvalidField("visit_stop_id", "is not a visit", "不是外访")
    fact = FactInput(
        kind=form.get("kind", ""),
        value=form.get("value", ""),
        source=form.get("source", ""),
        learned_date=parse_day(learned, field="learned_date"),
    )
    return fact, stop_id


def _may_record(connection: Connection, user: StaffUser, account_id: int, stop_id: int | None) -> bool:
    """The user may open the case, or the fact comes from a visit of this account by the user's pair."""
    if may_open(connection, user, account_id):
        return True
    if stop_id is None or not allowed(user.role, "visit:work"):
        return False
    try:
        stop = fieldwork.pair_stop(connection, stop_id, user)
    except fieldwork.StopNotFound:
        return False
    return bool(stop["account_id"] == account_id)


@router.post("/cases/{account_id:id}/facts", response_class=HTMLResponse)
async def post_fact(request: Request, account_id: int, session: Recorder) -> Response:
    """Records what a collector or visitor learned; back to the case page (or the visit's page, for a
    fact learned on a visit) with the fact in the history; a refused fact shows again in its form."""
    form, lang = await form_fields(request), locale(request)
    visit = optional_id(form.get("visit_stop_id", ""))
    on_visit = form.get("back") == "stop" and visit is not None
    try:
        fact, stop_id = _fact_of(form)
        with audit_transaction(request.app.state.engine) as connection:
            if not _may_record(connection, session.user, account_id, stop_id):
                raise NotInScope()
            record_fact(connection, account_id=account_id, user=session.user, fact=fact,
                        cipher=request.app.state.cipher, today=_calendar_day(request), now=now(),
                        visit_stop_id=stop_id)  # fmt: skip
    except ArrearsError as problem:
        refused = refusal(lang, "fact", form, problem)
        if on_visit and visit is not None:
            stop_page = visit_pages._stop_page  # the visit's page, with the refusal and what was typed
            return stop_page(request, session, visit, error=refused.message,
                             status_code=422, given=form)  # fmt: skip
        return case_with_error(request, session, account_id, refused)
    if on_visit and stop_id is not None:
        return RedirectResponse(f"/visits/stops/{stop_id}?done=fact", status_code=303)
    return RedirectResponse(f"/cases/{account_id}?done=fact#dossier", status_code=303)


def _calendar_day(request: Request) -> date:
    """Today in the cardholders' zone: a fact may be learned today even when the day's run is behind."""
    return now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()
