"""What an e-mail looks like on the wire, and how its idempotency key travels with it (pure).

The key is carried three ways so that a bounce finds its message whatever the reporting MTA keeps:

- the **Message-ID** ``<arrears.<tag>@<domain>>``: derived from the key alone, so a message sent again
  after a crash carries the same Message-ID (receiving systems and mail clients collapse copies with
  one Message-ID; SMTP itself has no way to refuse a duplicate, so this is the best SMTP offers);
- the **envelope sender** (VERP): ``bounces+<tag>@bank.example``, the address every bounce goes to;
- the **ENVID** of the DSN extension (RFC 3461) when the server offers it.

``<tag>`` is ``<encoded key>.<mac>``: the encoded key keeps lowercase letters, digits and ``-``, and
writes every other byte of the key's UTF-8 as ``=xx`` (it survives an MTA that lowercases local parts,
and decodes back to the key exactly); ``<mac>`` is the HMAC-SHA256 of the key under a key derived from
the master key (:func:`arrears.kit.crypto.mail_tag_key`), its first 8 bytes in lowercase base32 (13
characters: a 64-bit tag, so that a usual key still fits the 64-character local part). Anyone can mail
the bounce address and the keys are predictable: a tag whose MAC does not verify names no message.
The MAC is deterministic, so a message sent again after a crash keeps its Message-ID.
"""

from __future__ import annotations

import base64
import hmac
import html
import re
from datetime import datetime
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from arrears.messaging.transport import Outgoing

MESSAGE_ID_PREFIX = "arrears."
LOCAL_PART_MAX = 64  # RFC 5321: longer VERP addresses are not used (the Message-ID still carries the key)
ENVID_MAX = 100  # RFC 3461
TAG_MAC_BYTES = 8  # 64 bits: a forger must guess it, one mailed bounce per guess
PROVIDER_ID_MAX = 120  # outbox_message.provider_id
_TAG_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_TAG = re.compile(r"(?:[a-z0-9-]|=[0-9a-f]{2})+", re.IGNORECASE)
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+\.[^\s@<>()\[\],;:\"\\.]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
# CRLF, encoded words in headers, and bodies in base64 or quoted-printable (whichever is shorter): any
# relay takes it, 8BITMIME or not
SEVEN_BIT = policy.SMTP.clone(cte_type="7bit")


def key_tag(key: str) -> str:
    """The key as a tag fit for a local part or a Message-ID (reversible by :func:`tag_key`)."""
    return "".join(chr(byte) if chr(byte) in _TAG_SAFE else f"={byte:02x}" for byte in key.encode("utf-8"))


def tag_key(tag: str) -> str | None:
    """The key a tag stands for, or None when ``tag`` is not one of ours."""
    if not _TAG.fullmatch(tag):
        return None
    raw = bytearray()
    index = 0
    while index < len(tag):
        if tag[index] == "=":
            raw.append(int(tag[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.append(ord(tag[index].lower()))
            index += 1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


class MailTags:
    """Signs a key into a tag and reads back only the tags it signed (HMAC-SHA256, 64 bits)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "MailTags(<key hidden>)"

    def _mac(self, key: str) -> str:
        digest = hmac.digest(self._secret, key.encode("utf-8"), "sha256")[:TAG_MAC_BYTES]
        return base64.b32encode(digest).decode("ascii").rstrip("=").lower()

    def tag(self, key: str) -> str:
        """``<encoded key>.<mac>``: the same on every call."""
        return f"{key_tag(key)}.{self._mac(key)}"

    def key_of(self, tag: str) -> str | None:
        """The key of a tag this signed (any letter case), or None (unsigned, forged or malformed)."""
        body, dot, mac = tag.rpartition(".")
        key = tag_key(body) if dot else None
        if key is None or not hmac.compare_digest(
            mac.lower().encode("ascii", "replace"), self._mac(key).encode()
        ):
            return None
        return key


def message_id_for(key: str, *, domain: str, tags: MailTags) -> str:
    """The Message-ID of the message with that key: the same on every send."""
    return f"<{MESSAGE_ID_PREFIX}{tags.tag(key)}@{domain}>"


def key_from_message_id(message_id: str, *, tags: MailTags) -> str | None:
    """The key inside one of our Message-IDs whose tag verifies, or None for any other."""
    found = re.fullmatch(r"\s*<?" + re.escape(MESSAGE_ID_PREFIX) + r"([^@>\s]+)@[^>\s]+>?\s*", message_id)
    return tags.key_of(found.group(1)) if found else None


def verp_sender(bounce_address: str, key: str, *, tags: MailTags) -> str:
    """``bounces@d`` -> ``bounces+<tag>@d``; the plain address when the tagged one would be too long."""
    local, _, domain = bounce_address.rpartition("@")
    tagged = f"{local}+{tags.tag(key)}"
    return f"{tagged}@{domain}" if len(tagged) <= LOCAL_PART_MAX else bounce_address


def key_from_address(address: str, *, tags: MailTags) -> str | None:
    """The key of a VERP address ``anything+<tag>@domain`` whose tag verifies, or None."""
    local = parseaddr(address)[1].rpartition("@")[0]
    _, plus, tag = local.partition("+")
    return tags.key_of(tag) if plus and tag else None


def xtext(value: str) -> str:
    """RFC 3461 xtext: printable ASCII but ``+`` and ``=`` as is, every other byte ``+XX``."""
    return "".join(
        chr(byte) if 33 <= byte <= 126 and byte not in (43, 61) else f"+{byte:02X}"
        for byte in value.encode("utf-8")
    )


def from_xtext(value: str) -> str:
    """The value of an xtext field (bytes read as UTF-8)."""
    raw = re.sub(
        rb"\+([0-9A-Fa-f]{2})", lambda found: bytes([int(found.group(1), 16)]), value.strip().encode()
    )
    return raw.decode("utf-8", "replace")


def dsn_options(key: str, *, tags: MailTags) -> tuple[list[str], list[str]]:
    """MAIL and RCPT options for a server offering DSN: headers only back, the key as ENVID, and a
    report on failure and on delay."""
    envid = xtext(tags.tag(key))
    mail = ["RET=HDRS"] + ([f"ENVID={envid}"] if len(envid) <= ENVID_MAX else [])
    return mail, ["NOTIFY=FAILURE,DELAY"]


def is_address(value: str) -> bool:
    """A bare address ``local@domain.tld`` (no name, no line breaks, no spaces)."""
    return _ADDRESS.fullmatch(value) is not None


def needs_smtputf8(address: str) -> bool:
    """Whether the address's local part is not ASCII (a non-ASCII domain is sent as IDNA instead)."""
    return not address.rpartition("@")[0].isascii()


def wire_address(address: str) -> str:
    """The address with its domain in IDNA (``用户@例子.中国`` -> ``用户@xn--fsqu00a.xn--fiqs8s``)."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}" if not domain.isascii() else address


def sender_domain(sender: str) -> str:
    """The domain of the From address (``催收中心 <c@bank.example>`` -> ``bank.example``)."""
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def subject_of(item: Outgoing) -> str:
    """The subject given, else the text's first line (at most 60 characters)."""
    if item.subject and item.subject.strip():
        return " ".join(item.subject.split())
    first = next((line.strip() for line in item.text.splitlines() if line.strip()), "")
    return first[:60]


def html_of(text: str, *, title: str) -> str:
    """The text as a small HTML page: every character escaped, blank lines make paragraphs."""
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in part.splitlines()) + "</p>" for part in paragraphs
    )
    lang = "zh-CN" if _CJK.search(text) else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f'<body style="font-family:sans-serif;line-height:1.6">\n{body}\n</body>\n</html>\n'
    )


def build_email(item: Outgoing, *, sender: str, now: datetime, tags: MailTags) -> EmailMessage:
    """The message for one outgoing e-mail: From, To, Subject, Date, Message-ID, a plain-text part
    and an HTML part, in UTF-8 (headers encoded as RFC 2047 words where they are not ASCII)."""
    if not is_address(item.recipient):
        raise ValueError("not an e-mail address")  # the headers below are stored as they are
    recipient = wire_address(item.recipient)
    message = EmailMessage(policy=policy.SMTPUTF8 if needs_smtputf8(recipient) else SEVEN_BIT)
    subject = subject_of(item)
    # encoded here and stored as they are (set_raw): the policy's header parser is the slow part of
    # building a message; the values are single-line (subject_of folds whitespace) and checked addresses
    name, address = parseaddr(sender)
    message.set_raw("From", formataddr((name, address), charset="utf-8"))
    message.set_raw("To", recipient)
    charset = "us-ascii" if subject.isascii() else "utf-8"
    message.set_raw("Subject", Header(subject, charset, header_name="Subject").encode(linesep="\n"))
    message.set_raw("Date", format_datetime(now))
    message.set_raw("Message-ID", message_id_for(item.key, domain=sender_domain(sender), tags=tags))
    message.set_raw(
        "Auto-Submitted", "auto-generated"
    )  # RFC 3834: asks responders not to answer automatically
    message.set_content(item.text, charset="utf-8")
    message.add_alternative(html_of(item.text, title=subject), subtype="html", charset="utf-8")
    return message


def provider_id_of(reply: str, *, message_id: str) -> str:
    """The provider id of an accepted message: the server's queue id from its 250 reply when it names
    one (Postfix ``queued as ID``, Exim ``id=ID``), else the Message-ID."""
    found = re.search(r"queued as ([\w.-]+)|\bid=([\w.-]+)", reply, re.IGNORECASE)
    if found:
        return (found.group(1) or found.group(2))[:PROVIDER_ID_MAX]
    return message_id[:PROVIDER_ID_MAX]
