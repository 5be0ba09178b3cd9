"""The knowledge base: the bank's approved answers, one Markdown article per intent and language
(``kb/<intent>.zh.md``, ``kb/<intent>.en.md``), loaded and checked.

An article's first line is ``# Title``; then the general answer; then, optionally, a line
``<!-- account -->`` followed by the part that speaks of the cardholder's own account, shown only to a
verified portal session, with its figures in the placeholders ``PLACEHOLDERS`` (``{overdue}``...). The
check refuses the knowledge base (listing every problem) when an intent lacks an article in a language,
a file is not an intent's article, a title or a general answer is missing, an article of an intent not in
``ACCOUNT_INTENTS`` has an account part, or a placeholder is unknown or stands in the general answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from arrears.assistant.model import INTENTS
from arrears.assistant.text import LANGS, Lang
from arrears.kit.errors import ArrearsError

KB = Path(__file__).parent / "kb"
ACCOUNT_MARK = "<!-- account -->"
PLACEHOLDERS = ("overdue", "minimum", "balance", "due_date", "last_payment", "plan", "offers")
# the intents whose articles may speak of the cardholder's own figures (kb/README.md)
ACCOUNT_INTENTS = ("balance", "due_date", "payment_missing", "instalment")
_FILE = re.compile(r"([a-z_]+)\.([a-z]+)\.md")
_PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class InvalidKnowledge(ArrearsError):
    """The knowledge base breaks its format; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Article:
    intent: str
    lang: Lang
    title: str
    general: str
    account: str | None  # the part about the cardholder's own account, with its placeholders

    @property
    def id(self) -> str:
        return f"{self.intent}.{self.lang}"


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    articles: dict[tuple[str, str], Article]

    def article(self, intent: str, lang: Lang) -> Article:
        return self.articles[(intent, lang)]


def parse_article(intent: str, lang: Lang, text: str) -> tuple[Article | None, list[str]]:
    """The article and the problems found in it (the article is None when it cannot be read)."""
    name = f"{intent}.{lang}.md"
    lines = text.replace("\r\n", "\n").strip("\ufeff").split("\n")
    if not lines[0].startswith("# ") or not lines[0][2:].strip():
        return None, [f"{name}: the first line must be '# Title'"]
    body = "\n".join(lines[1:])
    parts = [part.strip() for part in re.split(rf"^[ \t]*{re.escape(ACCOUNT_MARK)}[ \t]*$", body, flags=re.M)]
    problems = _problems(name, intent, lang, lines[0][2:].strip(), parts)
    account = parts[1] if len(parts) > 1 else None
    return Article(intent, lang, lines[0][2:].strip(), parts[0], account or None), problems


def _problems(name: str, intent: str, lang: Lang, title: str, parts: list[str]) -> list[str]:
    problems = []
    if not parts[0]:
        problems.append(f"{name}: no general answer after the title")
    if len(parts) > 2:
        problems.append(f"{name}: '{ACCOUNT_MARK}' more than once")
    if len(parts) > 1 and intent not in ACCOUNT_INTENTS:
        problems.append(
            f"{name}: an account part in an article of {intent} (allowed: {', '.join(ACCOUNT_INTENTS)})"
        )
    if len(parts) > 1 and not parts[1]:
        problems.append(f"{name}: an empty account part")
    if lang == "zh" and not _CJK.search(title + parts[0]):
        problems.append(f"{name}: a zh article without Chinese text")
    for found in _PLACEHOLDER.findall(parts[0]):
        problems.append(f"{name}: placeholder {{{found}}} in the general answer (only in the account part)")
    for part in parts[1:]:
        problems += [
            f"{name}: unknown placeholder {{{found}}} (allowed: {', '.join(PLACEHOLDERS)})"
            for found in _PLACEHOLDER.findall(part)
            if found not in PLACEHOLDERS
        ]
    return problems


def check_directory(directory: Path) -> tuple[KnowledgeBase, list[str]]:
    """The articles of ``directory`` and every problem found in them."""
    articles: dict[tuple[str, str], Article] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
        if path.name.lower() == "readme.md":
            continue
        matched = _FILE.fullmatch(path.name)
        if matched is None or matched[1] not in INTENTS or matched[2] not in LANGS:
            problems.append(f"{path.name}: not an article (<intent>.<zh|en>.md of a known intent)")
            continue
        intent = matched[1]
        lang: Lang = "zh" if matched[2] == "zh" else "en"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{path.name}: cannot be read ({error})")
            continue
        article, found = parse_article(intent, lang, text)
        problems += found
        if article is not None:
            articles[(intent, lang)] = article
    problems += [
        f"{intent}.{lang}.md: missing"
        for intent in INTENTS
        for lang in LANGS
        if (intent, lang) not in articles and not any(p.startswith(f"{intent}.{lang}.md") for p in problems)
    ]
    return KnowledgeBase(articles), problems


def load(directory: Path) -> KnowledgeBase:
    """The checked knowledge base of ``directory``; InvalidKnowledge listing every problem."""
    found, problems = check_directory(directory)
    if problems:
        listed = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InvalidKnowledge(
            f"the knowledge base in {directory} is not usable: {listed}",
            f"知识库 {directory} 不可用：{listed}",
        )
    return found


@lru_cache(maxsize=4)
def _loaded(directory: Path) -> KnowledgeBase:
    return load(directory)


def shipped(directory: Path = KB) -> KnowledgeBase:
    """The knowledge base of ``directory`` (the package's by default), loaded and checked once per
    process."""
    return _loaded(directory.resolve())


def fill(text: str, values: dict[str, str]) -> str:
    """The account part with its placeholders replaced (a placeholder without a value stays as it is;
    the check has refused unknown ones)."""
    return _PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), text)
