"""The cardholder's dispute, complaint and hardship requests: the form (``/my/account/{no}/request/
{kind}``, multipart, with up to three attachments) and the list of their requests (``/my/requests``).

The body of a request is read before anything parses it, at most ``MAX_ATTACHMENTS`` times
``settings.portal_upload_bytes`` plus ``FIELDS_BYTES``: a larger one is refused (413) without being
read further. Within that, an attachment over the limit is refused on the form (413) before it is
read, one of another type (by its first bytes) too (422), each reason named in the page's language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField
from arrears.kit.money import parse_amount_fen
from arrears.portal.accounts import accounts_of, owned_account
from arrears.portal.deps import Cardholder, portal_error, portal_page
from arrears.portal.requests import (
    CreatedRequest,
    create_request,
    requests_of_customer,
)
from arrears.portal.uploads import MAX_ATTACHMENTS, UploadRefused, too_large, too_many
from arrears.servicedesk.categories import CATEGORIES, KINDS, name, outcome_name
from arrears.web.deps import bounded_body, locale
from arrears.web.form_errors import refusal
from arrears.web.labels import N_

router = APIRouter(include_in_schema=False)
FIELDS_BYTES = 64 * 1024  # the form's other fields and the multipart framing
FIELDS = ("category", "text", "amount")


async def bounded_upload(request: Request) -> None:
    """Reads the body, refusing (413) past what three attachments and the fields can take."""
    limit = MAX_ATTACHMENTS * request.app.state.settings.portal_upload_bytes + FIELDS_BYTES
    await bounded_body(limit)(request)


def _form(
    request: Request,
    kind: str,
    account: Any,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    field: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = locale(request)
    limit = request.app.state.settings.portal_upload_bytes
    return portal_page(
        request, "my/request.html", status_code=status_code, kind=kind, account=account,
        categories=[(code, name(code, lang)) for code in CATEGORIES[kind]], kind_name=name(kind, lang),
        values=values or {}, error=error, field=field, max_files=MAX_ATTACHMENTS,
        limit_mb=f"{limit / 1024 / 1024:.1f}",
    )  # fmt: skip


def _account(request: Request, customer_id: int, account_no: str) -> Any:
    with request.app.state.engine.connect() as connection:
        return owned_account(connection, customer_id=customer_id, account_no=account_no)


@router.get("/my/account/{account_no}/request/{kind}", response_class=HTMLResponse)
def request_form(request: Request, account_no: str, kind: str, session: Cardholder) -> HTMLResponse:
    try:
        if kind not in KINDS:
            raise NotFound(f"no request kind {kind}", f"没有请求类型 {kind}")
        account = _account(request, session.customer_id, account_no)
    except NotFound:
        return portal_error(request, 404, N_("Not found"), N_("No such page or account."))
    return _form(request, kind, account)


async def _attachments(request: Request, uploads: list[Any]) -> list[bytes]:
    """The files sent (an empty file input sends an empty part: skipped), each refused past the limit
    before it is read."""
    limit = request.app.state.settings.portal_upload_bytes
    files = [item for item in uploads if isinstance(item, UploadFile) and (item.filename or item.size)]
    if len(files) > MAX_ATTACHMENTS:
        raise too_many(len(files))
    for number, upload in enumerate(files, 1):
        if upload.size is not None and upload.size > limit:
            raise too_large(number, upload.size, limit)
    return [await upload.read(limit + 1) for upload in files]


def _create(request: Request, customer_id: int, account_id: int, kind: str, values: dict[str, str],
            files: list[bytes]) -> CreatedRequest:  # fmt: skip
    amount = parse_amount_fen(values["amount"], field="amount") if values["amount"].strip() else None
    with audit_transaction(request.app.state.engine) as connection:
        return create_request(
            connection, customer_id=customer_id, account_id=account_id, kind=kind,
            category=values["category"], text=values["text"], amount_fen=amount, attachments=files,
            cipher=request.app.state.cipher, upload_limit=request.app.state.settings.portal_upload_bytes,
            desk=request.app.state.desk, now=now(),
        )  # fmt: skip


@router.post(
    "/my/account/{account_no}/request/{kind}",
    response_class=HTMLResponse,
    dependencies=[Depends(bounded_upload)],  # before the session's CSRF check parses the form
)
async def send_request(request: Request, account_no: str, kind: str, session: Cardholder) -> Response:
    try:
        if kind not in KINDS:
            raise NotFound(f"no request kind {kind}", f"没有请求类型 {kind}")
        account = await run_in_threadpool(_account, request, session.customer_id, account_no)
    except NotFound:
        return portal_error(request, 404, N_("Not found"), N_("No such page or account."))
    form = await request.form()
    values = {key: str(form.get(key) or "") if not isinstance(form.get(key), UploadFile) else ""
              for key in FIELDS}  # fmt: skip
    try:
        files = await _attachments(request, form.getlist("attachment"))
        created = await run_in_threadpool(
            _create, request, session.customer_id, account.id, kind, values, files
        )
    except UploadRefused as refused:
        status = 413 if refused.reason == "size" else 422
        return _form(request, kind, account, values=values, error=refused.message(locale(request)),
                     field="attachment", status_code=status)  # fmt: skip
    except InvalidField as invalid:
        shown = refusal(locale(request), "portal_request", values, invalid)
        return _form(request, kind, account, values=values, error=shown.message, field=invalid.field,
                     status_code=422)  # fmt: skip
    except NotFound:
        return portal_error(request, 404, N_("Not found"), N_("No such page or account."))
    except ArrearsError as refused:
        return _form(request, kind, account, values=values, error=refused.message(locale(request)),
                     status_code=422)  # fmt: skip
    return RedirectResponse(f"/my/requests?sent={created.id}", status_code=303)


def _mine(request: Request, customer_id: int) -> tuple[list[Any], list[dict[str, Any]]]:
    with request.app.state.engine.connect() as connection:
        accounts = accounts_of(connection, customer_id)
        mine = requests_of_customer(connection, customer_id=customer_id, cipher=request.app.state.cipher)
    return accounts, mine


@router.get("/my/requests", response_class=HTMLResponse)
def my_requests(request: Request, session: Cardholder) -> HTMLResponse:
    accounts, mine = _mine(request, session.customer_id)
    sent = request.query_params.get("sent", "")
    just_sent = next((row for row in mine if str(row["id"]) == sent), None)
    lang = locale(request)
    return portal_page(request, "my/requests.html", accounts=accounts, requests=mine, kinds=KINDS,
                       just_sent=just_sent, named=lambda code: name(code, lang),
                       pause_days=request.app.state.desk.hardship_pause_days,
                       outcome_named=lambda kind, code: outcome_name(kind, code, lang))  # fmt: skip
