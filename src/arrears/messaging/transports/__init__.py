"""Transports: one module per kind, all speaking :mod:`arrears.messaging.transport`'s contract, chosen
by the URL's scheme (``ARREARS_SMS_TRANSPORT``, ``ARREARS_EMAIL_TRANSPORT``, ``ARREARS_PUSH_TRANSPORT``):

=============  ========  ===========================================================
scheme         channels  transport
=============  ========  ===========================================================
file:DIR       all       :class:`transports.file.FileTransport` (the default)
smpp://        sms       :class:`transports.smpp.SmppTransport` (SMPP 3.4)
http(s)://     sms       :class:`transports.http_sms.HttpSmsTransport` (HTTP SMS platform)
http(s)://     push      :class:`transports.push.PushTransport` (app and WeChat notices)
smtp(s)://     email     :class:`transports.smtp.SmtpTransport`
=============  ========  ===========================================================

Each module is imported only when its scheme is used. A URL is never logged as given: its password
is redacted (:func:`arrears.messaging.transport.redact`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, cast
from urllib.parse import urlsplit

from arrears.config import Settings
from arrears.messaging.transport import Transport, TransportError, redact

# (scheme, channel or None for any) -> (module, class)
_REGISTRY: dict[tuple[str, str | None], tuple[str, str]] = {
    ("file", None): ("file", "FileTransport"),
    ("smpp", "sms"): ("smpp", "SmppTransport"),
    ("http", "sms"): ("http_sms", "HttpSmsTransport"),
    ("https", "sms"): ("http_sms", "HttpSmsTransport"),
    ("http", "push"): ("push", "PushTransport"),
    ("https", "push"): ("push", "PushTransport"),
    ("smtp", "email"): ("smtp", "SmtpTransport"),
    ("smtps", "email"): ("smtp", "SmtpTransport"),
}


def transport_class(url: str, *, channel: str) -> Any:
    """The class that handles ``url`` for ``channel``; TransportError when none does."""
    scheme = urlsplit(url).scheme.lower()
    found = _REGISTRY.get((scheme, channel)) or _REGISTRY.get((scheme, None))
    if found is None:
        shown = redact(url)
        raise TransportError(
            f"no {channel} transport for {shown} (file:DIR, smpp://, http(s)://, smtp(s)://)",
            f"没有适用于 {shown} 的 {channel} 发送通道（file:目录、smpp://、http(s)://、smtp(s)://）",
        )
    module, name = found
    return getattr(import_module(f"arrears.messaging.transports.{module}"), name)


def open_transport(url: str, *, channel: str, settings: Settings) -> Transport:
    """The transport of ``url`` for ``channel`` (sms, email, push), ready to send."""
    return cast(Transport, transport_class(url, channel=channel).from_url(url, settings=settings))
