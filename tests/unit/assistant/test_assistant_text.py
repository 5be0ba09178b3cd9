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
    english_word,
    language,
    normalise,
    redact,
    split_key,
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


def test_more_same_sound_misspellings_and_words_half_in_pinyin_read_as_meant() -> None:
    assert normalise("我换了手鸡号，给我回个电花") == "我换了手机号,给我回个电话"
    assert normalise("会被起su吗，卡被盗shua了，宽限几tian") == "会被起诉吗,卡被盗刷了,宽限几天"
    assert normalise("起sun") == "起sun"  # a syllable inside a longer Latin word is left alone


def test_written_cantonese_reads_as_mandarin() -> None:
    assert normalise("呢張卡幾時要還錢？") == "这张卡什么时候要还钱?"
    assert normalise("屋企有人病咗，我冇錢還卡數") == "家里有人病了,我没有钱还卡债"


def test_pinyin_reads_as_the_chinese_word_and_initials_only_beside_chinese() -> None:
    assert normalise("我想fenqi还款，转rgkf") == "我想分期还款,转人工客服"
    assert normalise("hk日是几号，会影响zx吗") == "还款日是几号,会影响征信吗"
    assert normalise("txgz") == "停息挂账"  # three letters or more: read alone too
    assert normalise("I pay from HK") == "i pay from hk"  # two letters without Chinese: English


def test_english_typing_errors_of_the_domain_words_are_corrected() -> None:
    assert normalise("were can i make paymnet, whats my overdue amout") == (
        "were can i make payment, whats my overdue amount"
    )
    assert english_word("collecter") == "collector" and english_word("statment") == "statement"
    for kept in ("charges", "reports", "there", "change", "polite", "contract", "lease", "email", "pay"):
        assert english_word(kept) == kept  # an ordinary word, an ending, a short word: left alone
    assert english_word("paymant") == "payment"


def test_the_split_key_is_the_normalisation_the_questions_were_split_by() -> None:
    """Frozen: a better normalisation must not move a labelled question between the parts."""
    assert split_key("崔收天天打电化，會影響正信嗎？ＡＰＰ，卡号6222021234567890") == (
        "催收天天打电话,会影响征信吗?app,卡号 #"
    )
    assert split_key("我换了手鸡号，冇錢，fenqi") == "我换了手鸡号,冇钱,fenqi"  # none of today's additions
    assert normalise("我换了手鸡号，冇錢，fenqi") == "我换了手机号,没有钱,分期"


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
