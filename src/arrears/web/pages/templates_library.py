"""The template library: templates by channel with the version in use and the drafts waiting, a
version's preview (sample facts, zh and en), writing a new version (the SMS length and segments
counted while typing), approval or rejection by a compliance user who did not write it, the history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.api.deps import business_date
from arrears.audit.repository import audit_transaction
from arrears.contacts.talk_tracks import (
    ensure_talk_tracks,
    seed_talk_tracks,
    shipped_talk_tracks,
    talk_preview,
)
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.messaging.templates import TemplateRefused
from arrears.messaging.templates.checks import verdicts
from arrears.messaging.templates.governance import NAME, approve, history, library, reject, save_version
from arrears.messaging.templates.preview import Preview
from arrears.messaging.templates.preview import preview as message_preview
from arrears.messaging.templates.repository import Stored, TemplateRepository
from arrears.messaging.templates.service import ensure_seeded, seed_shipped
from arrears.messaging.templates.shipped import Draft, shipped
from arrears.messaging.templates.variables import CHANNELS, KINDS, VARIABLES, allowed_variables
from arrears.users.service import StaffUser
from arrears.web import sessions
from arrears.web.deps import bounded_body, locale, page, signed_in
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Editor = Annotated[sessions.Session, Depends(signed_in("template:edit"))]
Approver = Annotated[sessions.Session, Depends(signed_in("template:approve"))]
FORM_BYTES = 256 * 1024
Bounded = [Depends(bounded_body(FORM_BYTES))]


def _versions(request: Request, name: str) -> list[Stored]:
    if not NAME.match(name):
        raise NotFound(f"no template {name}", f"没有模板 {name}")
    with request.app.state.engine.connect() as connection:
        shipped_names = (*shipped().templates, *shipped_talk_tracks())
        if name in shipped_names and not TemplateRepository(connection).last_version(name):
            connection.commit()  # the read above ends; seeding writes in its own transaction
            with connection.begin():
                seed_shipped(connection, now=now(), names=(name,))
                seed_talk_tracks(connection, now=now(), names=(name,))
        return history(connection, name=name)


def preview(draft: Draft, *, today: date) -> list[Preview]:
    """A version filled with sample facts: a talk track's four sections, else the message's text."""
    return (
        talk_preview(draft, today=today) if draft.channel == "talk" else message_preview(draft, today=today)
    )


def _draft_of(form: dict[str, str], *, name: str | None = None, fixed: Stored | None = None) -> Draft:
    """The draft typed in the form; a new version keeps the channel and kind of its template."""
    channel = fixed.draft.channel if fixed else form.get("channel", "sms")
    kind = fixed.draft.kind if fixed else form.get("kind", "collection")
    text = {
        key: form.get(key, "").replace("\r\n", "\n")
        for key in ("body_zh", "body_en", "subject_zh", "subject_en")
    }
    return Draft(
        name=(name or form.get("name", "")).strip(), channel=channel, kind=kind, body_zh=text["body_zh"],
        body_en=text["body_en"], subject_zh=text["subject_zh"].strip() or None,
        subject_en=text["subject_en"].strip() or None, education=form.get("education") == "on",
        description=form.get("description", "").strip()[:200] or None,
    )  # fmt: skip


def _variables(draft: Draft, lang: str) -> list[tuple[str, str]]:
    names = sorted(allowed_variables(draft.channel, draft.kind))
    return [(name, VARIABLES[name].zh if lang == "zh_CN" else VARIABLES[name].en) for name in names]


def _editor(
    request: Request, draft: Draft, *, new: bool, status_code: int = 200, **context: Any
) -> HTMLResponse:
    lang = locale(request)
    return page(request, "template_edit.html", status_code=status_code, draft=draft, new=new,
                channels=CHANNELS, kinds=KINDS, variables=_variables(draft, lang),
                previews=preview(draft, today=business_date(request)), **context)  # fmt: skip


@router.get("/templates", response_class=HTMLResponse)
def templates_page(request: Request, session: Editor) -> HTMLResponse:
    with request.app.state.engine.begin() as connection:
        ensure_seeded(connection, now=now())
        ensure_talk_tracks(connection, now=now())
        entries = library(TemplateRepository(connection).library())
    return page(request, "templates.html", entries=entries, channels=CHANNELS)


@router.get("/templates/new", response_class=HTMLResponse)
def new_template(request: Request, session: Editor) -> HTMLResponse:
    channel = request.query_params.get("channel", "sms")
    kind = request.query_params.get("kind", "collection")
    blank = Draft(name="", channel=channel if channel in CHANNELS else "sms",
                  kind=kind if kind in KINDS else "collection", body_zh="", body_en="")  # fmt: skip
    return _editor(request, blank, new=True)


@router.get("/templates/{name}", response_class=HTMLResponse)
def template_page(request: Request, name: str, session: Editor) -> HTMLResponse:
    versions = _versions(request, name)
    in_use = next((v for v in versions if v.status == "approved"), None)
    shown = in_use or versions[0]
    return page(request, "template.html", name=name, versions=versions, in_use=in_use, shown=shown,
                previews=preview(shown.draft, today=business_date(request)),
                done=request.query_params.get("done"))  # fmt: skip


def _version_page(
    request: Request,
    session: sessions.Session,
    name: str,
    version: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A version: its texts, the preview, what the checks say of it now, and the decision form."""
    versions = _versions(request, name)
    shown = next((v for v in versions if v.version == version), None)
    if shown is None:
        raise NotFound(f"no version {version} of the template {name}", f"模板 {name} 没有第 {version} 版")
    checks = [v for v in verdicts(shown.draft, policy=request.app.state.policy) if not v.allowed]
    return page(request, "template_version.html", status_code=status_code, name=name, versions=versions,
                shown=shown, checks=checks, previews=preview(shown.draft, today=business_date(request)),
                mine=shown.created_by_id == session.user.id, done=request.query_params.get("done"),
                **context)  # fmt: skip


@router.get("/templates/{name}/versions/{version:id}", response_class=HTMLResponse)
def version_page(request: Request, name: str, version: int, session: Editor) -> HTMLResponse:
    return _version_page(request, session, name, version)


@router.get("/templates/{name}/edit", response_class=HTMLResponse)
def edit_page(request: Request, name: str, session: Editor) -> HTMLResponse:
    newest = _versions(request, name)[0]
    return _editor(request, newest.draft, new=False, based_on=newest.version)


def _save(request: Request, draft: Draft, user: StaffUser) -> Stored:
    with audit_transaction(request.app.state.engine) as connection:
        return save_version(connection, draft=draft, by=user, policy=request.app.state.policy, now=now())


@router.post("/templates", dependencies=Bounded)
async def save(request: Request, session: Editor) -> Response:
    """Saves the form as a new version (a new template when ``new`` is set), waiting for approval."""
    form, lang = await form_fields(request), locale(request)
    new = form.get("new") == "1"
    fixed = None if new else _versions(request, form.get("name", ""))[0]
    draft = _draft_of(form, fixed=fixed)
    try:
        if new and NAME.match(draft.name):
            with request.app.state.engine.connect() as connection:
                if TemplateRepository(connection).last_version(draft.name):
                    raise ArrearsError(f"a template {draft.name} exists already", f"模板 {draft.name} 已存在")
        saved = _save(request, draft, session.user)
    except TemplateRefused as refused:
        reasons = refused.reasons_zh if lang == "zh_CN" else refused.reasons_en
        return _editor(request, draft, new=new, status_code=422, reasons=reasons)
    except ArrearsError as problem:
        return _editor(request, draft, new=new, status_code=422, reasons=[problem.message(lang)])
    return RedirectResponse(
        f"/templates/{saved.draft.name}/versions/{saved.version}?done=saved", status_code=303
    )


@router.post("/templates/length", response_class=HTMLResponse, dependencies=Bounded)
async def length(request: Request, session: Editor) -> HTMLResponse:
    """The SMS length and segments of the texts being typed, filled with sample facts (htmx fragment)."""
    form = await form_fields(request)
    name = form.get("name", "")
    fixed = _versions(request, name)[0] if form.get("new") != "1" and NAME.match(name) else None
    draft = _draft_of(form, fixed=fixed)
    return page(
        request, "_template_length.html", draft=draft, previews=preview(draft, today=business_date(request))
    )


@router.post("/templates/{name}/versions/{version:id}/approve")
async def approve_version(request: Request, name: str, version: int, session: Approver) -> Response:
    """Approves a draft (checked again): it becomes the version in use."""
    policy = request.app.state.policy
    try:
        with audit_transaction(request.app.state.engine) as connection:
            approve(connection, name=name, version=version, by=session.user, policy=policy, now=now())
    except NotFound:
        raise
    except ArrearsError as problem:  # the author, a decided or outdated version, a check that now refuses
        return _version_page(
            request, session, name, version, status_code=422, error=problem.message(locale(request))
        )
    return RedirectResponse(f"/templates/{name}?done=approved", status_code=303)


@router.post("/templates/{name}/versions/{version:id}/reject")
async def reject_version(request: Request, name: str, version: int, session: Approver) -> Response:
    """Rejects a draft with a note saying why."""
    note = (await form_fields(request)).get("note", "")
    try:
        with audit_transaction(request.app.state.engine) as connection:
            reject(connection, name=name, version=version, by=session.user, note=note, now=now())
    except NotFound:
        raise
    except ArrearsError as problem:
        message = problem.message(locale(request))
        return _version_page(request, session, name, version, status_code=422, error=message, note=note)
    return RedirectResponse(f"/templates/{name}?done=rejected", status_code=303)
