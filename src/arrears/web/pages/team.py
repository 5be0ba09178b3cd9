"""The floor view (``/team``) for team leads and managers: who holds which case and for how long, the
queue by bucket and segment, callbacks at risk, promises due, each collector's day against the day's
targets; reassigning a case or a share of the queue, setting the targets. A team lead sees their own
team; a manager chooses one (``?team=``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.audit.repository import audit_transaction
from arrears.floor import assign, targets
from arrears.floor.board import board
from arrears.floor.repository import FloorRepository
from arrears.floor.rules import MAX_COUNT, MAX_SHARE, parse_target
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, check_text, optional_id, parse_day, parse_id
from arrears.quality.service import quality_scores
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import Refusal, form_state, refusal
from arrears.web.pages.agenda import REFRESH_SECONDS
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Lead = Annotated[sessions.Session, Depends(signed_in("team:lead"))]
DONE = ("claimed", "reserved", "shared", "targets")  # the notices after a move or a change


def _team(connection: Connection, session: sessions.Session, asked: str | None) -> dict[str, Any] | None:
    """The team the page shows: a team lead's own; for a manager the one asked for (``?team=`` or the
    form's ``team``), else the first team that works a queue. None: no team to show."""
    repository = FloorRepository(connection)
    if session.user.role == "team_lead":
        return repository.team(session.user.team_id) if session.user.team_id is not None else None
    chosen = optional_id(asked or "")
    teams = {one["id"]: one for one in repository.teams()}
    if chosen is not None and chosen in teams:
        return teams[chosen]
    return next(iter(teams.values()), None)


def _context(request: Request, connection: Connection, session: sessions.Session, asked: str | None
             ) -> dict[str, Any]:  # fmt: skip
    team = _team(connection, session, asked)
    day = work_day(request).date
    found = None
    if team is not None:
        found = board(connection, team_id=team["id"], business_date=day, now=now(),
                      zone=request.app.state.settings.timezone)  # fmt: skip
    choices = FloorRepository(connection).teams() if session.user.role != "team_lead" else []
    case = optional_id(request.query_params.get("case", ""))  # a row's "reassign": the form filled in
    picked = next((one for one in found.claims if one["action_id"] == case), None) if found and case else None
    members = [one["id"] for one in found.members] if found else []
    quality = quality_scores(connection, user_ids=members, now=now())
    return {"team": team, "board": found, "teams": choices, "refresh": REFRESH_SECONDS, "quality": quality,
            "max_share": MAX_SHARE, "max_count": MAX_COUNT, "picked": picked}  # fmt: skip


def _page(request: Request, session: sessions.Session, asked: str | None, *, refused: Refusal | None = None,
          template: str = "team.html") -> HTMLResponse:  # fmt: skip
    work_day(request)  # read before the page's connection is taken
    with request.app.state.engine.connect() as connection:
        context = _context(request, connection, session, asked)
    done = request.query_params.get("done")
    moved = request.query_params.get("account", "")[:64]
    return page(request, template, status_code=422 if refused else 200,
                error=refused.message if refused else None, notice=done if done in DONE else None,
                moved=moved, **form_state(refused), **context)  # fmt: skip


@router.get("/team", response_class=HTMLResponse)
def floor_page(request: Request, session: Lead, team: str | None = None) -> HTMLResponse:
    return _page(request, session, team)


@router.get("/team/board", response_class=HTMLResponse)
def floor_fragment(request: Request, session: Lead, team: str | None = None) -> HTMLResponse:
    """The floor's figures alone, polled by the page (htmx) so that it stays current."""
    return _page(request, session, team, template="_team_board.html")


def _back(team: dict[str, Any] | None, done: str, account: str = "") -> RedirectResponse:
    query = f"?team={team['id']}&done={done}" if team else f"?done={done}"
    return RedirectResponse(f"/team{query}" + (f"&account={account}" if account else ""), status_code=303)


def _chosen_team(request: Request, session: sessions.Session, form: dict[str, str]) -> dict[str, Any]:
    """The team a form acts on: a team lead's own; for a manager the form's ``team``, which must be one."""
    with request.app.state.engine.connect() as connection:
        team = _team(connection, session, form.get("team"))
    if team is None:
        raise ArrearsError("you lead no team", "您没有带领的团队")
    if session.user.role != "team_lead" and optional_id(form.get("team", "")) != team["id"]:
        raise InvalidField("team", "choose one of the teams", "请选择一个团队")
    return team


@router.post("/team/reassign", response_class=HTMLResponse)
async def reassign_case(request: Request, session: Lead) -> Response:
    """Gives a case (a row of the floor, or an account typed in) to a collector of the team."""
    form, lang = await form_fields(request), locale(request)
    day = work_day(request).date
    try:
        team = _chosen_team(request, session, form)
        to = parse_id(form.get("to", ""), field="to")
        held_by = optional_id(form.get("held_by", ""))
        if form.get("held_by", "").strip() and held_by is None:
            raise InvalidField("held_by", "not an id", "不是有效的编号")
        with audit_transaction(request.app.state.engine) as connection:
            if form.get("action_id", "").strip():
                action = parse_id(form["action_id"], field="action_id")
            else:
                typed = check_text(form.get("account_no", ""), field="account_no")
                if not typed.strip():
                    raise InvalidField("account_no", "type the account number", "请输入账号")
                action = assign.call_of_account(connection, account_no=typed, run_date=day)
                held_by = assign.holder(connection, action_id=action, now=now())
            moved = assign.reassign(connection, action_id=action, to_user_id=to, expected_holder=held_by,
                                    actor=session.user, run_date=day, now=now(),
                                    max_held=request.app.state.settings.max_held_cases)  # fmt: skip
    except ArrearsError as problem:
        return _page(request, session, form.get("team"), refused=refusal(lang, "reassign", form, problem))
    return _back(team, moved.outcome, moved.account_no)


@router.post("/team/share", response_class=HTMLResponse)
async def share_queue(request: Request, session: Lead) -> Response:
    """Reserves n free cases of a bucket and segment for a collector of the team."""
    form, lang = await form_fields(request), locale(request)
    try:
        team = _chosen_team(request, session, form)
        to = parse_id(form.get("to", ""), field="to")
        count_text = form.get("count", "").strip()
        if not count_text.isascii() or not count_text.isdigit() or len(count_text) > 6:
            raise InvalidField(
                "count", f"a whole number from 1 to {MAX_SHARE}", f"须为 1 至 {MAX_SHARE} 的整数"
            )
        bucket = check_text(form.get("bucket", ""), field="bucket").strip()[:10] or None
        segment = check_text(form.get("segment", ""), field="segment").strip()[:60] or None
        with audit_transaction(request.app.state.engine) as connection:
            assign.share(connection, to_user_id=to, count=int(count_text), bucket=bucket, segment=segment,
                         actor=session.user, run_date=work_day(request).date, now=now())  # fmt: skip
    except ArrearsError as problem:
        return _page(request, session, form.get("team"), refused=refusal(lang, "share", form, problem))
    return _back(team, "shared")


@router.post("/team/targets", response_class=HTMLResponse)
async def set_targets(request: Request, session: Lead) -> Response:
    """Sets the day's targets of the team, or of one of its collectors."""
    form, lang = await form_fields(request), locale(request)
    business = work_day(request).date
    try:
        team = _chosen_team(request, session, form)
        user = parse_id(form["user"], field="user") if form.get("user", "").strip() else None
        on = parse_day(form["date"], field="date") if form.get("date", "").strip() else business
        target = parse_target(form)
        with audit_transaction(request.app.state.engine) as connection:
            targets.set_target(connection, team_id=team["id"], user_id=user, on=on, target=target,
                               actor=session.user, business_date=business, now=now())  # fmt: skip
    except ArrearsError as problem:
        return _page(request, session, form.get("team"), refused=refusal(lang, "targets", form, problem))
    return _back(team, "targets")
