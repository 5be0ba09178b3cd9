"""Transport URLs shown or logged without their password, whatever the URL's shape."""

from __future__ import annotations

import pytest

from arrears.messaging.transport import redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("smpp://bank:s3cret@smsc.example:2775", "smpp://bank:***@smsc.example:2775"),
        ("smtp://user:p%40ss@mail.example:587?from=a", "smtp://user:***@mail.example:587?from=a"),
        ("smpp://bank:s3cret@smsc.example:port", "smpp://bank:***@smsc.example:port"),
        ("smpp://bank:pa@ss@smsc.example:2775", "smpp://bank:***@smsc.example:2775"),
        ("https://sms.example/v1", "https://sms.example/v1"),
        ("file:var/outbox/sms", "file:var/outbox/sms"),
        ("smtp://user@mail.example", "smtp://user@mail.example"),
    ],
)
def test_the_password_never_shows(url: str, shown: str) -> None:
    assert redact(url) == shown


@pytest.mark.parametrize(
    ("key", "retries", "sent"),
    [("run:2026-12-04:sms:7:overdue", 0, "run:2026-12-04:sms:7:overdue"), ("ws:1:abc", 2, "ws:1:abc~2")],
)
def test_a_retry_goes_out_under_a_key_of_its_own_that_leads_back(key: str, retries: int, sent: str) -> None:
    from arrears.messaging.transport import base_key, send_key

    assert send_key(key, retries) == sent
    assert base_key(sent) == key


def test_a_key_that_merely_holds_the_mark_is_its_own() -> None:
    from arrears.messaging.transport import base_key

    assert base_key("ws:1:a~b") == "ws:1:a~b" and base_key("~3") == "~3"
