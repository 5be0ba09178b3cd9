"""Every stored code has a label in Chinese and in English, and the pages say codes by their labels."""

from __future__ import annotations

import re

import pytest

from arrears.models import HOLD_KINDS, ROLES
from arrears.strategy.load import BUILT_IN, load_strategy
from arrears.web.i18n import environment, gettext, translations
from arrears.web.labels import CODES, ENGLISH, PRODUCTS, REGULATORY_CLASSES, english, strategy_labels

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_has_a_chinese_label() -> None:
    catalog = translations("zh_CN")
    unlabelled = sorted(code for code in CODES if not CJK.search(catalog.gettext(code)))
    assert unlabelled == ["app"]  # App: the mobile banking app, as Chinese speakers write it


def test_every_code_has_an_english_label() -> None:
    assert len(CODES) > 150 and set(ENGLISH) <= set(CODES)
    for code in CODES:
        assert english(code) and "_" not in english(code), code
        assert gettext("en", code) == english(code)


def test_the_code_lists_are_covered() -> None:
    assert {*ROLES, *HOLD_KINDS, *PRODUCTS, *REGULATORY_CLASSES} <= CODES
    assert {"uci_classic", "bank_transfer", "special_mention", "claimed", "checked_in"} <= CODES


@pytest.mark.parametrize(
    ("locale", "code", "kind", "said"),
    [
        ("zh_CN", "home_address", None, "家庭地址"),
        ("en", "home_address", None, "home address"),
        ("zh_CN", "phone_m1", None, "M1 电话催收"),
        ("en", "phone_m1", "treatment", "M1 calls"),
        ("zh_CN", "legal", "treatment", "法务审查"),
        ("zh_CN", "legal", None, "法务"),
        ("zh_CN", "late_m1", "segment", "M1 后期（16-30天）"),
        ("en", "uci_classic", None, "UCI classic card"),
        ("zh_CN", "some_new_code", None, "some new code"),
        ("en", None, None, ""),
    ],
)
def test_the_code_filter_says_the_label(locale: str, code: str | None, kind: str | None, said: str) -> None:
    template = environment(locale).from_string("{{ value|code(kind) }}")
    assert template.render(value=code, kind=kind) == said


def test_treatments_and_segments_are_labelled_in_their_strategy_files() -> None:
    found = strategy_labels()
    for strategy in (load_strategy(name).strategy for name in BUILT_IN):
        assert set(strategy.treatments) <= set(found["treatment"])
        assert {segment.id for segment in strategy.segments} <= set(found["segment"])


def test_english_messages_stay_themselves() -> None:
    assert environment("en").from_string("{{ _('Next case') }} {{ _(code) }}").render(code="no_answer") == (
        "Next case no answer"
    )
