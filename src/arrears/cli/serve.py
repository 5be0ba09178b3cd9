"""``arrears serve``: the web app and the API."""

from __future__ import annotations

import typer

from arrears.cli.common import reports_errors


@reports_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy: cn, us or a policy file."),
) -> None:
    """Serve the API (/api/v1, OpenAPI at /openapi.json) and /healthz on the configured database."""
    import uvicorn

    from arrears import migrate
    from arrears.db import get_engine
    from arrears.web.app import create_app

    migrate.upgrade(get_engine())
    uvicorn.run(create_app(policy=policy), host=host, port=port, log_level="info")
