"""What goes wrong with a template: it is unknown, malformed, refused by the rulebook, or cannot be filled
for an account (a fact it needs is missing). Messages never carry personal data."""

from __future__ import annotations

from collections.abc import Sequence

from arrears.kit.errors import ArrearsError


class TemplateError(ArrearsError):
    """A template that is unknown, malformed, or cannot be filled for the account (naming the fact)."""


class TemplateRefused(TemplateError):
    """A version the rulebook or the variable check refuses, with every reason (zh and en)."""

    def __init__(
        self, reasons_en: Sequence[str], reasons_zh: Sequence[str], rules: Sequence[str] = ()
    ) -> None:
        super().__init__("; ".join(reasons_en), "；".join(reasons_zh))
        self.reasons_en = tuple(reasons_en)
        self.reasons_zh = tuple(reasons_zh)
        self.rules = tuple(rules)


class TemplateDecisionError(TemplateError):
    """An approval or rejection that may not be made (the author, a decided version, no note)."""
