"""One merged PDF from many letters' own PDFs, written as it goes (memory stays flat for any count).

The merge has two halves so that the costly one runs beside the typesetting, in the same worker:

- :func:`relocatable` (in the worker) reads a letter's PDF and writes each object its pages reach
  (the pages, their content streams, fonts, images, annotations) as bytes with holes where the
  object references go: an object number local to the letter, or :data:`PAGES_ROOT` for a page's
  parent.
- :class:`MergedPdf` (in the main process) numbers each letter's objects after the previous ones,
  fills the holes and appends them to the file, then writes one page tree, the catalog and the
  cross-reference table.

Each letter keeps its own font subset: the merged pages are the letters' own pages, byte for byte.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject

from arrears.messaging.letters.pdfscan import PAGES_ROOT, Part, Unusual, scan


@dataclass(frozen=True, slots=True)
class Relocatable:
    """A letter's objects with their references as holes; ``pages`` are local object numbers."""

    objects: tuple[tuple[Part, ...], ...]
    pages: tuple[int, ...]


class _Writer:
    """Serialises pypdf objects, cutting at every indirect reference."""

    def __init__(self, number: Callable[[int], int]) -> None:
        self._number = number
        self._buffer = io.BytesIO()
        self.parts: list[Part] = []

    def _cut(self, hole: int) -> None:
        self.parts.append(self._buffer.getvalue())
        self._buffer = io.BytesIO()
        self.parts.append(hole)

    def finish(self) -> tuple[Part, ...]:
        self.parts.append(self._buffer.getvalue())
        return tuple(part for part in self.parts if part != b"")

    def write(self, obj: PdfObject, *, page: bool = False) -> None:
        out = self._buffer
        if isinstance(obj, IndirectObject):
            self._cut(self._number(obj.idnum))
            out = self._buffer
            out.write(b" 0 R")
        elif isinstance(obj, DictionaryObject):
            self._dictionary(obj, page=page)
        elif isinstance(obj, ArrayObject):
            out.write(b"[")
            for item in obj:
                self.write(item)
                self._buffer.write(b" ")
            self._buffer.write(b"]")
        else:
            obj.write_to_stream(out)

    def _dictionary(self, obj: DictionaryObject, *, page: bool) -> None:
        data = obj._data if isinstance(obj, StreamObject) else None
        self._buffer.write(b"<<")
        for key, value in obj.items():
            if key == "/Length" and data is not None:
                continue
            key.write_to_stream(self._buffer)
            self._buffer.write(b" ")
            if page and key == "/Parent":
                self._cut(PAGES_ROOT)
                self._buffer.write(b" 0 R")
            else:
                self.write(value)
            self._buffer.write(b" ")
        if data is not None:
            self._buffer.write(b"/Length %d>>\nstream\n" % len(data))
            self._buffer.write(data)
            self._buffer.write(b"\nendstream")
        else:
            self._buffer.write(b">>")


def relocatable(pdf: bytes) -> Relocatable:
    """The letter's pages and every object they reach, numbered from 0 in the order first reached: read
    by the fast reader of Typst's plain PDFs (:mod:`.pdfscan`), else by pypdf."""
    try:
        return Relocatable(*scan(pdf))
    except Unusual:
        return read_relocatable(pdf)


def read_relocatable(pdf: bytes) -> Relocatable:
    """:func:`relocatable` by pypdf, for any PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    local: dict[int, int] = {}
    queue: deque[int] = deque()

    def number(idnum: int) -> int:
        if idnum not in local:
            local[idnum] = len(local)
            queue.append(idnum)
        return local[idnum]

    pages = []
    for page in reader.pages:
        reference = page.indirect_reference
        assert reference is not None
        pages.append(number(reference.idnum))
    page_numbers = set(pages)
    objects: list[tuple[Part, ...]] = []
    while queue:
        idnum = queue.popleft()
        writer = _Writer(number)
        found = reader.get_object(idnum)  # an empty dictionary is falsy: compare with None
        writer.write(DictionaryObject() if found is None else found, page=local[idnum] in page_numbers)
        objects.append(writer.finish())
    return Relocatable(tuple(objects), tuple(pages))


class MergedPdf:
    """A PDF file written letter by letter: :meth:`add` each letter's objects, then :meth:`close`."""

    _CATALOG, _PAGES = 1, 2

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._offsets: list[int] = [0, 0, 0]  # objects 1 and 2: the catalog and page tree, written last
        self._kids: list[int] = []
        handle.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def pages(self) -> int:
        return len(self._kids)

    def add(self, letter: Relocatable) -> None:
        base = len(self._offsets)
        handle = self._handle
        for index, parts in enumerate(letter.objects):
            self._offsets.append(handle.tell())
            handle.write(b"%d 0 obj\n" % (base + index))
            handle.write(
                b"".join(
                    part if isinstance(part, bytes) else b"%d" % (self._PAGES if part < 0 else base + part)
                    for part in parts
                )
            )
            handle.write(b"\nendobj\n")
        self._kids.extend(base + page for page in letter.pages)

    def close(self) -> None:
        handle = self._handle
        self._offsets[self._PAGES] = handle.tell()
        kids = b" ".join(b"%d 0 R" % kid for kid in self._kids)
        handle.write(b"2 0 obj\n<</Type /Pages /Count %d /Kids [%s]>>\nendobj\n" % (len(self._kids), kids))
        self._offsets[self._CATALOG] = handle.tell()
        handle.write(b"1 0 obj\n<</Type /Catalog /Pages 2 0 R>>\nendobj\n")
        start = handle.tell()
        size = len(self._offsets)
        handle.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        handle.write(b"".join(b"%010d 00000 n \n" % offset for offset in self._offsets[1:]))
        handle.write(b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, start))


def extract(whole: Relocatable, pages: Sequence[int]) -> Relocatable:
    """The given pages of ``whole`` (local numbers) and the objects they reach, numbered from 0: one
    letter out of a document typeset with several."""
    local: dict[int, int] = {}
    queue: deque[int] = deque()

    def number(original: int) -> int:
        if original not in local:
            local[original] = len(local)
            queue.append(original)
        return local[original]

    kept = tuple(number(page) for page in pages)
    objects: list[tuple[Part, ...]] = []
    while queue:
        parts = whole.objects[queue.popleft()]
        objects.append(tuple(part if isinstance(part, bytes) or part < 0 else number(part) for part in parts))
    return Relocatable(tuple(objects), kept)


def standalone(letter: Relocatable) -> bytes:
    """A PDF file of its own for ``letter``."""
    out = io.BytesIO()
    merged = MergedPdf(out)
    merged.add(letter)
    merged.close()
    return out.getvalue()
