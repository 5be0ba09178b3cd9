"""``arrears assistant``: ask the assistant a question as a cardholder would; check the knowledge base and
the labelled questions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from arrears.cli.common import reports_errors

if TYPE_CHECKING:
    from arrears.assistant.engine import Facts

app = typer.Typer(
    help="The assistant (智能客服): answer a cardholder's question; check the knowledge base.",
    no_args_is_help=True,
)

KB_OPTION = typer.Option(
    None, "--kb", help="A knowledge base directory to use instead of the shipped one (to try a change)."
)
QUESTIONS_OPTION = typer.Option(
    None, "--questions", help="A labelled questions TSV to train on instead of the shipped one."
)


def _today() -> date:
    from zoneinfo import ZoneInfo

    from arrears.config import get_settings
    from arrears.kit import clock

    return clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()


def _facts(account_no: str) -> Facts:
    """The account's facts from the store: the operator's database access stands in for a cardholder's
    verified portal session."""
    from sqlalchemy.exc import SQLAlchemyError

    from arrears.assistant.facts import operator_facts
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.errors import ArrearsError

    settings = get_settings()
    order = tuple(part.strip() for part in settings.payment_order.split(","))
    try:
        with get_engine(settings).connect() as connection:
            return operator_facts(connection, account_no=account_no, today=_today(), order=order)
    except SQLAlchemyError as error:
        raise ArrearsError(
            f"cannot read the account from the database ({type(error).__name__}): is it set up "
            "(`arrears db upgrade`)?",
            "无法从数据库读取该账户：数据库是否已初始化（arrears db upgrade）？",
        ) from None


@app.command()
@reports_errors
def ask(
    text: str = typer.Argument(
        ..., help="The question, as the cardholder wrote it (at most 500 characters)."
    ),
    account: str | None = typer.Option(
        None,
        "--account",
        help="Answer with this account's own figures, read from the store (stands in for a verified "
        "portal session: the operator has database access).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print {intent, confidence, answer, article, handover} as JSON."
    ),
    lang: str | None = typer.Option(None, "--lang", help="zh or en (default: the question's language)."),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Hand over below this confidence (default: the chosen one, see docs)."
    ),
    kb: Path | None = KB_OPTION,
    questions: Path | None = QUESTIONS_OPTION,
) -> None:
    """Answer TEXT as the portal's assistant would, citing the article it comes from; say whether and to
    whom it hands over (a service case or a callback)."""
    from arrears.assistant import knowledge, model
    from arrears.assistant.service import DEFAULT_THRESHOLD, check_lang
    from arrears.assistant.service import ask as answer_question
    from arrears.assistant.text import check_question

    check_question(text)
    check_lang(lang)
    base = knowledge.shipped(kb) if kb is not None else knowledge.shipped()
    facts = _facts(account) if account is not None else None
    classifier = model.shipped(questions) if questions is not None else model.shipped()
    found = answer_question(
        text, facts=facts, lang=lang, threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        classifier=classifier, kb=base,
    )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False))
        return
    typer.echo(found.text)
    handover = found.handover
    note = f"intent {found.intent} ({found.confidence:.2f}), article {found.article}"
    if handover is not None:
        note += (
            f", handover: {handover.to} ({handover.reason}{', ' + handover.kind if handover.kind else ''})"
        )
    typer.echo(f"\n[{note}]")


@app.command()
@reports_errors
def check(kb: Path | None = KB_OPTION, questions: Path | None = QUESTIONS_OPTION) -> None:
    """Check the knowledge base (every intent in zh and en, the format, the placeholders) and the labelled
    questions; exit 1 listing every problem, one a line."""
    from collections import Counter

    from arrears.assistant import knowledge, model

    found, problems = knowledge.check_directory(kb or knowledge.KB)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise typer.Exit(code=1)
    labelled = model.load_questions(questions or model.DATA)
    with_account = sum(1 for one in found.articles.values() if one.account is not None)
    per_intent = Counter(one.intent for one in labelled)
    typer.echo(
        f"knowledge base: {len(found.articles)} articles ({with_account} with an account part); "
        f"questions: {len(labelled)} ({len(model.unique(labelled))} distinct), "
        f"{min(per_intent.values())} to {max(per_intent.values())} per intent"
    )
