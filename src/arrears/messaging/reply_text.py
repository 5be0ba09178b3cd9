"""The words a cardholder wrote in an e-mail reply, without what the mail client quoted (pure).

The quoted original matters: our e-mails say how to opt out (``回复"退订"``), so a reply quoting them
must not read as an opt-out. What is kept: the plain-text part (else the HTML part as text), up to the
first quote marker (``>`` lines, ``On ... wrote:``, ``在 ... 写道：``, ``-----Original Message-----``,
``------------------ 原始邮件 ------------------``, an Outlook ``From:`` / ``发件人：`` block, a ``-- ``
signature); when nothing is left, the subject without its ``Re:`` / ``回复：`` prefixes.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser

TEXT_MAX = 2_000
_CUT = re.compile(
    r"^\s*(?:On\b.*\bwrote:\s*$|在.*写道\s*[:：]\s*$"
    r"|-{2,}\s*(?:Original Message|原始邮件|Forwarded message)\s*-{2,}"
    r"|(?:From|发件人|寄件者)\s*[:：]|-- $|_{10,}\s*$)",
    re.IGNORECASE,
)
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


def reply_text(message: EmailMessage) -> str:
    """The reply's own text (at most 2,000 characters), else its subject."""
    text = strip_quoted(_body(message))
    if not text:
        text = _SUBJECT_PREFIX.sub("", " ".join(str(message.get("Subject", "")).split()))
    return text[:TEXT_MAX]


def strip_quoted(text: str) -> str:
    """The text above the first quote marker, without quoted lines, trimmed."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _CUT.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    return html_text(content) if part.get_content_subtype() == "html" else content


class _TextOf(HTMLParser):
    """Text of an HTML reply: breaks at block elements; scripts, styles and quoted blocks left out."""

    _SKIP = frozenset({"script", "style", "head", "blockquote"})
    _BREAK = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)
