"""Typesetting letters with Typst (the ``typst`` package, compiled in-process) and an embedded CJK font.

The font comes from one folder (``ARREARS_LETTER_FONT_DIR``, Debian's fonts-noto-cjk by default) and
nothing else: the system's fonts are ignored, so a letter looks the same on every machine, and a
folder without a CJK font is refused before anything is rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Final

import typst

from arrears.messaging.letters.errors import FontMissing
from arrears.messaging.letters.layout import with_qr
from arrears.messaging.letters.pdfmerge import Relocatable, relocatable

# CJK families that cover simplified Chinese, best first (Noto Sans CJK is Debian's fonts-noto-cjk)
CJK_FAMILIES: Final = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Noto Sans SC",
    "Noto Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)
TEMPLATE: Final = "letter.typ"


def cjk_family(font_dir: Path) -> str:
    """The best CJK family in ``font_dir``; FontMissing, naming the folder and the setting, if none."""
    folder = Path(font_dir)
    if not folder.is_dir():
        raise FontMissing(
            f"the letters' font folder {folder} does not exist (ARREARS_LETTER_FONT_DIR; "
            "install fonts-noto-cjk or point the setting at a folder with a CJK font)",
            f"信函字体目录 {folder} 不存在（ARREARS_LETTER_FONT_DIR；"
            "请安装 fonts-noto-cjk 或指向含中文字体的目录）",
        )
    found = set(
        typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(folder)]
        ).families()
    )
    for family in CJK_FAMILIES:
        if family in found:
            return family
    raise FontMissing(
        f"no CJK font in {folder} (one of: {', '.join(CJK_FAMILIES)}); install fonts-noto-cjk or set "
        "ARREARS_LETTER_FONT_DIR to a folder that has one",
        f"{folder} 中没有中文字体（需要其一：{'、'.join(CJK_FAMILIES)}）；请安装 fonts-noto-cjk 或设置 "
        "ARREARS_LETTER_FONT_DIR",
    )


@dataclass(frozen=True, slots=True)
class Job:
    """One letter to typeset: its document (layout.document) and where its own PDF goes."""

    sequence: int
    document: dict[str, Any]
    path: str
    letter_date: date


@dataclass(frozen=True, slots=True)
class Typeset:
    """A letter typeset: its own PDF's digest and pages, and its objects for the merged file; or the
    reason it could not be typeset (``error``)."""

    sequence: int
    sha256: str = ""
    pages: int = 0
    merged: Relocatable | None = None
    error: str | None = None


class Typesetter:
    """A Typst compiler loaded once with the letter layout and the font folder."""

    def __init__(self, font_dir: Path) -> None:
        template = Path(__file__).with_name(TEMPLATE)
        self._compiler = typst.Compiler(
            input=str(template),
            root=str(template.parent),
            font_paths=[str(font_dir)],
            ignore_system_fonts=True,
        )

    def pdf(self, documents: list[dict[str, Any]], *, letter_date: date) -> bytes:
        """The letters as one PDF (each on its own pages); the same data always gives the same bytes."""
        data = json.dumps(documents, ensure_ascii=False, separators=(",", ":"))
        moment = datetime.combine(letter_date, time(0), UTC)
        out = self._compiler.compile(sys_inputs={"data": data}, pdf_tags=False, timestamp=moment)
        assert isinstance(out, bytes)
        return out

    def job(self, job: Job) -> Typeset:
        """Typesets one letter, writes its own PDF (0600: it holds personal data) and readies its
        objects for the merged file. A letter Typst refuses fails alone (its text is not repeated)."""
        try:
            pdf = self.pdf([with_qr(job.document)], letter_date=job.letter_date)
        except typst.TypstError:
            return Typeset(job.sequence, error="the letter could not be typeset")
        with os.fdopen(os.open(job.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(pdf)
        merged = relocatable(pdf)
        return Typeset(job.sequence, hashlib.sha256(pdf).hexdigest(), len(merged.pages), merged)
