"""The daily run's messages: one outbox row per SMS, e-mail, app/WeChat notice and letter action of the
run, queued in the same transaction as the actions (the run's ``decide`` step), so a run either has
its actions and their messages or neither.

- Key ``run:<date>:<channel>:<account>:<template>``: the same action is queued once, whatever happens.
- Sent from the action's ``scheduled_at`` (the time the rulebook allowed it at) until the end of the
  run day's allowed window (:func:`arrears.messaging.rules.run_deadline`: 22:00 local under ``cn``;
  the end of the day for letters). Not later: the next run decides an undone step again, so a
  message carried over would reach the cardholder twice.
- To the point the run reached the customer at (the valid primary mobile or e-mail); a notice goes to
  the customer (the app or WeChat, by its template); a letter is rendered later for the print house.
- The text is the approved version in use of the action's template, filled with masked data. A
  template that cannot be filled for an account fails that message alone, with the reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.kit.errors import ArrearsError
from arrears.kit.masking import mask_name
from arrears.messaging import facts_repository as facts_sql
from arrears.messaging.facts_repository import AccountFacts, RunAction
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.rules import run_deadline
from arrears.messaging.templates import Filled, MessageFacts, TemplateError, approved, fill_stored
from arrears.messaging.templates.repository import Stored

MESSAGE_CHANNELS = ("sms", "email", "push", "letter")
POINT_KIND = {"sms": "mobile", "email": "email"}


@dataclass(frozen=True, slots=True)
class RunTexts:
    """What the run's messages say besides the account's facts."""

    hotline: str = "400-000-0000"
    issuer: str | None = None
    pay_link: str | None = None
    locale: str = "zh"


@dataclass(frozen=True, slots=True)
class Queued:
    """What a run queued: messages by channel, and those that failed to be made (by reason)."""

    by_channel: dict[str, int]
    failed: dict[str, int]

    def report(self) -> dict[str, object]:
        return {"queued": sum(self.by_channel.values()), "by_channel": self.by_channel, "failed": self.failed}


def run_key(*, run_date: date, channel: str, account_id: int, template: str | None) -> str:
    return f"run:{run_date.isoformat()}:{channel}:{account_id}:{template or '-'}"


def message_facts(found: AccountFacts, texts: RunTexts) -> MessageFacts:
    """The template facts of an account, with the name masked."""
    return MessageFacts(
        name=mask_name(found.name), account_tail=found.account_no[-4:], hotline=texts.hotline,
        issuer=texts.issuer, overdue_fen=found.overdue_fen, due_date=found.due_date,
        minimum_fen=found.arrears_fen, dpd=found.dpd, pay_link=texts.pay_link, promise_fen=found.promise_fen,
        promised_date=found.promised_date, instalments=found.instalments,
        next_instalment_fen=found.next_instalment_fen, next_due_date=found.next_due_date,
    )  # fmt: skip


class _Templates:
    """The versions in use, read once per template and channel."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._found: dict[tuple[str, str], Stored | TemplateError] = {}

    def fill(self, *, name: str | None, channel: str, facts: MessageFacts, locale: str) -> Filled:
        if not name:
            raise TemplateError("the action names no template", "该动作没有指定模板")
        key = (name, channel)
        if key not in self._found:
            try:
                self._found[key] = approved(self._connection, name=name, channel=channel)
            except TemplateError as error:
                self._found[key] = error
        stored = self._found[key]
        if isinstance(stored, TemplateError):
            raise stored
        filled = fill_stored(stored, facts=facts, locale=locale)
        if filled.kind != "collection":
            raise TemplateError(f"{name} is a service template", f"{name} 是服务类模板，不能用于催收")
        return filled


def enqueue_run(
    connection: Connection, *, run_date: date, zone: str, policy: Policy, texts: RunTexts, now: datetime
) -> Queued:
    """Queues the run's message actions (see the module docstring)."""
    actions = facts_sql.run_actions(connection, run_date=run_date, channels=MESSAGE_CHANNELS)
    customers = sorted({action.customer_id for action in actions})
    points = {channel: facts_sql.reached_points(connection, customers, kind=kind)
              for channel, kind in POINT_KIND.items()}  # fmt: skip
    worded = sorted({action.account_id for action in actions if action.channel != "letter"})
    facts = facts_sql.account_facts(connection, worded)
    templates = _Templates(connection)
    messages = [
        _message(action, points, facts, templates, texts, run_date=run_date, zone=zone, policy=policy)
        for action in actions
    ]
    enqueue(connection, messages=messages, now=now)
    return Queued(
        by_channel=dict(Counter(m.channel for m in messages if m.failed_reason is None)),
        failed=dict(Counter(m.failed_reason for m in messages if m.failed_reason is not None)),
    )


def _message(
    action: RunAction,
    points: dict[str, dict[int, int]],
    facts: dict[int, AccountFacts],
    templates: _Templates,
    texts: RunTexts,
    *,
    run_date: date,
    zone: str,
    policy: Policy,
) -> NewMessage:
    channel = action.channel
    key = run_key(run_date=run_date, channel=channel, account_id=action.account_id, template=action.template)
    base = NewMessage(
        key=key,
        channel=channel, source="run", not_before=action.scheduled_at,
        deadline_at=run_deadline(run_date=run_date, channel=channel, zone=zone, policy=policy),
        account_id=action.account_id, customer_id=action.customer_id,
        contact_point_id=points.get(channel, {}).get(action.customer_id), action_id=action.id,
        run_date=run_date, template=action.template, locale=texts.locale,
        target=_target(action.template) if channel == "push" else None,
    )  # fmt: skip
    if channel == "letter":
        return base
    try:
        said = message_facts(facts[action.account_id], texts)
        filled = templates.fill(name=action.template, channel=channel, facts=said, locale=texts.locale)
    except ArrearsError as error:
        return replace(base, failed_reason=error.message_en)
    return replace(base, body=filled.text, subject=filled.subject, template_version=filled.version)


def _target(template: str | None) -> str:
    """A notice goes to WeChat when its template is a WeChat one, else to the bank's app."""
    return "wechat" if (template or "").startswith("wechat") else "app"
