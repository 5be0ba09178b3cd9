"""``arrears serve``: the web app and the API."""

from __future__ import annotations

import copy
import logging
import os
import re
from typing import Any

import typer

from arrears.cli.common import reports_errors

MAX_WORKERS = 64
SERVED_APP = "arrears.web.app:create_served_app"  # what each worker process builds (--workers N > 1)


def proxy_options(trusted_proxies: str) -> dict[str, Any]:
    """uvicorn's proxy options: X-Forwarded-For and -Proto are believed only from the proxies
    ``ARREARS_TRUSTED_PROXIES`` names. Unset, they are ignored (uvicorn would otherwise believe any
    client connecting from 127.0.0.1, which could then pick its address and escape the portal's
    per-client limits)."""
    trusted = trusted_proxies.strip()
    return {"proxy_headers": True, "forwarded_allow_ips": trusted} if trusted else {"proxy_headers": False}


_ACCOUNT_IN_PATH = re.compile(r"(/my/account/)[^/?#\s]*?([^/?#\s]{0,4})(?=[/?#\s]|$)")


class MaskedAccessLog(logging.Filter):
    """The access log names no cardholder's account: ``/my/account/6222020012345678/pay`` is logged
    as ``/my/account/****5678/pay`` (the portal's pages carry the account number in their path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(masked_path(one) if isinstance(one, str) else one for one in record.args)
        return True


def masked_path(path: str) -> str:
    return _ACCOUNT_IN_PATH.sub(lambda found: f"{found.group(1)}****{found.group(2)}", path)


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`MaskedAccessLog` on the ``uvicorn.access`` logger.
    uvicorn applies it in this process and again in each worker process it starts, so every worker's
    access log is masked."""
    import uvicorn.config

    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["masked_account"] = {"()": f"{__name__}.{MaskedAccessLog.__name__}"}
    config["loggers"]["uvicorn.access"]["filters"] = ["masked_account"]
    return config


@reports_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy: cn, us or a policy file."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=MAX_WORKERS,
        help="Worker processes serving requests on the one port (1 to 64; about one per core). 1 serves "
        "in this process; more start that many processes, each building the same app.",
    ),
    dispatch: bool = typer.Option(
        False,
        "--dispatch/--no-dispatch",
        help="Also run `arrears dispatch` (sms, email, push) in a child process while serving, so that "
        "one-time codes, receipts and collectors' messages go out: for a single-host installation "
        "or the demo (a larger one runs dispatchers of its own). One dispatcher, whatever --workers.",
    ),
) -> None:
    """Serve the staff workspace, the cardholder portal (/my), the API (/api/v1, OpenAPI at
    /openapi.json) and /healthz on the configured database. Migrations run first, once; the access
    log masks the account numbers in the portal's paths; SIGTERM or Ctrl-C stops the workers and the
    dispatcher."""
    import subprocess
    import sys

    import uvicorn

    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.web.app import SERVE_POLICY_ENV, create_app

    engine = get_engine()
    migrate.upgrade(engine)
    app = create_app(policy=policy)  # with workers too: bad settings or policy fail here, once
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "log_config": log_config()}
    options |= proxy_options(get_settings().trusted_proxies)
    dispatcher = None
    if dispatch:
        dispatcher = subprocess.Popen([sys.executable, "-m", "arrears", "dispatch", "--policy", policy])
    try:
        if workers == 1:
            uvicorn.run(app, **options)
        else:
            del app
            engine.dispose()  # the workers open connections of their own
            os.environ[SERVE_POLICY_ENV] = policy  # read by create_served_app in each worker
            uvicorn.run(SERVED_APP, factory=True, workers=workers, **options)
    finally:
        if dispatcher is not None:
            dispatcher.terminate()  # SIGTERM: it finishes the batch in hand
            try:
                dispatcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                dispatcher.kill()
