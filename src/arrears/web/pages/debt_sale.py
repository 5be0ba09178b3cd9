"""Debt sale (``debt_sale:manage``: legal officers and managers): ``/debt-sale``, the pools and the sales
with the form that draws a pool; ``/debt-sale/pools/{id}``, a pool's criteria, summary and accounts with
the form that proposes its sale; ``/debt-sale/sales/{id}``, a sale with its decision (``debt_sale:approve``:
another person than its proposer), its accounts, the payments to forward to the buyer and the buyer's
file (``pii:reveal``; audited). Each change runs in one audited transaction; a refused one answers 422
(409 when decided meanwhile) with the reason in its form and what was typed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.debtsale import pools, rules, sales
from arrears.debtsale.salefile import SaleFileMismatch
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, parse_day
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said
from arrears.web.labels import N_
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Manager = Annotated[sessions.Session, Depends(signed_in("debt_sale:manage", "account:read"))]
Approver = Annotated[
    sessions.Session, Depends(signed_in("debt_sale:manage", "debt_sale:approve", "account:read"))
]
# the buyer's file names the cardholders in clear
Revealer = Annotated[sessions.Session, Depends(signed_in("debt_sale:manage", "account:read", "pii:reveal"))]

LABELS = (N_("approve"), N_("reject"))  # the decision's choices


def _index(request: Request, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        found, sold = pools.pool_list(connection), sales.sale_list(connection)
    return page(request, "debt_sale.html", status_code=status_code, pools=found, sales=sold,
                min_dpd=rules.MIN_DPD, day=work_day(request).date, **more)  # fmt: skip


@router.get("/debt-sale", response_class=HTMLResponse)
def debt_sale_page(request: Request, session: Manager) -> HTMLResponse:
    return _index(request)


def _min_dpd(text: str) -> int:
    try:
        return int(text.strip() or rules.MIN_DPD)
    except ValueError:
        raise InvalidField("min_dpd", "a whole number of days", "须为整数天数") from None


def _draw(request: Request, session: sessions.Session, form: dict[str, str]) -> Response:
    try:
        as_of = parse_day(form.get("as_of", ""), field="as_of")
        with audit_transaction(request.app.state.engine) as connection:
            pool_id = pools.create_pool(connection, as_of=as_of, min_dpd=_min_dpd(form.get("min_dpd", "")),
                                        name=form.get("name"), by=session.user, now=now())  # fmt: skip
    except ArrearsError as problem:
        error = said(locale(request), "debt_sale", problem)
        return _index(request, status_code=422, failed="pool", error=error, typed=form)
    return RedirectResponse(f"/debt-sale/pools/{pool_id}", status_code=303)


@router.post("/debt-sale/pools")
async def draw_pool(request: Request, session: Manager) -> Response:
    form = await form_fields(request)
    return await run_in_threadpool(_draw, request, session, form)


def _pool_page(request: Request, pool_id: int, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        view = pools.pool_view(connection, pool_id)
    business, as_of = work_day(request), view["pool"]["as_of_date"]
    latest = rules.latest_sale_day(as_of, today=business.today)
    offered = rules.offered_sale_day(as_of, today=business.today, business_day=business.date)
    return page(request, "debt_sale_pool.html", status_code=status_code, view=view, latest=latest,
                offered=offered, **more)  # fmt: skip


@router.get("/debt-sale/pools/{pool_id:id}", response_class=HTMLResponse)
def pool_page(request: Request, pool_id: int, session: Manager) -> HTMLResponse:
    return _pool_page(request, pool_id)


def _terms(form: dict[str, str]) -> rules.Terms:
    return rules.Terms(
        buyer_name=form.get("buyer_name", ""), buyer_licence=form.get("buyer_licence", ""),
        buyer_contact=form.get("buyer_contact", ""), buyer_pay_to=form.get("buyer_pay_to", ""),
        buyer_collects_itself=form.get("buyer_collects_itself") == "yes",
        price_fen=rules.parse_price(form.get("price", "")),
        sold_on=parse_day(form.get("sold_on", ""), field="sold_on"), note=form.get("note"),
    )  # fmt: skip


def _propose(request: Request, session: sessions.Session, pool_id: int, form: dict[str, str]) -> Response:
    try:
        with audit_transaction(request.app.state.engine) as connection:
            sale_id = sales.propose(connection, pool_id=pool_id, terms=_terms(form), by=session.user,
                                    today=work_day(request).today, now=now())  # fmt: skip
    except ArrearsError as problem:
        if isinstance(problem, NotFound):
            raise
        status = 409 if isinstance(problem, rules.SaleRefused) else 422
        return _pool_page(request, pool_id, status_code=status, failed="sale",
                          error=said(locale(request), "debt_sale", problem), typed=form)  # fmt: skip
    return RedirectResponse(f"/debt-sale/sales/{sale_id}", status_code=303)


@router.post("/debt-sale/pools/{pool_id:id}/sales")
async def propose_sale(request: Request, pool_id: int, session: Manager) -> Response:
    form = await form_fields(request)
    return await run_in_threadpool(_propose, request, session, pool_id, form)


def _sale_page(request: Request, sale_id: int, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        view = sales.sale_view(connection, sale_id)
    return page(request, "debt_sale_sale.html", status_code=status_code, view=view,
                notice=request.query_params.get("done"), **more)  # fmt: skip


@router.get("/debt-sale/sales/{sale_id:id}", response_class=HTMLResponse)
def sale_page(request: Request, sale_id: int, session: Manager) -> HTMLResponse:
    return _sale_page(request, sale_id)


def _decide(request: Request, session: sessions.Session, sale_id: int, form: dict[str, str]) -> Response:
    settings, outcome = request.app.state.settings, form.get("outcome", "")
    try:
        with audit_transaction(request.app.state.engine) as connection:
            if outcome == "approve":
                sales.approve(connection, sale_id=sale_id, by=session.user, today=work_day(request).today,
                              now=now(), data_dir=settings.data_dir, cipher=request.app.state.cipher,
                              note=form.get("note"))  # fmt: skip
            elif outcome == "reject":
                sales.reject(
                    connection, sale_id=sale_id, by=session.user, reason=form.get("note", ""), now=now()
                )
            else:
                raise InvalidField("outcome", "approve or reject", "请选择批准或拒绝")
    except ArrearsError as problem:
        if isinstance(problem, NotFound):
            raise
        status = 409 if isinstance(problem, sales.SaleMoved) else 422
        return _sale_page(request, sale_id, status_code=status, failed="decision",
                          error=said(locale(request), "debt_sale", problem), typed=form)  # fmt: skip
    return RedirectResponse(f"/debt-sale/sales/{sale_id}?done={outcome}", status_code=303)


@router.post("/debt-sale/sales/{sale_id:id}/decision")
async def decide_sale(request: Request, sale_id: int, session: Approver) -> Response:
    form = await form_fields(request)
    return await run_in_threadpool(_decide, request, session, sale_id, form)


@router.get("/debt-sale/sales/{sale_id:id}/file.csv")
def sale_file(request: Request, sale_id: int, session: Revealer) -> Response:
    """The buyer's file, checked against its SHA-256 before it is sent; the download audited
    (``debt_sale.file_downloaded``), a file that changed refused (409, ``debt_sale.file_mismatch``)."""
    engine, data_dir = request.app.state.engine, request.app.state.settings.data_dir
    try:
        with audit_transaction(engine) as connection:
            body, name = sales.download(
                connection, sale_id=sale_id, by=session.user, data_dir=data_dir, now=now()
            )
    except SaleFileMismatch as mismatch:
        with audit_transaction(engine) as connection:
            sales.record_mismatch(
                connection, sale_id=sale_id, by=session.user, now=now(), said=mismatch.message_en
            )
        return _sale_page(
            request, sale_id, status_code=409, failed="file", error=mismatch.message(locale(request))
        )
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
