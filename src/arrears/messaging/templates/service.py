"""Using templates: the version in use, filled for an account, and the shipped ones seeded.

``fill`` is what every sender calls (the daily run, the workspace, the dispatcher's letters, the
portal's one-time codes). Only an approved version is ever used: the approved one with the highest
number. A shipped template whose name the store has never seen is seeded first (approved version 1,
decided by the system), so a fresh database fills at once. Services never commit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from arrears.messaging.templates.errors import TemplateError
from arrears.messaging.templates.facts import MessageFacts
from arrears.messaging.templates.repository import Stored, TemplateRepository
from arrears.messaging.templates.rules import Filled, fill_draft
from arrears.messaging.templates.shipped import shipped

CHANNEL_LABELS = {"sms": ("SMS", "短信"), "email": ("e-mail", "电子邮件"), "push": ("app or WeChat", "推送"),
                  "letter": ("letter", "信函")}  # fmt: skip


def seed_shipped(connection: Connection, *, now: datetime, names: tuple[str, ...] | None = None) -> int:
    """Seeds the shipped templates (or those of ``names``) the store has no version of, as approved
    version 1; idempotent and safe when several processes seed at once. How many were added."""
    book = shipped().templates
    chosen = [book[name] for name in (names if names is not None else tuple(book)) if name in book]
    return TemplateRepository(connection).seed(chosen, at=now)


def ensure_seeded(connection: Connection, *, now: datetime) -> int:
    """Seeds the shipped templates the store has never seen (none when it has them all: no write)."""
    missing = tuple(set(shipped().templates) - TemplateRepository(connection).names())
    return seed_shipped(connection, now=now, names=missing) if missing else 0


def approved(connection: Connection, *, name: str, channel: str) -> Stored:
    """The version of ``name`` in use (seeding a shipped template the store lacks); TemplateError when
    there is none or it is not a template of ``channel``."""
    repository = TemplateRepository(connection)
    found = repository.in_use(name)
    if found is None and name in shipped().templates:
        seed_shipped(connection, now=datetime.now(UTC), names=(name,))
        found = repository.in_use(name)
    label_en, label_zh = CHANNEL_LABELS.get(channel, (channel, channel))
    if found is None and repository.last_version(name) == 0:
        raise TemplateError(f"unknown {label_en} template {name}", f"未知{label_zh}模板 {name}")
    if found is None:
        raise TemplateError(
            f"the {label_en} template {name} has no approved version",
            f"{label_zh}模板 {name} 没有已审批的版本",
        )
    if found.draft.channel != channel:
        raise TemplateError(
            f"{name} is not a template of the {label_en} channel", f"{name} 不是{label_zh}模板"
        )
    return found


def fill_stored(stored: Stored, *, facts: MessageFacts, locale: str) -> Filled:
    """A version already read (see :func:`approved`) filled for the facts: for filling many at once."""
    return fill_draft(stored.draft, facts=facts, locale=locale, version=stored.version, book=shipped())


def fill(connection: Connection, *, name: str, channel: str, facts: MessageFacts, locale: str) -> Filled:
    """The template's version in use filled for the facts in ``locale`` (zh or en): text, subject
    (e-mail, push, letter), version and kind (collection or service). TemplateError, in Chinese and
    English and naming the missing fact, when it cannot be filled."""
    return fill_stored(approved(connection, name=name, channel=channel), facts=facts, locale=locale)
