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
