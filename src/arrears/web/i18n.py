"""The pages' languages: zh-CN by default, English on request.

Messages are written in English in the templates and the code (``_("Next case")``); the zh_CN
gettext catalog (``web/locale/zh_CN/LC_MESSAGES/messages.po``, kept with Babel: see
``scripts/i18n``) translates them. The catalog is compiled in memory when first used, so no build
step is needed. Each locale has its own Jinja2 environment, so requests never share a language.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from arrears.kit.money import fen_to_yuan
from arrears.messaging.reason_text import reason_zh
from arrears.models import ACTION_CHANNELS
from arrears.servicedesk.categories import case_number
from arrears.web import timefmt
from arrears.web.labels import CODES, LABELS, english, strategy_label

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
HERE = Path(__file__).parent
CATALOGS = HERE / "locale"
TEMPLATES = HERE / "templates"


def locale_of(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """A supported locale for a cookie's or a setting's value (``en``, ``zh-CN``, ``zh_CN``...)."""
    if value:
        wanted = value.replace("-", "_")
        for locale in LOCALES:
            if wanted.lower() == locale.lower() or wanted.lower() == locale.split("_")[0]:
                return locale
    return default if default in LOCALES else DEFAULT_LOCALE


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of ``locale``. English is the messages themselves, but for the stored codes
    (``home_address``), which say their English labels (``labels.english``)."""
    po = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en":
        catalog = Catalog(locale="en")
        for code in sorted(CODES):
            catalog.add(code, english(code))
    elif not po.exists():
        return NullTranslations()
    else:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def yuan(fen: int | None) -> str:
    """``123456`` fen -> ``¥1,234.56``."""
    if fen is None:
        return "-"
    return f"¥{fen_to_yuan(int(fen)):,.2f}"


def percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.1%}"


def _labeller(catalog: NullTranslations) -> Callable[[str], str]:
    """Text translated when it is one of the labels (a shipped template's description), else as it
    is: unlike ``_``, it never formats the text (a ``%`` a user typed stays a ``%``)."""
    known = frozenset(LABELS)
    return lambda text: catalog.gettext(text) if text in known else text


_CJK = re.compile(r"[\u4e00-\u9fff]")


def one_language(text: str | None, *, zh: bool) -> str:
    """A text Arrears wrote in both languages (``English / 中文``, a hold's reason) in the page's one;
    any other text as it is."""
    if not text or text.count(" / ") != 1:
        return text or ""
    english, chinese = text.split(" / ")
    if _CJK.search(english) or not _CJK.search(chinese):
        return text
    return chinese if zh else english


def _coder(catalog: NullTranslations, *, zh: bool) -> Callable[..., str]:
    """A code's label in the page's language (``labels``): a strategy's treatment or segment when the
    page says which (``kind``), else the catalog's, else a treatment's or segment's of the strategy
    files, else the code's English words; never the code as it is stored."""

    def named(code: str | None, kind: str | None = None) -> str:
        if not code:
            return ""
        if kind and (found := strategy_label(code, kind, zh=zh)):
            return found
        if (said := catalog.gettext(code)) != code:
            return said
        strategy = strategy_label(code, "treatment", zh=zh) or strategy_label(code, "segment", zh=zh)
        return strategy or english(code)

    return named


@cache
def environment(locale: str) -> Environment:
    """The Jinja2 environment of one locale: autoescaped, with ``_``/``gettext`` installed."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["yuan"] = yuan
    env.filters["percent"] = percent
    env.filters["reason"] = reason_zh if locale == "zh_CN" else str  # why a message did not go
    env.filters["label"] = _labeller(translations(locale))  # free text that may be a known label
    env.filters["code"] = _coder(translations(locale), zh=locale == "zh_CN")  # a code said in words
    env.filters["one_language"] = partial(one_language, zh=locale == "zh_CN")  # "English / 中文" texts
    env.filters["case_no"] = case_number  # a service case's number, KF-000042
    timefmt.install(env)
    env.globals["locale"] = locale
    env.globals["action_channels"] = ACTION_CHANNELS  # a timeline item of these kinds names a treatment
    env.globals["lang"] = "zh-CN" if locale == "zh_CN" else "en"
    return env


def gettext(locale: str, message: str, **values: Any) -> str:
    """A message of the code (not of a template) in ``locale``, with ``%(name)s`` values filled in."""
    text = translations(locale).gettext(message)
    return text % values if values else text


def render(locale: str, template: str, **context: Any) -> Markup:
    return Markup(environment(locale).get_template(template).render(**context))
