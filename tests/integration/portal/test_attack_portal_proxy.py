"""X-Forwarded-For under ``arrears serve``: believed only from the proxies ARREARS_TRUSTED_PROXIES names, so a
client cannot pick its own address (and a new per-client sign-in limit) by sending the header."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import uvicorn

from arrears.cli.serve import proxy_options


async def _echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    host = scope["client"][0] if scope.get("client") else ""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": f"{host} {scope['scheme']}".encode()})


def _seen(options: dict[str, Any]) -> str:
    config = uvicorn.Config(_echo, log_level="warning", **options)
    config.load()

    async def ask() -> str:
        transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answer = await client.get(
                "/my/login", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
            )
            return answer.text

    # its own thread and loop: the suite's browser tests leave an event loop running on this thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, ask()).result()


def test_a_client_on_the_same_host_cannot_pick_its_address_by_default() -> None:
    assert _seen(proxy_options("")) == "127.0.0.1 http"


def test_a_named_proxy_is_believed() -> None:
    assert _seen(proxy_options("127.0.0.1")) == "203.0.113.9 https"
