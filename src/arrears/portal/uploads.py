"""What a cardholder may attach to a request: an image (JPEG, PNG, WebP) or a PDF, known by its first
bytes (never by its name or the type the browser declares), at most ``settings.portal_upload_bytes``
each, at most ``MAX_ATTACHMENTS`` to a request. Pure: bytes in, a type or a refusal out."""

from __future__ import annotations

from arrears.kit.errors import ArrearsError

MAX_ATTACHMENTS = 3
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
_SIGNATURES = (  # (offset, bytes) that must all match
    ("image/jpeg", ((0, b"\xff\xd8\xff"),)),
    ("image/png", ((0, b"\x89PNG\r\n\x1a\n"),)),
    ("image/webp", ((0, b"RIFF"), (8, b"WEBP"))),
    ("application/pdf", ((0, b"%PDF-"),)),
)
SNIFF_BYTES = 12  # enough of the start of a file to know its type


class UploadRefused(ArrearsError):
    """An attachment refused: ``reason`` is ``type``, ``size`` or ``count``."""

    def __init__(self, reason: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh)
        self.reason = reason


def sniffed_type(head: bytes) -> str | None:
    """The content type the file's first bytes show (one of ``EXTENSIONS``), or None."""
    for content_type, marks in _SIGNATURES:
        if all(head[offset : offset + len(mark)] == mark for offset, mark in marks):
            return content_type
    return None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def too_large(number: int, size: int | None, limit: int) -> UploadRefused:
    """The refusal of attachment ``number`` (from 1) over ``limit`` bytes (``size`` when known)."""
    found_en = f" ({_megabytes(size)})" if size is not None else ""
    found_zh = f"（{_megabytes(size)}）" if size is not None else ""
    return UploadRefused(
        "size",
        f"attachment {number}: the file is too large{found_en}: at most {_megabytes(limit)}",
        f"附件 {number}：文件过大{found_zh}，每个文件不能超过 {_megabytes(limit)}",
    )


def wrong_type(number: int) -> UploadRefused:
    return UploadRefused(
        "type",
        f"attachment {number}: wrong type: only JPEG, PNG or WebP images and PDF files are accepted",
        f"附件 {number}：文件类型不符：只接受 JPEG、PNG、WebP 图片或 PDF 文件",
    )


def too_many(count: int) -> UploadRefused:
    return UploadRefused(
        "count",
        f"at most {MAX_ATTACHMENTS} attachments ({count} sent)",
        f"最多 {MAX_ATTACHMENTS} 个附件（收到 {count} 个）",
    )


def check_attachment(number: int, data: bytes, *, limit: int) -> str:
    """The content type of attachment ``number`` (from 1), or UploadRefused (too large, wrong type)."""
    if len(data) > limit:
        raise too_large(number, len(data), limit)
    content_type = sniffed_type(data[:SNIFF_BYTES])
    if content_type is None:
        raise wrong_type(number)
    return content_type
