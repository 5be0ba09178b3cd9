"""Masking of personal data for display: shown masked unless the viewer may reveal it."""

from __future__ import annotations


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
