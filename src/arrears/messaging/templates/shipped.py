"""The templates, standard sections and financial-education block that Arrears ships (``shipped.toml``).

Read once per process. The templates are seeded into the store as approved version 1 (see
:mod:`arrears.messaging.templates.service`); the sections and the education block are filled at fill
time, in every version.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from arrears.messaging.templates.errors import TemplateError
from arrears.messaging.templates.variables import check_variables

LOCALES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Draft:
    """A template's content as written (shipped, or typed on the edit page)."""

    name: str
    channel: str
    kind: str
    body_zh: str
    body_en: str
    subject_zh: str | None = None
    subject_en: str | None = None
    description: str | None = None
    education: bool = False

    def texts(self) -> tuple[str, ...]:
        return tuple(t for t in (self.body_zh, self.body_en, self.subject_zh, self.subject_en) if t)

    def body(self, locale: str) -> str:
        return self.body_zh if locale == "zh" else self.body_en

    def subject(self, locale: str) -> str | None:
        return self.subject_zh if locale == "zh" else self.subject_en


@dataclass(frozen=True, slots=True)
class Shipped:
    templates: Mapping[str, Draft]
    sections: Mapping[str, Mapping[str, str]]  # variable -> locale -> text
    education: Mapping[str, str]  # "zh", "en" (letters, e-mail), "short_zh", "short_en" (SMS, push)


def _draft(name: str, entry: Mapping[str, Any]) -> Draft:
    try:
        draft = Draft(
            name=name, channel=str(entry["channel"]), kind=str(entry.get("kind", "collection")),
            body_zh=str(entry["zh"]), body_en=str(entry["en"]), subject_zh=entry.get("subject_zh"),
            subject_en=entry.get("subject_en"), description=entry.get("description"),
            education=bool(entry.get("education", False)),
        )  # fmt: skip
    except KeyError as missing:
        raise TemplateError(
            f"shipped template {name} has no {missing.args[0]}", f"内置模板 {name} 缺少 {missing.args[0]}"
        ) from None
    check_variables(draft.texts(), channel=draft.channel, kind=draft.kind)
    return draft


def parse_shipped(text: str) -> Shipped:
    data = tomllib.loads(text)
    templates = {name: _draft(name, entry) for name, entry in data.get("templates", {}).items()}
    sections = {name: MappingProxyType(dict(texts)) for name, texts in data.get("sections", {}).items()}
    return Shipped(MappingProxyType(templates), MappingProxyType(sections),
                   MappingProxyType(dict(data.get("education", {}))))  # fmt: skip


@lru_cache(maxsize=1)
def shipped() -> Shipped:
    """The shipped file of this package."""
    text = (resources.files("arrears.messaging.templates") / "shipped.toml").read_text("utf-8")
    return parse_shipped(text)
