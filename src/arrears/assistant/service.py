"""``ask``: the one call the CLI and the portal's chat box make. The question is checked (``text``), its
language detected unless given, its intent predicted by the shipped classifier (trained at the first
call in the process), and the answer composed (``engine``) from the shipped knowledge base and, for a
verified session only, the account's facts (``facts``). No database, no clock: the caller reads the
facts and keeps (redacted) conversations."""

from __future__ import annotations

from arrears.assistant import knowledge, model
from arrears.assistant.engine import Answer, Facts, compose
from arrears.assistant.knowledge import KnowledgeBase
from arrears.assistant.model import Classifier
from arrears.assistant.text import LANGS, Lang, check_question, language
from arrears.kit.inputs import InvalidField

# The confidence below which the assistant hands over (callback, reason ``unsure``): ``model.THRESHOLD``,
# the lowest at which at least 95% of the answers given alone were right in cross-validation on the
# training part (``model.choose_threshold``; ``benchmarks/assistant_bench.py`` prints it). See
# docs/assistant.md.
DEFAULT_THRESHOLD = model.THRESHOLD


def check_lang(value: str | None) -> Lang | None:
    if value is None:
        return None
    if value not in LANGS:
        raise InvalidField("lang", f"{value!r} is not zh or en", f"{value!r} 不是 zh 或 en")
    return "zh" if value == "zh" else "en"


def check_threshold(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise InvalidField("threshold", "the threshold must be from 0 to 1", "阈值须在 0 至 1 之间")
    return value


def ask(
    text: str,
    *,
    facts: Facts | None = None,
    lang: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    classifier: Classifier | None = None,
    kb: KnowledgeBase | None = None,
) -> Answer:
    """The answer to ``text`` in ``lang`` (default: the question's language). ``facts``: the account's,
    only for a verified session (``facts.facts_for``); without them the account part of an article is
    replaced by how to sign in. InvalidField (an ArrearsError) for a question, a language or a threshold
    that is refused."""
    question = check_question(text)
    chosen = check_lang(lang) or language(question)
    prediction = (classifier or model.shipped()).predict(question)
    return compose(
        prediction=prediction,
        kb=kb or knowledge.shipped(),
        lang=chosen,
        facts=facts,
        threshold=check_threshold(threshold),
    )
