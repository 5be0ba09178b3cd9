"""The engine's entry point for what a message says (beside :mod:`arrears.compliance.entry_points`).

Pure. Checked when a template version is saved and again when it is approved:

- TEMPLATE-THREATS (policy section ``template_threats``): no template may threaten or mislead; a text
  carrying a term of the policy's lexicon (起诉你, 拘留, 坐牢, "arrest", "jail", ...) is refused,
  naming each term (CBRC 2011 Art. 67: no violence, threats or insults; GB/T 45251-2025).
- SERVICE-CONTENT (policy section ``service_content``): a service message (a one-time code, a receipt)
  carries no collection content: neither a collection variable (an overdue amount, a due date...) nor
  a term of the policy's demand lexicon (逾期, 欠款, "overdue", ...).
- LETTER-DISCLOSURES (:func:`arrears.compliance.entry_points.letter_disclosures`): a letter carries
  every disclosure of CBRC 2011 Art. 69, in each language.

Terms match ignoring case, full-width forms and spaces (坐 牢 is 坐牢); a Latin term matches whole
words only ("jail" is not found in "jailbreak"). A policy without the section switches the check off.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping

from arrears.compliance.entry_points import LetterTemplate, Verdict, letter_disclosures
from arrears.compliance.policy import Lexicon

_SPACE = re.compile(r"\s+")
_VARIABLE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}")  # a placeholder's name is not text
_LANGUAGES = {"zh": ("中文", "Chinese"), "en": ("英文", "English")}


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if unicodedata.category(char) != "Cf")  # zero-width marks


def _pattern(term: str) -> re.Pattern[str] | str:
    folded = _fold(term).strip()
    if folded.isascii():
        words = r"\s+".join(re.escape(word) for word in folded.split())
        return re.compile(rf"(?<![a-z0-9]){words}(?![a-z0-9])")
    return _SPACE.sub("", folded)


def terms_in(texts: Iterable[str], terms: Iterable[str]) -> list[str]:
    """The terms (as the policy writes them) that one of ``texts`` carries, in the policy's order;
    placeholders (``{overdue_yuan}``) are not read as text."""
    folded = [_fold(_VARIABLE.sub(" ", text)) for text in texts]
    compact = [_SPACE.sub("", text) for text in folded]
    found = []
    for term in terms:
        pattern = _pattern(term)
        if isinstance(pattern, str):
            hit = bool(pattern) and any(pattern in text for text in compact)
        else:
            hit = any(pattern.search(text) for text in folded)
        if hit:
            found.append(term)
    return found


def template_threats(texts: Iterable[str], *, lexicon: Lexicon | None) -> Verdict:
    """Rule TEMPLATE-THREATS: every term of the threat lexicon the texts carry."""
    if lexicon is None:
        return Verdict(allowed=True, rule="TEMPLATE-THREATS")
    found = terms_in(texts, lexicon.terms)
    zh = [f"模板含有威胁或误导性用语“{term}”" for term in found]
    en = [f"the template says “{term}”, which threatens or misleads" for term in found]
    return Verdict(allowed=not found, rule=lexicon.rule, reasons_zh=tuple(zh), reasons_en=tuple(en))


def service_content(
    texts: Iterable[str],
    *,
    variables: Collection[str],
    collection_variables: Collection[str],
    lexicon: Lexicon | None,
) -> Verdict:
    """Rule SERVICE-CONTENT: a service template carries no collection variable and no demand term."""
    rule = lexicon.rule if lexicon is not None else "SERVICE-CONTENT"
    zh, en = [], []
    for name in sorted(set(variables) & set(collection_variables)):
        zh.append(f"服务类模板不得包含催收内容 {{{name}}}")
        en.append(f"a service template may carry no collection content such as {{{name}}}")
    for term in terms_in(texts, lexicon.terms) if lexicon is not None else ():
        zh.append(f"服务类模板不得包含催收用语“{term}”")
        en.append(f"a service template may not say “{term}”, which is collection content")
    return Verdict(allowed=not zh, rule=rule, reasons_zh=tuple(zh), reasons_en=tuple(en))


def letter_template(bodies: Mapping[str, str]) -> Verdict:
    """LETTER-DISCLOSURES for a letter written in several languages (``bodies``: locale -> text):
    every disclosure of Art. 69 in each of them, the language named when it is missing."""
    zh, en = [], []
    for locale, body in bodies.items():
        verdict = letter_disclosures(LetterTemplate.from_text(body))
        lang_zh, lang_en = _LANGUAGES.get(locale, (locale, locale))
        zh += [f"{lang_zh}：{reason}" for reason in verdict.reasons_zh]
        en += [f"{lang_en}: {reason}" for reason in verdict.reasons_en]
    return Verdict(allowed=not zh, rule="LETTER-DISCLOSURES", reasons_zh=tuple(zh), reasons_en=tuple(en))
