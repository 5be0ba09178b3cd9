"""The zh_CN catalog covers every message of the pages, with the same placeholders."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir

from arrears.web.i18n import HERE, environment, locale_of, translations
from arrears.web.labels import CODES, LABELS

KEYWORDS = {"_": None, "N_": None, "gettext": (2,), "t": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(HERE), METHODS, OPTIONS, KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_chinese_translation() -> None:
    catalog = translations("zh_CN")
    extracted = messages()
    assert len(extracted) > 200
    untranslated = sorted(message for message in extracted if catalog.gettext(message) == message)
    assert untranslated == ["Arrears"]  # the product's name stays as it is


def test_placeholders_survive_translation() -> None:
    catalog = translations("zh_CN")
    for message in messages():
        assert set(PLACEHOLDER.findall(catalog.gettext(message))) == set(PLACEHOLDER.findall(message)), (
            message
        )


def test_stored_codes_have_labels() -> None:
    assert set(CODES) <= set(LABELS)


LOCALES = [("en", "en"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("fr", "zh_CN"), (None, "zh_CN")]


@pytest.mark.parametrize(("given", "expected"), LOCALES)
def test_locale_of(given: str | None, expected: str) -> None:
    assert locale_of(given) == expected


def test_english_is_the_messages_themselves() -> None:
    assert environment("en").from_string("{{ _('Next case') }}").render() == "Next case"
    assert environment("zh_CN").from_string("{{ _('Next case') }}").render() == "下一个案件"
