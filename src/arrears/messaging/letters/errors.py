"""What goes wrong with letters. Messages never carry a name, an address or a letter's text."""

from __future__ import annotations

from collections.abc import Sequence

from arrears.kit.errors import ArrearsError


class LetterError(ArrearsError):
    """Letters that cannot be rendered or tracked as asked."""


class FontMissing(LetterError):
    """No CJK font where the letters' fonts are looked for (ARREARS_LETTER_FONT_DIR)."""


class OutputExists(LetterError):
    """The output folder already holds a batch's files: nothing is overwritten."""


class TrackingRefused(LetterError):
    """A tracking file with bad rows: every problem named by file, row and field; nothing applied."""

    def __init__(self, problems: Sequence[str], problems_zh: Sequence[str]) -> None:
        count = len(problems)
        super().__init__(
            "\n".join([*problems, f"{count} problem{'s' if count != 1 else ''}; nothing was applied."]),
            "\n".join([*problems_zh, f"共 {count} 个问题；未应用任何内容。"]),
        )
        self.problems = tuple(problems)
