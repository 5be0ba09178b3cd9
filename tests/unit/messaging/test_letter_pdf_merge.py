"""Merging letters' PDFs as they come: each letter's pages and the objects they reach, renumbered."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from arrears.messaging.letters.pdfmerge import MergedPdf, read_relocatable, relocatable
from arrears.messaging.letters.pdfscan import PAGES_ROOT, Unusual, scan


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


def _assembled(*bodies: bytes) -> bytes:
    """A PDF made by hand from object bodies (object 1 is the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n\r\n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF" % (len(bodies) + 1, start)
    return bytes(out)


PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Annots[5 0 R]>>"
CONTENT = b"<</Length 28>>\nstream\nBT /F1 12 Tf (x 1 0 R) Tj ET\nendstream"
CATALOG, TREE = b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Count 1/Kids[3 0 R]>>"


def test_the_fast_reader_cuts_references_but_not_text_that_looks_like_one() -> None:
    annotation = b"<</Type/Annot/Contents(see 9 0 R \\) here)/A<</URI(https://b.example/?r=1)>>>>"
    pdf = _assembled(CATALOG, TREE, PAGE, CONTENT, annotation)

    objects, pages = scan(pdf)

    assert pages == (0,)
    assert objects[0] == (b"<</Type/Page/Parent ", PAGES_ROOT, b" 0 R/MediaBox[0 0 595 842]/Contents ", 1,
                          b" 0 R/Annots[", 2, b" 0 R]>>")  # fmt: skip
    assert objects[1] == (CONTENT,)  # the stream's data is copied, never read for references
    assert objects[2] == (annotation,)


def test_what_the_fast_reader_does_not_take_goes_to_the_general_reader() -> None:
    nested = _assembled(CATALOG, TREE, PAGE, CONTENT, b"<</Type/Annot/Contents(a (nested) string)>>")

    with pytest.raises(Unusual):
        scan(nested)
    with pytest.raises(Unusual):
        scan(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    out = io.BytesIO()
    merged = MergedPdf(out)
    merged.add(relocatable(nested))
    merged.close()
    assert len(PdfReader(io.BytesIO(out.getvalue()), strict=True).pages) == 1


def test_both_readers_find_the_same_pages_and_references() -> None:
    pdf = _pdf("one", "two")
    general = read_relocatable(pdf)

    objects, pages = scan(pdf)

    assert pages == general.pages
    assert [[p for p in parts if isinstance(p, int)] for parts in objects] == [
        [p for p in parts if isinstance(p, int)] for parts in general.objects
    ]
