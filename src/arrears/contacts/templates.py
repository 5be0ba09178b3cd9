"""The collection SMS templates a collector may send, as shipped (``messaging/templates/shipped.toml``).

What is sent is the approved version in the store (:func:`arrears.messaging.templates.fill`, used by
:mod:`arrears.contacts.sms`); this module keeps the shipped texts at hand as pure data: their names
and placeholders, and :func:`render`, which fills a shipped text with masked facts (no database).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from string import Formatter
from types import MappingProxyType
from typing import Literal

from arrears.messaging.templates.errors import TemplateError
from arrears.messaging.templates.facts import HOTLINE, MessageFacts
from arrears.messaging.templates.rules import fill_draft, normal_locale
from arrears.messaging.templates.shipped import shipped

__all__ = ["HOTLINE", "LOCALES", "PLACEHOLDERS", "TEMPLATE_NAMES", "Locale", "SmsFacts", "SmsTemplate",
           "TemplateError", "parse_templates", "render", "render_all", "template", "templates"]  # fmt: skip

Locale = Literal["zh", "en"]
LOCALES: tuple[str, ...] = Locale.__args__  # type: ignore[attr-defined]
TEMPLATE_NAMES = ("reminder", "overdue", "promise_reminder", "plan_confirmation")
PLACEHOLDERS = frozenset(
    {"name", "account_tail", "overdue_yuan", "hotline", "due_date", "promise_yuan", "promised_date",
     "instalments", "next_instalment_yuan", "next_due_date"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SmsTemplate:
    name: str
    description: str
    texts: Mapping[str, str]  # locale -> text

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(
            field for text in self.texts.values() for _, field, _, _ in Formatter().parse(text) if field
        )


@dataclass(frozen=True, slots=True)
class SmsFacts:
    """What a template may say about an account; ``name`` is already masked."""

    name: str
    account_tail: str
    overdue_fen: int
    due_date: date | None = None
    promise_fen: int | None = None
    promised_date: date | None = None
    instalments: int | None = None
    next_instalment_fen: int | None = None
    next_due_date: date | None = None

    def message_facts(self, *, hotline: str = HOTLINE) -> MessageFacts:
        return MessageFacts(
            name=self.name, account_tail=self.account_tail, hotline=hotline, overdue_fen=self.overdue_fen,
            due_date=self.due_date, promise_fen=self.promise_fen, promised_date=self.promised_date,
            instalments=self.instalments, next_instalment_fen=self.next_instalment_fen,
            next_due_date=self.next_due_date,
        )  # fmt: skip


def parse_templates(text: str) -> dict[str, SmsTemplate]:
    """The templates of a TOML text; every one needs a text per locale and known placeholders only."""
    found = {}
    for name, entry in tomllib.loads(text).items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(locale), str) for locale in LOCALES):
            raise TemplateError(
                f"SMS template {name} needs a zh and an en text", f"短信模板 {name} 需要中英文内容"
            )
        template = SmsTemplate(name, str(entry.get("description", "")), {loc: entry[loc] for loc in LOCALES})
        unknown = sorted(template.placeholders - PLACEHOLDERS)
        if unknown:
            raise TemplateError(
                f"SMS template {name} uses unknown placeholders: {', '.join(unknown)}",
                f"短信模板 {name} 使用了未知占位符：{', '.join(unknown)}",
            )
        found[name] = template
    return found


@lru_cache(maxsize=1)
def templates() -> Mapping[str, SmsTemplate]:
    """The shipped collection SMS templates, by name."""
    # a pay link goes with its order (arrears.web.pages.pay_link), never as a plain collector's SMS
    drafts = [d for d in shipped().templates.values() if d.channel == "sms" and d.kind == "collection"
              and "{pay_link}" not in d.body_zh]  # fmt: skip
    return MappingProxyType(
        {d.name: SmsTemplate(d.name, d.description or "", {"zh": d.body_zh, "en": d.body_en}) for d in drafts}
    )


def template(name: str) -> SmsTemplate:
    found = templates().get(name)
    if found is None:
        known = ", ".join(templates())
        raise TemplateError(
            f"unknown SMS template {name} (one of {known})", f"未知短信模板 {name}（可选：{known}）"
        )
    return found


def render(name: str, facts: SmsFacts, *, locale: str = "zh", hotline: str = HOTLINE) -> str:
    """The shipped text in ``locale`` for the facts; TemplateError when a fact it needs is missing."""
    if locale not in LOCALES:
        raise TemplateError(f"unknown locale {locale} (zh or en)", f"未知语言 {locale}（zh 或 en）")
    template(name)
    book = shipped()
    return fill_draft(book.templates[name], facts=facts.message_facts(hotline=hotline),
                      locale=normal_locale(locale), version=1, book=book).text  # fmt: skip


def render_all(name: str, facts: SmsFacts, *, hotline: str = HOTLINE) -> dict[str, str]:
    """The template in every locale."""
    return {locale: render(name, facts, locale=locale, hotline=hotline) for locale in LOCALES}
