"""Call quality review (质检): ``/quality`` for team leads, managers and compliance (sample calls into the
review queue, score each on the checklist) and ``/quality/mine`` for the collector (their reviews)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, parse_day
from arrears.models.quality_review import QUALITY_ITEMS, QUALITY_MARKS
from arrears.quality import rules
from arrears.quality.repository import QualityRepository
from arrears.quality.service import AlreadyScored, Reviewer, sample, score_review, score_since
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Lead = Annotated[sessions.Session, Depends(signed_in("quality:review"))]
Staff = Annotated[sessions.Session, Depends(signed_in("contact:log"))]
DONE = ("sampled", "scored")


def _reviewer(session: sessions.Session) -> Reviewer:
    user = session.user
    return Reviewer(id=user.id, username=user.username, role=user.role, team_id=user.team_id)


def _with_links(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pattern = request.app.state.settings.recorder_url_pattern
    return [{**row, "recording_link": rules.recording_link(row["recording_ref"], pattern)} for row in rows]


def _team_of(session: sessions.Session) -> int | None:
    return session.user.team_id if session.user.role == "team_lead" else None


def _context(request: Request, connection: Connection, session: sessions.Session) -> dict[str, Any]:
    repository, team = QualityRepository(connection), _team_of(session)
    return {
        "queued": _with_links(request, repository.listed(status="queued", team_id=team)),
        "scored": _with_links(request, repository.listed(status="scored", team_id=team, limit=50)),
        "no_team": session.user.role == "team_lead" and team is None,
    }


def _page(request: Request, session: sessions.Session, *, error: str | None = None, typed: dict[str, str]
          | None = None, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    day = work_day(request).date
    with request.app.state.engine.connect() as connection:
        context = _context(request, connection, session)
    done = request.query_params.get("done")
    count = request.query_params.get("n", "")
    return page(request, "quality.html", status_code=status_code, error=error, typed=typed or {},
                notice=done if done in DONE else None, count=count[:6] if count.isdigit() else "",
                day=day, **context)  # fmt: skip


@router.get("/quality", response_class=HTMLResponse)
def quality_page(request: Request, session: Lead) -> HTMLResponse:
    return _page(request, session)


def _whole(text: str, *, field: str, default: int) -> int:
    value = text.strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise InvalidField(field, f"{value[:20]!r} is not a whole number", f"{value[:20]!r} 不是整数")
    return int(value)


@router.post("/quality/sample", response_class=HTMLResponse)
async def post_sample(request: Request, session: Lead) -> Response:
    """Draws a sample of the range's calls into the review queue (audited, with its seed)."""
    form, lang = await form_fields(request), locale(request)
    try:
        first = parse_day(form.get("first", ""), field="first")
        last = parse_day(form.get("last", ""), field="last")
        count = _whole(form.get("random_count", ""), field="random_count", default=10)
        minutes = _whole(form.get("long_call_minutes", ""), field="long_call_minutes", default=10)
        with audit_transaction(request.app.state.engine) as connection:
            picked = sample(connection, by=_reviewer(session), first=first, last=last, random_count=count,
                            long_call_seconds=minutes * 60, seed=secrets.randbelow(2**31),
                            zone=request.app.state.settings.timezone, now=now())  # fmt: skip
    except ArrearsError as problem:
        return _page(request, session, error=problem.message(lang), typed=form, status_code=422)
    return RedirectResponse(f"/quality?done=sampled&n={len(picked)}", status_code=303)


def _review_page(request: Request, session: sessions.Session, review_id: int, *, error: str | None = None,
                 typed: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    with request.app.state.engine.connect() as connection:
        review = QualityRepository(connection).get(review_id)
    team = _team_of(session)
    if review is None or (team is not None and review["collector_team_id"] != team):
        lang = locale(request)
        missing = NotFound(f"no review {review_id}", f"没有质检记录 {review_id}")
        return _page(request, session, error=missing.message(lang), status_code=404)
    shown = _with_links(request, [review])[0]
    return page(request, "quality_review.html", status_code=status_code, review=shown, items=QUALITY_ITEMS,
                marks=QUALITY_MARKS, error=error, typed=typed or {})  # fmt: skip


@router.get("/quality/reviews/{review_id:id}", response_class=HTMLResponse)
def review_page(request: Request, review_id: int, session: Lead) -> HTMLResponse:
    return _review_page(request, session, review_id)


@router.post("/quality/reviews/{review_id:id}", response_class=HTMLResponse)
async def post_score(request: Request, review_id: int, session: Lead) -> Response:
    """Scores the review on the checklist (audited); 409 when another reviewer scored it first."""
    form, lang = await form_fields(request), locale(request)
    marks = {item: form.get(item, "") for item in QUALITY_ITEMS}
    note = form.get("note", "").strip() or None
    try:
        with audit_transaction(request.app.state.engine) as connection:
            score_review(connection, by=_reviewer(session), review_id=review_id, marks=marks, note=note,
                         now=now())  # fmt: skip
    except AlreadyScored as problem:
        return _review_page(request, session, review_id, error=problem.message(lang), status_code=409)
    except NotFound as problem:
        return _page(request, session, error=problem.message(lang), status_code=404)
    except ArrearsError as problem:
        return _review_page(request, session, review_id, error=said(lang, "review", problem), typed=form,
                            status_code=422)  # fmt: skip
    return RedirectResponse("/quality?done=scored", status_code=303)


@router.get("/quality/mine", response_class=HTMLResponse)
def my_reviews(request: Request, session: Staff) -> HTMLResponse:
    """The signed-in collector's scored reviews and their quality score (the last 30 days)."""
    user = session.user
    with request.app.state.engine.connect() as connection:
        repository = QualityRepository(connection)
        reviews = _with_links(request, repository.listed(status="scored", team_id=None, collector_id=user.id))
        mean = repository.averages(collector_ids=[user.id], since=score_since(now())).get(user.id)
    return page(request, "quality_mine.html", reviews=reviews, mean=mean, items=QUALITY_ITEMS)
