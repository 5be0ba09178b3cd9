"""The status pills' small text reads against its background at WCAG AA (4.5:1): the colours are read
from app.css."""

from __future__ import annotations

import re

import pytest

from arrears.web.i18n import HERE

CSS = (HERE / "static" / "app.css").read_text()


def _colour(name: str) -> str:
    found = re.search(rf"--{name}: (#[0-9a-f]{{6}})", CSS)
    assert found is not None, name
    return found.group(1)


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(one: str, two: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("kind", ["warn", "bad"])
def test_a_pill_reads_at_aa(kind: str) -> None:
    found = re.search(rf"\.pill\.{kind} {{ background: (#[0-9a-f]{{6}}); color: var\(--(\w+)\); }}", CSS)
    assert found is not None
    assert _contrast(found.group(1), _colour(found.group(2))) >= 4.5
