"""The admin's pages (``user:admin``): users (``/admin/users``: the list with role, team, state and last
activity; create; one user's page to change the role and team, deactivate or reactivate, reset the
password), teams and their leads (``/admin/teams``) and the agencies' users (``/admin/agencies``). A
one-time password is shown once, in the answer to the form that made it (never in a URL, never again).
Every change runs in one audited transaction (``users.admin``); a refusal comes back as the page (422)
with the message and what was typed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.agencies.register_repository import RegisterRepository
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, optional_id, parse_id, shown
from arrears.models.app_user import ROLES
from arrears.users import admin
from arrears.users.admin_repository import AdminRepository, UserFilter
from arrears.users.admin_rules import TEAM_KINDS
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.form_errors import said
from arrears.web.labels import N_

router = APIRouter(include_in_schema=False)
Admin = Annotated[sessions.Session, Depends(signed_in("user:admin"))]
PER_PAGE = 50
MAX_PAGE = 100_000
TEAM_KIND_NAMES = {
    "phone": N_("Phone team"),
    "field": N_("Field team"),
    "legal": N_("Legal team"),
    "agency": N_("Agency team"),
    "law_firm": N_("Law firm"),
}
ACTIONS = {  # the audit entries about a user, in words
    "user.created": N_("created"),
    "user.password_reset": N_("password reset"),
    "user.role_changed": N_("role or team changed"),
    "user.deactivated": N_("deactivated"),
    "user.activated": N_("reactivated"),
}
DONE = {  # ?done= notices after a change
    "role": N_("Role and team saved; the user's sessions have ended."),
    "unchanged": N_("Nothing to change."),
    "deactivated": N_("User deactivated; their sessions have ended."),
    "activated": N_("User reactivated."),
    "team": N_("Team created."),
    "lead": N_("Team lead set; the user's sessions have ended."),
}


def _page_number(text: str) -> int:
    value = optional_id(text) if text.strip() else 1
    if value is None or value > MAX_PAGE:
        raise InvalidField("page", f"{shown(text)} is not a page number", f"{shown(text)} 不是有效的页码")
    return value


def _filter(q: str, role: str, team: str, status: str) -> UserFilter:
    if len(q) > 80:
        raise InvalidField("q", "at most 80 characters", "最多 80 个字符")
    if role and role not in ROLES:
        raise InvalidField("role", f"{shown(role)} is not a role", f"{shown(role)} 不是有效的角色")
    if status not in ("", "active", "inactive"):
        raise InvalidField("status", f"{shown(status)} is not a state", f"{shown(status)} 不是有效的状态")
    return UserFilter(
        q.strip(),
        role or None,
        parse_id(team, field="team") if team.strip() else None,
        None if not status else status == "active",
    )


async def _form(request: Request) -> dict[str, str]:
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")
    return DONE.get(done)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: Admin,
    q: str = "",
    role: str = "",
    team: str = "",
    status: str = "",
    page_no: Annotated[str, Query(alias="page")] = "1",
) -> HTMLResponse:
    return _users(request, chosen=_filter(q, role, team, status), number=_page_number(page_no))


def _users(
    request: Request, *, chosen: UserFilter, number: int, status_code: int = 200, **more: Any
) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        repository = AdminRepository(connection)
        rows, total = repository.users(chosen, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
        teams = repository.teams()
    pages = max(1, -(-total // PER_PAGE))
    return page(
        request,
        "admin_users.html",
        status_code=status_code,
        users=rows,
        total=total,
        number=number,
        pages=pages,
        chosen=chosen,
        teams=teams,
        roles=ROLES,
        team_kinds=TEAM_KIND_NAMES,
        notice=_notice(request),
        typed=more.pop("typed", {}),
        **more,
    )


@router.post("/admin/users", response_class=HTMLResponse)
async def create_user(request: Request, session: Admin) -> HTMLResponse:
    form = await _form(request)
    return await run_in_threadpool(_create_user, request, session, form)


def _create_user(request: Request, session: sessions.Session, form: dict[str, str]) -> HTMLResponse:
    try:
        team = form.get("team", "").strip()
        new = admin.NewUser(
            form.get("username", ""),
            form.get("display_name", ""),
            form.get("role", ""),
            parse_id(team, field="team") if team else None,
        )
        with audit_transaction(request.app.state.engine) as connection:
            created = admin.create(connection, new=new, actor=session.user, now=now())
    except ArrearsError as problem:
        return _users(
            request,
            chosen=UserFilter(),
            number=1,
            status_code=422,
            typed=form,
            error=said(locale(request), "user", problem),
        )
    return _user(request, session, created.user.id, password=created.password, created=True)


def _user(
    request: Request, session: sessions.Session, user_id: int, *, status_code: int = 200, **more: Any
) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        repository = AdminRepository(connection)
        found = repository.user(user_id)
        if found is None:
            raise NotFound(f"no user {user_id}", f"没有用户 {user_id}")
        teams, history = repository.teams(), repository.history(user_id)
    return page(
        request,
        "admin_user.html",
        status_code=status_code,
        person=found,
        teams=teams,
        history=history,
        actions=ACTIONS,
        roles=ROLES,
        team_kinds=TEAM_KIND_NAMES,
        myself=found["id"] == session.user.id,
        notice=_notice(request),
        **more,
    )


@router.get("/admin/users/{user_id:id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int, session: Admin) -> HTMLResponse:
    return _user(request, session, user_id)


def _changed(request: Request, session: sessions.Session, user_id: int, change: Any, done: str) -> Response:
    """Runs ``change(connection)`` in an audited transaction: back to the user's page with ``done`` (or
    ``unchanged``), or the page with the refusal (422)."""
    try:
        with audit_transaction(request.app.state.engine) as connection:
            changed = change(connection)
    except NotFound:
        raise
    except ArrearsError as problem:
        return _user(request, session, user_id, status_code=422, error=said(locale(request), "user", problem))
    return RedirectResponse(
        f"/admin/users/{user_id}?done={done if changed else 'unchanged'}", status_code=303
    )


@router.post("/admin/users/{user_id:id}/role")
async def change_role(request: Request, user_id: int, session: Admin) -> Response:
    form = await _form(request)

    def change(connection: Any) -> bool:
        team = form.get("team", "").strip()
        return admin.change_role(
            connection,
            user_id=user_id,
            role=form.get("role", ""),
            actor=session.user,
            team_id=parse_id(team, field="team") if team else None,
            now=now(),
        )

    return await run_in_threadpool(_changed, request, session, user_id, change, "role")


@router.post("/admin/users/{user_id:id}/deactivate")
async def deactivate(request: Request, user_id: int, session: Admin) -> Response:
    return await run_in_threadpool(
        _changed,
        request,
        session,
        user_id,
        lambda connection: admin.set_active(
            connection, user_id=user_id, active=False, actor=session.user, now=now()
        ),
        "deactivated",
    )


@router.post("/admin/users/{user_id:id}/activate")
async def activate(request: Request, user_id: int, session: Admin) -> Response:
    return await run_in_threadpool(
        _changed,
        request,
        session,
        user_id,
        lambda connection: admin.set_active(
            connection, user_id=user_id, active=True, actor=session.user, now=now()
        ),
        "activated",
    )


@router.post("/admin/users/{user_id:id}/password", response_class=HTMLResponse)
def reset_password(request: Request, user_id: int, session: Admin) -> HTMLResponse:
    """A new one-time password, shown once in this answer."""
    try:
        with audit_transaction(request.app.state.engine) as connection:
            password = admin.reset_password(connection, user_id=user_id, actor=session.user, now=now())
    except NotFound:
        raise
    except ArrearsError as problem:
        return _user(request, session, user_id, status_code=422, error=problem.message(locale(request)))
    return _user(request, session, user_id, password=password)


@router.get("/admin/teams", response_class=HTMLResponse)
def teams_page(request: Request, session: Admin) -> HTMLResponse:
    return _teams(request)


def _teams(request: Request, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        repository = AdminRepository(connection)
        teams, leadable = repository.teams(), repository.leadable()
    return page(
        request,
        "admin_teams.html",
        status_code=status_code,
        teams=teams,
        leadable=leadable,
        kinds=TEAM_KINDS,
        team_kinds=TEAM_KIND_NAMES,
        notice=_notice(request),
        typed=more.pop("typed", {}),
        **more,
    )


@router.post("/admin/teams", response_class=HTMLResponse)
async def create_team(request: Request, session: Admin) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_create_team, request, session, form)


def _create_team(request: Request, session: sessions.Session, form: dict[str, str]) -> Response:
    new = admin.NewTeam(
        form.get("code", ""), form.get("name", ""), form.get("kind", ""), form.get("agency_code", "")
    )
    try:
        with audit_transaction(request.app.state.engine) as connection:
            admin.create_team(connection, new=new, actor=session.user, now=now())
    except ArrearsError as problem:
        return _teams(request, status_code=422, typed=form, error=problem.message(locale(request)))
    return RedirectResponse("/admin/teams?done=team", status_code=303)


@router.post("/admin/teams/{team_id:id}/lead", response_class=HTMLResponse)
async def set_lead(request: Request, team_id: int, session: Admin) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_set_lead, request, session, team_id, form)


def _set_lead(request: Request, session: sessions.Session, team_id: int, form: dict[str, str]) -> Response:
    try:
        user_id = parse_id(form.get("user", ""), field="user")
        with audit_transaction(request.app.state.engine) as connection:
            admin.set_lead(connection, team_id=team_id, user_id=user_id, actor=session.user, now=now())
    except NotFound:
        raise
    except ArrearsError as problem:
        return _teams(request, status_code=422, error=problem.message(locale(request)), failed_team=team_id)
    return RedirectResponse("/admin/teams?done=lead", status_code=303)


@router.get("/admin/agencies", response_class=HTMLResponse)
def agencies_page(request: Request, session: Admin) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        agencies = AdminRepository(connection).agency_users()
        registered = {str(one["code"]) for one in RegisterRepository(connection).agencies()}
    return page(request, "admin_agencies.html", agencies=agencies, registered=registered)
