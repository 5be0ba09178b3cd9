"""The whole loop over real HTTP: the SMS transport sends to the local platform, which posts its
signed receipt to the webhook of a running server (uvicorn); and one call posted many times at once
is applied once."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from inbound_book import Book, add_message, events, message, seed
from local_sms_platform import LocalHttpPlatform
from pydantic import SecretStr
from sqlalchemy import Engine

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.messaging.transport import Outgoing
from arrears.messaging.transports.http_sms import HttpSmsTransport
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

KEY = "loop-secret-0123456789"


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The app served on a free port; its base URL."""
    settings = Settings(data_dir=tmp_path, encryption_key=SecretStr(base64.b64encode(TEST_KEY).decode()),
                        sms_hmac_key=SecretStr(KEY))  # fmt: skip
    running = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=0,
                                            log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = running.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Book:
    return seed(engine, cipher)


def test_a_message_sent_through_the_platform_is_delivered_by_its_receipt(
    server: str, engine: Engine, book: Book
) -> None:
    with LocalHttpPlatform(key=KEY) as platform:
        sender = HttpSmsTransport.from_url(platform.url, settings=Settings(sms_hmac_key=SecretStr(KEY)))
        [result] = sender.send([Outgoing(message_id=1, key="run:k1", channel="sms", recipient="13812345678",
                                         text="提醒")])  # fmt: skip
        sender.close()
        sent = add_message(engine, book, key="run:k1", provider_id=result.provider_id, transport="http")

        answer = platform.post_events(f"{server}/api/v1/webhooks/sms", [platform.receipt("run:k1")])

    assert (answer.status_code, answer.json()) == (200, {"received": 1})
    assert message(engine, sent)["status"] == "delivered"


def test_one_call_posted_many_times_at_once_is_applied_once(server: str, engine: Engine, book: Book) -> None:
    sent = add_message(engine, book, key="k1", provider_id="LP1", transport="http")
    platform = LocalHttpPlatform(key=KEY)
    body, headers = platform.webhook_request([platform.receipt("k1", "failed") | {"provider_id": "LP1"}])

    def post(_: int) -> int:
        return httpx.post(
            f"{server}/api/v1/webhooks/sms", content=body, headers=headers, timeout=60
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(post, range(8)))

    assert statuses == [200] + [400] * 7
    assert events(engine, sent).count("failed") == 1
