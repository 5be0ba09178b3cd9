"""No stored code reaches a staff page: every role of the web book, in Chinese and in English, opens
every staff page it reaches (the pages without parameters, the book's cases, stops and service cases,
and every link and htmx fragment they lead to), and the text a person reads (tags stripped; attribute
values, the head, scripts, form fields' contents, ``<code>`` and text marked as another language left
out) holds no known code as a word. The codes are collected from the models' code lists, the built-in
strategies' treatments, segments and arms, the service desk's categories and the label tables.

In Chinese every code counts (``open`` or ``home address`` on a Chinese page is a code shown raw); in
English only codes of several words (``home_address``), since ``open`` or ``planned`` are English words
that a label may well be. The same walk checks that figures have thousands separators and that no
account is named by its internal id ("账户 9215").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_support import signed_in_as

import arrears.models
from arrears.kit.crypto import FieldCipher
from arrears.models import ROLES
from arrears.servicedesk import categories
from arrears.strategy.load import BUILT_IN, load_strategy
from arrears.web import labels
from every_code_book import Seeded, add_every_code
from staff_pages import Reader, staff_pages, starting_points

SQLITE = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)

LANGUAGES = ("zh-CN", "en")
PUNCTUATION = "()[]{}.,;:!?\"'“”‘’·、，。：；（）《》"
UNSEPARATED = re.compile(r"(?<![\d,.])\d{4,}")  # 1234 where 1,234 was meant
# the book's account numbers start with a letter: a number alone is an id
INTERNAL_ID = re.compile(r"(?:账户|[Aa]ccount)\s*#?\d+(?![\d,.])")


def known_codes() -> frozenset[str]:
    """Every stored code: the models' code lists, the strategies' ids, the desk's categories, the labels'."""
    found: set[str] = set()
    for name in dir(arrears.models):
        value = getattr(arrears.models, name)
        if name.isupper() and isinstance(value, tuple) and all(isinstance(one, str) for one in value):
            found.update(value)
    for strategy in (load_strategy(name).strategy for name in BUILT_IN):
        found.update(strategy.treatments)
        for segment in strategy.segments:
            found.add(segment.id)
            found.update(arm.id for arm in segment.arms)
    for codes in categories.CATEGORIES.values():
        found.update(codes)
    found.update(labels.CODES)
    return frozenset(code for code in found if re.fullmatch(r"[a-z][a-z0-9_]*", code))


def _word(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(text)}(?![A-Za-z0-9_-])")


@dataclass(frozen=True)
class Shape:
    """How a raw code reads on a page: the code itself, or its words; ``alone``: only when no English
    word stands beside it (``open`` in an English sentence left untranslated is not a code shown)."""

    pattern: re.Pattern[str]
    alone: bool = False

    def found(self, text: str) -> re.Match[str] | None:
        for hit in self.pattern.finditer(text):
            if not self.alone or not (
                _english(text[: hit.start()].split()[-1:]) or _english(text[hit.end() :].split()[:1])
            ):
                return hit
        return None


def _english(tokens: list[str]) -> bool:
    return (
        bool(tokens)
        and re.fullmatch(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", tokens[0].strip(PUNCTUATION)) is not None
    )


def shapes(lang: str) -> dict[str, Shape]:
    """The shapes of a raw code on a page of ``lang``. In either language a code of several words as it is
    stored (``home_address``); in Chinese also a one-word code (``open``) or a code's words (``home
    address``) standing alone; in English a code's words when they hold a number (``phone m1``)."""
    found = {}
    for code in known_codes():
        words = code.replace("_", " ")
        if "_" in code:
            found[code] = Shape(_word(code))
        if lang == "zh-CN":
            found[words] = Shape(_word(words), alone=True)
        elif "_" in code and re.search(r"[0-9]", code):
            found[words] = Shape(_word(words))
    return found


def faults(client: TestClient, lang: str, todo: list[str]) -> dict[str, dict[str, str]]:
    """Opens the pages: code (or fault) -> page -> the text around it there."""
    known, found = shapes(lang), {}  # type: ignore[var-annotated]
    for page in staff_pages(client, lang, todo, per_shape=3):
        text = page.reader.read()
        for code, one in known.items():
            if hit := one.found(text):
                found.setdefault(code, {})[page.url] = text[max(hit.start() - 30, 0) : hit.end() + 30]
        for figure in page.reader.figures:
            if UNSEPARATED.search(figure):
                found.setdefault("a figure without thousands separators", {})[page.url] = figure.strip()
        if hit := INTERNAL_ID.search(text):
            found.setdefault("an account named by its internal id", {})[page.url] = hit.group()
    return found


@pytest.fixture
def seeded(book: Engine, cipher: FieldCipher) -> Seeded:
    """The book of tests/web_book.py with every code on it."""
    return add_every_code(book, cipher)


def test_the_codes_are_collected() -> None:
    codes = known_codes()
    expected = {
        "phone_m1",
        "bank_transfer",
        "uci_classic",
        "dispute",
        "special_mention",
        "home_address",
        "no_answer",
        "income_loss",
        "claimed",
        "proposed",
        "checked_in",
        "panic",
        "agency_placement",
        "agency_user",
    }
    assert expected <= codes and len(codes) > 150


def test_the_reader_leaves_out_attributes_scripts_fields_and_other_languages() -> None:
    reader = Reader("zh-CN")
    reader.feed(
        '<html lang="zh-CN"><p title="no_answer">无人接听<br><code>arrears run-day</code></p>'
        '<textarea>home_address</textarea><div lang="en"><p>open<input value="x"></p></div>'
        '<p>proposed</p><script>var a = "planned";</script>'
    )
    assert " ".join(reader.text).split() == ["无人接听", "proposed"]
    figures = Reader("en")
    figures.feed(
        '<table><tr><td class="num">1234<br><span>x</span></td><td>5678</td></tr></table>'
        '<p class="big-figure">1,234 / 12</p>'
    )
    assert figures.figures == ["1234x", "1,234 / 12"] and [
        bool(UNSEPARATED.search(f)) for f in figures.figures
    ] == [True, False]
    assert INTERNAL_ID.search("账户 9215 ·") and not INTERNAL_ID.search("账户 A00000003")
    chinese, english = shapes("zh-CN"), shapes("en")
    assert chinese["proposed"].found(" ".join(reader.text))
    assert not chinese["open"].found("opened reopen open_x 状态open_ an open case")
    assert chinese["home address"].found("地址 home address ****") and chinese["open"].found("（open）")
    assert english["home_address"].found("home_address") and "home address" not in english
    assert "open" not in english and english["phone m1"].found("call phone m1 planned")


@SQLITE
@pytest.mark.parametrize("role", ROLES)
def test_no_raw_code_reaches_a_staff_page(web: TestClient, seeded: Seeded, role: str) -> None:
    browser = signed_in_as(web, f"{role}1")
    shown = []
    for lang in LANGUAGES:
        browser.client.get(f"/lang/{lang}")
        for code, pages in sorted(faults(browser.client, lang, starting_points(web.app, seeded)).items()):
            url, around = sorted(pages.items())[0]
            shown.append(f"{lang} {code!r} on {len(pages)} pages, e.g. {url}: ...{around}...")
    assert not shown, "\n".join(shown)
