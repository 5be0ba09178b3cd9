"""Errors that carry a message a person can act on, in Chinese and English."""

from __future__ import annotations


class ArrearsError(Exception):
    """Base class: ``message_zh`` and ``message_en`` are shown to the user, never a traceback."""

    def __init__(self, message_en: str, message_zh: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en

    def message(self, locale: str = "en") -> str:
        return self.message_zh if locale.startswith("zh") else self.message_en


class NotFound(ArrearsError):
    """A named thing does not exist."""


class ConfigurationError(ArrearsError):
    """Settings or a configuration file are not usable."""
