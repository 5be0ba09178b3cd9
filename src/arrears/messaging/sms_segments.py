"""How an SMS text travels: its alphabet, how many segments it takes, and the bytes of each segment.

Pure functions, no I/O. The template editor shows :func:`segments`; the SMPP transport sends what
:func:`encode_parts` returns and reads what the SMSC delivers with :func:`split_udh` and :func:`decode_text`.

- Text wholly in the GSM 03.38 alphabet (basic table plus the extension table, whose characters
  ``^{}\\[~]|€`` and form feed take two septets each) goes as GSM 7-bit: 160 septets in one segment,
  153 per segment when concatenated. On SMPP it is ``data_coding`` 0 (the SMSC default alphabet),
  one septet per octet (unpacked), as SMSCs expect.
- Anything else (Chinese, full-width punctuation, emoji) goes as UCS-2, ``data_coding`` 8: 70 UTF-16
  code units in one segment, 67 per segment when concatenated (a character beyond the BMP, sent as a
  UTF-16 surrogate pair, counts two and is never split across segments).
- A concatenated message carries a 6-octet user data header (IEI 0x00: 8-bit reference, total, sequence)
  in each segment, with ``esm_class`` UDHI (0x40). At most 255 segments.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from arrears.kit.errors import ArrearsError

Encoding = Literal["gsm7", "ucs2"]

GSM_SINGLE = 160
GSM_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67
MAX_PARTS = 255

DATA_CODING_GSM = 0
DATA_CODING_UCS2 = 8
ESM_CLASS_UDHI = 0x40

_ESCAPE = 0x1B
# GSM 03.38 basic table, position = code (0x1B, the escape to the extension table, is a placeholder).
_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E}
_GSM_EXTENSION |= {"|": 0x40, "€": 0x65}
_GSM_CODE = {char: code for code, char in enumerate(_GSM_BASIC) if code != _ESCAPE}
_GSM_DECODE_EXTENSION = {code: char for char, code in _GSM_EXTENSION.items()}


class SegmentError(ArrearsError):
    """A text that cannot go as one SMS message (longer than 255 segments)."""


@dataclass(frozen=True, slots=True)
class SegmentCount:
    """Unpacks as ``encoding, count, per_segment_limit``."""

    encoding: Encoding
    count: int  # segments the text takes (an empty text still takes one)
    per_segment_limit: int  # 160 / 153 septets (gsm7) or 70 / 67 code units (ucs2)

    def __iter__(self) -> Iterator[str | int]:
        return iter((self.encoding, self.count, self.per_segment_limit))


@dataclass(frozen=True, slots=True)
class EncodedSms:
    data_coding: int
    esm_class: int
    parts: tuple[bytes, ...]  # each part's short_message, its user data header first when concatenated


@dataclass(frozen=True, slots=True)
class Concatenation:
    reference: int
    total: int
    sequence: int


def is_gsm(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 03.38 alphabet (basic or extension)."""
    return all(char in _GSM_CODE or char in _GSM_EXTENSION for char in text)


def _units(char: str, encoding: Encoding) -> int:
    if encoding == "gsm7":
        return 2 if char in _GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def units(text: str) -> int:
    """The length that counts: GSM septets, or UTF-16 code units when the text needs UCS-2."""
    encoding: Encoding = "gsm7" if is_gsm(text) else "ucs2"
    return sum(_units(char, encoding) for char in text)


def _split(text: str, encoding: Encoding, limit: int) -> list[str]:
    chunks: list[str] = []
    start, size = 0, 0
    for index, char in enumerate(text):
        width = _units(char, encoding)
        if size + width > limit:
            chunks.append(text[start:index])
            start, size = index, 0
        size += width
    chunks.append(text[start:])
    return chunks


def _chunks(text: str) -> tuple[Encoding, int, list[str]]:
    encoding: Encoding = "gsm7" if is_gsm(text) else "ucs2"
    single, part = (GSM_SINGLE, GSM_PART) if encoding == "gsm7" else (UCS2_SINGLE, UCS2_PART)
    if sum(_units(char, encoding) for char in text) <= single:
        return encoding, single, [text]
    return encoding, part, _split(text, encoding, part)


def segments(text: str) -> SegmentCount:
    """The alphabet ``text`` needs, how many segments it takes, and the limit of each segment."""
    encoding, limit, chunks = _chunks(text)
    return SegmentCount(encoding, len(chunks), limit)


def _gsm_bytes(text: str) -> bytes:
    out = bytearray()
    for char in text:
        if char in _GSM_CODE:
            out.append(_GSM_CODE[char])
        else:
            out += bytes((_ESCAPE, _GSM_EXTENSION[char]))
    return bytes(out)


def reference_for(key: str) -> int:
    """The 8-bit concatenation reference of a message: the same for every send of one idempotency key,
    so a handset joins the parts of a re-send with those that already arrived."""
    return zlib.crc32(key.encode("utf-8")) & 0xFF


def encode_parts(text: str, *, reference: int) -> EncodedSms:
    """The ``short_message`` of each segment of ``text``, with its ``data_coding`` and ``esm_class``."""
    encoding, _limit, chunks = _chunks(text)
    if len(chunks) > MAX_PARTS:
        raise SegmentError(
            f"The message takes {len(chunks)} SMS segments; at most {MAX_PARTS} can be joined.",
            f"短信需要 {len(chunks)} 段，最多只能拼接 {MAX_PARTS} 段。",
        )
    if encoding == "gsm7":
        coding, payloads = DATA_CODING_GSM, [_gsm_bytes(chunk) for chunk in chunks]
    else:
        coding, payloads = DATA_CODING_UCS2, [chunk.encode("utf-16-be") for chunk in chunks]
    if len(payloads) == 1:
        return EncodedSms(coding, 0, (payloads[0],))
    total, ref = len(payloads), reference & 0xFF
    parts = tuple(bytes((5, 0, 3, ref, total, n)) + payload for n, payload in enumerate(payloads, start=1))
    return EncodedSms(coding, ESM_CLASS_UDHI, parts)


def split_udh(short_message: bytes, *, esm_class: int) -> tuple[Concatenation | None, bytes]:
    """The concatenation header (8- or 16-bit reference) of a segment, if any, and its payload.

    Raises ``ValueError`` for a header that does not fit the segment."""
    if not esm_class & ESM_CLASS_UDHI:
        return None, short_message
    if not short_message or short_message[0] + 1 > len(short_message):
        raise ValueError("user data header longer than the message")
    header, payload = short_message[1 : short_message[0] + 1], short_message[short_message[0] + 1 :]
    concat, pos = None, 0
    while pos < len(header):
        if pos + 2 > len(header) or pos + 2 + header[pos + 1] > len(header):
            raise ValueError("user data header element longer than the header")
        iei, value = header[pos], header[pos + 2 : pos + 2 + header[pos + 1]]
        if iei == 0x00 and len(value) == 3:
            concat = Concatenation(value[0], value[1], value[2])
        elif iei == 0x08 and len(value) == 4:
            concat = Concatenation(int.from_bytes(value[:2], "big"), value[2], value[3])
        pos += 2 + header[pos + 1]
    return concat, payload


def _gsm_text(data: bytes) -> str:
    out: list[str] = []
    escaped = False
    for code in data:
        if escaped:
            out.append(_GSM_DECODE_EXTENSION.get(code, "?"))
            escaped = False
        elif code == _ESCAPE:
            escaped = True
        else:
            out.append(_GSM_BASIC[code] if code < len(_GSM_BASIC) else "?")
    return "".join(out)


def decode_text(data: bytes, *, data_coding: int) -> str:
    """The text of an incoming payload; undecodable bytes become replacement characters."""
    if data_coding == DATA_CODING_UCS2:
        return data.decode("utf-16-be", errors="replace")
    if data_coding == DATA_CODING_GSM:
        return _gsm_text(data)
    if data_coding == 15:  # GBK, which Chinese SMSCs use for mobile-originated Chinese
        return data.decode("gbk", errors="replace")
    if data_coding == 1:
        return data.decode("ascii", errors="replace")
    return data.decode("latin-1")
