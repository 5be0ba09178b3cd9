"""Compliance's first screen (``audit:read``): the audit trail searched by account number, actor,
action and dates, newest first, with the chain's state (``/compliance``; verified again from its
first entry by ``POST /compliance/verify``); the manual overrides of rulebook decisions with their
reasons (``/compliance/overrides``); the holds in force by kind (``/compliance/holds``). Free text
(reasons) is masked for a reader without ``pii:reveal``."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.accounts.free_text import known_masks, mask_text
from arrears.audit.oversight import OversightRepository
from arrears.audit.trail import ACCOUNT_SUBJECT, TrailFilter, TrailRepository
from arrears.audit.watch import ChainView, ChainWatch
from arrears.kit.clock import now
from arrears.kit.inputs import InvalidField, parse_day
from arrears.models import HOLD_KINDS
from arrears.servicedesk.categories import NAMES as CATEGORY_NAMES
from arrears.servicedesk.categories import name as category_name
from arrears.users.permissions import allowed
from arrears.web import sessions
from arrears.web.audit_labels import ACTION_LABELS, DETAIL_LABELS, FREE_TEXT, SUBJECT_LABELS, action_label
from arrears.web.deps import locale, page, signed_in
from arrears.web.timefmt import zone_of

router = APIRouter(include_in_schema=False)
Auditor = Annotated[sessions.Session, Depends(signed_in("audit:read"))]
PER_PAGE = 50
MAX_PAGE = 100_000
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="the page (from 1)")]
ACTION_CODE = re.compile(r"[a-z_]{1,40}(?:\.[a-z_]{1,39})?")
_ACTOR_ID = re.compile(r"user:([0-9]{1,12})")  # a step the service desk recorded by the user's id
_WATCH_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Search:
    """The trail's search as typed (validated): account number, actor, action, first and last day."""

    account: str = ""
    actor: str = ""
    action: str = ""
    first: date | None = None
    last: date | None = None

    @property
    def query(self) -> str:
        """The search as a query string (for the pages' links)."""
        fields = {"account": self.account, "actor": self.actor, "action": self.action,
                  "from": self.first.isoformat() if self.first else "",
                  "to": self.last.isoformat() if self.last else ""}  # fmt: skip
        return urlencode({name: value for name, value in fields.items() if value})


def parse_search(account: str, actor: str, action: str, first: str, last: str) -> Search:
    """The search's fields, trimmed and checked; InvalidField (422) naming the one refused."""
    account, actor, action = account.strip(), actor.strip(), action.strip()
    if len(account) > 64:
        raise InvalidField("account", "an account number has at most 64 characters", "账号最多 64 个字符")
    if len(actor) > 120:
        raise InvalidField("actor", "an actor has at most 120 characters", "操作人最多 120 个字符")
    if action and ACTION_CODE.fullmatch(action) is None:
        raise InvalidField("action", "choose an action from the list", "请从列表中选择操作")
    first_day = parse_day(first, field="from") if first.strip() else None
    last_day = parse_day(last, field="to") if last.strip() else None
    if first_day and last_day and last_day < first_day:
        raise InvalidField("to", "the last day is before the first day", "结束日期早于开始日期")
    return Search(account, actor, action, first_day, last_day)


def _watch(request: Request) -> ChainWatch:
    """This process's chain state (kept on the app)."""
    with _WATCH_LOCK:
        found: ChainWatch | None = getattr(request.app.state, "audit_watch", None)
        if found is None:
            found = ChainWatch()
            request.app.state.audit_watch = found
        return found


def chain_state(request: Request) -> ChainView:
    return _watch(request).current(request.app.state.engine.connect, now=now())


@router.get("/compliance/chain", response_class=HTMLResponse)
def chain_fragment(request: Request, session: Auditor) -> HTMLResponse:
    """The chain's state alone (the page polls it while a verification goes on)."""
    return page(request, "_chain_state.html", chain=chain_state(request))


def _filter(request: Request, connection: Connection, search: Search) -> TrailFilter | None:
    """The trail's filter for the search; None when the account number names no account."""
    zone = zone_of(request.app.state.settings, "staff")
    account = TrailRepository(connection).account(search.account) if search.account else None
    if search.account and account is None:
        return None
    return TrailFilter(
        account_id=account["id"] if account else None,
        customer_id=account["customer_id"] if account else None,
        actor=search.actor or None,
        actor_id=TrailRepository(connection).user_id(search.actor) if search.actor else None,
        action=search.action or None,
        since=datetime.combine(search.first, time(), zone) if search.first else None,
        until=datetime.combine(search.last + timedelta(days=1), time(), zone) if search.last else None,
    )


def _account_named(entry: dict[str, Any]) -> object:
    """The account an entry names: its subject (an account), the overridden action's account, or the
    ``account_id`` of its details."""
    if entry["subject_type"] == ACCOUNT_SUBJECT and (entry["subject_id"] or "").isdigit():
        return int(entry["subject_id"][:12])
    return entry.get("account_id") or entry["details"].get("account_id")


def _shown(entries: list[dict[str, Any]], accounts: dict[int, tuple[str, int]], masks: dict[int, Any],
           clear: bool, lang: str, users: dict[int, str]) -> list[dict[str, Any]]:  # fmt: skip
    """The entries as the page lists them: the actor (a ``user:<id>`` by the username), the action's
    label, the subject (an account by its number), and the details the page shows, free text masked
    unless ``clear``, a category in ``lang``'s words."""
    shown = []
    for entry in entries:
        actor = _ACTOR_ID.fullmatch(entry["actor"] or "")
        if actor and int(actor.group(1)) in users:
            entry = entry | {"actor": users[int(actor.group(1))]}
        details = entry["details"]
        named = _account_named(entry)
        account = accounts.get(named) if type(named) is int else None
        label, rest = action_label(entry["action"])
        customer = details.get("customer_id") if isinstance(details.get("customer_id"), int) else None
        known = masks.get(account[1] if account else customer or 0, {})
        shown.append(entry | {
            "label": label, "rest": rest, "account_id": named if account else None,
            "account_no": account[0] if account else None,
            "subject_label": SUBJECT_LABELS.get(entry["subject_type"] or ""),
            "shown": [_detail(key, details[key], known, clear, lang) for key in DETAIL_LABELS
                      if details.get(key) not in (None, "", [])],
        })  # fmt: skip
    return shown


def _detail(key: str, value: Any, known: dict[str, str], clear: bool, lang: str) -> dict[str, Any]:
    if key in FREE_TEXT:
        text = str(value)
        return {"label": DETAIL_LABELS[key], "text": text if clear else mask_text(text, known)}
    if key == "amount_fen" and isinstance(value, int):
        return {"label": DETAIL_LABELS[key], "amount": value}
    codes = [str(one) for one in value] if isinstance(value, list) else [str(value)]
    if key == "category" and all(code in CATEGORY_NAMES for code in codes):  # a service case's, a request's
        return {"label": DETAIL_LABELS[key], "text": ", ".join(category_name(code, lang) for code in codes)}
    return {"label": DETAIL_LABELS[key], "codes": codes}


def _entries(request: Request, session: sessions.Session, connection: Connection,
             entries: list[dict[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    repository = TrailRepository(connection)
    accounts = repository.accounts_named(_account_named(entry) for entry in entries)
    clear = allowed(session.user.role, "pii:reveal")
    customers = {one[1] for one in accounts.values()}
    customers |= {entry["details"]["customer_id"] for entry in entries
                  if isinstance(entry["details"].get("customer_id"), int)}  # fmt: skip
    masks = {} if clear else known_masks(connection, customers, cipher=request.app.state.cipher)
    ids = [int(found.group(1)) for entry in entries if (found := _ACTOR_ID.fullmatch(entry["actor"] or ""))]
    return _shown(entries, accounts, masks, clear, locale(request), repository.usernames(ids))


@router.get("/compliance", response_class=HTMLResponse)
def trail_page(
    request: Request,
    session: Auditor,
    account: Annotated[str, Query(max_length=200)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=200)] = "",
    first: Annotated[str, Query(alias="from", max_length=40)] = "",
    last: Annotated[str, Query(alias="to", max_length=40)] = "",
    page_no: PageNo = 1,
) -> HTMLResponse:
    search = parse_search(account, actor, action, first, last)
    state = chain_state(request)
    with request.app.state.engine.connect() as connection:
        wanted = _filter(request, connection, search)
        repository = TrailRepository(connection)
        total = repository.count(wanted) if wanted else 0
        pages = max(1, -(-total // PER_PAGE))
        shown_page = min(page_no, pages)
        found = (
            repository.search(wanted, offset=(shown_page - 1) * PER_PAGE, limit=PER_PAGE) if wanted else []
        )
        entries = _entries(request, session, connection, found)
    return page(request, "compliance.html", tab="trail", search=search, entries=entries, total=total,
                page_no=shown_page, pages=pages, chain=state, no_account=wanted is None,
                search_query=search.query, actions=sorted(ACTION_LABELS), action_label=action_label,
                notice=request.query_params.get("done"))  # fmt: skip


@router.post("/compliance/verify")
def verify_again(request: Request, session: Auditor) -> Response:
    """Verifies the chain again from its first entry (the page shows the result)."""
    _watch(request).restart()
    chain_state(request)
    return RedirectResponse("/compliance?done=verified", status_code=303)


@router.get("/compliance/overrides", response_class=HTMLResponse)
def overrides_page(request: Request, session: Auditor, page_no: PageNo = 1) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        repository = TrailRepository(connection)
        total = repository.count(TrailFilter(action="compliance.override"))
        pages = max(1, -(-total // PER_PAGE))
        shown_page = min(page_no, pages)
        found = repository.overrides(offset=(shown_page - 1) * PER_PAGE, limit=PER_PAGE)
        entries = _entries(request, session, connection, found)
    return page(request, "compliance.html", tab="overrides", entries=entries, total=total,
                page_no=shown_page, pages=pages)  # fmt: skip


@router.get("/compliance/holds", response_class=HTMLResponse)
def holds_page(
    request: Request, session: Auditor, kind: Annotated[str, Query(max_length=40)] = "", page_no: PageNo = 1
) -> HTMLResponse:
    kind = kind.strip()
    if kind and kind not in HOLD_KINDS:
        raise InvalidField("kind", "choose a kind of hold from the list", "请从列表中选择停催类型")
    moment, clear = now(), allowed(session.user.role, "pii:reveal")
    with request.app.state.engine.connect() as connection:
        repository = OversightRepository(connection)
        counts = repository.hold_counts(at=moment)
        total = counts.get(kind, 0) if kind else sum(counts.values())
        pages = max(1, -(-total // PER_PAGE))
        shown_page = min(page_no, pages)
        holds = repository.holds(
            at=moment, kind=kind or None, offset=(shown_page - 1) * PER_PAGE, limit=PER_PAGE
        )
        if not clear:
            masks = known_masks(
                connection, {row["customer_id"] for row in holds}, cipher=request.app.state.cipher
            )
            holds = [
                row | {"reason": mask_text(row["reason"], masks.get(row["customer_id"], {}))} for row in holds
            ]
    return page(request, "compliance.html", tab="holds", counts=counts, holds=holds, kind=kind, total=total,
                page_no=shown_page, pages=pages)  # fmt: skip
