"""The knowledge base is loaded and checked: every intent in zh and en, a title and a general answer,
placeholders only the allowed ones, only in the account part, only in the articles allowed one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from arrears.assistant import knowledge
from arrears.assistant.knowledge import (
    ACCOUNT_INTENTS,
    InvalidKnowledge,
    check_directory,
    fill,
    parse_article,
)
from arrears.assistant.model import INTENTS

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A copy of the fixtures' knowledge base, to break."""
    return Path(shutil.copytree(FIXTURES / "kb", tmp_path / "kb"))


def test_the_shipped_knowledge_base_is_complete_and_valid() -> None:
    found = knowledge.shipped()
    assert set(found.articles) == {(intent, lang) for intent in INTENTS for lang in ("zh", "en")}
    with_account = {intent for (intent, _), article in found.articles.items() if article.account}
    assert with_account <= set(ACCOUNT_INTENTS)
    assert found.article("balance", "zh").id == "balance.zh"


def test_an_article_is_read_in_its_parts() -> None:
    article, problems = parse_article(
        "balance", "en", "# What you owe\n\nGeneral.\nMore.\n\n<!-- account -->\nOverdue: {overdue}\n"
    )
    assert problems == []
    assert article is not None
    assert (article.title, article.general, article.account) == (
        "What you owe",
        "General.\nMore.",
        "Overdue: {overdue}",
    )
    plain, _ = parse_article("how_to_pay", "en", "# Ways to pay\nApp or branch.")
    assert plain is not None and plain.account is None


def test_the_fixtures_pass_the_check(kb: Path) -> None:
    found, problems = check_directory(kb)
    assert problems == []
    assert len(found.articles) == 32


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("balance.zh.md", "欠款金额\n没有标题行。", "balance.zh.md: the first line must be '# Title'"),
        ("balance.zh.md", "# 欠款金额\n\n<!-- account -->\n{overdue}", "balance.zh.md: no general answer"),
        (
            "balance.en.md",
            "# Owed\nGeneral.\n<!-- account -->\nYou owe {amount}.",
            "unknown placeholder {amount}",
        ),
        ("balance.en.md", "# Owed\nYou owe {overdue}.", "placeholder {overdue} in the general answer"),
        (
            "legal.zh.md",
            "# 法律\n一般说明。\n<!-- account -->\n欠款 {balance}",
            "an account part in an article of legal",
        ),
        ("balance.en.md", "# Owed\nA.\n<!-- account -->\n{overdue}\n<!-- account -->\nB", "more than once"),
        ("due_date.zh.md", "# Due date\nPay before the due date.", "a zh article without Chinese text"),
        ("refunds.zh.md", "# 退款\n说明。", "refunds.zh.md: not an article"),
    ],
)
def test_the_check_refuses_a_bad_article(kb: Path, name: str, text: str, problem: str) -> None:
    (kb / name).write_text(text, encoding="utf-8")
    _, problems = check_directory(kb)
    assert any(problem in one for one in problems), problems
    with pytest.raises(InvalidKnowledge) as refused:
        knowledge.load(kb)
    assert problem in refused.value.message_en


def test_the_check_refuses_a_missing_language(kb: Path) -> None:
    (kb / "fraud.en.md").unlink()
    with pytest.raises(InvalidKnowledge, match=r"fraud\.en\.md: missing"):
        knowledge.load(kb)


def test_a_readme_beside_the_articles_is_not_an_article(kb: Path) -> None:
    (kb / "README.md").write_text("# How to write articles\n{anything}", encoding="utf-8")
    assert check_directory(kb)[1] == []


def test_fill_replaces_only_the_placeholders() -> None:
    assert (
        fill("逾期 {overdue}，最低 {minimum}。", {"overdue": "¥1.00", "minimum": "¥0.50"})
        == "逾期 ¥1.00，最低 ¥0.50。"
    )
