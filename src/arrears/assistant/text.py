"""A cardholder's question as the assistant reads it: checked, normalised for the model, cut into words,
its language; and ``redact`` for question text that is kept.

Normalisation (``normalise``): Unicode NFKC (full-width letters, digits and signs to half-width),
traditional to simplified characters with OpenCC (``tw2sp``: ``t2s`` and the Taiwan phrases, so that
簡訊 reads 短信 and 聯絡 联系) and the variant it leaves (``帐`` -> ``账``), lower case, written Cantonese
read as Mandarin (``lexicon.CANTONESE``), e-mail addresses to ``email``, the domain's same-sound
misspellings and words typed half in pinyin read as meant (``lexicon.SOUND_ALIKE``, ``SAME_SOUND``,
``SYLLABLES``), pinyin words and initials read as the Chinese word (``lexicon.PINYIN``), English typing
errors of the domain's words corrected (``english_word``), digit runs of six or more (card, ID, phone
numbers) to ``#`` and shorter ones to ``0`` (the model learns words, not amounts or dates), spaces
collapsed. ``split_key`` is the normalisation the labelled questions were split by, kept as it was.

Words (``words``): jieba's segmentation of the normalised text (a tokenizer of our own with the
collections vocabulary added), punctuation left out. jieba's log is silenced and its dictionary cache
lives in a directory of this user's under the system's temporary directory.

Concepts (``concepts``): the tags of ``lexicon.CONCEPTS`` the normalised text names, in Chinese, in
English or in pinyin shorthand.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import opencc

from arrears.assistant.lexicon import (
    CANTONESE,
    CONCEPTS,
    ENGLISH,
    ENGLISH_KEPT,
    HALF_PINYIN_WORDS,
    PINYIN,
    PINYIN_IN_CHINESE,
    SAME_SOUND,
    SOUND_ALIKE,
    SYLLABLES,
    VOCABULARY,
)
from arrears.kit.inputs import InvalidField
from arrears.kit.masking import mask_free_text

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
MAX_QUESTION = 500  # characters: a question longer than a chat box's is refused, never cut

_VARIANTS = str.maketrans({"帐": "账"})


def _half_pinyin() -> dict[str, str]:
    """Each word of ``HALF_PINYIN_WORDS`` with one of its characters in pinyin (起su -> 起诉)."""
    found: dict[str, str] = {}
    for word in HALF_PINYIN_WORDS:
        for k, char in enumerate(word):
            for syllable in SYLLABLES.get(char, ()):
                found.setdefault(word[:k] + syllable + word[k + 1 :], word)
    return found


def _alternation(keys: Iterable[str], *, bounded: bool = False) -> str:
    """A pattern matching any of ``keys``, the longest first; ``bounded``: a key's Latin end never inside a
    longer Latin word (起su, not 起sun)."""
    found = []
    for key in sorted(keys, key=len, reverse=True):
        pattern = re.escape(key)
        if bounded and "a" <= key[0] <= "z":
            pattern = "(?<![a-z])" + pattern
        if bounded and "a" <= key[-1] <= "z":
            pattern += "(?![a-z])"
        found.append(pattern)
    return "|".join(found)


_CANTONESE_PATTERN = re.compile(_alternation(CANTONESE))
_SOUND_ALIKE = _half_pinyin() | {
    wrong: right for table in (SOUND_ALIKE, SAME_SOUND) for right, wrongs in table.items() for wrong in wrongs
}
_SOUND_ALIKE_PATTERN = re.compile(_alternation(_SOUND_ALIKE, bounded=True))
_SPLIT_TABLE = {wrong: right for right, wrongs in SOUND_ALIKE.items() for wrong in wrongs}
_SPLIT_SOUND_ALIKE = re.compile(_alternation(_SPLIT_TABLE))
_PINYIN = {spelt: word for word, spellings in PINYIN.items() for spelt in spellings}
_PINYIN_IN_CHINESE = {spelt: word for word, spellings in PINYIN_IN_CHINESE.items() for spelt in spellings}
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ENGLISH = frozenset(ENGLISH)
_KEPT = _ENGLISH | frozenset(ENGLISH_KEPT)
_CONCEPTS = tuple(
    (
        one.tag,
        re.compile("|".join(one.zh)) if one.zh else None,
        re.compile("|".join(one.en)) if one.en else None,
    )
    for one in CONCEPTS
)
_NOT_LATIN = re.compile(r"[^a-z0-9' ]+")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_DIGITS = re.compile(r"\d{6,}")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_LOCK = threading.Lock()


class InvalidQuestion(InvalidField):
    """A question the assistant does not read: empty, too long, or holding control characters."""


def check_question(text: str) -> str:
    """The question without its surrounding spaces; InvalidQuestion (field ``text``) when it is empty,
    longer than ``MAX_QUESTION`` characters, or holds a NUL or another control character (tabs and
    line breaks aside)."""
    found = text.strip()
    if not found:
        raise InvalidQuestion("text", "the question is empty", "问题不能为空")
    if len(found) > MAX_QUESTION:
        raise InvalidQuestion(
            "text",
            f"the question is longer than {MAX_QUESTION} characters ({len(found)})",
            f"问题不能超过 {MAX_QUESTION} 个字符（现为 {len(found)} 个）",
        )
    if any(_refused(char) for char in found):
        raise InvalidQuestion("text", "the question holds a control character", "问题中含有控制字符")
    return found


def _refused(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") and char not in _ALLOWED_CONTROLS


def language(text: str) -> Lang:
    """``zh`` when the text holds a Chinese character, else ``en``."""
    return "zh" if _CJK.search(text) else "en"


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("tw2sp")


def to_simplified(text: str) -> str:
    return str(_converter().convert(text)).translate(_VARIANTS)


def sound_alike(text: str) -> str:
    """The domain's same-sound misspellings (``lexicon.SOUND_ALIKE``, ``SAME_SOUND``) and its words typed
    with a character in pinyin (``HALF_PINYIN_WORDS``) read as the words meant; lower-case text."""
    return _SOUND_ALIKE_PATTERN.sub(lambda found: _SOUND_ALIKE[found.group(0)], text)


def cantonese(text: str) -> str:
    """Written Cantonese read as the Mandarin meant (``lexicon.CANTONESE``); simplified text."""
    return _CANTONESE_PATTERN.sub(lambda found: CANTONESE[found.group(0)], text)


@lru_cache(maxsize=1)
def _one_error_away() -> dict[str, set[str]]:
    """Each ``ENGLISH`` word and each of its spellings less one letter -> the words it comes from."""
    found: dict[str, set[str]] = {}
    for word in ENGLISH:
        for spelt in {word} | _deletions(word):
            found.setdefault(spelt, set()).add(word)
    return found


def _deletions(word: str) -> set[str]:
    return {word[:k] + word[k + 1 :] for k in range(len(word))}


def english_word(word: str) -> str:
    """``word``, or the one ``ENGLISH`` word a single typing error (a letter missing, added, changed, or two
    swapped) away from it when ``word`` has five letters or more and is not a known word or its plural."""
    if len(word) < 5 or word in _KEPT or word[:-1] in _KEPT or word[:-2] in _KEPT:
        return word
    index = _one_error_away()
    found = set(index.get(word, ()))
    for spelt in _deletions(word):
        found |= index.get(spelt, set())
    found = {one for one in found if _one_edit(word, one) and not _inflection(word, one)}
    return found.pop() if len(found) == 1 else word


def _one_edit(word: str, known: str) -> bool:
    """One letter missing, added or changed, or two neighbours swapped."""
    if abs(len(word) - len(known)) > 1:
        return False
    start = next(
        (k for k, (a, b) in enumerate(zip(word, known, strict=False)) if a != b), min(len(word), len(known))
    )
    if len(word) != len(known):
        longer, shorter = (word, known) if len(word) > len(known) else (known, word)
        return longer[start + 1 :] == shorter[start:]
    rest = word[start + 1 :] == known[start + 1 :]
    swapped = (
        word[start : start + 2] == known[start : start + 2][::-1] and word[start + 2 :] == known[start + 2 :]
    )
    return rest or swapped


def _inflection(word: str, known: str) -> bool:
    """``word`` is ``known`` with another ending or none (reports, charges, settle): not an error."""
    if len(word) == len(known):
        return word[:-1] == known[:-1]
    longer, shorter = (word, known) if len(word) > len(known) else (known, word)
    return longer[:-1] == shorter and longer[-1] in "sdry"


def latin(text: str) -> str:
    """The Latin words of a lower-case text read: pinyin as the Chinese word (``lexicon.PINYIN``, and
    ``PINYIN_IN_CHINESE`` when the text holds Chinese), English typing errors corrected (``english_word``)."""
    if not any("a" <= char <= "z" for char in text):
        return text
    short = _PINYIN_IN_CHINESE if _CJK.search(text) else {}

    def read(found: re.Match[str]) -> str:
        word = found.group(0)
        return _PINYIN.get(word) or short.get(word) or english_word(word)

    return _LATIN_WORD.sub(read, text)


def split_key(text: str) -> str:
    """The key the labelled questions' repeats are removed by before they are split (``model.split``):
    the normalisation as it stood when the held-out part was drawn (NFKC, simplified, the same-sound
    table ``lexicon.SOUND_ALIKE``, lower case, e-mail addresses and digits masked), kept as it is so
    that improving the normalisation never moves a question between the parts."""
    found = _SPLIT_SOUND_ALIKE.sub(
        lambda one: _SPLIT_TABLE[one.group(0)], to_simplified(unicodedata.normalize("NFKC", text))
    ).lower()
    found = _LONG_DIGITS.sub(" # ", _EMAIL.sub(" email ", found))
    return _SPACES.sub(" ", _DIGITS.sub("0", found)).strip()


def normalise(text: str) -> str:
    """The text as the model reads it (see the module's docstring)."""
    found = cantonese(to_simplified(unicodedata.normalize("NFKC", text)).lower())
    found = latin(sound_alike(_EMAIL.sub(" email ", found)))
    found = _LONG_DIGITS.sub(" # ", found)
    found = _DIGITS.sub("0", found)
    return _SPACES.sub(" ", found).strip()


def _cache_directory() -> str:
    """A directory of this user's for jieba's dictionary cache (another user's is never read)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"arrears-jieba-{uid}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        stat = path.stat()
        if path.is_dir() and not path.is_symlink() and (uid == 0 or stat.st_uid == uid):
            return str(path)
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="arrears-jieba-")


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    with warnings.catch_warnings():  # its regular expressions' escapes warn when first compiled
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba  # type: ignore[import-untyped]  # no type information shipped

    jieba.setLogLevel(logging.CRITICAL)
    logging.getLogger("jieba").setLevel(logging.CRITICAL)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = _cache_directory()
    with _LOCK:
        tokenizer.initialize()
        for word in VOCABULARY:
            tokenizer.add_word(word)
    return tokenizer


def words(normalised: str) -> list[str]:
    """jieba's words of a normalised text, punctuation and spaces left out."""
    return [word for word in _tokenizer().lcut(normalised) if any(char.isalnum() for char in word)]


def concepts(normalised: str) -> tuple[str, ...]:
    """The tags of the concepts a normalised text names (``lexicon.CONCEPTS``), in the lexicon's order."""
    latin = _NOT_LATIN.sub(" ", normalised) if any("a" <= char <= "z" for char in normalised) else ""
    return tuple(
        tag
        for tag, zh, en in _CONCEPTS
        if (zh is not None and zh.search(normalised)) or (en is not None and latin and en.search(latin))
    )


# --- text that is kept -------------------------------------------------------------------------------

_ANY_LONG_DIGITS = re.compile(r"\d{6,}")


def redact(text: str) -> str:
    """Question text as it may be kept (for quality review): every national ID, bank card number, mobile
    or landline number and e-mail address masked as staff see them without ``pii:reveal``
    (``kit.masking.mask_free_text``), then any run of six or more digits left masked whole. Names and
    addresses have no pattern: the caller masks them first with the cardholder's known values
    (``accounts.free_text.known_masks`` gives them, each with its mask)."""
    masked = mask_free_text(text)
    return _ANY_LONG_DIGITS.sub(lambda found: "*" * len(found.group(0)), masked)
