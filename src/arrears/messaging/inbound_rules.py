"""Pure decisions about what comes back from a transport: opt-out keywords, the sender's address as
the store hashed it, and which status a receipt may move a message to. No database, no clock."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr

DEFAULT_OPT_OUT_KEYWORDS = "退订,TD,T,STOP,N"
REPLY_TAG = "[reply]"  # how a reply task's note starts (the agenda and the outbox report find them by it)

# A message's statuses in the order of its life; the last four end it. A receipt moves a message only
# to a later rank: a late or repeated receipt never takes it back (delivered stays delivered).
STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "failed": 3,
    "expired": 3,
    "cancelled": 3,
}
FINAL_STATUSES = frozenset(status for status, rank in STATUS_RANK.items() if rank == 3)
RECEIPT_STATUSES = ("delivered", "failed", "expired")
# the channel each transport that reports receipts serves (the file transport serves them all)
TRANSPORT_CHANNELS = {"smpp": "sms", "http": "sms", "smtp": "email", "push": "push"}
_SEPARATORS = str.maketrans("", "", " \t-()（）\u3000")


@dataclass(frozen=True, slots=True)
class InboundRules:
    """The settings the inbound handler applies: the opt-out keywords (normalised) and the number of
    permanent failures in a row after which a contact point is invalid."""

    opt_out_keywords: frozenset[str]
    invalid_after: int


def normalise_reply(text: str) -> str:
    """A reply as the keywords are compared: full-width forms as ASCII (NFKC), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _keyword_form(text: str) -> str:
    """A reply or keyword as compared: normalised, without invisible characters (zero-width spaces and
    joiners, BOM) and without the punctuation and blanks around it ("退订。", "【TD】", "STOP!")."""
    visible = "".join(char for char in normalise_reply(text) if unicodedata.category(char) != "Cf")
    start, end = 0, len(visible)
    while start < end and _ignorable(visible[start]):
        start += 1
    while end > start and _ignorable(visible[end - 1]):
        end -= 1
    return visible[start:end]


def _ignorable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def parse_keywords(setting: str) -> frozenset[str]:
    """The keywords of a comma-separated setting (ASCII or full-width commas), normalised."""
    words = unicodedata.normalize("NFKC", setting).split(",")
    return frozenset(word for word in (_keyword_form(one) for one in words) if word)


def rules_of(*, keywords: str, invalid_after: int) -> InboundRules:
    return InboundRules(opt_out_keywords=parse_keywords(keywords), invalid_after=max(invalid_after, 1))


def is_opt_out(text: str, *, rules: InboundRules) -> bool:
    """Whether the whole reply is one of the opt-out keywords ("退订", " td ", "ＳＴＯＰ", "退订。" are;
    "TD please" is not: it goes to the collector)."""
    return _keyword_form(text) in rules.opt_out_keywords


def normalise_mobile(sender: str) -> str | None:
    """A mainland mobile as the store holds it (11 digits from 1) from what a gateway reports:
    full-width digits, spaces and dashes, and a +86, 0086 or 86 prefix allowed; None when it is not
    one."""
    digits = unicodedata.normalize("NFKC", sender).translate(_SEPARATORS)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if len(digits) == 11 and digits.isascii() and digits.isdigit() and digits[0] == "1":
        return digits
    return None


def normalise_email(sender: str) -> str | None:
    """The address of an e-mail sender ("张三 <Zhang@Example.com>" gives "Zhang@Example.com"); None
    when there is none."""
    _name, address = parseaddr(unicodedata.normalize("NFKC", sender).strip())
    address = address.strip()
    return address if "@" in address and " " not in address else None


def sender_candidates(sender: str, *, channel: str) -> tuple[str, ...]:
    """The values whose keyed hash may name the sender's contact point: the mobile's 11 digits for an
    SMS; for an e-mail the address as given and in lower case (the store keeps it as imported)."""
    if channel == "email":
        address = normalise_email(sender)
        if address is None:
            return ()
        return tuple(dict.fromkeys((address, address.lower())))
    mobile = normalise_mobile(sender)
    return (mobile,) if mobile else ()


def receipt_fits(*, receipt_transport: str, message_transport: str | None, message_channel: str) -> bool:
    """Whether a receipt from ``receipt_transport`` may speak of a message: one that transport sent, or
    one whose send is not recorded yet (a crash between sending and recording) on that transport's
    channel. A push platform's id that is also an SMSC's, or a bounce (anyone may mail the bounce
    address) naming an SMS's key, moves nothing."""
    if message_transport is not None:
        return message_transport == receipt_transport
    channel = TRANSPORT_CHANNELS.get(receipt_transport)
    return channel is None or channel == message_channel


def point_kinds(channel: str) -> tuple[str, ...]:
    """The kinds of contact point a reply on ``channel`` may come from."""
    return ("email",) if channel == "email" else ("mobile",)


def moves_forward(current: str, new: str) -> bool:
    """Whether a message in status ``current`` may take status ``new`` (only to a later rank)."""
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(current, len(STATUS_RANK))


def send_recorded(status: str) -> bool:
    """Whether a message in ``status`` had its send recorded (``queued`` or ``sending`` not yet: a
    receipt for it came before the dispatcher recorded it)."""
    return status not in ("queued", "sending")


def reaches_limit(*, failed_sends: int, invalid_after: int) -> bool:
    """Whether that many permanent failures in a row make a contact point invalid."""
    return failed_sends >= invalid_after
