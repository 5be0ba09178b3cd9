"""Filling a template version with an account's facts: pure (no database, no clock).

The body is filled variable by variable (plain substitution, see :mod:`.variables`); the standard
sections (a letter's disclosures) are filled from the same facts first; a collection letter or e-mail
then gets the financial-education block, and an SMS or push notice too when its version says so
(``education``). A variable whose fact is missing refuses the whole message, naming the fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Final

from arrears.messaging.templates.errors import TemplateError
from arrears.messaging.templates.facts import MessageFacts, fact_values
from arrears.messaging.templates.shipped import Draft, Shipped
from arrears.messaging.templates.variables import VARIABLES, placeholders

ALWAYS_EDUCATED: Final = frozenset({"letter", "email"})


@dataclass(frozen=True, slots=True)
class Filled:
    text: str
    subject: str | None
    version: int
    kind: str


class _Missing(Exception):
    def __init__(self, variable: str) -> None:
        self.variable = variable


def normal_locale(locale: str) -> str:
    """``zh``, ``zh_CN``, ``zh-CN`` -> ``zh``; ``en``, ``en_US`` -> ``en``; TemplateError otherwise."""
    short = locale.replace("-", "_").split("_", 1)[0].lower()
    if short not in ("zh", "en"):
        raise TemplateError(f"unknown locale {locale} (zh or en)", f"未知语言 {locale}（zh 或 en）")
    return short


def substitute(text: str, values: Mapping[str, str], *, keep_missing: bool = False) -> str:
    """``text`` with every ``{variable}`` replaced; _Missing for the first one without a value (kept as
    ``{variable}`` with ``keep_missing``), TemplateError for an unbalanced brace (a draft being typed:
    the editor's preview says why)."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        placeholders(text)  # raises the TemplateError naming the unbalanced brace
        raise
    parts = []
    for literal, field, _, _ in parsed:
        parts.append(literal)
        if field is not None:
            if field not in values and not keep_missing:
                raise _Missing(field)
            parts.append(values.get(field, "{" + field + "}"))
    return "".join(parts)


def educated(draft: Draft) -> bool:
    """Whether the education block follows the body: collection letters and e-mails always, SMS and
    push when the version says so, service messages never."""
    return draft.kind == "collection" and (draft.channel in ALWAYS_EDUCATED or draft.education)


def _values(
    facts: MessageFacts, *, channel: str, locale: str, book: Shipped
) -> tuple[dict[str, str], dict[str, str]]:
    """The variable values, sections included, and for each section that cannot be filled the
    variable it misses."""
    values = fact_values(facts, channel=channel, locale=locale)
    issuer = book.sections.get("issuer")
    if "issuer" not in values and issuer is not None:
        values["issuer"] = issuer[locale]
    unfilled: dict[str, str] = {}
    for name, texts in book.sections.items():
        if name == "issuer":
            continue
        try:
            values[name] = substitute(texts[locale], values)
        except _Missing as missing:
            unfilled[name] = missing.variable
    return values, unfilled


def _needs(template: str, variable: str, unfilled: Mapping[str, str]) -> TemplateError:
    fact = VARIABLES.get(unfilled.get(variable, variable))
    if fact is None:  # a draft being typed (saving refuses it the same way)
        return TemplateError(f"unknown variable {{{variable}}}", f"未知变量 {{{variable}}}")
    en, zh = fact.en, fact.zh
    return TemplateError(
        f"the template {template} needs {en}; the account has none",
        f"模板 {template} 需要{zh}，该账户没有",
    )


def _separator(channel: str, locale: str) -> str:
    if channel in ALWAYS_EDUCATED:
        return "\n\n"
    return "" if locale == "zh" else " "


def fill_draft(draft: Draft, *, facts: MessageFacts, locale: str, version: int, book: Shipped) -> Filled:
    """The draft filled for the facts in ``locale``; TemplateError naming the first missing fact."""
    loc = normal_locale(locale)
    values, unfilled = _values(facts, channel=draft.channel, locale=loc, book=book)
    try:
        text = substitute(draft.body(loc), values)
        subject_text = draft.subject(loc)
        subject = substitute(subject_text, values) if subject_text else None
        if educated(draft):
            block = book.education[loc if draft.channel in ALWAYS_EDUCATED else f"short_{loc}"]
            text += _separator(draft.channel, loc) + substitute(block, values)
    except _Missing as missing:
        raise _needs(draft.name, missing.variable, unfilled) from None
    return Filled(text=text, subject=subject, version=version, kind=draft.kind)
