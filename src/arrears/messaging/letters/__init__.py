"""Printed letters: the day's letter messages rendered as PDF for the print house (A4, an embedded CJK
font, the governed template's text, what is owed, a QR code to pay online), with a manifest, and the
post's tracking read back into the case timeline. docs/letters.md describes the formats and settings.

    batch = render_letters(connection, run_date=day, out_dir=folder, now=now, cipher=cipher,
                           settings=settings)
    applied = load_tracking(connection, rows=read_tracking(path, zone=zone), now=now, ...)
"""

from arrears.messaging.letters.errors import FontMissing, LetterError, OutputExists, TrackingRefused
from arrears.messaging.letters.service import LetterBatch, LetterResult, SkippedLetter, render_letters

__all__ = [
    "FontMissing",
    "LetterBatch",
    "LetterError",
    "LetterResult",
    "OutputExists",
    "SkippedLetter",
    "TrackingRefused",
    "render_letters",
]
