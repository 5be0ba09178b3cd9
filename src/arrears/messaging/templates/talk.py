"""A talk track's shape (channel ``talk``): four sections, each opened by its marker line, in this
order, in both languages. Pure.

    [identify]
    ...
    [listen]
    ...
    [offer]
    ...
    [confirm]
    ...
"""

from __future__ import annotations

import re
from typing import Final

from arrears.compliance.entry_points import Verdict

SECTIONS: Final = ("identify", "listen", "offer", "confirm")
_MARKER = re.compile(r"^\[([a-z_]+)\][ \t]*$", re.MULTILINE)


def split_sections(text: str) -> dict[str, str] | None:
    """The four sections' texts by marker; None when the text is not four non-empty sections opened by
    ``[identify]``, ``[listen]``, ``[offer]`` and ``[confirm]`` in this order (nothing before the first)."""
    found = list(_MARKER.finditer(text))
    if [m.group(1) for m in found] != list(SECTIONS) or text[: found[0].start()].strip():
        return None
    ends = [m.start() for m in found[1:]] + [len(text)]
    parts = {m.group(1): text[m.end() : end].strip() for m, end in zip(found, ends, strict=True)}
    return parts if all(parts.values()) else None


def sections_verdict(body_zh: str, body_en: str) -> Verdict:
    """TALK-SECTIONS: both texts hold the four sections."""
    zh, en = [], []
    for label_zh, label_en, text in (("中文", "Chinese", body_zh), ("英文", "English", body_en)):
        if split_sections(text) is None:
            zh.append(
                f"{label_zh}话术须依次包含 [identify]、[listen]、[offer]、[confirm] 四段，且每段不能为空"
            )
            en.append(
                f"the {label_en} talk track needs the four sections [identify], [listen], [offer] and "
                "[confirm], in this order, none empty"
            )
    return Verdict(allowed=not zh, rule="TALK-SECTIONS", reasons_zh=tuple(zh), reasons_en=tuple(en))
