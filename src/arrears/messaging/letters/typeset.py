"""Typesetting letters with Typst (the ``typst`` package, compiled in-process) and an embedded CJK font.

The font comes from one folder (``ARREARS_LETTER_FONT_DIR``, Debian's fonts-noto-cjk by default) and
nothing else: the system's fonts are ignored, so a letter looks the same on every machine, and a
folder without a CJK font is refused before anything is rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Final

import typst

from arrears.messaging.letters.errors import FontMissing, LetterError
from arrears.messaging.letters.layout import with_qr
from arrears.messaging.letters.pdfmerge import Relocatable, extract, relocatable, standalone

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
class LetterPdf:
    """A letter typeset: its own PDF's digest, its pages, and its first page within its batch (from 0)."""

    sequence: int
    sha256: str
    pages: int
    first: int


@dataclass(frozen=True, slots=True)
class Typeset:
    """Letters typeset together: their pages for the merged file (in order), each letter's own PDF, and
    the letters that could not be typeset."""

    merged: tuple[Relocatable, ...] = ()
    letters: tuple[LetterPdf, ...] = ()
    failed: tuple[int, ...] = ()


def _joined(parts: list[Typeset]) -> Typeset:
    """Several results as one: each letter's first page counted from the start of all their pages."""
    letters: list[LetterPdf] = []
    offset = 0
    for part in parts:
        letters += [replace(letter, first=letter.first + offset) for letter in part.letters]
        offset += sum(len(merged.pages) for merged in part.merged)
    merged = tuple(one for part in parts for one in part.merged)
    return Typeset(merged, tuple(letters), tuple(sequence for part in parts for sequence in part.failed))


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

    def _last_pages(self) -> list[tuple[str, int]]:
        """Each letter of the last document typeset, with its last page (from 1)."""
        found = json.loads(self._compiler.query("<letter-last>", field="value"))
        return [(str(one["key"]), int(one["last"])) for one in found]

    def typeset(self, jobs: list[Job]) -> Typeset:
        """Typesets the letters as one document (a tenth of the time of one by one: the layout's work
        and the font subset are shared), cuts it into each letter's own PDF, written with mode 0600
        (it holds personal data). When Typst refuses the document, each letter is typeset alone, so
        that one it refuses fails alone (its text is not repeated)."""
        try:
            pdf = self.pdf([with_qr(job.document) for job in jobs], letter_date=jobs[0].letter_date)
            lasts = self._last_pages()
        except typst.TypstError:
            if len(jobs) == 1:
                return Typeset(failed=(jobs[0].sequence,))
            return _joined([self.typeset([job]) for job in jobs])
        if [key for key, _ in lasts] != [job.document["letter"]["key"] for job in jobs]:
            raise LetterError("the typeset letters are not the ones asked for", "排版结果与请求的信函不符")
        whole = relocatable(pdf)
        letters = []
        first = 0
        for job, (_, last) in zip(jobs, lasts, strict=True):
            own = standalone(extract(whole, whole.pages[first:last]))
            with os.fdopen(os.open(job.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(own)
            letters.append(LetterPdf(job.sequence, hashlib.sha256(own).hexdigest(), last - first, first))
            first = last
        return Typeset((whole,), tuple(letters))
