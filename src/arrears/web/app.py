"""The FastAPI application: ``create_app()`` builds it from the settings."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arrears import __version__
from arrears.api import (
    accounts,
    actions,
    arrangements,
    auth,
    compliance,
    dashboard,
    payments,
    queue,
    webhooks,
)
from arrears.compliance import load_policy
from arrears.config import Settings, get_settings
from arrears.db import get_engine
from arrears.kit.crypto import FieldCipher, load_master_key
from arrears.servicedesk.setup import DeskSetup
from arrears.users.service import token_key
from arrears.web import bad_input
from arrears.web.deps import BadCsrf, BodyTooLarge, Forbidden, PasswordChangeRequired, SignInRequired, locale
from arrears.web.i18n import HERE, gettext
from arrears.web.labels import N_
from arrears.web.pages import actions as action_pages
from arrears.web.pages import admin as admin_pages
from arrears.web.pages import agencies as agency_register
from arrears.web.pages import agency as agency_page
from arrears.web.pages import (
    agency_batches,
    compliance_desk,
    dossier,
    legal,
    legal_cases,
    legal_firms,
    legal_overdraft,
    my_assistant,
    my_auth,
    my_owe,
    my_pay,
    my_plans,
    my_requests,
    pay_gateway,
    pay_link,
    portal_requests,
    service_desk,
    templates_library,
    visit_planning,
    workspace,
)
from arrears.web.pages import agency_commissions as commission_pages
from arrears.web.pages import agency_league as league_page
from arrears.web.pages import agenda as agenda_page
from arrears.web.pages import arrangements as arrangement_pages
from arrears.web.pages import auth as auth_pages
from arrears.web.pages import dashboard as dashboard_page
from arrears.web.pages import debt_sale as debt_sale_pages
from arrears.web.pages import inbound as inbound_pages
from arrears.web.pages import outbox as outbox_page
from arrears.web.pages import payments as payment_pages
from arrears.web.pages import quality as quality_pages
from arrears.web.pages import team as team_page
from arrears.web.pages import visits as visit_pages
from arrears.web.pages.workspace import NotInScope

# pages hold personal data: never cached, never framed, scripts only from this site
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, policy: str = "cn"
) -> FastAPI:
    """The app on the settings' database (or ``engine``), signing tokens with a key derived from the
    master key, and checking actions against ``policy``."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Arrears",
        version=__version__,
        description="Collections for card issuers: work queues, case files, compliance, the daily run.",
    )
    master_key = load_master_key(settings)
    app.state.settings = settings
    app.state.engine = engine or get_engine(settings)
    app.state.token_key = token_key(master_key)
    app.state.cipher = FieldCipher(master_key)
    app.state.policy = load_policy(policy)
    app.state.desk = DeskSetup.of(settings, app.state.policy)
    app.state.desk_cache = {}  # the service desk's counts and figures, kept briefly (web/desk_cache.py)
    for router in (
        auth.router,
        compliance.router,
        queue.router,
        accounts.router,
        arrangements.router,
        actions.router,
        dashboard.router,
        webhooks.router,  # signed by the platforms, no staff sign-in
        payments.router,  # the gateway's notifications: signed, no sign-in
    ):
        app.include_router(router)
    for router in (
        auth_pages.router,
        workspace.router,
        agenda_page.router,  # the start page's agenda, polled
        team_page.router,  # the floor view for team leads
        quality_pages.router,  # call quality review: sample, score, a collector's reviews
        dossier.router,  # the facts staff learn about a cardholder (the case page's dossier)
        arrangement_pages.router,
        dashboard_page.router,
        action_pages.router,
        visit_pages.router,
        visit_planning.router,
        outbox_page.router,
        pay_link.router,  # the case page's payments and the collector's pay link
        portal_requests.router,  # the cardholders' requests, for the staff
        service_desk.router,  # complaints, disputes and hardship: the desk and its cases
        templates_library.router,
        admin_pages.router,  # users, teams and their leads, the agencies' users
        inbound_pages.router,  # customer service's inbound call view
        agency_page.router,  # the accounts placed with the agency user's agency
        agency_batches.router,  # placement batches: the summary, the agencies refused, the hand-over files
        commission_pages.router,  # agencies' monthly commission statements: review, approval, files
        league_page.router,  # the agencies' league table of a month
        legal.router,  # legal review: referrals and requests, the decision
        legal_cases.router,  # legal cases: steps, deadlines, costs, the law firm
        legal_overdraft.router,  # malicious overdraft: the daily check's candidates, the decision, the pack
        legal_firms.router,  # a law firm's monthly fee statement
        debt_sale_pages.router,  # debt sale: pools, sales and their decision, the buyer's file, forwards
        compliance_desk.router,  # the audit trail, the chain's state, overrides, holds by kind
        payment_pages.router,
        pay_gateway.router,  # the simulated gateway's checkout page
        my_auth.router,  # the cardholder portal: its own sessions and cookies
        my_owe.router,
        my_pay.router,
        my_plans.router,
        my_requests.router,
        my_assistant.router,  # the assistant's chat: open signed in or not
        # the agency register, last: its /agencies/{code} must not answer for the other /agencies/... pages
        agency_register.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    bad_input.install(app)  # before _add_handlers: the security headers wrap its answers too
    _add_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict[str, Any]:
        """200 when the database answers."""
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app


SERVE_POLICY_ENV = "ARREARS_SERVE_POLICY"


def create_served_app() -> FastAPI:
    """What each worker process of ``arrears serve --workers N`` builds (uvicorn's factory
    ``arrears.web.app:create_served_app``): ``create_app`` on the settings of the environment, checking
    actions against the policy that ``ARREARS_SERVE_POLICY`` names (``arrears serve`` sets it from
    ``--policy``; unset: cn)."""
    return create_app(policy=os.environ.get(SERVE_POLICY_ENV) or "cn")


def _error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    lang = locale(request)
    return bad_input.error_page(request, status_code=status_code, title=gettext(lang, title),
                                message=gettext(lang, message))  # fmt: skip


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    def sign_in(request: Request, problem: SignInRequired) -> Response:
        target = f"/login?next={quote(problem.next_path)}"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    def password_first(request: Request, problem: PasswordChangeRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=403, headers={"HX-Redirect": "/account/password"})
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, problem: Forbidden) -> Response:
        return _error_page(request, 403, N_("Not allowed"), N_("Your role may not do this."))

    @app.exception_handler(BadCsrf)
    def bad_csrf(request: Request, problem: BadCsrf) -> Response:
        return _error_page(
            request, 403, N_("Not allowed"), N_("The form has expired. Please reload the page.")
        )

    @app.exception_handler(BodyTooLarge)
    def too_large(request: Request, problem: BodyTooLarge) -> Response:
        return _error_page(request, 413, N_("Too large"), N_("The file is too large."))

    @app.exception_handler(NotInScope)
    def not_in_scope(request: Request, problem: NotInScope) -> Response:
        return _error_page(request, 404, N_("Not found"), N_("No such account, or it is not yours to open."))

    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """:data:`SECURITY_HEADERS` and ``Cache-Control: no-store`` on every answer but static files and the
    API's docs (plain ASGI: no task or stream of its own per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/static/", "/docs", "/redoc")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
