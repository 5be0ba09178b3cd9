"""SMS templates: the texts in ``sms_templates.toml`` (zh and en), filled with masked data only.

Rendering is pure: :class:`SmsFacts` in (already masked), text out. A template whose facts are missing
(a promise reminder without an open promise) is refused with a message, never sent half-filled.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from string import Formatter
from types import MappingProxyType
from typing import Literal

from arrears.kit.errors import ArrearsError
from arrears.kit.money import format_fen

Locale = Literal["zh", "en"]
LOCALES: tuple[str, ...] = Locale.__args__  # type: ignore[attr-defined]
TEMPLATE_NAMES = ("reminder", "overdue", "promise_reminder", "plan_confirmation")
HOTLINE = "400-000-0000"
"""The collections hotline printed in every SMS (a placeholder number: pass the bank's own)."""

# placeholder -> (the fact it needs, the fact's name in English and Chinese)
_NEEDS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "due_date": ("due_date", "a due date (a statement)", "还款日（账单）"),
        "promise_yuan": ("promised_date", "an open promise to pay", "未到期的还款承诺"),
        "promised_date": ("promised_date", "an open promise to pay", "未到期的还款承诺"),
        "instalments": ("next_due_date", "an active plan with an open instalment", "执行中的还款计划"),
        "next_instalment_yuan": (
            "next_due_date",
            "an active plan with an open instalment",
            "执行中的还款计划",
        ),
        "next_due_date": ("next_due_date", "an active plan with an open instalment", "执行中的还款计划"),
    }
)
PLACEHOLDERS = frozenset({"name", "account_tail", "overdue_yuan", "hotline", *_NEEDS})


class TemplateError(ArrearsError):
    """A template that is unknown, malformed, or cannot be filled for the account."""


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


def parse_templates(text: str) -> dict[str, SmsTemplate]:
    """The templates of a TOML text; every one needs a text per locale and known placeholders only."""
    templates = {}
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
        templates[name] = template
    return templates


@lru_cache(maxsize=1)
def templates() -> Mapping[str, SmsTemplate]:
    """The shipped templates, by name."""
    text = (resources.files("arrears.contacts") / "sms_templates.toml").read_text("utf-8")
    return MappingProxyType(parse_templates(text))


def template(name: str) -> SmsTemplate:
    found = templates().get(name)
    if found is None:
        known = ", ".join(templates())
        raise TemplateError(
            f"unknown SMS template {name} (one of {known})", f"未知短信模板 {name}（可选：{known}）"
        )
    return found


def _day(value: date, locale: str) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if locale == "zh" else value.isoformat()


def values(facts: SmsFacts, *, locale: str, hotline: str = HOTLINE) -> dict[str, str]:
    """The placeholder values the facts give (a placeholder whose fact is missing has none)."""
    filled = {
        "name": facts.name,
        "account_tail": facts.account_tail,
        "overdue_yuan": format_fen(facts.overdue_fen),
        "hotline": hotline,
    }
    if facts.due_date is not None:
        filled["due_date"] = _day(facts.due_date, locale)
    if facts.promise_fen is not None and facts.promised_date is not None:
        filled |= {
            "promise_yuan": format_fen(facts.promise_fen),
            "promised_date": _day(facts.promised_date, locale),
        }
    if (
        facts.next_due_date is not None
        and facts.instalments is not None
        and facts.next_instalment_fen is not None
    ):
        filled |= {
            "instalments": str(facts.instalments),
            "next_instalment_yuan": format_fen(facts.next_instalment_fen),
            "next_due_date": _day(facts.next_due_date, locale),
        }
    return filled


def render(name: str, facts: SmsFacts, *, locale: str = "zh", hotline: str = HOTLINE) -> str:
    """The template's text in ``locale`` for the facts; TemplateError when a fact it needs is missing."""
    if locale not in LOCALES:
        raise TemplateError(f"unknown locale {locale} (zh or en)", f"未知语言 {locale}（zh 或 en）")
    chosen = template(name)
    filled = values(facts, locale=locale, hotline=hotline)
    missing = sorted(chosen.placeholders - set(filled))
    if missing:
        _, en, zh = _NEEDS[missing[0]]
        raise TemplateError(
            f"the SMS template {name} needs {en}; the account has none",
            f"短信模板 {name} 需要{zh}，该账户没有",
        )
    return chosen.texts[locale].format_map(filled)


def render_all(name: str, facts: SmsFacts, *, hotline: str = HOTLINE) -> dict[str, str]:
    """The template in every locale."""
    return {locale: render(name, facts, locale=locale, hotline=hotline) for locale in LOCALES}
