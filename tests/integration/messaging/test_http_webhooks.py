"""The receipt and reply webhooks through the app: a signed call is applied in its request's
transaction; a refused one answers 400 with its reason, is counted, and changes nothing else."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inbound_book import MOBILE, Book, add_message, events, message, point, seed
from local_sms_platform import LocalHttpPlatform
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import InboundMessage, table_of
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

SMS_KEY, PUSH_KEY = "sms-webhook-secret", "push-webhook-secret"
SMS, PUSH = "/api/v1/webhooks/sms", "/api/v1/webhooks/push"


def settings_for(tmp_path: Path, **more: Any) -> Settings:
    return Settings(data_dir=tmp_path, encryption_key=SecretStr(base64.b64encode(TEST_KEY).decode()),
                    sms_hmac_key=SecretStr(SMS_KEY), push_hmac_key=SecretStr(PUSH_KEY), **more)  # fmt: skip


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> TestClient:
    return TestClient(create_app(settings_for(tmp_path), engine=engine))


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Book:
    return seed(engine, cipher)


@pytest.fixture
def platform() -> LocalHttpPlatform:
    """Only its signing and event helpers: the calls go through the test client."""
    return LocalHttpPlatform(key=SMS_KEY)


def post(site: TestClient, path: str, signed: tuple[bytes, dict[str, str]]) -> Any:
    body, headers = signed
    return site.post(path, content=body, headers=headers)


def receipt(provider_id: str, status: str = "delivered", **more: Any) -> dict[str, Any]:
    return {"type": "receipt", "provider_id": provider_id, "status": status,
            "at": datetime.now(UTC).isoformat(), **more}  # fmt: skip


def inbound(engine: Engine) -> dict[str, int]:
    """``kind:outcome`` -> rows, as the outbox page counts them."""
    i = table_of(InboundMessage)
    with engine.connect() as connection:
        query = select(i.c.kind, i.c.outcome, i.c.status, func.count()).group_by(
            i.c.kind, i.c.outcome, i.c.status
        )
        return {
            f"{kind}:{outcome}" + (f":{status}" if kind == "webhook" and status else ""): count
            for kind, outcome, status, count in connection.execute(query)
        }


def test_a_signed_receipt_moves_its_message_forward(
    site: TestClient, engine: Engine, book: Book, platform: LocalHttpPlatform
) -> None:
    sent = add_message(engine, book, key="k1", provider_id="LP1", transport="http")

    answer = post(site, SMS, platform.webhook_request([receipt("LP1"), receipt("NOSUCH", "failed")]))

    assert (answer.status_code, answer.json()) == (200, {"received": 2})
    assert message(engine, sent)["status"] == "delivered"
    assert events(engine, sent)[-1] == "delivered"
    assert inbound(engine) == {"receipt:applied": 1, "receipt:unknown": 1, "webhook:accepted": 1}


def test_a_receipt_names_its_message_by_client_ref_too(
    site: TestClient, engine: Engine, book: Book, platform: LocalHttpPlatform
) -> None:
    sent = add_message(engine, book, key="run:k2", provider_id="LP2", transport="http")
    event = {"type": "receipt", "client_ref": "run:k2", "status": "failed", "code": "invalid_number",
             "reason": "空号", "at": "2026-11-24T10:00:05+08:00"}  # fmt: skip

    assert post(site, SMS, platform.webhook_request([event])).status_code == 200

    found = message(engine, sent)
    assert (found["status"], found["last_error"]) == ("failed", "invalid_number: 空号")
    assert point(engine, book.mobile_id)["failed_sends"] == 1


def test_an_opt_out_reply_opts_the_mobile_out(
    site: TestClient, engine: Engine, book: Book, platform: LocalHttpPlatform
) -> None:
    answer = post(site, SMS, platform.webhook_request([platform.reply(MOBILE, "退订")]))

    assert answer.status_code == 200
    assert point(engine, book.mobile_id)["opted_out"] is True
    assert inbound(engine)["reply:opt_out"] == 1


def test_a_push_receipt_is_applied(site: TestClient, engine: Engine, book: Book) -> None:
    sent = add_message(engine, book, key="p1", channel="push", provider_id="NP1", transport="push")
    notices = LocalHttpPlatform(key=PUSH_KEY, kind="push")

    assert post(site, PUSH, notices.webhook_request([receipt("NP1")])).status_code == 200

    assert message(engine, sent)["status"] == "delivered"


def refused(
    site: TestClient, engine: Engine, path: str, signed: tuple[bytes, dict[str, str]], reason: str
) -> None:
    """The call answers 400 with ``reason``, is counted once, and nothing else is written."""
    before = inbound(engine)

    answer = post(site, path, signed)

    assert (answer.status_code, answer.json()["reason"]) == (400, reason), answer.text
    after = inbound(engine)
    assert after.pop(f"webhook:invalid:{reason}") == before.pop(f"webhook:invalid:{reason}", 0) + 1
    assert after == before


@pytest.fixture
def sent(engine: Engine, book: Book) -> int:
    return add_message(engine, book, key="k1", provider_id="LP1", transport="http")


def test_a_bad_signature_is_refused_and_counted(
    site: TestClient, engine: Engine, sent: int, platform: LocalHttpPlatform
) -> None:
    body, headers = platform.webhook_request([receipt("LP1")])

    refused(site, engine, SMS, (body.replace(b"delivered", b"failed\x20\x20\x20"), headers), "signature")
    refused(
        site,
        engine,
        SMS,
        LocalHttpPlatform(key="another-key-16bytes").webhook_request([receipt("LP1")]),
        "signature",
    )
    refused(site, engine, PUSH, platform.webhook_request([receipt("LP1")]), "signature")  # the SMS key

    assert message(engine, sent)["status"] == "sent"


def test_missing_signature_headers_are_refused(site: TestClient, engine: Engine, sent: int) -> None:
    refused(site, engine, SMS, (json.dumps({"events": [receipt("LP1")]}).encode(), {}), "headers")


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_outside_the_window_is_refused(
    site: TestClient, engine: Engine, sent: int, platform: LocalHttpPlatform, minutes: int
) -> None:
    stale = platform.webhook_request([receipt("LP1")], at=datetime.now(UTC) + timedelta(minutes=minutes))

    refused(site, engine, SMS, stale, "stale")

    assert message(engine, sent)["status"] == "sent"


def test_a_replayed_call_is_refused(
    site: TestClient, engine: Engine, sent: int, platform: LocalHttpPlatform
) -> None:
    call = platform.webhook_request([receipt("LP1", "failed")])
    assert post(site, SMS, call).status_code == 200

    refused(site, engine, SMS, call, "replay")

    assert events(engine, sent).count("failed") == 1
    assert inbound(engine)["receipt:applied"] == 1


def test_a_nonce_may_come_again_with_another_timestamp_only_if_signed_so(
    site: TestClient, engine: Engine, sent: int, platform: LocalHttpPlatform
) -> None:
    """The nonce is kept with its signed time: a replay cannot move the time without the key."""
    first = platform.webhook_request([receipt("LP1")], nonce="n" * 20)
    assert post(site, SMS, first).status_code == 200
    body, headers = first

    moved = headers | {"X-Arrears-Timestamp": str(int(datetime.now(UTC).timestamp()) + 1)}

    refused(site, engine, SMS, (body, moved), "signature")


def one(**event: Any) -> bytes:
    return json.dumps({"events": [event]}).encode()


AT = "2026-11-24T10:00:00+08:00"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b'{"events": []}',
        b'[{"type": "receipt"}]',
        one(type="receipt", status="delivered", at=AT),  # names no message
        one(type="receipt", provider_id="LP1", status="read", at=AT),
        one(type="receipt", provider_id="LP1", status="delivered", at="2026-11-24T10:00:00"),  # no offset
        one(type="receipt", provider_id="LP1", status="delivered", at="3000-01-01T00:00:00Z"),
        one(type="receipt", provider_id="x" * 121, status="delivered", at=AT),
        one(type="reply", provider_id="MO1", **{"from": MOBILE}, text="a\x00b", at=AT),
        one(type="reply", **{"from": MOBILE}, text="TD", at=AT),  # no provider id
        one(type="bounce", provider_id="LP1"),
    ],
)
def test_a_body_that_is_not_the_contract_is_refused(
    site: TestClient, engine: Engine, sent: int, platform: LocalHttpPlatform, body: bytes
) -> None:
    refused(site, engine, SMS, platform.webhook_request(body), "body")

    assert message(engine, sent)["status"] == "sent"


def test_a_reply_on_the_push_webhook_is_refused(site: TestClient, engine: Engine) -> None:
    notices = LocalHttpPlatform(key=PUSH_KEY, kind="push")

    refused(site, engine, PUSH, notices.webhook_request([notices.reply("C-1", "你好")]), "body")


def test_a_body_over_two_mebibytes_is_refused(site: TestClient, platform: LocalHttpPlatform) -> None:
    answer = post(site, SMS, platform.webhook_request(b"x" * (2 * 1024 * 1024 + 1)))

    assert answer.status_code == 413


def test_a_webhook_without_its_key_is_not_available(
    engine: Engine, tmp_path: Path, platform: LocalHttpPlatform
) -> None:
    site = TestClient(
        create_app(settings_for(tmp_path).model_copy(update={"sms_hmac_key": None}), engine=engine)
    )

    answer = post(site, SMS, platform.webhook_request([receipt("LP1")]))

    assert answer.status_code == 503
    assert inbound(engine) == {}


def test_a_webhook_with_a_key_under_16_bytes_is_not_available(engine: Engine, tmp_path: Path) -> None:
    weak = "short-key"
    site = TestClient(create_app(settings_for(tmp_path).model_copy(update={"sms_hmac_key": SecretStr(weak)}),
                                 engine=engine))  # fmt: skip

    answer = post(site, SMS, LocalHttpPlatform(key=weak).webhook_request([receipt("LP1")]))

    assert answer.status_code == 503  # even correctly signed: a guessable key authenticates nothing
    assert weak not in answer.text
    assert inbound(engine) == {}


def test_the_openapi_document_describes_the_bodies(site: TestClient) -> None:
    paths = site.get("/openapi.json").json()["paths"]

    schema = paths[SMS]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "$ref" not in json.dumps(schema)
    assert set(paths[SMS]["post"]["responses"]) == {"200", "400", "413", "503"}
    assert "from" in json.dumps(schema) and "from" not in json.dumps(paths[PUSH]["post"]["requestBody"])
