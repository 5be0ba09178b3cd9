"""``arrears serve``: the web app and the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer

from arrears.cli.common import reports_errors

PROXIES_SETTING = "FORWARDED_ALLOW_IPS"  # uvicorn's own: the proxies whose X-Forwarded-* are believed


def proxy_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """uvicorn's proxy options: X-Forwarded-For and -Proto are believed only from the proxies
    ``FORWARDED_ALLOW_IPS`` names. Unset, they are ignored (uvicorn would otherwise believe any
    client connecting from 127.0.0.1, which could then pick its address and escape the portal's
    per-client limits)."""
    trusted = environ.get(PROXIES_SETTING, "").strip()
    return {"proxy_headers": True, "forwarded_allow_ips": trusted} if trusted else {"proxy_headers": False}


@reports_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy: cn, us or a policy file."),
    dispatch: bool = typer.Option(
        False,
        "--dispatch/--no-dispatch",
        help="Also run `arrears dispatch` (sms, email, push) in a child process while serving, so that "
        "one-time codes, receipts and collectors' messages go out: for a single-host installation "
        "or the demo (a larger one runs dispatchers of its own).",
    ),
) -> None:
    """Serve the staff workspace, the cardholder portal (/my), the API (/api/v1, OpenAPI at
    /openapi.json) and /healthz on the configured database."""
    import os
    import subprocess
    import sys

    import uvicorn

    from arrears import migrate
    from arrears.db import get_engine
    from arrears.web.app import create_app

    migrate.upgrade(get_engine())
    app = create_app(policy=policy)
    dispatcher = None
    if dispatch:
        dispatcher = subprocess.Popen([sys.executable, "-m", "arrears", "dispatch", "--policy", policy])
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", **proxy_options(os.environ))
    finally:
        if dispatcher is not None:
            dispatcher.terminate()  # SIGTERM: it finishes the batch in hand
            try:
                dispatcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                dispatcher.kill()
