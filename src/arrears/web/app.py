"""The FastAPI application: ``create_app()`` builds it from the settings."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import Engine, text

from arrears import __version__
from arrears.api import accounts, auth, compliance, queue
from arrears.compliance import load_policy
from arrears.config import Settings, get_settings
from arrears.db import get_engine
from arrears.kit.crypto import load_master_key
from arrears.users.service import token_key


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
    app.state.engine = engine or get_engine(settings)
    app.state.token_key = token_key(load_master_key(settings))
    app.state.policy = load_policy(policy)
    app.include_router(auth.router)
    app.include_router(compliance.router)
    app.include_router(queue.router)
    app.include_router(accounts.router)

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict[str, Any]:
        """200 when the database answers."""
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app
