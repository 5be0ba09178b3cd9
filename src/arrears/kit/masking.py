"""Masking of personal data for display: shown masked unless the viewer may reveal it."""

from __future__ import annotations

import re
from collections.abc import Mapping


def mask_national_id(value: str) -> str:
    """``110101199003071234`` -> ``110101********1234`` (region code and last four kept)."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; ``0760-88123456`` -> ``0760-****3456``."""
    digits = value.replace("-", "")
    if len(digits) < 7:
        return "*" * len(value)
    if "-" in value:
        area, local = value.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """``张三`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``; Latin names keep the first letter."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    if not domain:
        return "*" * len(value)
    return f"{local[:1]}***@{domain}"


def mask_address(value: str, *, district: str | None = None) -> str:
    """Keep the district (enough to plan a visit), hide the street and number."""
    if district and district in value:
        return value[: value.index(district) + len(district)] + "****"
    return value[:6] + "****" if len(value) > 6 else "****"


_CJK_START = re.compile(r"[\u4e00-\u9fff]")
# the place a Chinese company's name starts with: a province, city, county or district (at most 8 characters)
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,7}?(?:自治区|省|市|县|区)(?=[\u4e00-\u9fff]{2})")
_LEGAL_FORMS = (
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "公司",
    "集团",
    "工厂",
    "厂",
    "商行",
    "店",
    "医院",
    "学校",
)


def mask_organisation(value: str) -> str:
    """An employer's name with its trade name (字号, what identifies it) hidden: a Chinese name keeps its
    place, the two characters of its trade before the legal form, and the legal form
    (``中山市华强电子有限公司`` -> ``中山市****电子有限公司``, ``中山市富华商行`` -> ``中山市****商行``), so
    that two employers still look different; another name keeps its first letter (``A****``)."""
    if not _CJK_START.match(value):
        return value[:1] + "****" if len(value) > 1 else "****"
    place = _PLACE.match(value)
    start = place.end() if place else 0
    form = next((form for form in _LEGAL_FORMS if value.endswith(form) and len(value) > len(form)), "")
    middle = value[start : len(value) - len(form)]
    trade = middle[-2:] if len(middle) >= 4 else ""
    return value[:start] + "****" + trade + form


# Personal data inside free text (notes, reasons, comments); full-width digits and signs are read as
# their ASCII forms first (and shown so).
_FULL_WIDTH = str.maketrans({chr(0xFF10 + n): str(n) for n in range(10)} | {"＋": "+", "－": "-", "＠": "@"})
_NATIONAL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){15,18}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\(?(?:\+|00)?86\)?[ -]?)?(1[3-9]\d(?:[ -]?\d){8})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)\(?(0\d{2,3})\)?[ -]?(\d{3,4}[ -]?\d{4})(?!\d)")
# An address starts where a run of its characters starts (the lookbehind): matching from inside a run
# too would retry a long run from each of its characters, quadratic in the run's length.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _mask_mobile(found: re.Match[str]) -> str:
    digits = _digits(found.group(1))
    return digits[:3] + "****" + digits[-4:]


def _mask_landline(found: re.Match[str]) -> str:
    local = _digits(found.group(2))
    return f"{found.group(1)}-{'*' * (len(local) - 4)}{local[-4:]}"


def _mask_card(found: re.Match[str]) -> str:
    digits = _digits(found.group(0))
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_known(text: str, known: Mapping[str, str]) -> str:
    values = sorted((value for value in known if len(value.strip()) >= 2), key=len, reverse=True)
    if not values:
        return text
    masks = {value.casefold(): known[value] for value in values}
    pattern = re.compile("|".join(re.escape(value) for value in values), re.IGNORECASE)
    return pattern.sub(lambda found: masks.get(found.group(0).casefold(), "****"), text)


def mask_free_text(text: str, *, known: Mapping[str, str] | None = None) -> str:
    """Free text with the personal data in it masked: the ``known`` values first (the cardholder's
    own name, phones, addresses..., each to its given mask), then every 18-character national ID,
    bank card number (16 to 19 digits), mainland mobile number (with or without +86 and separators),
    landline with its area code, and e-mail address."""
    masked = _mask_known(text.translate(_FULL_WIDTH), known or {})
    masked = _NATIONAL_ID.sub(lambda found: mask_national_id(found.group(0)), masked)
    masked = _CARD.sub(_mask_card, masked)
    masked = _MOBILE.sub(_mask_mobile, masked)
    masked = _LANDLINE.sub(_mask_landline, masked)
    return _EMAIL.sub(lambda found: mask_email(found.group(0)), masked)
