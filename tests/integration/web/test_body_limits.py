"""No request body is held whole past the app's limits: a form or JSON body over 8 MiB and a multipart
body over 64 MiB answer 413 before a route sees them, declared or sent without a length."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from arrears.web import bad_input

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
PAD = b"x" * (1024 * 1024)


def _chunks(count: int) -> Iterator[bytes]:
    yield b"username=a&password=b&pad="
    for _ in range(count):
        yield PAD


def test_a_form_over_the_limit_is_refused_declared_or_not(web: TestClient) -> None:
    big = b"username=a&password=b&pad=" + PAD * 9
    declared = web.post("/login", content=big, headers={"content-type": "application/x-www-form-urlencoded"})
    streamed = web.post(
        "/login", content=_chunks(9), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert declared.status_code == streamed.status_code == 413


def test_a_json_body_over_the_limit_is_refused_in_the_apis_shape(web: TestClient) -> None:
    answer = web.post("/api/v1/compliance/check", content=b"[" + b" " * (9 * 1024 * 1024) + b"]",
                      headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 413 and answer.json() == {"detail": "the request body is too large"}


def test_a_multipart_body_over_the_limit_is_refused_while_it_streams(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bad_input, "UPLOAD_BYTES", 2 * 1024 * 1024)

    def parts() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n'
        for _ in range(3):
            yield PAD

    answer = web.post("/login", content=parts(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413


def test_a_body_within_the_limit_still_works(web: TestClient) -> None:
    answer = web.post("/login", data={"username": "nobody", "password": "x" * 100})
    assert answer.status_code in (401, 403)
