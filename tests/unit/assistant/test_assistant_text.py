"""The question as the assistant reads it: checked, normalised (traditional to simplified, full-width to
half-width, lower case, digits masked), cut into words, its language and concepts; ``redact``."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from arrears.assistant.text import (
    MAX_QUESTION,
    InvalidQuestion,
    check_question,
    concepts,
    language,
    normalise,
    redact,
    to_simplified,
    words,
)
from arrears.kit.errors import ArrearsError


def test_traditional_characters_read_as_simplified() -> None:
    assert to_simplified("還款帳單會影響徵信嗎") == "还款账单会影响征信吗"
    assert to_simplified("請不要再發簡訊，請聯絡我") == "请不要再发短信，请联系我"  # Taiwan's words too


def test_full_width_becomes_half_width_and_lower_case() -> None:
    assert normalise("ＡＰＰ还款？") == "app还款?"
    assert normalise("Ｉ  Owe\tYou") == "i owe you"


def test_digits_are_masked_for_the_model() -> None:
    assert normalise("卡号6222021234567890，欠3000元，分12期") == "卡号 # ,欠0元,分0期"
    assert normalise("手机１３８１２３４５６７８") == "手机 #"
    assert normalise("mail me at Zhang.San@Example.com") == "mail me at email"


def test_same_sound_misspellings_of_the_domain_read_as_meant() -> None:
    assert (
        normalise("崔收天天打电化，会影响正信吗，我想言期环款") == "催收天天打电话,会影响征信吗,我想延期还款"
    )


def test_words_keep_the_domain_vocabulary_whole_and_drop_punctuation() -> None:
    found = words(normalise("我想申请停息掛帳，最低还款额是多少？"))
    assert "停息挂账" in found and "最低还款额" in found
    assert "," not in found and "?" not in found
    assert words(normalise("How much do I owe?")) == ["how", "much", "do", "i", "owe"]


def test_concepts_bridge_english_shorthand_and_chinese() -> None:
    assert "分期 还款计划" in concepts(normalise("Can I pay in instalments?"))
    assert "分期 还款计划" in concepts(normalise("txgz需要什么条件"))  # pinyin shorthand beside Chinese
    assert "分期 还款计划" in concepts(normalise("能不能分12期慢慢还"))
    assert "征信 记录" not in concepts(normalise("How can I pay my credit card?"))
    assert concepts(normalise("请问一下")) == ()


def test_language_is_zh_when_a_chinese_character_is_present() -> None:
    assert language("我的balance是多少") == "zh"
    assert language("How much do I owe?") == "en"
    assert language("還款") == "zh"


def test_a_question_is_checked() -> None:
    assert check_question("  我欠多少钱？\n") == "我欠多少钱？"
    assert check_question("第一行\n第二行\t完") == "第一行\n第二行\t完"
    assert len(check_question("欠" * MAX_QUESTION)) == MAX_QUESTION


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("", "the question is empty"),
        ("  \n ", "the question is empty"),
        ("欠" * (MAX_QUESTION + 1), f"longer than {MAX_QUESTION} characters ({MAX_QUESTION + 1})"),
        ("我欠\x00多少", "control character"),
        ("我欠\x1b[31m多少", "control character"),
        ("bad \ud800 surrogate", "control character"),
    ],
)
def test_a_question_is_refused_with_a_clear_message(text: str, english: str) -> None:
    with pytest.raises(InvalidQuestion) as refused:
        check_question(text)
    assert english in refused.value.message_en
    assert refused.value.field == "text"
    assert isinstance(refused.value, ArrearsError)
    assert refused.value.message_zh != refused.value.message_en


def test_redact_masks_ids_cards_phones_and_e_mails() -> None:
    text = (
        "身份证110101199003071234，卡号6222 0212 3456 7890，手机13812345678，"
        "邮箱zhang.san@example.com，工号 12345678，欠款3000元"
    )
    masked = redact(text)
    for secret in ("110101199003071234", "6222 0212 3456 7890", "13812345678", "zhang.san", "12345678"):
        assert secret not in masked
    assert "3000" in masked  # a short number (an amount) is kept
    assert "@example.com" in masked


def test_redact_leaves_no_run_of_six_digits() -> None:
    masked = redact("单号 20261206001，ID 11010119900307123X，电话 021-12345678，ref 123456")
    assert not any(len(run) >= 6 for run in "".join(c if c.isdigit() else " " for c in masked).split())


def test_jieba_prints_nothing_and_caches_its_dictionary_in_a_private_directory() -> None:
    words("先在本进程切一次词")
    code = (
        "import tempfile, pathlib, os\n"
        "from arrears.assistant.text import words, _cache_directory\n"
        "words('我想分期还款')\n"
        "d = pathlib.Path(_cache_directory())\n"
        "print(d.parent == pathlib.Path(tempfile.gettempdir()), oct(d.stat().st_mode & 0o777),"
        " any(d.glob('jieba*.cache')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stderr == ""
    assert done.stdout.split() == ["True", "0o700", "True"]
    assert logging.getLogger("jieba").level == logging.CRITICAL  # here too, once words() has run
