"""Merging letters' PDFs as they come: each letter's pages and the objects they reach, renumbered."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from arrears.messaging.letters.pdfmerge import PAGES_ROOT, MergedPdf, relocatable


def _pdf(*texts: str) -> bytes:
    """A PDF with one page per text, each drawing its text with a shared font."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))  # fmt: skip
    for text in texts:
        page = writer.add_blank_page(width=595, height=842)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_letter_is_cut_where_its_references_go() -> None:
    letter = relocatable(_pdf("one", "two"))

    assert len(letter.pages) == 2
    holes = [part for parts in letter.objects for part in parts if isinstance(part, int)]
    assert PAGES_ROOT in holes  # each page's parent is the merged file's page tree
    assert set(holes) - {PAGES_ROOT} <= set(range(len(letter.objects)))


def test_letters_merged_keep_their_pages_in_order() -> None:
    out = io.BytesIO()
    merged = MergedPdf(out)

    for texts in (("first",), ("second", "third")):
        merged.add(relocatable(_pdf(*texts)))
    merged.close()

    reader = PdfReader(io.BytesIO(out.getvalue()), strict=True)
    assert [page.extract_text() for page in reader.pages] == ["first", "second", "third"]
    assert merged.pages == 3
